/**
 * What changed between two deliveries of a live query.
 *
 * Rows are matched by their `id` when the query's rows carry their table's id (a plain select of
 * one table, or a projection with the table's `id` column under the name `id`). A row with the
 * same id in both results whose content differs is `changed` (its new version is reported).
 *
 * Rows without an id (joins, aggregates, projections without `id`) are matched by their content,
 * as a multiset: a row whose content changed is reported as `removed` (old) plus `added` (new),
 * and `changed` stays empty.
 */
import { isAggregateSelect, type SelectNode } from "@plasma/core"
import { contentKey, type Row } from "./row-identity.js"

/** The rows a delivery added, removed or changed relative to the previous one. */
export interface LiveDelta<R> {
  readonly added: readonly R[]
  readonly removed: readonly R[]
  readonly changed: readonly R[]
}

/** How a query's rows are matched between deliveries. */
export type RowKeying = "id" | "content"

/**
 * `"id"` when every row of `node`'s result carries a distinct id of its table: one table, no
 * aggregate, and every column or the table's `id` projected as `id`. Else `"content"`.
 */
export function keyingOf(node: SelectNode): RowKeying {
  if (node.joins.length > 0 || isAggregateSelect(node)) return "content"
  if (node.projection === null) return "id"
  const id = node.projection.find((item) => item.alias === "id")
  return id !== undefined && id.expr.kind === "column" && id.expr.table === node.from && id.expr.column === "id" ? "id" : "content"
}

/** The key of `row` under `keying`. */
export function rowKeyOf(keying: RowKeying, row: Row): string {
  return keying === "id" ? String(row["id"]) : contentKey(row)
}

/**
 * The delta from `previous` to `next`. Unchanged rows are the same objects in both (the
 * registry guarantees it), so identity decides `changed`.
 */
export function computeDelta(keying: RowKeying, previous: readonly Row[], next: readonly Row[]): LiveDelta<Row> {
  const added: Row[] = []
  const removed: Row[] = []
  const changed: Row[] = []
  if (keying === "id") {
    const before = new Map<string, Row>()
    for (const row of previous) before.set(String(row["id"]), row)
    for (const row of next) {
      const key = String(row["id"])
      const old = before.get(key)
      if (old === undefined) added.push(row)
      else {
        if (old !== row) changed.push(row)
        before.delete(key)
      }
    }
    removed.push(...before.values())
  } else {
    const counts = new Map<string, number>()
    for (const row of previous) {
      const key = contentKey(row)
      counts.set(key, (counts.get(key) ?? 0) + 1)
    }
    for (const row of next) {
      const key = contentKey(row)
      const n = counts.get(key) ?? 0
      if (n > 0) counts.set(key, n - 1)
      else added.push(row)
    }
    for (const row of previous) {
      const key = contentKey(row)
      const n = counts.get(key) ?? 0
      if (n > 0) {
        removed.push(row)
        counts.set(key, n - 1)
      }
    }
  }
  return { added, removed, changed }
}
