import { matchesCondition } from "@plasma/core/internal"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { compileCondition } from "./compile-condition.js"
import { condition, itemRow, schema } from "./live-arbitraries.js"

describe("compileCondition", () => {
  it("agrees with core's matchesCondition on random conditions and rows", () => {
    fc.assert(
      fc.property(condition(false), fc.array(itemRow, { minLength: 1, maxLength: 10 }), (where, rows) => {
        const compiled = compileCondition(schema, "items", where)
        for (const row of rows) expect(compiled(Object.freeze(row))).toBe(matchesCondition(schema, "items", where, row))
      }),
      { numRuns: 500 },
    )
  })

  it("holds for every row without a condition", () => {
    expect(compileCondition(schema, "items", null)({})).toBe(true)
  })
})
