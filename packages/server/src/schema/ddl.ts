/**
 * DDL for user tables and the triggers that keep the change log and blob refs exact.
 *
 * Triggers are the capture mechanism for every write plasma does not plan itself: raw SQL from
 * admin code, and the cascades and set-nulls SQLite's foreign keys perform for it. Each synced
 * table gets AFTER INSERT / UPDATE / DELETE triggers appending to `_plasma_changes` the full row
 * as JSON in its wire form (booleans as JSON booleans, json/file columns embedded, bigints as
 * decimal strings, inline blobs as hex). Every table with `file()` columns also gets triggers
 * keeping `_plasma_blob_refs` equal to its file values and `_plasma_blobs.orphaned_at` set
 * exactly while a hash has no refs.
 *
 * The write path logs its own change rows (it has every post-image, cascades included, from the
 * planner: one multi-row INSERT instead of a trigger program per row). While one of its batches
 * runs, the `_plasma_meta` row {@link WRITE_PATH_LOGS_KEY} exists and the change triggers'
 * `WHEN` is false; the batch inserts the row first and deletes it last (a D1 batch is atomic and
 * serialized, better-sqlite3 synchronous, so no other write ever sees it). The blob-ref triggers
 * have no `WHEN`: they keep firing for every write, the write path's included.
 * The marker is a row no earlier release writes: a release that still relies on the triggers,
 * running beside this one during a deploy, keeps getting its change rows.
 *
 * All identifiers come from the validated schema (plain identifiers) and are quoted anyway.
 */
import { refTargetOf, type AnyColumn, type AnyTable, type OnDelete } from "@plasma/core"
import { sqliteDialect } from "@plasma/executors"
import { SQL_NOW_MS } from "./internal-tables.js"

/** Quotes an identifier (names come from the validated schema; quoting is belt and braces). */
export const quoteIdentifier = sqliteDialect.quoteIdentifier
const q = quoteIdentifier
const lit = (text: string): string => `'${text.replaceAll("'", "''")}'`

const SQL_TYPE: Record<AnyColumn["config"]["kind"], string> = {
  id: "TEXT",
  text: "TEXT",
  ref: "TEXT",
  int: "INTEGER",
  bigint: "INTEGER",
  boolean: "INTEGER",
  real: "REAL",
  json: "TEXT",
  file: "TEXT",
  blob: "BLOB",
}

/** The SQL action of each `onDelete`, as SQLite reports it back in `pragma_foreign_key_list`. */
export const ON_DELETE: Record<OnDelete, string> = {
  noAction: "NO ACTION",
  cascade: "CASCADE",
  setNull: "SET NULL",
  restrict: "RESTRICT",
}

/** The DEFAULT clause text of a column, as SQLite reports it back in `pragma_table_info`. */
export function defaultSql(column: AnyColumn): string | null {
  const { hasDefault, defaultValue, kind } = column.config
  if (!hasDefault || defaultValue === null) return null
  switch (kind) {
    case "boolean":
      return defaultValue === true ? "1" : "0"
    case "int":
    case "real":
      return String(defaultValue)
    case "bigint":
      return String(defaultValue)
    case "text":
    case "ref":
      return lit(String(defaultValue))
    case "json":
    case "file":
      return lit(JSON.stringify(defaultValue))
    default:
      return null
  }
}

/** One column's definition, as used by CREATE TABLE and ALTER TABLE ADD COLUMN. */
export function columnDefinition(name: string, column: AnyColumn, forAlter = false): string {
  const { kind, nullable, unique } = column.config
  const parts = [q(name), SQL_TYPE[kind]]
  if (kind === "id") parts.push("PRIMARY KEY")
  if (!nullable) parts.push("NOT NULL")
  const def = defaultSql(column)
  if (def !== null) parts.push(`DEFAULT ${def}`)
  if (unique && !forAlter) parts.push("UNIQUE")
  if (kind === "boolean") parts.push(`CHECK (${q(name)} IN (0, 1))`)
  if (kind === "json" || kind === "file") parts.push(`CHECK (json_valid(${q(name)}))`)
  const target = refTargetOf(column)
  if (target !== null && column.config.ref !== null) {
    parts.push(`REFERENCES ${q(target.table)} (${q(target.column)}) ON DELETE ${ON_DELETE[column.config.ref.onDelete]}`)
  }
  return parts.join(" ")
}

