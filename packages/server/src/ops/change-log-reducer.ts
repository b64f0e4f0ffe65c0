/**
 * The change log's meaning, as a pure fold: replaying entries in `row_version` order, a `put`
 * sets a row to its value and a `del` removes it. Whatever the database computes from
 * `_plasma_changes` (snapshots, compaction, pulls) must agree with this fold, so it is the
 * reference model the SQL paths are tested against. It is not how snapshots run: that is one
 * indexed query per page, not a replay (see `snapshot-as-of.ts`).
 */

/** One `_plasma_changes` entry, as far as its meaning goes. */
export interface ChangeEntry {
  readonly rowVersion: number
  readonly tableName: string
  readonly rowId: string
  readonly op: "put" | "del"
  /** The row as JSON text for a put, `null` for a del. */
  readonly value: string | null
}

/** Table name → row id → the row's JSON text. Deleted rows are absent; tables appear once they have a row. */
export type ReducedState = Map<string, Map<string, string>>

/**
 * Folds the entries with `rowVersion ≤ upTo` (all by default) into the state they describe.
 * Entries may come in any order; they are applied in `row_version` order.
 * @example
 * reduceChangeLog([{ rowVersion: 1, tableName: "todos", rowId: "t1", op: "put", value: "{}" }]).get("todos")?.get("t1") // "{}"
 */
export function reduceChangeLog(entries: Iterable<ChangeEntry>, upTo = Number.POSITIVE_INFINITY): ReducedState {
  const sorted = [...entries].filter((e) => e.rowVersion <= upTo).sort((a, b) => a.rowVersion - b.rowVersion)
  const state: ReducedState = new Map()
  for (const entry of sorted) applyChange(state, entry)
  return state
}

/** Applies one entry to `state` in place. */
export function applyChange(state: ReducedState, entry: ChangeEntry): void {
  let rows = state.get(entry.tableName)
  if (entry.op === "del" || entry.value === null) {
    rows?.delete(entry.rowId)
    if (rows?.size === 0) state.delete(entry.tableName)
    return
  }
  if (rows === undefined) state.set(entry.tableName, (rows = new Map()))
  rows.set(entry.rowId, entry.value)
}
