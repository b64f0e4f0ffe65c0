/**
 * Decoding: turning the raw rows of a compiled select back into what the query builder
 * promises. Stored forms become JavaScript values through core's `fromSqlValue` (0/1 → boolean,
 * JSON text → value, …); `count` is a number, `sum`/`avg` a number or null; a join nests each
 * table's row under its name (`null` for the unmatched side of a LEFT JOIN). The column aliases
 * read here are the ones `lower-select.ts` writes: the projection's aliases, the column names of
 * a single table, or `_<i>_<column>` per joined table (they cannot collide across tables).
 */
import { columnOf, fromSqlValue, tableOf, type AnySchema, type SelectNode } from "@plasma/core"
import { columnBeside } from "./select-binder.js"

/** Turns one raw row into a result row. */
export type RowDecoder = (raw: Readonly<Record<string, unknown>>) => Record<string, unknown>

/** The alias prefix of the i-th table of a join. */
export function joinAliasPrefix(index: number): string {
  return `_${index}_`
}

/**
 * The decoder for the rows of `node`.
 * @example
 * decoderOf(schema, node)({ id: "t1", done: 1 }) // { id: "t1", done: true }
 */
export function decoderOf(schema: AnySchema, node: SelectNode): RowDecoder {
  if (node.projection !== null) {
    const decoders = node.projection.map((p) => {
      const column = p.expr.kind === "column" ? columnOf(tableOf(schema, p.expr.table), p.expr.column) : columnBeside(schema, p.expr)
      const fn = p.expr.kind === "aggregate" ? p.expr.fn : null
      return { alias: p.alias, column, fn }
    })
    return (raw) => {
      const out: Record<string, unknown> = {}
      for (const d of decoders) {
        const v = raw[d.alias] ?? null
        out[d.alias] = d.fn === "count" ? Number(v) : d.fn === "sum" || d.fn === "avg" ? (v === null ? null : Number(v)) : d.column === null ? v : fromSqlValue(d.column, v)
      }
      return out
    }
  }
  const tables = [node.from, ...node.joins.map((j) => j.table)].map((name) => tableOf(schema, name))
  if (node.joins.length === 0) {
    const columns = Object.entries(tables[0]!.$columns)
    return (raw) => {
      const out: Record<string, unknown> = {}
      for (const [name, column] of columns) out[name] = fromSqlValue(column, raw[name] ?? null)
      return out
    }
  }
  const parts = tables.map((table, i) => ({ name: table.$name, columns: Object.entries(table.$columns), prefix: joinAliasPrefix(i) }))
  return (raw) => {
    const out: Record<string, unknown> = {}
    for (const p of parts) {
      if (raw[`${p.prefix}id`] === null || raw[`${p.prefix}id`] === undefined) {
        out[p.name] = null // the unmatched side of a LEFT JOIN
        continue
      }
      const row: Record<string, unknown> = {}
      for (const [name, column] of p.columns) row[name] = fromSqlValue(column, raw[`${p.prefix}${name}`] ?? null)
      out[p.name] = row
    }
    return out
  }
}