/** CREATE TABLE for a user table. */
export function createTableSql(table: AnyTable): string {
  const columns = Object.entries(table.$columns).map(([name, column]) => `  ${columnDefinition(name, column)}`)
  return `CREATE TABLE IF NOT EXISTS ${q(table.$name)} (\n${columns.join(",\n")}\n)`
}

/** CREATE INDEX statements: declared indexes plus one per ref column (cascades scan them). */
export function createIndexesSql(table: AnyTable): string[] {
  const out: string[] = []
  for (const index of table.$options.indexes ?? []) {
    const name = index.name ?? `${table.$name}_${index.columns.join("_")}_idx`
    out.push(`CREATE ${index.unique === true ? "UNIQUE " : ""}INDEX IF NOT EXISTS ${q(name)} ON ${q(table.$name)} (${index.columns.map(q).join(", ")})`)
  }
  for (const [name, column] of Object.entries(table.$columns)) {
    if (column.config.kind === "ref") out.push(`CREATE INDEX IF NOT EXISTS ${q(`${table.$name}_${name}_ref_idx`)} ON ${q(table.$name)} (${q(name)})`)
  }
  return out
}

/** The SQL expression of one column's wire-form JSON value inside `json_object`. */
function wireValueSql(row: "NEW" | "OLD", name: string, column: AnyColumn): string {
  const ref = `${row}.${q(name)}`
  switch (column.config.kind) {
    case "boolean":
      return `json(CASE WHEN ${ref} IS NULL THEN 'null' WHEN ${ref} THEN 'true' ELSE 'false' END)`
    case "json":
    case "file":
      return `json(${ref})`
    case "bigint":
      return `CAST(${ref} AS TEXT)`
    case "blob":
      return `CASE WHEN ${ref} IS NULL THEN NULL ELSE lower(hex(${ref})) END`
    default:
      return ref
  }
}

/** `json_object(...)` of the full row as the change log stores it. */
export function rowJsonSql(table: AnyTable, row: "NEW" | "OLD"): string {
  const pairs = Object.entries(table.$columns).map(([name, column]) => `${lit(name)}, ${wireValueSql(row, name, column)}`)
  return `json_object(${pairs.join(", ")})`
}

function changeInsertSql(table: AnyTable, op: "put" | "del", row: "NEW" | "OLD", when = ""): string {
  const value = op === "put" ? rowJsonSql(table, row) : "NULL"
  return (
    `INSERT INTO _plasma_changes (table_name, row_id, op, value, created_at, client_group_id, client_id, mutation_id) ` +
    `SELECT ${lit(table.$name)}, ${row}."id", '${op}', ${value}, COALESCE(o.now, ${SQL_NOW_MS}), o.client_group_id, o.client_id, o.mutation_id ` +
    `FROM (SELECT 1) LEFT JOIN _plasma_origin o ON o.id = 1${when};`
  )
}

const hashOf = (row: "NEW" | "OLD", name: string): string => `json_extract(${row}.${q(name)}, '$.hash')`

function addRefSql(table: AnyTable, name: string, only = ""): string[] {
  return [
    `INSERT OR IGNORE INTO _plasma_blob_refs (hash, table_name, row_id, column_name) SELECT ${hashOf("NEW", name)}, ${lit(table.$name)}, NEW."id", ${lit(name)} WHERE NEW.${q(name)} IS NOT NULL${only};`,
    `UPDATE _plasma_blobs SET orphaned_at = NULL WHERE hash = ${hashOf("NEW", name)} AND orphaned_at IS NOT NULL${only};`,
  ]
}

