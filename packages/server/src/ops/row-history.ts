/**
 * `rowHistory`: one row's change-log entries, newest first, with who wrote each and when.
 *
 * One page is one index search: `table_name = ? AND row_id = ? AND row_version < ?` on the
 * `(table_name, row_id, row_version)` index, walked backwards, `LIMIT n + 1` (the extra row only
 * says whether an older page exists). The page and the compaction floor are read in one batch,
 * so they describe one state of the database.
 *
 * Compaction honesty: at or below the floor, compaction keeps only the newest entry of each row,
 * so an entry at or below the floor may stand for several edits folded into one. Such entries
 * are marked `folded: true` and must not be read as a single edit; entries above the floor are
 * each exactly one write. The floor is read with the page (not before it): compaction raises the
 * floor before deleting anything, so an entry it may be removing is always marked.
 *
 * Paging: `next` is an opaque cursor naming the table, the row and the oldest version returned;
 * passing it as `before` continues strictly below that version. A cursor for another row is
 * refused (`invalid-request`), as is anything that is not a cursor this function produced.
 */
import { describeValueKind, PlasmaError, rowFromChangeJson, type AnySchema } from "@plasma/core"
import type { SqlExecutor } from "@plasma/executors"
import { META_KEYS } from "../schema/internal-tables.js"
import { ensureSchema } from "../schema/migrations.js"
import { decodeHistoryCursor, encodeHistoryCursor, isVersion } from "./history-cursor.js"
import { syncedTableNamed } from "./synced-table-named.js"

export interface RowHistoryOptions<S extends AnySchema = AnySchema> {
  readonly schema: S
  readonly executor: SqlExecutor
  /** A synced table of `schema`. */
  readonly table: string
  /** The row's id, as stored in the change log's `row_id`. */
  readonly id: string
  /** Entries per page, 1 to 1000. Default 50. */
  readonly limit?: number
  /** The `next` cursor of the previous page: continue with older entries. */
  readonly before?: string
}

/** One change-log entry of a row. */
export interface RowHistoryEntry {
  readonly rowVersion: number
  /** `put` wrote `value`; `del` deleted the row. */
  readonly op: "put" | "del"
  /** The row after this entry, in its JavaScript form (as `snapshotAsOf` gives it); `null` for a `del`. */
  readonly value: Record<string, unknown> | null
  /** When the write committed (unix ms). */
  readonly createdAt: number
  /** Who wrote it: the origin of the mutation, all three `null` for server-side writes. */
  readonly clientGroupID: string | null
  readonly clientID: string | null
  readonly mutationID: number | null
  /**
   * `true` when the entry is at or below the compaction floor: earlier edits of the row may have
   * been folded into it, so it is the row's state at that point, not necessarily one edit.
   */
  readonly folded: boolean
}

/** One page of a row's history. */
export interface RowHistory {
  readonly table: string
  readonly id: string
  /** Newest first. */
  readonly entries: readonly RowHistoryEntry[]
  /** Pass as `before` for the next (older) page; `null` when no older entry is left. */
  readonly next: string | null
  /**
   * The compaction floor when the page was read: history at or below it is folded. When `next`
   * is `null` and the last entry is `folded`, edits before that entry are gone.
   */
  readonly compactionFloor: number
}

/** Default and largest page size. */
export const ROW_HISTORY_DEFAULT_LIMIT = 50
export const ROW_HISTORY_MAX_LIMIT = 1000
const CURSOR_KIND = "rh1"

/** One page, newest first: params `[table, rowId, beforeVersion, limit]`. */
export const ROW_HISTORY_SQL =
  "SELECT row_version, op, value, created_at, client_group_id, client_id, mutation_id FROM _plasma_changes " +
  "WHERE table_name = ? AND row_id = ? AND row_version < ? ORDER BY row_version DESC LIMIT ?"

const FLOOR_READ_SQL = "SELECT value AS v FROM _plasma_meta WHERE key = ?"

