/**
 * May this request read blob `hash`? Checked in this order, cheapest first:
 *
 * 1. **The uploader.** A principal (`principalOf`) with a row in `_plasma_blob_uploads` for the
 *    hash sent those bytes itself: one primary-key lookup, done by `getBlob` with the record.
 * 2. **A table without a `read` predicate** that references the hash: one indexed lookup over
 *    all such tables.
 * 3. **The bounded walk** over `_plasma_blob_refs` of the tables that have a `read` predicate
 *    (JavaScript, so the referencing rows must be fetched and run through it; a predicate that
 *    throws counts as "no"). The walk must not be exhaustible by one user adding many
 *    references to a hash in rows others cannot read, so:
 *    - it reads at most `maxReferenceScan` references in all (a hard budget), in rounds; each
 *      round reads one page per table and fetches the rows of all of them in one batch;
 *    - the budget is shared **round-robin between tables**, so a flood in one table cannot
 *      starve a reference in another;
 *    - within a table it walks **from both ends of the row-id order at once** (ascending and
 *      descending pages), so references crowded before a row id, or after it, do not push it
 *      out of reach: to hide a row an attacker must surround it on both sides, which needs
 *      knowing its id (ids are the app's; random ids are not guessable) and writing more than
 *      half the budget of rows on each side of it in the same table.
 *    When the budget runs out first the caller says so (`reference-scan-limit`). The guaranteed
 *    paths are 1 and 2; 3 is the best a bounded walk over opaque predicates can do.
 */
import { fileColumnsOf, rowFromSql, type AnyTable } from "@plasma/core"
import { blobSqlOf } from "../blob-sql.js"
import type { BlobRequestContext } from "./blob-request-context.js"

/** What the walk found. */
export interface ReadAccess {
  readonly readable: boolean
  /** References examined. */
  readonly scanned: number
  /** `true` when more references exist than were examined. */
  readonly truncated: boolean
}

/** Most references read per table, per end, per round. */
export const REFERENCE_PAGE_SIZE = 25

const q = (name: string): string => `"${name.replaceAll('"', '""')}"`

/** A table's position in the walk: the last row id read from each end. */
interface Cursor {
  readonly table: AnyTable
  low: string | null
  high: string | null
  done: boolean
  readonly seen: Set<string>
}

export async function findReadableReference(context: BlobRequestContext, maxReferenceScan: number): Promise<ReadAccess> {
  const { executor, schema, hash } = context
  const fileTables = schema.tableList.filter((t) => fileColumnsOf(t).length > 0)
  const open = fileTables.filter((t) => t.$options.auth?.read === undefined).map((t) => t.$name)
  if (open.length > 0) {
    const rows = await executor.all({
      text: `SELECT 1 AS ok FROM _plasma_blob_refs WHERE hash = ? AND table_name IN ${blobSqlOf(executor.dialect).jsonList} LIMIT 1`,
      params: [hash, JSON.stringify(open)],
    })
    if (rows.length > 0) return { readable: true, scanned: 1, truncated: false }
  }

  // References in tables that are no longer in the schema grant nothing, so they are not walked.
  const cursors: Cursor[] = fileTables.filter((t) => t.$options.auth?.read !== undefined).map((table) => ({ table, low: null, high: null, done: false, seen: new Set() }))
  let scanned = 0
  for (;;) {
    const active = cursors.filter((c) => !c.done)
    if (active.length === 0) return { readable: false, scanned, truncated: false }
    const budget = maxReferenceScan - scanned
    if (budget <= 0) return { readable: false, scanned, truncated: true }
    const perEnd = Math.max(1, Math.min(REFERENCE_PAGE_SIZE, Math.floor(budget / (2 * active.length))))
    const pages = await executor.batch(active.flatMap((c) => [pageQuery(hash, c, "asc", perEnd), pageQuery(hash, c, "desc", perEnd)]))

    const fresh = new Map<Cursor, string[]>()
    let room = budget
    active.forEach((cursor, i) => {
      const up = (pages[2 * i]?.rows ?? []).map((r) => String(r.row_id))
      const down = (pages[2 * i + 1]?.rows ?? []).map((r) => String(r.row_id))
      if (up.length < perEnd || down.length < perEnd) cursor.done = true
      cursor.low = up.at(-1) ?? cursor.low
      cursor.high = down.at(-1) ?? cursor.high
      // The two ends met: every reference of this table has been read.
      if (cursor.low !== null && cursor.high !== null && cursor.low >= cursor.high) cursor.done = true
      const ids: string[] = []
      for (const id of [...up, ...down]) {
        if (cursor.seen.has(id) || room <= 0) continue
        cursor.seen.add(id)
        ids.push(id)
        room--
      }
      if (ids.length > 0) fresh.set(cursor, ids)
    })
    scanned = maxReferenceScan - room
    if (fresh.size > 0 && (await anyReadable(context, fresh))) return { readable: true, scanned, truncated: false }
  }
}

function pageQuery(hash: string, cursor: Cursor, direction: "asc" | "desc", limit: number) {
  const bound = direction === "asc" ? cursor.low : cursor.high
  const after = bound === null ? "" : direction === "asc" ? " AND row_id > ?" : " AND row_id < ?"
  return {
    text: `SELECT DISTINCT row_id FROM _plasma_blob_refs WHERE hash = ? AND table_name = ?${after} ORDER BY row_id ${direction === "asc" ? "ASC" : "DESC"} LIMIT ?`,
    params: bound === null ? [hash, cursor.table.$name, limit] : [hash, cursor.table.$name, bound, limit],
  }
}

/** Fetches the rows (one query per table, one batch) and runs each table's `read` predicate. */
async function anyReadable(context: BlobRequestContext, ids: ReadonlyMap<Cursor, readonly string[]>): Promise<boolean> {
  const cursors = [...ids.keys()]
  const inList = blobSqlOf(context.executor.dialect).jsonList
  const results = await context.executor.batch(
    cursors.map((c) => ({ text: `SELECT * FROM ${q(c.table.$name)} WHERE "id" IN ${inList}`, params: [JSON.stringify(ids.get(c))] })),
  )
  return cursors.some((cursor, i) => {
    const read = cursor.table.$options.auth?.read
    return (results[i]?.rows ?? []).some((raw) => {
      try {
        return read?.(context.ctx, rowFromSql(cursor.table, raw)) === true
      } catch {
        return false
      }
    })
  })
}
