/**
 * "No client ever observed an impossible state", made precise. Each tab watches two live
 * queries: counter `c0`, and the ids of the `items` it can see. Every delivery is checked the
 * moment it arrives, against the history recorded so far.
 *
 * Counter. A delivered value `v` in tab T of group G is explained when some recorded version k
 * (0 or a version where `c0` changed) satisfies
 *   v = value(k) + Σ own(k) + Σ S   for some subset S of others(k)
 * where `pending(k)` = increments of `c0` issued by G whose tag no entry ≤ k carries (not applied
 * at k), `own(k)` = those T issued whose `mutate` had resolved (T must show them), and
 * `others(k)` = the rest of `pending(k)` (another tab's, or T's own still in flight: T may or may
 * not know them yet). An increment the base already holds and the overlay replays again, a
 * pending one lost, a torn page: all give a value no k explains.
 *
 * Item ids. Ids that any mutation of G touched are left out (pending work may add or remove them
 * in ways the server's history does not show yet); on the rest, the delivered set must equal the
 * ids readable to T's user at some recorded version k: the server's history, in order, with
 * nothing skipped or invented.
 */
import type { HistoryEntry, ServerHistory } from "./server-history.js"
import type { IssuedLog } from "./issued-log.js"

export interface ObservedTab {
  readonly key: string
  readonly groupID: string
  readonly user: string
}

export class ObservationChecker {
  readonly #history: ServerHistory
  readonly #issued: IssuedLog
  readonly violations: string[] = []
  observations = 0

  constructor(history: ServerHistory, issued: IssuedLog) {
    this.#history = history
    this.#issued = issued
  }

  /** Checks one delivery of counter `counterID`'s value (0 when absent). */
  checkCounter(tab: ObservedTab, counterID: string, value: number): void {
    this.observations++
    const pending = this.#issued.ofGroup(tab.groupID).filter((m) => m.kind === "increment" && m.target === counterID)
    const applied = new Set<string>()
    let serverValue = 0
    const explains = (): boolean => {
      let rest = value - serverValue
      const optional: number[] = []
      for (const m of pending) {
        if (applied.has(m.tag)) continue
        if (m.tabKey === tab.key && m.certain) rest -= m.by
        else optional.push(m.by)
      }
      return subsetSumReaches(optional, rest)
    }
    if (explains()) return
    for (const e of this.#history.entries) {
      if (e.table !== "counters" || e.id !== counterID) continue
      if (e.row !== null) {
        serverValue = Number(e.row.value)
        applied.add(String(e.row.tag))
      }
      if (explains()) return
    }
    this.violations.push(`tab ${tab.key} (group ${tab.groupID}) saw ${counterID} = ${value}: no prefix of the server's history (head ${this.#history.head}) plus its pending increments gives that`)
  }

  /** Checks one delivery of the visible item ids. */
  checkItems(tab: ObservedTab, ids: ReadonlySet<string>): void {
    this.observations++
    const touched = new Set(this.#issued.ofGroup(tab.groupID).map((m) => m.target))
    const observed = [...ids].filter((id) => !touched.has(id)).sort()
    const want = observed.join(",")
    const visible = new Map<string, boolean>()
    const matches = (): boolean => {
      const now: string[] = []
      for (const [id, readable] of visible) if (readable && !touched.has(id)) now.push(id)
      return now.sort().join(",") === want
    }
    if (matches()) return
    const entries: readonly HistoryEntry[] = this.#history.entries
    for (const e of entries) {
      if (e.table !== "items") continue
      if (e.row === null) visible.delete(e.id)
      else visible.set(e.id, e.row.ownerId === tab.user || e.row.shared === true)
      if (matches()) return
    }
    this.violations.push(`tab ${tab.key} (user ${tab.user}) saw items {${want}} (ids its group never touched): no version of the server's history (head ${this.#history.head}) shows exactly those`)
  }
}

/** Whether some subset of `values` (small positive integers) sums to exactly `target`. */
export function subsetSumReaches(values: readonly number[], target: number): boolean {
  if (target < 0) return false
  if (target === 0) return true
  const total = values.reduce((a, b) => a + b, 0)
  if (target > total) return false
  const reachable = new Uint8Array(target + 1)
  reachable[0] = 1
  for (const v of values) for (let s = target; s >= v; s--) if (reachable[s - v] === 1) reachable[s] = 1
  return reachable[target] === 1
}
