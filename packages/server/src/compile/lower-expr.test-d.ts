import type { ExprKind, ExprVisitor } from "@plasma/core"
import { describe, expectTypeOf, it } from "vitest"

describe("expression dispatch is exhaustive", () => {
  it("a visitor must handle every node kind: one missing does not compile", () => {
    const all: ExprVisitor<number> = {
      column: () => 1, value: () => 1, compare: () => 1, like: () => 1, and: () => 1, or: () => 1,
      not: () => 1, in: () => 1, isNull: () => 1, isNotNull: () => 1, aggregate: () => 1,
    }
    expectTypeOf<keyof typeof all>().toEqualTypeOf<ExprKind>()
    // @ts-expect-error `aggregate` is missing, as it would be for a new node kind nobody lowered
    const missing: ExprVisitor<number> = { column: () => 1, value: () => 1, compare: () => 1, like: () => 1, and: () => 1, or: () => 1, not: () => 1, in: () => 1, isNull: () => 1, isNotNull: () => 1 }
    void missing
  })
})
