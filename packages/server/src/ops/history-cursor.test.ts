import { isPlasmaError } from "@plasma/core"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { decodeHistoryCursor, encodeHistoryCursor, type CursorField } from "./history-cursor.js"

const fieldArb: fc.Arbitrary<CursorField> = fc.oneof(fc.string({ unit: "binary" }), fc.nat(), fc.maxSafeNat(), fc.constant(null), fc.array(fc.string({ unit: "grapheme" }), { maxLength: 3 }))

describe("history cursors", () => {
  it("encode as the TSDoc says", () => {
    expect(encodeHistoryCursor("rh1", ["todos", "t1", 42])).toBe("rh1.WyJ0b2RvcyIsInQxIiw0Ml0")
    expect(decodeHistoryCursor("rh1", "rh1.WyJ0b2RvcyIsInQxIiw0Ml0", 3, "before")).toEqual(["todos", "t1", 42])
  })

  it("round-trip any fields, unicode row ids included", () => {
    fc.assert(
      fc.property(fc.array(fieldArb, { minLength: 1, maxLength: 5 }), (fields) => {
        const cursor = encodeHistoryCursor("ds1", fields)
        expect(cursor).toMatch(/^ds1\.[A-Za-z0-9_-]+$/)
        expect(decodeHistoryCursor("ds1", cursor, fields.length, "cursor")).toEqual(fields)
      }),
    )
  })

  it("refuse anything else with invalid-request naming the option", () => {
    fc.assert(
      fc.property(fc.array(fieldArb, { minLength: 1, maxLength: 4 }), fc.string({ maxLength: 3 }), fc.nat(40), (fields, junk, cut) => {
        const cursor = encodeHistoryCursor("ds1", fields)
        const variants: unknown[] = [cursor + junk, cursor.slice(0, Math.max(0, cursor.length - 1 - (cut % cursor.length))), cursor.replace("ds1", "rh1")]
        for (const variant of variants) {
          if (variant === cursor) continue
          let error: unknown
          try {
            decodeHistoryCursor("ds1", variant, fields.length, "cursor")
          } catch (e) {
            error = e
          }
          // A variant may decode only if it is canonical for other fields of the same count (a cut
          // that lands on another valid cursor is impossible: the JSON array would not close).
          expect(isPlasmaError(error, "invalid-request"), String(variant)).toBe(true)
          expect((error as Error).message).toMatch(/^cursor is not a cursor this operation handed out/)
        }
      }),
    )
    for (const bad of [undefined, null, 5, {}, "ds1.", "ds1.=", "ds1.a", "ds1.W10=", `ds1.${"A".repeat(5000)}`]) {
      expect(isPlasmaError((() => { try { decodeHistoryCursor("ds1", bad, 1, "cursor") } catch (e) { return e } })(), "invalid-request")).toBe(true)
    }
    // Right shape, wrong arity.
    expect(() => decodeHistoryCursor("ds1", encodeHistoryCursor("ds1", [1, 2]), 3, "cursor")).toThrow(/does not hold 3 fields/)
  })
})
