/**
 * plasma's internal tables. Names and columns of the first five are part of the contract
 * (SPEC §6): admin code reads them. The others are private machinery of the write path:
 * - `_plasma_origin` holds, for the duration of one commit batch, who is writing, so the
 *   change-capture triggers can stamp it on each change row (NULLs for server-side writes).
 * - `_plasma_blob_uploads` records who uploaded which bytes, `_plasma_client_groups` which user
 *   owns a client group (see the comments on their DDL).
 * - `_plasma_guard` and `_plasma_blob_guard` exist only to fail: inserting 0 violates their
 *   named CHECK constraints, which aborts the whole batch (D1 has no BEGIN/ROLLBACK).
 */
import type { SqlExecutor } from "@plasma/executors"

/** Statements creating every internal table; each is idempotent. */
export const INTERNAL_TABLES_DDL: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS _plasma_changes (
    row_version INTEGER PRIMARY KEY AUTOINCREMENT,
    table_name TEXT NOT NULL,
    row_id TEXT NOT NULL,
    op TEXT NOT NULL CHECK (op IN ('put','del')),
    value TEXT,
    created_at INTEGER NOT NULL,
    client_group_id TEXT, client_id TEXT, mutation_id INTEGER)`,
  `CREATE INDEX IF NOT EXISTS _plasma_changes_row_idx ON _plasma_changes (table_name, row_id, row_version)`,
  `CREATE TABLE IF NOT EXISTS _plasma_client_mutations (
    client_group_id TEXT NOT NULL, client_id TEXT NOT NULL,
    last_mutation_id INTEGER NOT NULL, last_pull_version INTEGER, last_seen_at INTEGER NOT NULL,
    PRIMARY KEY (client_group_id, client_id))`,
  `CREATE TABLE IF NOT EXISTS _plasma_blobs (hash TEXT PRIMARY KEY, size INTEGER NOT NULL, mime TEXT NOT NULL,
    uploaded_at INTEGER NOT NULL, orphaned_at INTEGER)`,
  `CREATE TABLE IF NOT EXISTS _plasma_blob_refs (hash TEXT NOT NULL, table_name TEXT NOT NULL, row_id TEXT NOT NULL,
    column_name TEXT NOT NULL, PRIMARY KEY (hash, table_name, row_id, column_name))`,
  `CREATE INDEX IF NOT EXISTS _plasma_blob_refs_row_idx ON _plasma_blob_refs (table_name, row_id, column_name)`,
  // Who proved possession of a blob's bytes by uploading them (the blob PUT route inserts a row,
  // also for bytes already stored); a push may attach a hash only with such a row or read access
  // to a row that references it (`write/attach-access.ts`). The principal is the `userID` auth
  // gave, else "group:" + clientGroupID.
  `CREATE TABLE IF NOT EXISTS _plasma_blob_uploads (hash TEXT NOT NULL, principal TEXT NOT NULL,
    uploaded_at INTEGER NOT NULL, PRIMARY KEY (hash, principal))`,
  // The userID that first used a client group (when auth returns one); nobody else may use it.
  `CREATE TABLE IF NOT EXISTS _plasma_client_groups (client_group_id TEXT PRIMARY KEY, user_id TEXT NOT NULL,
    created_at INTEGER NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS _plasma_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS _plasma_origin (id INTEGER PRIMARY KEY CHECK (id = 1),
    client_group_id TEXT, client_id TEXT, mutation_id INTEGER, now INTEGER)`,
  `CREATE TABLE IF NOT EXISTS _plasma_guard (ok INTEGER NOT NULL CONSTRAINT plasma_guard CHECK (ok = 1))`,
  `CREATE TABLE IF NOT EXISTS _plasma_blob_guard (ok INTEGER NOT NULL CONSTRAINT plasma_blob_missing CHECK (ok = 1))`,
]

/** The named constraint a serializability or exactly-once guard violates. */
export const CONFLICT_GUARD = "plasma_guard"
/** The named constraint violated when a written FileRef has no uploaded bytes. */
export const BLOB_GUARD = "plasma_blob_missing"

/** The newest `row_version` (0 for an empty log): an O(log n) lookup on the primary key. */
export const HEAD_VERSION_SQL = "SELECT COALESCE(MAX(row_version), 0) AS v FROM _plasma_changes"

/** Reads the newest `row_version`; reads after it see every commit up to it. */
export async function readHeadVersion(executor: SqlExecutor): Promise<number> {
  const rows = await executor.all<{ v: unknown }>({ text: HEAD_VERSION_SQL, params: [] })
  return Number(rows[0]?.v ?? 0)
}

/** `_plasma_meta` keys. */
export const META_KEYS = {
  /** Fingerprint of the schema the capture triggers were generated for. */
  schemaFingerprint: "schema_fingerprint",
  /** Highest row_version compaction has folded; snapshots below it are refused. */
  compactionFloor: "compaction_floor",
} as const

/** SQL for "now" in unix ms, used when no origin row supplies it (raw SQL writes). */
export const SQL_NOW_MS = "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)"
