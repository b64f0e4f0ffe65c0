/**
 * DDL for user tables and their change-capture triggers on Postgres (SPEC §15): the same tables
 * and the same change log as `ddl.ts` writes for SQLite, with PL/pgSQL triggers.
 *
 * Each table gets one trigger function, fired AFTER INSERT OR UPDATE OR DELETE FOR EACH ROW, so
 * it sees every write: the write path's, the cascades and set-nulls Postgres's foreign keys do
 * (they run as ordinary row writes on the child table), and raw SQL. It appends to
 * `_plasma_changes` the full row in its wire form (booleans as JSON booleans, json/file columns
 * embedded, bigints as decimal strings, blobs as lower-case hex), and keeps `_plasma_blob_refs`
 * and `_plasma_blobs.orphaned_at` exact for `file()` columns.
 *
 * **Row-version order is commit order (SPEC §7.5).** A BIGSERIAL value is handed out when the
 * row is inserted, not when its transaction commits: a transaction that took version 7 can
 * commit after one that took 8, and a pull that saw 8 would skip 7 for good. So before taking a
 * version the trigger takes a transaction-scoped advisory lock (one per schema) and holds it
 * until COMMIT/ROLLBACK: versions are handed out by one writer at a time, in the order those
 * writers commit, and Postgres makes a commit visible before it releases its locks. Writers
 * therefore serialise from their first captured write to their commit — the same one-writer
 * model SQLite and D1 have, and cheaper than serving pulls below the oldest in-flight writer
 * (which needs `pg_snapshot_xmin` bookkeeping on every pull, and stalls every reader behind
 * one slow writer). Reads never take the lock.
 *
 * Identifiers come from the validated schema and are quoted, so `ownerId` keeps its case.
 */
import { refTargetOf, type AnyColumn, type AnyTable } from "@plasma/core"
import { postgresDialect } from "@plasma/executors"
import { createIndexesSql, defaultSql, ON_DELETE, TRIGGER_PREFIX } from "./ddl.js"
import { POSTGRES_NOW_MS, POSTGRES_ORIGIN_SETTINGS } from "./postgres-internal-tables.js"

const q = postgresDialect.quoteIdentifier
const lit = (text: string): string => `'${text.replaceAll("'", "''")}'`

/** The Postgres type of each column kind, as `format_type` reports it back. */
export const POSTGRES_SQL_TYPE: Readonly<Record<AnyColumn["config"]["kind"], string>> = {
  id: "text",
  text: "text",
  ref: "text",
  // SQLite's INTEGER is 64-bit: BIGINT keeps every value SQLite accepts.
  int: "bigint",
  bigint: "bigint",
  // 0/1 as on SQLite, so admin SQL (`WHERE done = 1`) and the write path's bound 1/0 port as is.
  boolean: "integer",
  real: "double precision",
  json: "jsonb",
  file: "jsonb",
  blob: "bytea",
}

/** One column's definition, as used by CREATE TABLE and ALTER TABLE ADD COLUMN. */
export function postgresColumnDefinition(name: string, column: AnyColumn, forAlter = false): string {
  const { kind, nullable, unique } = column.config
  const parts = [q(name), POSTGRES_SQL_TYPE[kind]]
  if (kind === "id") parts.push("PRIMARY KEY")
  if (!nullable) parts.push("NOT NULL")
  const def = defaultSql(column)
  if (def !== null) parts.push(`DEFAULT ${def}`)
  if (unique && !forAlter) parts.push("UNIQUE")
  if (kind === "boolean") parts.push(`CHECK (${q(name)} IN (0, 1))`)
  const target = refTargetOf(column)
  if (target !== null && column.config.ref !== null) {
    parts.push(`REFERENCES ${q(target.table)} (${q(target.column)}) ON DELETE ${ON_DELETE[column.config.ref.onDelete]}`)
  }
  return parts.join(" ")
}

/** CREATE TABLE for a user table. */
export function postgresCreateTableSql(table: AnyTable): string {
  const columns = Object.entries(table.$columns).map(([name, column]) => `  ${postgresColumnDefinition(name, column)}`)
  return `CREATE TABLE IF NOT EXISTS ${q(table.$name)} (\n${columns.join(",\n")}\n)`
}

