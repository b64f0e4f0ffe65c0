/**
 * `snapshotAsOf`: every synced table as it stood at a `row_version`, computed by the database.
 *
 * For each synced table the query asks SQLite for "the newest entry per row at or below v" —
 * `MAX(row_version) … GROUP BY row_id` over the `(table_name, row_id, row_version)` index, which
 * SQLite walks in order as a covering index — and joins back to the entry by primary key for its
 * `op` and `value`. Results are paged by `row_id` (keyset, never OFFSET), so one page of raw
 * entries is held at a time besides the answer itself. A row whose newest entry is a `del` is
 * absent; the rest are decoded into their JavaScript form with core's `rowFromChangeJson`.
 *
 * Consistency: entries above `v` are ignored, so writes committing meanwhile change nothing.
 * Compaction never removes an entry that is newest at or below a version ≥ its bound, and it
 * raises the floor before deleting anything; the floor is read before the first page and again
 * after the last, so a compaction that overtakes the snapshot is an error, never a wrong answer.
 */
import { PlasmaError, rowFromChangeJson, syncedTables, type AnySchema } from "@plasma/core"
import type { SqlExecutor } from "@plasma/executors"
import { ensureSchema } from "../schema/migrations.js"
import { readCompactionFloor } from "./change-log-meta.js"
import { toRowVersion } from "./version-bound.js"

export interface SnapshotAsOfOptions<S extends AnySchema = AnySchema> {
  readonly schema: S
  readonly executor: SqlExecutor
  /** A `row_version` as a number or numeric string (`"12345"`), or a pull cookie (`"c1:…"`). */
  readonly cookie: number | string
}

/** Table name → row id → row (JavaScript form). Every synced table is present, empty or not. */
export type Snapshot = Map<string, Map<string, Record<string, unknown>>>

/** Rows per page. Small enough for D1's response size with wide rows, large enough that paging is noise. */
const PAGE_SIZE = 2000

const pageSql = (keyset: string): string =>
  "SELECT c.row_id AS row_id, c.op AS op, c.value AS value FROM (" +
  "SELECT row_id, MAX(row_version) AS v FROM _plasma_changes " +
  `WHERE table_name = ?${keyset} AND row_version <= ? ` +
  "GROUP BY row_id ORDER BY row_id LIMIT ?" +
  ") m JOIN _plasma_changes c ON c.row_version = m.v ORDER BY m.row_id"

/** First page of one table: params `[table, version, limit]`. */
export const SNAPSHOT_FIRST_PAGE_SQL = pageSql("")
/**
 * Next page, "the newest entry per row of one table at or below a version" after a row id:
 * params `[table, afterRowId, version, limit]`. (A separate first-page text rather than
 * `row_id > ''`, because SQL admits an empty row id.)
 */
export const SNAPSHOT_PAGE_SQL = pageSql(" AND row_id > ?")

interface PageRow {
  readonly row_id: string
  readonly op: string
  readonly value: string | null
}

function compacted(version: number, floor: number): PlasmaError {
  return new PlasmaError(
    "version-compacted",
    `cannot rebuild the state at row_version ${version}: the change log was compacted up to ${floor}, so history before it is gone; ask for a version ≥ ${floor}`,
    { details: { version, floor } },
  )
}

/**
 * Rebuilds every synced table as it stood at `cookie`. Throws `version-compacted` for a version
 * below the compaction floor and `invalid-request` for a cookie that is not a version. A version
 * above the newest change gives the current state.
 * @example
 * const past = await snapshotAsOf({ schema, executor: fromD1(env.DB), cookie: "12345" })
 * for (const [id, row] of past.get("todos") ?? []) console.log(id, row)
 */
export async function snapshotAsOf<S extends AnySchema>({ schema, executor, cookie }: SnapshotAsOfOptions<S>): Promise<Snapshot> {
  const version = toRowVersion(cookie)
  await ensureSchema({ schema, executor })
  const floor = await readCompactionFloor(executor)
  if (version < floor) throw compacted(version, floor)

  const snapshot: Snapshot = new Map()
  for (const table of syncedTables(schema)) {
    const rows = new Map<string, Record<string, unknown>>()
    snapshot.set(table.$name, rows)
    let after: string | null = null
    for (;;) {
      const page: PageRow[] = await executor.all<PageRow>(
        after === null
          ? { text: SNAPSHOT_FIRST_PAGE_SQL, params: [table.$name, version, PAGE_SIZE] }
          : { text: SNAPSHOT_PAGE_SQL, params: [table.$name, after, version, PAGE_SIZE] },
      )
      for (const entry of page) {
        if (entry.op === "put" && entry.value !== null) {
          rows.set(entry.row_id, rowFromChangeJson(table, JSON.parse(entry.value) as Record<string, unknown>))
        }
      }
      const last = page[page.length - 1]
      if (last === undefined || page.length < PAGE_SIZE) break
      after = String(last.row_id)
    }
  }

  const floorAfter = await readCompactionFloor(executor)
  if (version < floorAfter) throw compacted(version, floorAfter)
  return snapshot
}
