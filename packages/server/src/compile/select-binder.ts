/**
 * How the values of a select become SQL parameters. Values are encoded for the column they are
 * compared with (booleans 0/1, json as text, …: core's `toSqlValue`), so SQL compares stored
 * forms. A long IN list binds as one JSON array (`IN (SELECT value FROM json_each(?))`) instead
 * of one parameter per value: D1 allows 100 bound parameters per statement.
 *
 * A `Binder` decides what goes into the SQL for a value: the direct binder binds the encoded
 * value; the template binder (`lower-select.ts`) binds a sentinel per slot so the compiled text
 * can be reused for other values.
 */
import { columnOf, tableOf, toSqlValue, type AnyColumn, type AnySchema, type ExprNode, type InNode, type ValueNode } from "@plasma/core"
import { sql, type RawBuilder } from "kysely"

/** IN lists longer than this bind one JSON array instead of one parameter per value. */
export const JSON_IN_THRESHOLD = 32

/** Kysely's raw SQL fragment, the unit of lowering. */
export type Sql = RawBuilder<unknown>

/** Decides what a value node, or a JSON-bound IN list, puts into the SQL. */
export interface Binder {
  value(node: ValueNode, beside: AnyColumn | null): Sql
  jsonList(node: InNode, column: AnyColumn | null): Sql
}

/** Encodes a value for the column it is compared with (or as SQLite stores a bare JS value). */
export function encodeFor(column: AnyColumn | null, value: unknown): unknown {
  if (column !== null) return toSqlValue(column, value)
  if (typeof value === "boolean") return value ? 1 : 0
  return value
}

/** The column whose stored form a value compared with `node` must take, if any. */
export function columnBeside(schema: AnySchema, node: ExprNode): AnyColumn | null {
  if (node.kind === "column") return columnOf(tableOf(schema, node.table), node.column)
  if (node.kind === "aggregate" && node.operand !== null && (node.fn === "min" || node.fn === "max")) {
    return columnOf(tableOf(schema, node.operand.table), node.operand.column)
  }
  return null
}

/** An IN list's values, encoded, as one JSON array text. */
export function jsonListOf(node: InNode, column: AnyColumn | null): string {
  return JSON.stringify(node.values.map((v) => (v.kind === "value" ? encodeFor(column, v.value) : null)))
}

/** `true` when an IN list binds as one JSON array: long, and every value JSON-safe once encoded. */
export function usesJsonList(node: InNode, column: AnyColumn | null): boolean {
  if (node.values.length <= JSON_IN_THRESHOLD) return false
  return node.values.every((v) => {
    if (v.kind !== "value") return false
    const e = encodeFor(column, v.value)
    return e === null || typeof e === "string" || typeof e === "number"
  })
}

/** Binds values as they are (encoded). */
export const directBinder: Binder = {
  value: (node, beside) => sql`${encodeFor(beside, node.value)}`,
  jsonList: (node, column) => sql`${jsonListOf(node, column)}`,
}
