/**
 * `_plasma_blob_gc`: the collector's claims. A row means "these bytes are being deleted": the
 * hash's `_plasma_blobs` row has already been removed (so no commit can attach the hash any
 * more: the write path's blob guard requires that row) and the bytes may or may not be gone
 * yet. Claims are removed once the bytes are deleted; a claim left by a crashed run is finished
 * by the next one. PUT of a claimed hash answers 503 until then.
 *
 * The table is private to `@plasma/blobs`, so `@plasma/server` (which must work without this
 * package) does not create it: the blob code creates it lazily, once per executor, with
 * idempotent DDL. The partial index lets the collector find orphans without scanning every blob.
 */
import type { SqlExecutor } from "@plasma/executors"

/** Idempotent DDL for the collector's private table and index. */
export const BLOB_GC_DDL: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS _plasma_blob_gc (hash TEXT PRIMARY KEY, claimed_at INTEGER NOT NULL)`,
  `CREATE INDEX IF NOT EXISTS _plasma_blobs_orphaned_idx ON _plasma_blobs (orphaned_at) WHERE orphaned_at IS NOT NULL`,
]

const ready = new WeakMap<SqlExecutor, Promise<void>>()

/**
 * Creates `_plasma_blob_gc` (and the orphan index) if missing; runs the DDL once per executor.
 * `_plasma_blobs` must exist already (`ensureSchema` creates it).
 */
export function ensureBlobGcTable(executor: SqlExecutor): Promise<void> {
  let pending = ready.get(executor)
  if (pending === undefined) {
    pending = executor.batch(BLOB_GC_DDL.map((text) => ({ text, params: [] }))).then(() => undefined)
    // A failure (say, `_plasma_blobs` not created yet) must not be cached forever.
    pending.catch(() => ready.delete(executor))
    ready.set(executor, pending)
  }
  return pending
}
