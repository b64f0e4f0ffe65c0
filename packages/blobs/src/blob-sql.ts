/**
 * The few SQL fragments SQLite (better-sqlite3, D1) and Postgres spell differently, for the blob
 * package's statements (routes, GC, ref repair). Every statement is written once around these;
 * the executor's dialect picks the spelling. Everything else the package says is portable SQL.
 *
 * - A list of strings travels as ONE JSON-array parameter (D1 caps bound parameters at 100):
 *   `json_each(?)` on SQLite, `jsonb_array_elements_text(?::jsonb)` on Postgres.
 * - "Insert unless the key exists": SQLite's `INSERT OR IGNORE`, Postgres's `ON CONFLICT DO
 *   NOTHING` (at the end, after the SELECT).
 * - A file column's hash: `json_extract(c, '$.hash')` of its JSON text on SQLite, `c ->> 'hash'`
 *   of its `jsonb` on Postgres (file columns are `jsonb` there, see the server's postgres-ddl.ts).
 * - Unix-ms columns: SQLite's INTEGER is 64-bit, Postgres's is 32-bit (BIGINT there).
 * - A bare `?` in an INSERT … SELECT list has no type on Postgres (it guesses text): numbers get
 *   an explicit cast there.
 * - Column introspection: `pragma_table_info` vs `information_schema.columns`.
 */
import type { SqlDialect, SqlQuery } from "@plasma/executors"

/** The dialect-specific pieces of the blob package's SQL. */
export interface BlobSql {
  /** `(SELECT value FROM …)`: the strings of one JSON-array parameter, for `x IN <jsonList>`. */
  readonly jsonList: string
  /** `INSERT INTO <target> <select>` that skips rows whose key already exists. */
  insertIgnore(target: string, select: string): string
  /** The hash inside the file column `column` (already quoted), as text. */
  fileHash(column: string): string
  /** The DDL type of a unix-ms column. */
  readonly msType: string
  /** A bound integer parameter in a SELECT list: `?` on SQLite, `CAST(? AS bigint)` on Postgres. */
  readonly intParam: string
  /** A condition that is never true (an empty SELECT). */
  readonly never: string
  /** The names (`name`) of the columns of `table` in the current schema. */
  columnsOf(table: string): SqlQuery
}

const SQLITE: BlobSql = Object.freeze({
  jsonList: "(SELECT value FROM json_each(?))",
  insertIgnore: (target: string, select: string) => `INSERT OR IGNORE INTO ${target} ${select}`,
  fileHash: (column: string) => `json_extract(${column}, '$.hash')`,
  msType: "INTEGER",
  intParam: "?",
  never: "0",
  columnsOf: (table: string): SqlQuery => ({ text: "SELECT name FROM pragma_table_info(?)", params: [table] }),
})

const POSTGRES: BlobSql = Object.freeze({
  jsonList: "(SELECT value FROM jsonb_array_elements_text(CAST(? AS jsonb)) AS list (value))",
  insertIgnore: (target: string, select: string) => `INSERT INTO ${target} ${select} ON CONFLICT DO NOTHING`,
  fileHash: (column: string) => `(${column} ->> 'hash')`,
  msType: "BIGINT",
  intParam: "CAST(? AS bigint)",
  never: "false",
  columnsOf: (table: string): SqlQuery => ({
    text: "SELECT column_name AS name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ?",
    params: [table],
  }),
})

/** The blob package's SQL pieces for `dialect`. */
export function blobSqlOf(dialect: SqlDialect): BlobSql {
  return dialect.name === "postgres" ? POSTGRES : SQLITE
}
