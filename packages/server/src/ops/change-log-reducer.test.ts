import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { applyChange, reduceChangeLog } from "./change-log-reducer.js"
import { changeLogArb } from "./ops-fixtures.js"

describe("reduceChangeLog", () => {
  it("puts set, deletes remove, later versions win", () => {
    const state = reduceChangeLog([
      { rowVersion: 3, tableName: "t", rowId: "x", op: "put", value: '{"v":3}' },
      { rowVersion: 1, tableName: "t", rowId: "x", op: "put", value: '{"v":1}' },
      { rowVersion: 2, tableName: "t", rowId: "y", op: "put", value: '{"v":2}' },
      { rowVersion: 4, tableName: "t", rowId: "y", op: "del", value: null },
    ])
    expect([...(state.get("t") ?? [])]).toEqual([["x", '{"v":3}']])
    expect(reduceChangeLog([{ rowVersion: 1, tableName: "t", rowId: "x", op: "del", value: null }]).size).toBe(0)
  })

  it("upTo ignores later entries", () => {
    fc.assert(
      fc.property(changeLogArb, fc.nat(45), (log, v) => {
        expect(reduceChangeLog(log, v)).toEqual(reduceChangeLog(log.filter((e) => e.rowVersion <= v)))
      }),
    )
  })

  it("equals the state of a step-by-step replay and does not depend on input order", () => {
    fc.assert(
      fc.property(changeLogArb, (log) => {
        const state = new Map<string, Map<string, string>>()
        const rows = new Map<string, string>()
        for (const e of log) {
          applyChange(state, e)
          const key = `${e.tableName}/${e.rowId}`
          if (e.op === "put") rows.set(key, e.value as string)
          else rows.delete(key)
        }
        const flat = new Map([...state].flatMap(([t, m]) => [...m].map(([id, v]) => [`${t}/${id}`, v] as const)))
        expect(flat).toEqual(rows)
        expect(reduceChangeLog([...log].reverse())).toEqual(state)
      }),
    )
  })
})