function dropRefSql(table: AnyTable, name: string, only = ""): string[] {
  return [
    `DELETE FROM _plasma_blob_refs WHERE table_name = ${lit(table.$name)} AND row_id = OLD."id" AND column_name = ${lit(name)}${only};`,
    `UPDATE _plasma_blobs SET orphaned_at = COALESCE((SELECT now FROM _plasma_origin WHERE id = 1), ${SQL_NOW_MS}) ` +
      `WHERE hash = ${hashOf("OLD", name)} AND orphaned_at IS NULL AND NOT EXISTS (SELECT 1 FROM _plasma_blob_refs r WHERE r.hash = ${hashOf("OLD", name)})${only};`,
  ]
}

/** Name prefix of every trigger plasma owns; `runMigrations` drops and recreates them. */
export const TRIGGER_PREFIX = "_plasma_trg_"

/** The `_plasma_meta` key that exists only while a write-path batch logs its own change rows. */
export const WRITE_PATH_LOGS_KEY = "write_path_logs"

/** The change triggers' `WHEN`: false while a write-path batch logs its own change rows. */
const UNLESS_WRITE_PATH_LOGS = `NOT EXISTS (SELECT 1 FROM _plasma_meta WHERE key = ${lit(WRITE_PATH_LOGS_KEY)})`

/**
 * CREATE TRIGGER statements for one table: change capture for a synced table (off while the
 * write path logs its own batch), blob refs for a table with files (always on). None for a
 * local-only table without files.
 */
export function createTriggersSql(table: AnyTable): string[] {
  const synced = table.$options.changeLogSuppressed !== true
  const files = Object.entries(table.$columns).filter(([, c]) => c.config.kind === "file").map(([n]) => n)
  const t = q(table.$name)
  const name = (suffix: string): string => q(`${TRIGGER_PREFIX}${table.$name}_${suffix}`)
  const out: string[] = []
  if (synced) {
    const when = `WHEN ${UNLESS_WRITE_PATH_LOGS}`
    // An UPDATE that changes the id is a delete of the old row and an insert of the new one.
    const onUpdate = [changeInsertSql(table, "del", "OLD", ` WHERE OLD."id" IS NOT NEW."id"`), changeInsertSql(table, "put", "NEW")]
    out.push(
      `CREATE TRIGGER IF NOT EXISTS ${name("ins")} AFTER INSERT ON ${t} ${when} BEGIN\n${changeInsertSql(table, "put", "NEW")}\nEND`,
      `CREATE TRIGGER IF NOT EXISTS ${name("upd")} AFTER UPDATE ON ${t} ${when} BEGIN\n${onUpdate.join("\n")}\nEND`,
      `CREATE TRIGGER IF NOT EXISTS ${name("del")} AFTER DELETE ON ${t} ${when} BEGIN\n${changeInsertSql(table, "del", "OLD")}\nEND`,
    )
  }
  if (files.length > 0) {
    const onUpdate = files.flatMap((f) => {
      // Only when the file or the id changed: otherwise the ref set is already right.
      const only = ` AND (OLD.${q(f)} IS NOT NEW.${q(f)} OR OLD."id" IS NOT NEW."id")`
      return [...dropRefSql(table, f, only), ...addRefSql(table, f, only)]
    })
    out.push(
      `CREATE TRIGGER IF NOT EXISTS ${name("ins_refs")} AFTER INSERT ON ${t} BEGIN\n${files.flatMap((f) => addRefSql(table, f)).join("\n")}\nEND`,
      `CREATE TRIGGER IF NOT EXISTS ${name("upd_refs")} AFTER UPDATE ON ${t} BEGIN\n${onUpdate.join("\n")}\nEND`,
      `CREATE TRIGGER IF NOT EXISTS ${name("del_refs")} AFTER DELETE ON ${t} BEGIN\n${files.flatMap((f) => dropRefSql(table, f)).join("\n")}\nEND`,
    )
  }
  return out
}
