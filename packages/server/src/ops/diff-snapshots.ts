/**
 * `diffSnapshots`: what changed between two `row_version`s, per table — rows added, removed and
 * changed (`{ id, before, after }`) — computed by the database from the log entries in
 * `(from, to]`, never by building two snapshots.
 *
 * The query, one page at a time, walks the entries of `(position, to]` in `row_version` order
 * (a primary-key range) and keeps an entry only if it is its row's newest at or below `to` (an
 * anti-join on the `(table_name, row_id, row_version)` index: no entry of the same row in
 * `(version, to]`). So each touched row comes out exactly once, at its last touch, with its
 * state at `to`. Its state at `from` is the row's newest entry at or below `from` (a second
 * index search). Rows whose two states are equal (written and written back, or created and
 * deleted inside the range) are dropped in SQL, so `limit` counts real differences.
 *
 * Paging: a page holds at most `limit` rows; `next` is an opaque cursor holding `from`, `to`,
 * the table filter and the `row_version` the page ended at. Pages are disjoint and together give
 * exactly the unpaged answer, because:
 * - `to` is clamped to the newest `row_version` on the first page, and versions commit in order
 *   (SPEC §7.5): nothing can appear in `(from, to]` later, so no row's state at `to` moves
 *   between pages;
 * - compaction never deletes an entry that is newest at or below a version ≥ its bound, and it
 *   raises the floor before deleting anything. Every page is read in one batch with the floor;
 *   a floor above `from` is `version-compacted`, never a wrong diff.
 */
import { describeValueKind, PlasmaError, rowFromChangeJson, syncedTables, type AnySchema, type AnyTable } from "@plasma/core"
import type { SqlExecutor } from "@plasma/executors"
import { META_KEYS } from "../schema/internal-tables.js"
import { ensureSchema } from "../schema/migrations.js"
import { readHeadVersion } from "./change-log-meta.js"
import { decodeHistoryCursor, encodeHistoryCursor, isVersion } from "./history-cursor.js"
import { syncedTableNamed } from "./synced-table-named.js"
import { toRowVersion } from "./version-bound.js"

export interface DiffSnapshotsOptions<S extends AnySchema = AnySchema> {
  readonly schema: S
  readonly executor: SqlExecutor
  /** The earlier version: a `row_version` as a number or numeric string, or a pull cookie (as `snapshotAsOf`'s `cookie`). */
  readonly from: number | string
  /** The later version, in the same forms; at least `from`. Past the newest change means "now". */
  readonly to: number | string
  /** Only these synced tables. Default: every synced table. */
  readonly tables?: readonly string[]
  /** Most rows (added + removed + changed, all tables) per page, 1 to 10,000. Default 1000. */
  readonly limit?: number
  /** The `next` cursor of the previous page, with the same `from`, `to` and `tables`. */
  readonly cursor?: string
}

/** A row in its JavaScript form, as `snapshotAsOf` returns it. */
export type DiffRow = Record<string, unknown>

/** What changed in one table. Lists follow the order of each row's last change. */
export interface TableDiff {
  /** Absent at `from`, present at `to`. */
  readonly added: readonly { readonly id: string; readonly after: DiffRow }[]
  /** Present at `from`, absent at `to`. */
  readonly removed: readonly { readonly id: string; readonly before: DiffRow }[]
  /** Present at both, with different values. */
  readonly changed: readonly { readonly id: string; readonly before: DiffRow; readonly after: DiffRow }[]
}

/** One page of a diff. */
export interface SnapshotDiff {
  readonly from: number
  /** `to` as used: clamped to the newest `row_version` when it was past it. */
  readonly to: number
  /** Every requested table, with what changed in it on this page (empty lists when nothing). */
  readonly tables: Map<string, TableDiff>
  /** Pass as `cursor` (with the same `from`, `to`, `tables`) for the rest; `null` when this was the last page. */
  readonly next: string | null
}

export const DIFF_DEFAULT_LIMIT = 1000
export const DIFF_MAX_LIMIT = 10_000
const CURSOR_KIND = "ds1"

