/**
 * The blob package's own tables, created lazily (once per executor, idempotent DDL), because
 * `@plasma/server` must work without this package:
 *
 * - `_plasma_blob_gc`: the collector's claims. A row means "these bytes are being deleted": the
 *   hash's `_plasma_blobs` row has already been removed (so no commit can attach the hash any
 *   more: the write path's blob guard requires that row) and the bytes may or may not be gone
 *   yet. `run_id` names the run that holds the claim and `claimed_at` is its lease: a claim whose
 *   lease is younger than `leaseMs` belongs to a live run and is left alone; an older one, or one
 *   whose run gave up (`run_id` NULL), is a leftover the next run finishes. PUT of a claimed hash
 *   answers 503 until then.
 * - `_plasma_blob_uploads`: who proved they hold which bytes (the PUT route records the uploader's
 *   principal, see `principalOf`). `ensureSchema` of `@plasma/server` creates the same table
 *   (the write path reads it to allow attaching); the DDL here is identical, so whichever runs
 *   first wins and the other is a no-op. The principal index serves the upload quota.
 *
 * The partial index lets the collector find orphans without scanning every blob.
 */
import type { SqlDialect, SqlExecutor } from "@plasma/executors"
import { internalTablesDdlFor } from "@plasma/server/internal"
import { blobSqlOf } from "../blob-sql.js"

/** Idempotent DDL for the blob package's tables and indexes, in `dialect`'s types. */
export function blobGcDdl(dialect: SqlDialect): readonly string[] {
  const ms = blobSqlOf(dialect).msType
  return [
    `CREATE TABLE IF NOT EXISTS _plasma_blob_gc (hash TEXT PRIMARY KEY, claimed_at ${ms} NOT NULL, run_id TEXT)`,
    `CREATE INDEX IF NOT EXISTS _plasma_blobs_orphaned_idx ON _plasma_blobs (orphaned_at) WHERE orphaned_at IS NOT NULL`,
    `CREATE TABLE IF NOT EXISTS _plasma_blob_uploads (hash TEXT NOT NULL, principal TEXT NOT NULL, uploaded_at ${ms} NOT NULL, PRIMARY KEY (hash, principal))`,
    `CREATE INDEX IF NOT EXISTS _plasma_blob_uploads_principal_idx ON _plasma_blob_uploads (principal, uploaded_at)`,
  ]
}

const ready = new WeakMap<SqlExecutor, Promise<void>>()

/**
 * Creates the blob package's tables (and indexes) if missing; runs once per executor. The
 * server's internal tables come first (idempotent DDL), so a collector run from a cron on a
 * database that has not served a request yet finds empty tables instead of failing.
 */
export function ensureBlobGcTable(executor: SqlExecutor): Promise<void> {
  let pending = ready.get(executor)
  if (pending === undefined) {
    pending = create(executor)
    // A failure (say, `_plasma_blobs` not created yet) must not be cached forever.
    pending.catch(() => ready.delete(executor))
    ready.set(executor, pending)
  }
  return pending
}

async function create(executor: SqlExecutor): Promise<void> {
  const ddl = [...internalTablesDdlFor(executor.dialect), ...blobGcDdl(executor.dialect)]
  await executor.batch(ddl.map((text) => ({ text, params: [] })))
  // A claims table made before leases existed has no `run_id`; its claims read as abandoned.
  const columns = await executor.all<{ name: string }>(blobSqlOf(executor.dialect).columnsOf("_plasma_blob_gc"))
  if (!columns.some((c) => c.name === "run_id")) await executor.run({ text: "ALTER TABLE _plasma_blob_gc ADD COLUMN run_id TEXT", params: [] })
}