interface EntryRow {
  readonly row_version: number
  readonly op: string
  readonly value: string | null
  readonly created_at: number
  readonly client_group_id: string | null
  readonly client_id: string | null
  readonly mutation_id: number | null
}

function pageLimit(limit: unknown): number {
  if (limit === undefined) return ROW_HISTORY_DEFAULT_LIMIT
  if (typeof limit === "number" && Number.isSafeInteger(limit) && limit >= 1 && limit <= ROW_HISTORY_MAX_LIMIT) return limit
  throw new PlasmaError("invalid-request", `limit must be an integer from 1 to ${ROW_HISTORY_MAX_LIMIT}, got ${typeof limit === "number" ? String(limit) : describeValueKind(limit)}`)
}

/** The version a `before` cursor continues below; it must name this table and row. */
function beforeVersion(before: unknown, table: string, id: string): number {
  if (before === undefined) return Number.MAX_SAFE_INTEGER
  const [cursorTable, cursorId, version] = decodeHistoryCursor(CURSOR_KIND, before, 3, "before")
  if (typeof cursorTable !== "string" || typeof cursorId !== "string" || !isVersion(version)) {
    throw new PlasmaError("invalid-request", "before is not a cursor rowHistory handed out; pass back `next` exactly as it was returned", { details: { before: String(before).slice(0, 80) } })
  }
  if (cursorTable !== table || cursorId !== id) {
    throw new PlasmaError("invalid-request", `before is a cursor of ${cursorTable}/${cursorId}, not of ${table}/${id}`, { details: { table, id } })
  }
  return version
}

/**
 * One row's history, newest first, paged with `before`. Throws `invalid-query` for a table that
 * is not synced (naming the ones that are) and `invalid-request` for a bad id, limit or cursor.
 * @example
 * const page = await rowHistory({ schema, executor: fromD1(env.DB), table: "todos", id: "t1", limit: 20 })
 * for (const e of page.entries) console.log(e.rowVersion, e.op, e.clientID, e.mutationID, e.folded ? "(folded)" : "")
 * const older = page.next === null ? null : await rowHistory({ schema, executor, table: "todos", id: "t1", before: page.next })
 */
export async function rowHistory<S extends AnySchema>(options: RowHistoryOptions<S>): Promise<RowHistory> {
  const { schema, executor, id } = options
  const table = syncedTableNamed(schema, options.table, "table")
  if (typeof id !== "string") throw new PlasmaError("invalid-request", `id must be a row id (a string), got ${describeValueKind(id)}`)
  const limit = pageLimit(options.limit)
  const below = beforeVersion(options.before, table.$name, id)
  await ensureSchema({ schema, executor })

  const [page, meta] = await executor.batch([
    { text: ROW_HISTORY_SQL, params: [table.$name, id, below, limit + 1] },
    { text: FLOOR_READ_SQL, params: [META_KEYS.compactionFloor] },
  ])
  const rawFloor = meta?.rows[0]?.["v"]
  const compactionFloor = rawFloor === undefined || rawFloor === null ? 0 : Number(rawFloor)
  const rows = (page?.rows ?? []) as unknown as EntryRow[]
  const entries = rows.slice(0, limit).map((row): RowHistoryEntry => {
    const rowVersion = Number(row.row_version)
    const put = row.op === "put" && row.value !== null
    return {
      rowVersion,
      op: put ? "put" : "del",
      value: put ? rowFromChangeJson(table, JSON.parse(row.value as string) as Record<string, unknown>) : null,
      createdAt: Number(row.created_at),
      clientGroupID: row.client_group_id ?? null,
      clientID: row.client_id ?? null,
      mutationID: row.mutation_id === null || row.mutation_id === undefined ? null : Number(row.mutation_id),
      folded: rowVersion <= compactionFloor,
    }
  })
  const oldest = entries[entries.length - 1]
  const next = rows.length > limit && oldest !== undefined ? encodeHistoryCursor(CURSOR_KIND, [table.$name, id, oldest.rowVersion]) : null
  return { table: table.$name, id, entries, next, compactionFloor }
}
