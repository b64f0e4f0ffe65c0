import fc from "fast-check"
import { describe, expect, test } from "vitest"
import { applyPresenceDiff, toPresenceDiff } from "./presence-diff.js"
import type { PresenceEntry } from "./protocol.js"

const ids = fc.constantFrom("a", "b", "c", "d", "e", "f")
/** A room state: one entry per clientID, sorted like a snapshot. */
const room = fc
  .dictionary(ids, fc.oneof(fc.constant(null), fc.integer({ min: 0, max: 3 }), fc.record({ name: fc.constantFrom("x", "y") })))
  .map((byID) => Object.entries(byID).sort(([a], [b]) => (a < b ? -1 : 1)).map(([clientID, userInfo]): PresenceEntry => ({ clientID, userInfo })))

function differing(before: readonly PresenceEntry[], after: readonly PresenceEntry[]): Set<string> {
  const a = new Map(before.map((e) => [e.clientID, JSON.stringify(e.userInfo)]))
  const b = new Map(after.map((e) => [e.clientID, JSON.stringify(e.userInfo)]))
  return new Set([...a.keys(), ...b.keys()].filter((id) => a.get(id) !== b.get(id)))
}

describe("presence diffs", () => {
  test("example: a join, an update and a leave", () => {
    const before: PresenceEntry[] = [{ clientID: "a", userInfo: null }, { clientID: "b", userInfo: 1 }]
    const after: PresenceEntry[] = [{ clientID: "a", userInfo: { typing: true } }, { clientID: "c", userInfo: null }]
    const diff = toPresenceDiff(after, new Set(["a", "b", "c"]))
    expect(diff).toEqual({ updated: after, left: ["b"] })
    expect(applyPresenceDiff(before, diff)).toEqual(after)
  })

  test("property: apply(before, diff(after, changed)) = after when changed covers every difference", () => {
    fc.assert(
      fc.property(room, room, fc.array(ids), (before, after, extra) => {
        const changed = new Set([...differing(before, after), ...extra])
        expect(applyPresenceDiff(before, toPresenceDiff(after, changed))).toEqual(after)
      }),
      { numRuns: 500 },
    )
  })

  test("property: a diff applied twice, or to a state that already has some of it, lands on the same state", () => {
    fc.assert(
      fc.property(room, room, room, (before, middle, after) => {
        // The socket got `middle` as a snapshot while the server still counted before→after changes.
        const changed = new Set([...differing(before, after), ...differing(middle, after)])
        const diff = toPresenceDiff(after, changed)
        const once = applyPresenceDiff(middle, diff)
        expect(once).toEqual(after)
        expect(applyPresenceDiff(once, diff)).toEqual(after)
      }),
      { numRuns: 300 },
    )
  })
})
