/**
 * Presence diffs, both ends. Pure.
 *
 * The server does not remember what each socket last saw: it remembers which clientIDs changed
 * since its last presence frame, and a diff says the *current* value of each (`updated`) or that
 * it is gone (`left`). So a diff is correct for every socket that got every earlier frame, and
 * applying it to a state that already has some of those changes is harmless (upserts and removals
 * of current values are idempotent). The property test in `presence-diff.test.ts` checks exactly
 * that: apply(before, diff(after, changed)) equals after whenever `changed` covers every clientID
 * whose entry differs.
 */
import type { PresenceEntry } from "./protocol.js"

/** What changed: current entries of changed clientIDs, and changed clientIDs that are gone. */
export interface PresenceDiff {
  readonly updated: PresenceEntry[]
  readonly left: string[]
}

const byClientID = (a: PresenceEntry, b: PresenceEntry): number => (a.clientID < b.clientID ? -1 : a.clientID > b.clientID ? 1 : 0)

/**
 * The diff for the clientIDs in `changed`, given the room's current `entries`.
 *
 * @example
 * toPresenceDiff([{ clientID: "a", userInfo: 1 }], new Set(["a", "b"])) // { updated: [a], left: ["b"] }
 */
export function toPresenceDiff(entries: readonly PresenceEntry[], changed: ReadonlySet<string>): PresenceDiff {
  const updated = entries.filter((entry) => changed.has(entry.clientID))
  const present = new Set(updated.map((entry) => entry.clientID))
  const left = [...changed].filter((clientID) => !present.has(clientID)).sort()
  return { updated, left }
}

/**
 * `entries` with `diff` applied, sorted by clientID like a snapshot.
 *
 * @example
 * applyPresenceDiff([{ clientID: "b", userInfo: null }], { updated: [{ clientID: "a", userInfo: 1 }], left: ["b"] })
 * // [{ clientID: "a", userInfo: 1 }]
 */
export function applyPresenceDiff(entries: readonly PresenceEntry[], diff: PresenceDiff): PresenceEntry[] {
  const next = new Map(entries.map((entry) => [entry.clientID, entry]))
  for (const clientID of diff.left) next.delete(clientID)
  for (const entry of diff.updated) next.set(entry.clientID, entry)
  return [...next.values()].sort(byClientID)
}
