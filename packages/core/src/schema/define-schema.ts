/**
 * `defineSchema()` gathers the tables of an app and checks everything that can only be checked
 * with all of them in view. Mistakes throw at definition time with the table and column named.
 */
import { PlasmaError } from "../errors/plasma-error.js"
import { refTargetOf, type AnyColumn } from "./column.js"
import type { AnyTable } from "./table.js"
import { checkColumnValue } from "./values.js"

export type TableMap = Readonly<Record<string, AnyTable>>

/** A validated set of tables. */
export interface Schema<Tables extends TableMap = TableMap> {
  readonly tables: Tables
  /** The tables in declaration order. */
  readonly tableList: readonly AnyTable[]
}

/** Any schema, whatever its tables. */
export type AnySchema = Schema<TableMap>

/** The prefix of plasma's internal tables; user names may not start with it. */
export const RESERVED_PREFIX = "_plasma_"

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/

function fail(message: string): never {
  throw new PlasmaError("invalid-schema", message)
}

function checkName(kind: "table" | "column", name: string, where: string): void {
  if (!IDENTIFIER.test(name)) fail(`${where}: ${kind} name "${name}" must be a plain identifier (letters, digits, _)`)
  const lower = name.toLowerCase()
  if (lower.startsWith(RESERVED_PREFIX)) fail(`${where}: ${kind} name "${name}" uses the reserved prefix "${RESERVED_PREFIX}"`)
  if (kind === "table" && lower.startsWith("sqlite_")) fail(`${where}: table name "${name}" uses SQLite's reserved prefix "sqlite_"`)
}

function checkColumn(table: AnyTable, name: string, column: AnyColumn, tables: TableMap): void {
  const where = `table "${table.$name}", column "${name}"`
  checkName("column", name, `table "${table.$name}"`)
  const { kind, ref, nullable, hasDefault, defaultValue } = column.config
  if (kind === "id" && name !== "id") fail(`${where}: the id() column must be named "id"`)
  if (name === "id" && kind !== "id") fail(`${where}: a column named "id" must be declared with id()`)
  if (kind === "id" && (nullable || hasDefault)) fail(`${where}: the id column cannot be nullable or defaulted`)
  if (hasDefault) {
    // A bad default is a schema mistake, so it surfaces as `invalid-schema` like the others.
    try {
      checkColumnValue(table.$name, name, column, defaultValue, "default")
    } catch (error) {
      throw new PlasmaError("invalid-schema", error instanceof Error ? error.message : String(error), { cause: error })
    }
  }
  if (ref !== null) {
    let target
    try {
      target = refTargetOf(column)
    } catch {
      fail(`${where}: ref() target must be a column of a declared table`)
    }
    if (target === null) return
    const targetTable = tables[target.table]
    if (targetTable === undefined) fail(`${where}: ref() points at table "${target.table}", which is not in the schema`)
    if (target.column !== "id") fail(`${where}: ref() must point at "${target.table}.id", not "${target.table}.${target.column}"`)
    if (ref.onDelete === "setNull" && !nullable) fail(`${where}: onDelete "setNull" needs a nullable() column`)
    if (targetTable.$options.changeLogSuppressed === true && table.$options.changeLogSuppressed !== true) {
      fail(`${where}: a synced table cannot reference the local-only table "${target.table}"`)
    }
  }
}

/**
 * Validates and freezes a set of tables. Each key must equal its table's name.
 * @example
 * export const schema = defineSchema({ todos, users })
 */
export function defineSchema<Tables extends TableMap>(tables: Tables): Schema<Tables> {
  const seen = new Set<string>()
  for (const [key, table] of Object.entries(tables)) {
    if (key !== table.$name) fail(`table "${table.$name}" is registered under the key "${key}"; the key must equal the table name`)
    checkName("table", table.$name, `table "${table.$name}"`)
    const lower = table.$name.toLowerCase()
    if (seen.has(lower)) fail(`table "${table.$name}" is declared twice (names are case-insensitive in SQL)`)
    seen.add(lower)
    const columns = Object.entries(table.$columns)
    const ids = columns.filter(([, column]) => column.config.kind === "id")
    if (ids.length === 0) fail(`table "${table.$name}": needs one id() column named "id"`)
    if (ids.length > 1) fail(`table "${table.$name}": has ${ids.length} id() columns (${ids.map(([n]) => `"${n}"`).join(", ")}); exactly one is allowed`)
    const columnNames = new Set<string>()
    for (const [name, column] of columns) {
      if (columnNames.has(name.toLowerCase())) fail(`table "${table.$name}", column "${name}": declared twice (names are case-insensitive in SQL)`)
      columnNames.add(name.toLowerCase())
      checkColumn(table, name, column, tables)
    }
    for (const index of table.$options.indexes ?? []) {
      if (index.columns.length === 0) fail(`table "${table.$name}": an index needs at least one column`)
      for (const name of index.columns) {
        if (!(name in table.$columns)) fail(`table "${table.$name}", column "${name}": index names a column the table does not have`)
      }
      if (index.name !== undefined) checkName("table", index.name, `table "${table.$name}" index`)
    }
  }
  return Object.freeze({ tables, tableList: Object.freeze(Object.values(tables)) })
}

/** Looks a table up by name; throws `invalid-query` naming the known tables when absent. */
export function tableOf(schema: AnySchema, name: string): AnyTable {
  const table = Object.hasOwn(schema.tables, name) ? schema.tables[name] : undefined
  if (table === undefined) {
    throw new PlasmaError("invalid-query", `unknown table "${name}"; the schema has ${Object.keys(schema.tables).map((t) => `"${t}"`).join(", ")}`)
  }
  return table
}

/** Looks a column up by name; throws `invalid-value` naming the table when absent. */
export function columnOf(table: AnyTable, name: string): AnyColumn {
  const column = Object.hasOwn(table.$columns, name) ? table.$columns[name] : undefined
  if (column === undefined) throw new PlasmaError("invalid-value", `table "${table.$name}" has no column "${name}"`)
  return column
}

/** The tables whose writes are logged and synced (all but `changeLogSuppressed` ones). */
export function syncedTables(schema: AnySchema): AnyTable[] {
  return schema.tableList.filter((t) => t.$options.changeLogSuppressed !== true)
}

/** The `file()` columns of a table. */
export function fileColumnsOf(table: AnyTable): string[] {
  return Object.entries(table.$columns)
    .filter(([, c]) => c.config.kind === "file")
    .map(([name]) => name)
}