/** CREATE INDEX statements: the same text as on SQLite (declared indexes plus one per ref column). */
export const postgresCreateIndexesSql: (table: AnyTable) => string[] = createIndexesSql

/** The wire-form JSON value of one column of `row`, as a jsonb expression. */
function wireValueSql(row: "NEW" | "OLD", name: string, column: AnyColumn): string {
  const ref = `${row}.${q(name)}`
  switch (column.config.kind) {
    case "boolean":
      return `CASE WHEN ${ref} IS NULL THEN 'null'::jsonb WHEN ${ref} <> 0 THEN 'true'::jsonb ELSE 'false'::jsonb END`
    case "json":
    case "file":
      return `COALESCE(${ref}, 'null'::jsonb)`
    case "bigint":
      return `to_jsonb(${ref}::text)`
    case "blob":
      return `to_jsonb(encode(${ref}, 'hex'))`
    default:
      return `to_jsonb(${ref})`
  }
}

/** Postgres functions take at most 100 arguments: 50 key/value pairs per jsonb_build_object. */
const PAIRS_PER_OBJECT = 50

/** The full row as the change log stores it (a jsonb expression). */
export function postgresRowJsonSql(table: AnyTable, row: "NEW" | "OLD"): string {
  const pairs = Object.entries(table.$columns).map(([name, column]) => `${lit(name)}, ${wireValueSql(row, name, column)}`)
  const objects: string[] = []
  for (let i = 0; i < pairs.length; i += PAIRS_PER_OBJECT) {
    objects.push(`jsonb_build_object(${pairs.slice(i, i + PAIRS_PER_OBJECT).join(", ")})`)
  }
  return objects.length === 0 ? "'{}'::jsonb" : objects.join(" || ")
}

/** The name of the trigger and of its function for `table`. */
export function postgresTriggerName(table: AnyTable | string): string {
  return `${TRIGGER_PREFIX}${typeof table === "string" ? table : table.$name}`
}

/**
 * The advisory-lock key serialising version allocation, one per schema (tests and tenants
 * sharing a database in separate schemas do not wait on each other).
 */
export const VERSION_LOCK_SQL = "PERFORM pg_advisory_xact_lock(hashtext('plasma_changes:' || current_schema()))"

function changeInsertSql(table: AnyTable, op: "put" | "del", row: "NEW" | "OLD"): string {
  const value = op === "put" ? postgresRowJsonSql(table, row) : "NULL"
  return (
    `INSERT INTO _plasma_changes (table_name, row_id, op, value, created_at, client_group_id, client_id, mutation_id) ` +
    `VALUES (${lit(table.$name)}, ${row}."id", '${op}', ${value}, stamp, origin_group, origin_client, origin_mutation);`
  )
}

const hashOf = (row: "NEW" | "OLD", name: string): string => `(${row}.${q(name)} ->> 'hash')`

function addRefSql(table: AnyTable, name: string): string[] {
  return [
    `IF ${hashOf("NEW", name)} IS NOT NULL THEN`,
    `  INSERT INTO _plasma_blob_refs (hash, table_name, row_id, column_name) VALUES (${hashOf("NEW", name)}, ${lit(table.$name)}, NEW."id", ${lit(name)}) ON CONFLICT DO NOTHING;`,
    `  UPDATE _plasma_blobs SET orphaned_at = NULL WHERE hash = ${hashOf("NEW", name)} AND orphaned_at IS NOT NULL;`,
    `END IF;`,
  ]
}

function dropRefSql(table: AnyTable, name: string): string[] {
  return [
    `DELETE FROM _plasma_blob_refs WHERE table_name = ${lit(table.$name)} AND row_id = OLD."id" AND column_name = ${lit(name)};`,
    `IF ${hashOf("OLD", name)} IS NOT NULL THEN`,
    `  UPDATE _plasma_blobs SET orphaned_at = stamp WHERE hash = ${hashOf("OLD", name)} AND orphaned_at IS NULL ` +
      `AND NOT EXISTS (SELECT 1 FROM _plasma_blob_refs r WHERE r.hash = ${hashOf("OLD", name)});`,
    `END IF;`,
  ]
}

const indent = (lines: readonly string[], by = "    "): string[] => lines.map((line) => by + line)

