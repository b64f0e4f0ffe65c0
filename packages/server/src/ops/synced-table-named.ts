/**
 * Looking up a synced table by the name an admin call passes (`rowHistory`'s `table`,
 * `diffSnapshots`' `tables`). Only synced tables have a change log, so a local-only table is
 * refused like an unknown one; the error lists the names that would work.
 */
import { describeValueKind, PlasmaError, syncedTables, type AnySchema, type AnyTable } from "@plasma/core"

/**
 * The synced table called `name`, or `invalid-query` naming the known synced tables.
 * @example
 * syncedTableNamed(schema, "todos", "table").$name // "todos"
 */
export function syncedTableNamed(schema: AnySchema, name: unknown, what: string): AnyTable {
  const tables = syncedTables(schema)
  const known = tables.map((t) => t.$name)
  if (typeof name !== "string") {
    throw new PlasmaError("invalid-query", `${what} must be a table name (one of ${known.join(", ")}), got ${describeValueKind(name)}`, { details: { known } })
  }
  const table = tables.find((t) => t.$name === name)
  if (table !== undefined) return table
  const localOnly = schema.tableList.some((t) => t.$name === name)
  throw new PlasmaError(
    "invalid-query",
    localOnly
      ? `${what} "${name}" is local-only (changeLogSuppressed): it has no change log; synced tables are ${known.join(", ")}`
      : `${what} "${name}" is not a table of the schema; synced tables are ${known.join(", ")}`,
    { details: { table: name, known } },
  )
}