/**
 * One page over `tableCount` tables. Params: `[from, position, to, ...tables, to, limit]`.
 * Selects each touched row's newest entry at or below `to` (`c`) and its newest at or below
 * `from` (`b`, absent when the row did not exist yet), leaving out rows whose states are equal.
 * Writing `c.table_name || ''` (not the bare column) keeps SQLite off the row index for `c`:
 * without statistics it would walk every entry of the listed tables and sort them, instead of the
 * primary-key range. (The unary `+` idiom does the same in SQLite but is no text operator in
 * PostgreSQL.)
 */
export function diffPageSql(tableCount: number): string {
  const list = Array.from({ length: tableCount }, () => "?").join(", ")
  return (
    "SELECT c.row_version AS v, c.table_name AS t, c.row_id AS r, c.op AS op, c.value AS value, b.op AS before_op, b.value AS before_value " +
    "FROM _plasma_changes c LEFT JOIN _plasma_changes b ON b.row_version = (" +
    "SELECT MAX(x.row_version) FROM _plasma_changes x WHERE x.table_name = c.table_name AND x.row_id = c.row_id AND x.row_version <= ?) " +
    `WHERE c.row_version > ? AND c.row_version <= ? AND (c.table_name || '') IN (${list}) ` +
    "AND NOT EXISTS (SELECT 1 FROM _plasma_changes n WHERE n.table_name = c.table_name AND n.row_id = c.row_id AND n.row_version > c.row_version AND n.row_version <= ?) " +
    "AND NOT ((c.op = 'del' AND COALESCE(b.op, 'del') = 'del') OR (c.op = 'put' AND COALESCE(b.op, 'del') = 'put' AND c.value = b.value)) " +
    "ORDER BY c.row_version LIMIT ?"
  )
}

const FLOOR_READ_SQL = "SELECT value AS v FROM _plasma_meta WHERE key = ?"

interface PageRow {
  readonly v: number
  readonly t: string
  readonly r: string
  readonly op: string
  readonly value: string | null
  readonly before_op: string | null
  readonly before_value: string | null
}

function compacted(version: number, floor: number): PlasmaError {
  return new PlasmaError(
    "version-compacted",
    `cannot diff from row_version ${version}: the change log was compacted up to ${floor}, so the state at ${version} is gone; diff from a version ≥ ${floor}`,
    { details: { version, floor } },
  )
}

function pageLimit(limit: unknown): number {
  if (limit === undefined) return DIFF_DEFAULT_LIMIT
  if (typeof limit === "number" && Number.isSafeInteger(limit) && limit >= 1 && limit <= DIFF_MAX_LIMIT) return limit
  throw new PlasmaError("invalid-request", `limit must be an integer from 1 to ${DIFF_MAX_LIMIT}, got ${typeof limit === "number" ? String(limit) : describeValueKind(limit)}`)
}

/** The requested tables in schema order, or every synced table; `filter` is what the cursor records. */
function requestedTables(schema: AnySchema, tables: unknown): { list: AnyTable[]; filter: string[] | null } {
  if (tables === undefined) return { list: syncedTables(schema), filter: null }
  if (!Array.isArray(tables) || tables.length === 0) {
    throw new PlasmaError("invalid-request", `tables must be a non-empty array of table names (omit it for every synced table), got ${describeValueKind(tables)}`)
  }
  const names = new Set(tables.map((name: unknown) => syncedTableNamed(schema, name, "tables").$name))
  const list = syncedTables(schema).filter((t) => names.has(t.$name))
  return { list, filter: list.map((t) => t.$name) }
}

interface Position {
  readonly to: number
  readonly after: number
}

/** Where a continuation starts, after checking the cursor belongs to this very diff. */
function continuation(cursor: unknown, from: number, requestedTo: number, filter: string[] | null): Position {
  const fields = decodeHistoryCursor(CURSOR_KIND, cursor, 5, "cursor")
  const [cFrom, cRequestedTo, cTo, cAfter, cTables] = fields
  const tablesOk = cTables === null || (Array.isArray(cTables) && cTables.every((t) => typeof t === "string"))
  if (!isVersion(cFrom) || !isVersion(cRequestedTo) || !isVersion(cTo) || !isVersion(cAfter) || !tablesOk || cFrom > cTo || cAfter < cFrom || cAfter > cTo || cTo > cRequestedTo) {
    throw new PlasmaError("invalid-request", "cursor is not a cursor diffSnapshots handed out; pass back `next` exactly as it was returned", { details: { cursor: String(cursor).slice(0, 80) } })
  }
  if (cFrom !== from || cRequestedTo !== requestedTo || JSON.stringify(cTables) !== JSON.stringify(filter)) {
    throw new PlasmaError("invalid-request", `cursor belongs to another diff (from ${cFrom}, to ${cRequestedTo}, tables ${cTables === null ? "all" : (cTables as string[]).join(",")}); pass the same from, to and tables as the first page`, {
      details: { from, to: requestedTo },
    })
  }
  return { to: cTo, after: cAfter }
}

