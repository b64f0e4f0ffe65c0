/**
 * plasma's internal tables in Postgres form: the same names and columns as the SQLite form
 * (`internal-tables.ts`, SPEC §6), with `row_version BIGSERIAL`, `value JSONB` and BIGINT for
 * unix-ms stamps and counters (SQLite's INTEGER is 64-bit).
 *
 * One difference: there is no `_plasma_origin` table. Who is writing reaches the capture
 * triggers through transaction-local settings (`set_config('plasma.client_group_id', …, true)`,
 * see {@link POSTGRES_ORIGIN_SETTINGS}), which vanish at COMMIT or ROLLBACK by themselves; a
 * one-row table would make every concurrent writer wait on (and, under SERIALIZABLE, fail
 * against) the same row.
 *
 * A test keeps this list in step with the SQLite one: every table there exists here.
 */

/** Statements creating every internal table; each is idempotent. */
export const POSTGRES_INTERNAL_TABLES_DDL: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS _plasma_changes (
    row_version BIGSERIAL PRIMARY KEY,
    table_name TEXT NOT NULL,
    row_id TEXT NOT NULL,
    op TEXT NOT NULL CHECK (op IN ('put','del')),
    value JSONB,
    created_at BIGINT NOT NULL,
    client_group_id TEXT, client_id TEXT, mutation_id BIGINT)`,
  `CREATE INDEX IF NOT EXISTS _plasma_changes_row_idx ON _plasma_changes (table_name, row_id, row_version)`,
  `CREATE TABLE IF NOT EXISTS _plasma_client_mutations (
    client_group_id TEXT NOT NULL, client_id TEXT NOT NULL,
    last_mutation_id BIGINT NOT NULL, last_pull_version BIGINT, last_seen_at BIGINT NOT NULL,
    PRIMARY KEY (client_group_id, client_id))`,
  `CREATE TABLE IF NOT EXISTS _plasma_blobs (hash TEXT PRIMARY KEY, size BIGINT NOT NULL, mime TEXT NOT NULL,
    uploaded_at BIGINT NOT NULL, orphaned_at BIGINT)`,
  `CREATE TABLE IF NOT EXISTS _plasma_blob_refs (hash TEXT NOT NULL, table_name TEXT NOT NULL, row_id TEXT NOT NULL,
    column_name TEXT NOT NULL, PRIMARY KEY (hash, table_name, row_id, column_name))`,
  `CREATE INDEX IF NOT EXISTS _plasma_blob_refs_row_idx ON _plasma_blob_refs (table_name, row_id, column_name)`,
  `CREATE TABLE IF NOT EXISTS _plasma_blob_uploads (hash TEXT NOT NULL, principal TEXT NOT NULL,
    uploaded_at BIGINT NOT NULL, PRIMARY KEY (hash, principal))`,
  `CREATE TABLE IF NOT EXISTS _plasma_client_groups (client_group_id TEXT PRIMARY KEY, user_id TEXT NOT NULL,
    created_at BIGINT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS _plasma_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS _plasma_guard (ok INTEGER NOT NULL CONSTRAINT plasma_guard CHECK (ok = 1))`,
  `CREATE TABLE IF NOT EXISTS _plasma_blob_guard (ok INTEGER NOT NULL CONSTRAINT plasma_blob_missing CHECK (ok = 1))`,
]

/** Internal tables of the SQLite form that Postgres replaces by other means (see the module doc). */
export const POSTGRES_ABSENT_INTERNAL_TABLES: readonly string[] = ["_plasma_origin"]

/**
 * The transaction-local settings the capture triggers read the origin from. Unset (or set to
 * `''`) means a server-side write: NULLs on the change rows, and the database clock for `now`.
 */
export const POSTGRES_ORIGIN_SETTINGS = {
  clientGroupID: "plasma.client_group_id",
  clientID: "plasma.client_id",
  mutationID: "plasma.mutation_id",
  now: "plasma.now",
} as const

/** SQL for "now" in unix ms on Postgres (the statement's start, like SQLite's `'now'`). */
export const POSTGRES_NOW_MS = "(extract(epoch FROM statement_timestamp()) * 1000)::bigint"
