/**
 * The one SQL fragment plasma's statements need that SQLite and Postgres spell differently: a
 * list bound as ONE parameter (a JSON array), read back as a one-column subquery. One bound
 * parameter instead of one per element keeps a statement under D1's 100-parameter cap and lets
 * its text (and prepared statement) be reused whatever the list's length.
 *
 * - SQLite: `SELECT value FROM json_each(?)` (values keep their JSON types).
 * - Postgres: `SELECT value::<type> FROM jsonb_array_elements_text(?::jsonb) AS t (value)`: the
 *   elements come out as text and are cast to the type of what they are compared with.
 */
import type { SqlDialect } from "@plasma/executors"

/** The SQL type the list's elements are compared as. */
export type JsonListType = "text" | "bigint" | "double precision"

/**
 * A subquery over the elements of one bound JSON array, for `x IN (…)` / `x NOT IN (…)`.
 *
 * @example
 * ```ts
 * const text = `DELETE FROM _plasma_changes WHERE row_version NOT IN (${jsonListSql(executor.dialect, "bigint")})`
 * await executor.run({ text, params: [JSON.stringify([3, 5, 8])] })
 * ```
 */
export function jsonListSql(dialect: SqlDialect, type: JsonListType): string {
  if (dialect.name === "postgres") return `SELECT value::${type} FROM jsonb_array_elements_text(?::jsonb) AS t (value)`
  return "SELECT value FROM json_each(?)"
}
