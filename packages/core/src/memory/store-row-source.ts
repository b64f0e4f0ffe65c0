/** The write planner's row source over a memory row store: lookups by id are map gets, the rest scan. */
import type { AnySchema } from "../schema/define-schema.js"
import { tableOf } from "../schema/define-schema.js"
import { toSqlValue } from "../schema/values.js"
import type { RowLookup, WriteRowSource } from "../write/row-source.js"
import { pointIdsOf } from "../write/point-ids.js"
import { matchesCondition } from "./evaluate-expr.js"
import type { MemoryRowStore } from "./memory-row-store.js"
import { sqlValueKey } from "./sql-compare.js"

type Row = Record<string, unknown>

/** A {@link WriteRowSource} over `store`: synchronous, so planning over it costs no round trip. */
export function createStoreRowSource(schema: AnySchema, store: MemoryRowStore): WriteRowSource {
  const byIds = (table: string, ids: Iterable<unknown>): Readonly<Row>[] => {
    const rows: Readonly<Row>[] = []
    for (const id of ids) {
      const row = typeof id === "string" ? store.get(table, id) : undefined
      if (row !== undefined) rows.push(row)
    }
    return rows
  }
  const lookup = ({ table, column, values }: RowLookup): Readonly<Row>[] => {
    if (column === "id") return byIds(table, new Set(values))
    const def = tableOf(schema, table).$columns[column]
    if (def === undefined) return []
    const wanted = new Set<string>()
    for (const value of values) if (value !== null && value !== undefined) wanted.add(sqlValueKey(toSqlValue(def, value)))
    const rows: Readonly<Row>[] = []
    for (const row of store.rows(table)) {
      const value = row[column]
      if (value !== null && value !== undefined && wanted.has(sqlValueKey(toSqlValue(def, value)))) rows.push(row)
    }
    return rows
  }
  return {
    matching(table, where) {
      const ids = pointIdsOf(table, where)
      const candidates = ids === null ? store.rows(table) : byIds(table, ids)
      const rows: Readonly<Row>[] = []
      for (const row of candidates) if (matchesCondition(schema, table, where, row)) rows.push(row)
      return rows
    },
    lookup: (lookups) => lookups.map(lookup),
  }
}
