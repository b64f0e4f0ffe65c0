/**
 * The full ordering of a select, tie-breakers included. Every engine orders by exactly this list,
 * which is what makes "the same rows in the same order on every engine" hold:
 * - the terms the query gave, then
 * - for a plain select: `id` ascending of the `from` table, then of each joined table in order;
 * - for an aggregate select: each GROUP BY column ascending (one row needs no order).
 * NULLs sort first ascending and last descending, as SQLite does.
 */
import { isAggregateSelect, type ColumnNode, type OrderNode, type SelectNode } from "./ast.js"

function idOf(table: string): ColumnNode {
  return { kind: "column", table, column: "id" }
}

/** The complete ORDER BY list of `node`. */
export function orderingOf(node: SelectNode): OrderNode[] {
  const tieBreakers: ColumnNode[] = isAggregateSelect(node) ? [...node.groupBy] : [idOf(node.from), ...node.joins.map((j) => idOf(j.table))]
  return [...node.orderBy, ...tieBreakers.map((expr) => ({ expr, direction: "asc" as const }))]
}
