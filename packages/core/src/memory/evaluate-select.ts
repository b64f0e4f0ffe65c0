/**
 * Runs a select node over JS-form rows with SQLite's semantics, so the memory engine and the
 * server's write overlay return what SQLite would:
 * 1. FROM and joins as nested loops: an inner join keeps the pairs whose `on` is true; a left
 *    join pads a row that matched nothing with NULL for the joined table;
 * 2. WHERE keeps the rows whose condition is true (not NULL);
 * 3. an aggregate select groups by the GROUP BY columns (equal as SQL values); without GROUP BY
 *    all rows form one group, which exists even when there are no rows, so `count()` over
 *    nothing is one row holding 0; with GROUP BY no rows means no groups. HAVING filters groups.
 *    `count(*)` counts rows, `count(col)` non-NULL values; `sum` is NULL over no non-NULL value,
 *    an integer for integer columns and a real (Kahan–Babuška–Neumaier summation, as SQLite
 *    ≥ 3.43 does) for real ones; `avg` is a real or NULL; `min`/`max` use SQL order, NULL
 *    over nothing;
 * 4. ORDER BY exactly `orderingOf(node)` (the query's terms, then its tie-breakers), NULLs first
 *    ascending and last descending, then OFFSET and LIMIT;
 * 5. the output: projection aliases (columns decoded by their kind; count a number; sum/avg a
 *    number or NULL; min/max decoded by their operand column), else the `from` row with every
 *    column, else (when the select joins) `{ [table]: row | null }` per table in scope.
 * The caller validates the node (`validateQuery`) first.
 */
import type { AnySchema } from "../schema/define-schema.js"
import type { AnyColumn } from "../schema/column.js"
import type { AnyTable } from "../schema/table.js"
import { fromSqlValue, toSqlValue, type SqlValue } from "../schema/values.js"
import { isAggregateSelect, type AggregateNode, type SelectNode } from "../query/ast.js"
import { orderingOf } from "../query/ordering.js"
import { compareSqlValues, sqlValueKey } from "./sql-compare.js"
import { createRowScope, evaluateExpr, isTrue, type EvalScope, type ScopeRows } from "./evaluate-expr.js"

/** The rows of a table, in JS form. */
export type RowsOf = (table: string) => Iterable<Readonly<Record<string, unknown>>>

/** One candidate output row: how to evaluate expressions over it and how to shape it. */
interface Unit {
  readonly scope: EvalScope
  readonly tuples: readonly ScopeRows[]
}

function columnAt(schema: AnySchema, table: string, column: string): AnyColumn {
  const c = schema.tables[table]?.$columns[column]
  if (c === undefined) throw new TypeError(`no column ${table}.${column}`)
  return c
}

/** A JS value in the form the query builder returns: decoded from its SQL form, never aliased. */
function decode(column: AnyColumn, value: SqlValue): unknown {
  const out = fromSqlValue(column, value)
  return out instanceof Uint8Array ? new Uint8Array(out) : out
}

function decodeRow(table: AnyTable, row: Readonly<Record<string, unknown>> | null): Record<string, unknown> | null {
  if (row === null) return null
  const out: Record<string, unknown> = {}
  for (const [name, column] of Object.entries(table.$columns)) out[name] = decode(column, toSqlValue(column, row[name]))
  return out
}

function toNumberOrBigint(value: bigint): number | bigint {
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value
}

/** SQLite's floating sum (Kahan–Babuška–Neumaier), which `sum` and `avg` use for reals. */
function floatSum(values: readonly number[]): number {
  let sum = 0
  let err = 0
  for (const r of values) {
    const t = sum + r
    if (Math.abs(sum) > Math.abs(r)) err += sum - t + r
    else err += r - t + sum
    sum = t
  }
  return sum + err
}

function computeAggregate(schema: AnySchema, node: AggregateNode, tuples: readonly ScopeRows[]): SqlValue {
  if (node.operand === null) return tuples.length
  const operand = node.operand
  const values: SqlValue[] = []
  for (const tuple of tuples) {
    const v = createRowScope(schema, tuple).column(operand)
    if (v !== null) values.push(v)
  }
  switch (node.fn) {
    case "count":
      return values.length
    case "sum":
    case "avg": {
      if (values.length === 0) return null
      const kind = columnAt(schema, operand.table, operand.column).config.kind
      if (kind === "real") {
        const total = floatSum(values as number[])
        return node.fn === "sum" ? total : total / values.length
      }
      // Integer columns sum exactly, as SQLite's 64-bit integer sum does.
      const total = values.reduce<bigint>((acc, v) => acc + BigInt(v as number | bigint), 0n)
      return node.fn === "sum" ? toNumberOrBigint(total) : Number(total) / values.length
    }
    case "min":
    case "max": {
      let best: SqlValue = null
      for (const v of values) {
        if (best === null) best = v
        else {
          const c = compareSqlValues(v, best)
          if (node.fn === "min" ? c < 0 : c > 0) best = v
        }
      }
      return best
    }
  }
}