const decode = (table: AnyTable, value: string): DiffRow => rowFromChangeJson(table, JSON.parse(value) as Record<string, unknown>)

/**
 * What changed between `from` and `to`, per table, one page of at most `limit` rows.
 * Throws `invalid-request` for unreadable versions, `from > to` or a foreign cursor,
 * `invalid-query` for a table that is not synced, `version-compacted` when `from` is below the
 * compaction floor.
 * @example
 * let page = await diffSnapshots({ schema, executor: fromD1(env.DB), from: "1200", to: "1500" })
 * for (;;) {
 *   for (const [table, { added, removed, changed }] of page.tables) console.log(table, added.length, removed.length, changed.length)
 *   if (page.next === null) break
 *   page = await diffSnapshots({ schema, executor, from: "1200", to: "1500", cursor: page.next })
 * }
 */
export async function diffSnapshots<S extends AnySchema>(options: DiffSnapshotsOptions<S>): Promise<SnapshotDiff> {
  const { schema, executor } = options
  const from = toRowVersion(options.from, "from")
  const requestedTo = toRowVersion(options.to, "to")
  if (from > requestedTo) {
    throw new PlasmaError("invalid-request", `from (${from}) is after to (${requestedTo}); a diff goes from the earlier version to the later`, { details: { from, to: requestedTo } })
  }
  const limit = pageLimit(options.limit)
  const { list, filter } = requestedTables(schema, options.tables)
  const start = options.cursor === undefined ? null : continuation(options.cursor, from, requestedTo, filter)
  await ensureSchema({ schema, executor })

  // Clamped once, on the first page: nothing can commit at or below the head read here later.
  const to = start?.to ?? Math.max(from, Math.min(requestedTo, await readHeadVersion(executor)))
  const after = start?.after ?? from
  const names = list.map((t) => t.$name)
  const [page, meta] = await executor.batch([
    { text: diffPageSql(names.length), params: [from, after, to, ...names, to, limit + 1] },
    { text: FLOOR_READ_SQL, params: [META_KEYS.compactionFloor] },
  ])
  const rawFloor = meta?.rows[0]?.["v"]
  const floor = rawFloor === undefined || rawFloor === null ? 0 : Number(rawFloor)
  if (from < floor) throw compacted(from, floor)

  const rows = (page?.rows ?? []) as unknown as PageRow[]
  const byName = new Map(list.map((t) => [t.$name, t]))
  const diffs = new Map(list.map((t) => [t.$name, { added: [] as { id: string; after: DiffRow }[], removed: [] as { id: string; before: DiffRow }[], changed: [] as { id: string; before: DiffRow; after: DiffRow }[] }]))
  for (const row of rows.slice(0, limit)) {
    const table = byName.get(row.t)
    const diff = diffs.get(row.t)
    if (table === undefined || diff === undefined) continue
    const id = String(row.r)
    const before = row.before_op === "put" && row.before_value !== null ? decode(table, row.before_value) : null
    const afterRow = row.op === "put" && row.value !== null ? decode(table, row.value) : null
    if (before === null && afterRow !== null) diff.added.push({ id, after: afterRow })
    else if (before !== null && afterRow === null) diff.removed.push({ id, before })
    else if (before !== null && afterRow !== null) diff.changed.push({ id, before, after: afterRow })
  }
  const last = rows[limit - 1]
  const next = rows.length > limit && last !== undefined ? encodeHistoryCursor(CURSOR_KIND, [from, requestedTo, to, Number(last.v), filter]) : null
  return { from, to, tables: diffs, next }
}
