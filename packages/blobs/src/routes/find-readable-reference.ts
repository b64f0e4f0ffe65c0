/**
 * May this request read blob `hash`? Only if some row that references it passes its table's
 * `read(ctx, row)`. The predicates are JavaScript, so the rows must be fetched: the walk reads at
 * most `maxReferenceScan` references (ordered by table and row id, so it is deterministic), then
 * fetches the referencing rows of each table with one query per table, all in one batch. A
 * reference in a table without a `read` predicate answers at once; a predicate that throws
 * counts as "no".
 */
import { rowFromSql, type AnyTable } from "@plasma/core"
import type { BlobRequestContext } from "./blob-request-context.js"

/** What the walk found. */
export interface ReadAccess {
  readonly readable: boolean
  /** References examined. */
  readonly scanned: number
  /** `true` when more references exist than were examined. */
  readonly truncated: boolean
}

const q = (name: string): string => `"${name.replaceAll('"', '""')}"`

export async function findReadableReference(context: BlobRequestContext, maxReferenceScan: number): Promise<ReadAccess> {
  const { executor, schema, ctx, hash } = context
  const refs = await executor.all<{ table_name: string; row_id: string }>({
    text: "SELECT DISTINCT table_name, row_id FROM _plasma_blob_refs WHERE hash = ? ORDER BY table_name, row_id LIMIT ?",
    params: [hash, maxReferenceScan + 1],
  })
  const truncated = refs.length > maxReferenceScan
  const scanned = refs.slice(0, maxReferenceScan)
  const byTable = new Map<AnyTable, string[]>()
  for (const ref of scanned) {
    const table = Object.hasOwn(schema.tables, ref.table_name) ? schema.tables[ref.table_name] : undefined
    if (table === undefined) continue // a table dropped from the schema grants nothing
    if (table.$options.auth?.read === undefined) return { readable: true, scanned: scanned.length, truncated }
    const ids = byTable.get(table)
    if (ids === undefined) byTable.set(table, [String(ref.row_id)])
    else ids.push(String(ref.row_id))
  }
  if (byTable.size === 0) return { readable: false, scanned: scanned.length, truncated }
  const tables = [...byTable.keys()]
  const results = await executor.batch(
    tables.map((table) => ({
      text: `SELECT * FROM ${q(table.$name)} WHERE "id" IN (SELECT value FROM json_each(?))`,
      params: [JSON.stringify(byTable.get(table))],
    })),
  )
  const readable = tables.some((table, i) => {
    const read = table.$options.auth?.read
    return (results[i]?.rows ?? []).some((raw) => {
      try {
        return read?.(ctx, rowFromSql(table, raw)) === true
      } catch {
        return false
      }
    })
  })
  return { readable, scanned: scanned.length, truncated }
}