function joinedTuples(schema: AnySchema, node: SelectNode, rowsOf: RowsOf): ScopeRows[] {
  let tuples: ScopeRows[] = Array.from(rowsOf(node.from), (row) => ({ [node.from]: row }))
  for (const join of node.joins) {
    const candidates = Array.from(rowsOf(join.table))
    const next: ScopeRows[] = []
    for (const tuple of tuples) {
      let matched = false
      for (const candidate of candidates) {
        const joined = { ...tuple, [join.table]: candidate }
        if (isTrue(evaluateExpr(schema, join.on, createRowScope(schema, joined)))) {
          next.push(joined)
          matched = true
        }
      }
      if (!matched && join.type === "left") next.push({ ...tuple, [join.table]: null })
    }
    tuples = next
  }
  return tuples
}

function groupUnits(schema: AnySchema, node: SelectNode, tuples: readonly ScopeRows[]): Unit[] {
  const groups = new Map<string, ScopeRows[]>()
  if (node.groupBy.length === 0) groups.set("", [...tuples])
  for (const tuple of node.groupBy.length === 0 ? [] : tuples) {
    const scope = createRowScope(schema, tuple)
    const key = JSON.stringify(node.groupBy.map((c) => sqlValueKey(scope.column(c))))
    const group = groups.get(key)
    if (group === undefined) groups.set(key, [tuple])
    else group.push(tuple)
  }
  return Array.from(groups.values(), (members) => {
    // Plain columns of an aggregate select are GROUP BY columns (validated), equal across the
    // group, so the first member answers for all; an empty group reads them as NULL.
    const first = members[0]
    const rowScope = first === undefined ? null : createRowScope(schema, first)
    const cache = new Map<AggregateNode, SqlValue>()
    const scope: EvalScope = {
      column: (c) => (rowScope === null ? null : rowScope.column(c)),
      aggregate: (a) => {
        if (!cache.has(a)) cache.set(a, computeAggregate(schema, a, members))
        return cache.get(a) as SqlValue
      },
    }
    return { scope, tuples: members }
  })
}

function shape(schema: AnySchema, node: SelectNode, unit: Unit): Record<string, unknown> {
  if (node.projection !== null) {
    const out: Record<string, unknown> = {}
    for (const item of node.projection) {
      const expr = item.expr
      if (expr.kind === "column") {
        out[item.alias] = decode(columnAt(schema, expr.table, expr.column), unit.scope.column(expr))
      } else {
        const value = unit.scope.aggregate(expr)
        out[item.alias] =
          (expr.fn === "min" || expr.fn === "max") && expr.operand !== null
            ? decode(columnAt(schema, expr.operand.table, expr.operand.column), value)
            : value
      }
    }
    return out
  }
  const tuple = unit.tuples[0] ?? {}
  const tableOf = (name: string): AnyTable => schema.tables[name] as AnyTable
  if (node.joins.length === 0) return decodeRow(tableOf(node.from), tuple[node.from] ?? null) ?? {}
  const out: Record<string, unknown> = {}
  for (const name of [node.from, ...node.joins.map((j) => j.table)]) out[name] = decodeRow(tableOf(name), tuple[name] ?? null)
  return out
}

/**
 * Evaluates `node` over the rows `rowsOf` yields per table (JS form, as stored by the memory
 * engine or decoded from D1) and returns what the query builder returns.
 */
export function evaluateSelect(schema: AnySchema, node: SelectNode, rowsOf: RowsOf): Record<string, unknown>[] {
  const tuples = joinedTuples(schema, node, rowsOf).filter(
    (tuple) => node.where === null || isTrue(evaluateExpr(schema, node.where, createRowScope(schema, tuple))),
  )
  let units: Unit[]
  if (isAggregateSelect(node)) {
    units = groupUnits(schema, node, tuples)
    if (node.having !== null) units = units.filter((u) => isTrue(evaluateExpr(schema, node.having as NonNullable<typeof node.having>, u.scope)))
  } else {
    units = tuples.map((tuple) => ({ scope: createRowScope(schema, tuple), tuples: [tuple] }))
  }
  const ordering = orderingOf(node)
  const keyed = units.map((unit) => ({ unit, keys: ordering.map((o) => evaluateExpr(schema, o.expr, unit.scope)) }))
  keyed.sort((a, b) => {
    for (let i = 0; i < ordering.length; i++) {
      // NULL is the smallest SQL value: first ascending, last descending, as in SQLite.
      const c = compareSqlValues(a.keys[i] as SqlValue, b.keys[i] as SqlValue)
      if (c !== 0) return (ordering[i] as { direction: "asc" | "desc" }).direction === "asc" ? c : -c
    }
    return 0
  })
  const start = node.offset ?? 0
  const page = keyed.slice(start, node.limit === null ? undefined : start + node.limit)
  return page.map(({ unit }) => shape(schema, node, unit))
}
