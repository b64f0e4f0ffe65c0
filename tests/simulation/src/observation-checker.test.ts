/**
 * The observation checker on hand-built histories: it accepts exactly the states a prefix of the
 * history plus pending work explains, and names the rest (so a broken client would be caught).
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import type { SqlExecutor } from "@plasma/executors"
import { IssuedLog, type IssuedMutation } from "./issued-log.js"
import { ObservationChecker, subsetSumReaches } from "./observation-checker.js"
import { ServerHistory, type HistoryEntry } from "./server-history.js"

const tab = { key: "t1", groupID: "g1", user: "ann" }

function setup(entries: HistoryEntry[], issued: Omit<IssuedMutation, "groupID" | "kind" | "target">[] = []) {
  const history = new ServerHistory(null as unknown as SqlExecutor)
  history.entries.push(...entries)
  const log = new IssuedLog()
  for (const m of issued) log.add({ ...m, kind: "increment", groupID: "g1", target: "c0" })
  return { checker: new ObservationChecker(history, log), log }
}

const put = (version: number, value: number, tag: string): HistoryEntry => ({ version, table: "counters", id: "c0", op: "put", row: { id: "c0", value, tag } })
const item = (version: number, id: string, ownerId: string, shared = false): HistoryEntry => ({ version, table: "items", id, op: "put", row: { id, ownerId, shared, tag: `x${version}` } })

describe("ObservationChecker.checkCounter", () => {
  it("accepts every server value in the history, and 0 before it", () => {
    const { checker } = setup([put(1, 2, "a"), put(2, 5, "b")])
    for (const v of [0, 2, 5]) checker.checkCounter(tab, "c0", v)
    expect(checker.violations).toEqual([])
  })

  it("refuses a value no version had", () => {
    const { checker } = setup([put(1, 2, "a"), put(2, 5, "b")])
    checker.checkCounter(tab, "c0", 3)
    expect(checker.violations).toHaveLength(1)
    expect(checker.violations[0]).toContain("c0 = 3")
  })

  it("requires the tab's own resolved pending increment, and refuses it counted twice once applied", () => {
    const { checker } = setup([put(1, 2, "a"), put(2, 5, "mine")], [{ tag: "mine", tabKey: "t1", by: 3, certain: true }])
    checker.checkCounter(tab, "c0", 5) // pending on 2 (2 + 3) or applied (5)
    expect(checker.violations).toEqual([])
    checker.checkCounter(tab, "c0", 2) // base 2 without its own pending +3: impossible
    checker.checkCounter(tab, "c0", 8) // applied AND replayed: impossible
    expect(checker.violations).toHaveLength(2)
  })

  it("lets another tab's pending increment show or not", () => {
    const { checker } = setup([put(1, 2, "a")], [{ tag: "theirs", tabKey: "t2", by: 3, certain: true }])
    checker.checkCounter(tab, "c0", 2)
    checker.checkCounter(tab, "c0", 5)
    expect(checker.violations).toEqual([])
    checker.checkCounter(tab, "c0", 4)
    expect(checker.violations).toHaveLength(1)
  })
})

describe("ObservationChecker.checkItems", () => {
  it("accepts the readable ids of any version and refuses a mix of two", () => {
    const { checker } = setup([item(1, "a", "ann"), item(2, "b", "bob"), item(3, "b", "bob", true), { version: 4, table: "items", id: "a", op: "del", row: null }])
    for (const ids of [[], ["a"], ["a", "b"], ["b"]]) checker.checkItems(tab, new Set(ids))
    expect(checker.violations).toEqual([])
    checker.checkItems(tab, new Set(["c"])) // invented
    expect(checker.violations).toHaveLength(1)
  })

  it("ignores ids the tab's group touched", () => {
    const { checker, log } = setup([item(1, "a", "ann")])
    log.add({ tag: "m", kind: "addItem", groupID: "g1", tabKey: "t1", target: "mine", by: 0, certain: true })
    checker.checkItems(tab, new Set(["mine", "a"]))
    checker.checkItems(tab, new Set(["mine"]))
    expect(checker.violations).toEqual([])
  })
})

describe("subsetSumReaches", () => {
  it("agrees with brute force", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 10 }), fc.integer({ min: -2, max: 32 }), (values, target) => {
        let brute = false
        for (let mask = 0; mask < 1 << values.length && !brute; mask++) brute = values.reduce((s, v, i) => ((mask >> i) & 1 ? s + v : s), 0) === target
        expect(subsetSumReaches(values, target)).toBe(brute)
      }),
    )
  })
})
