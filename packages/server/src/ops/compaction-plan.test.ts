import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { changeLogArb } from "./ops-fixtures.js"
import { reduceChangeLog } from "./change-log-reducer.js"
import { nextCompactionWindow, planCompaction } from "./compaction-plan.js"

const logAndBound = changeLogArb.chain((log) => fc.tuple(fc.constant(log), fc.integer({ min: 0, max: log.length + 3 })))

describe("planCompaction", () => {
  it("keeps the newest entry per row at or below the bound, tombstones included, and nothing above it is touched", () => {
    expect(
      planCompaction(
        [
          { rowVersion: 1, tableName: "t", rowId: "x" },
          { rowVersion: 2, tableName: "t", rowId: "x" },
          { rowVersion: 3, tableName: "t", rowId: "y" },
          { rowVersion: 4, tableName: "t", rowId: "x" },
        ],
        3,
      ),
    ).toEqual({ remove: [1], keep: [2, 3] })
    fc.assert(
      fc.property(logAndBound, ([log, bound]) => {
        const { remove, keep } = planCompaction(log, bound)
        expect(remove.every((v) => v <= bound)).toBe(true)
        expect([...remove, ...keep].sort((a, b) => a - b)).toEqual(log.filter((e) => e.rowVersion <= bound).map((e) => e.rowVersion))
        const rowsBelow = new Set(log.filter((e) => e.rowVersion <= bound).map((e) => `${e.tableName}/${e.rowId}`))
        expect(keep.length).toBe(rowsBelow.size)
      }),
    )
  })

  it("preserves the state at every version at or above the bound, and is idempotent", () => {
    fc.assert(
      fc.property(logAndBound, ([log, bound]) => {
        const { remove } = planCompaction(log, bound)
        const removed = new Set(remove)
        const compacted = log.filter((e) => !removed.has(e.rowVersion))
        for (let v = bound; v <= log.length + 1; v++) expect(reduceChangeLog(compacted, v)).toEqual(reduceChangeLog(log, v))
        expect(planCompaction(compacted, bound).remove).toEqual([])
      }),
    )
  })

  it("a client at any cookie that applies the compacted entries after it converges to the full state", () => {
    fc.assert(
      fc.property(logAndBound, fc.nat(45), ([log, bound], cookieSeed) => {
        const cookie = cookieSeed % (log.length + 1)
        const removed = new Set(planCompaction(log, bound).remove)
        const compacted = log.filter((e) => !removed.has(e.rowVersion))
        const held = reduceChangeLog(log, cookie)
        const later = compacted.filter((e) => e.rowVersion > cookie)
        // Replay the client's held rows first (as version 0 puts), then what it pulls.
        const start = [...held].flatMap(([t, rows]) => [...rows].map(([rowId, value]) => ({ rowVersion: 0, tableName: t, rowId, op: "put" as const, value })))
        expect(reduceChangeLog([...start, ...later])).toEqual(reduceChangeLog(log))
      }),
    )
  })
})

describe("nextCompactionWindow", () => {
  it("covers (from, to] with the kept versions inside it, caps them, and always advances", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: 200 }), { maxLength: 60 }), fc.integer({ min: 1, max: 200 }), fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 10 }), (raw, bound, step, maxKeep) => {
        const keep = raw.filter((v) => v <= bound).sort((a, b) => a - b)
        let from = 0
        let index = 0
        const seen: number[] = []
        while (from < bound) {
          const w = nextCompactionWindow(keep, index, from + step, bound, maxKeep)
          expect(w.to).toBeGreaterThan(from)
          expect(w.to).toBeLessThanOrEqual(bound)
          expect(w.keep.length).toBeLessThanOrEqual(maxKeep)
          expect(w.keep).toEqual(keep.filter((v) => v > from && v <= w.to))
          seen.push(...w.keep)
          from = w.to
          index = w.nextKeepIndex
        }
        expect(seen).toEqual(keep)
      }),
    )
  })
})