/**
 * The trigger function and trigger for one table (none for a local-only table without files).
 * `CREATE OR REPLACE` both: running them again regenerates the capture for a new column set.
 */
export function postgresCreateTriggersSql(table: AnyTable): string[] {
  const synced = table.$options.changeLogSuppressed !== true
  const files = Object.entries(table.$columns).filter(([, c]) => c.config.kind === "file").map(([n]) => n)
  if (!synced && files.length === 0) return []
  const fn = q(postgresTriggerName(table))
  const setting = (key: string): string => `NULLIF(current_setting(${lit(key)}, true), '')`
  const unlessWritePathLogs = (lines: readonly string[]): string[] => [`IF NOT write_path_logs THEN`, ...indent(lines, "  "), `END IF;`]
  const onInsert = [...(synced ? unlessWritePathLogs([changeInsertSql(table, "put", "NEW")]) : []), ...files.flatMap((f) => addRefSql(table, f))]
  const onDelete = [...(synced ? unlessWritePathLogs([changeInsertSql(table, "del", "OLD")]) : []), ...files.flatMap((f) => dropRefSql(table, f))]
  // An UPDATE that changes the id is a delete of the old row and an insert of the new one.
  const onUpdate = [
    ...(synced
      ? unlessWritePathLogs([`IF OLD."id" IS DISTINCT FROM NEW."id" THEN`, `  ${changeInsertSql(table, "del", "OLD")}`, `END IF;`, changeInsertSql(table, "put", "NEW")])
      : []),
    // Only when the file or the id changed: otherwise the ref set is already right.
    ...files.flatMap((f) => [
      `IF OLD.${q(f)} IS DISTINCT FROM NEW.${q(f)} OR OLD."id" IS DISTINCT FROM NEW."id" THEN`,
      ...indent([...dropRefSql(table, f), ...addRefSql(table, f)], "  "),
      `END IF;`,
    ]),
  ]
  const body = [
    `CREATE OR REPLACE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $plasma$`,
    `DECLARE`,
    `  origin_group text := ${setting(POSTGRES_ORIGIN_SETTINGS.clientGroupID)};`,
    `  origin_client text := ${setting(POSTGRES_ORIGIN_SETTINGS.clientID)};`,
    `  origin_mutation bigint := ${setting(POSTGRES_ORIGIN_SETTINGS.mutationID)}::bigint;`,
    `  stamp bigint := COALESCE(${setting(POSTGRES_ORIGIN_SETTINGS.now)}::bigint, ${POSTGRES_NOW_MS});`,
    `  write_path_logs boolean := ${synced ? `EXISTS (SELECT 1 FROM _plasma_meta WHERE key = ${lit(POSTGRES_WRITE_PATH_LOGS_KEY)})` : "true"};`,
    `BEGIN`,
    ...(synced ? [`  ${VERSION_LOCK_SQL};`] : []),
    `  IF TG_OP = 'INSERT' THEN`,
    ...indent(onInsert),
    `  ELSIF TG_OP = 'UPDATE' THEN`,
    ...indent(onUpdate),
    `  ELSE`,
    ...indent(onDelete),
    `  END IF;`,
    `  RETURN NULL;`,
    `END`,
    `$plasma$`,
  ].join("\n")
  return [
    body,
    `CREATE OR REPLACE TRIGGER ${fn} AFTER INSERT OR UPDATE OR DELETE ON ${q(table.$name)} FOR EACH ROW EXECUTE FUNCTION ${fn}()`,
  ]
}

/**
 * The `_plasma_meta` key present while a write-path batch logs its own change rows (the write
 * path's `WRITE_PATH_LOGS_KEY`): the change capture then stays silent, the blob refs do not.
 * Inside Postgres's MVCC only that batch's own transaction sees the row, so raw SQL running
 * beside it is still captured.
 */
export const POSTGRES_WRITE_PATH_LOGS_KEY = "write_path_logs"

/** Drops one plasma trigger (and its function) by name, for `runMigrations`' regeneration. */
export function postgresDropTriggerSql(name: string, table: string): string[] {
  return [`DROP TRIGGER IF EXISTS ${q(name)} ON ${q(table)}`, `DROP FUNCTION IF EXISTS ${q(name)}()`]
}
