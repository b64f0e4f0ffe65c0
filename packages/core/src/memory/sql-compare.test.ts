import fc from "fast-check"
import { describe, expect, it } from "vitest"
import type { SqlValue } from "../schema/values.js"
import { compareSqlValues, compareText, sqlValueKey, storageClassOf, toRawSqlValue } from "./sql-compare.js"

const utf8 = new TextEncoder()

function byteCompare(a: string, b: string): number {
  const x = utf8.encode(a)
  const y = utf8.encode(b)
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return (x[i] as number) - (y[i] as number)
  return x.length - y.length
}

const sqlValue: fc.Arbitrary<SqlValue> = fc.oneof(
  fc.constant(null),
  fc.integer({ min: -1000, max: 1000 }),
  fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }),
  fc.string({ unit: "grapheme", maxLength: 6 }),
  fc.uint8Array({ maxLength: 5 }),
)

describe("compareSqlValues", () => {
  it("orders storage classes NULL < numeric < TEXT < BLOB", () => {
    const sorted: SqlValue[] = [new Uint8Array([0]), "", 5, null, -3n, "a"].sort(compareSqlValues)
    expect(sorted.map(storageClassOf)).toEqual([0, 1, 1, 2, 2, 3])
    expect(compareSqlValues(9999, "0")).toBeLessThan(0)
    expect(compareSqlValues("zzz", new Uint8Array())).toBeLessThan(0)
  })
  it("compares numbers with bigints exactly", () => {
    expect(compareSqlValues(1, 1n)).toBe(0)
    expect(compareSqlValues(1.5, 2n)).toBeLessThan(0)
    expect(compareSqlValues(2n ** 60n + 1n, 2 ** 60)).toBeGreaterThan(0)
    expect(compareSqlValues(-0, 0)).toBe(0)
  })
  it("compares text by code point, not UTF-16 unit", () => {
    // JavaScript's < puts the astral character (a surrogate pair) before U+FFFD.
    expect("\u{1F600}" < "\uFFFD").toBe(true)
    expect(compareText("\uFFFD", "\u{1F600}")).toBeLessThan(0)
    expect(compareText("\uE000", "\u{10000}")).toBeLessThan(0)
    expect(compareText("a", "ab")).toBeLessThan(0)
    expect(compareText("B", "a")).toBeLessThan(0)
    expect(compareText("é", "é")).toBe(0)
  })
  it("agrees with UTF-8 byte order on any strings", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme-composite" }), fc.string({ unit: "grapheme-composite" }), (a, b) => {
        expect(Math.sign(compareText(a, b))).toBe(Math.sign(byteCompare(a, b)))
      }),
    )
  })
  it("compares blobs with memcmp, shorter prefix first", () => {
    expect(compareSqlValues(new Uint8Array([1, 2]), new Uint8Array([1, 3]))).toBeLessThan(0)
    expect(compareSqlValues(new Uint8Array([1]), new Uint8Array([1, 0]))).toBeLessThan(0)
    expect(compareSqlValues(new Uint8Array([2]), new Uint8Array([1, 9]))).toBeGreaterThan(0)
  })
  it("is a total order: antisymmetric, transitive, and sorting is stable under it", () => {
    fc.assert(
      fc.property(sqlValue, sqlValue, sqlValue, (a, b, c) => {
        expect(Math.sign(compareSqlValues(a, b))).toBe(-Math.sign(compareSqlValues(b, a)) || 0)
        if (compareSqlValues(a, b) <= 0 && compareSqlValues(b, c) <= 0) expect(compareSqlValues(a, c)).toBeLessThanOrEqual(0)
      }),
    )
    fc.assert(
      fc.property(fc.array(sqlValue), (values) => {
        const sorted = [...values].sort(compareSqlValues)
        for (let i = 1; i < sorted.length; i++) expect(compareSqlValues(sorted[i - 1] as SqlValue, sorted[i] as SqlValue)).toBeLessThanOrEqual(0)
      }),
    )
  })
  it("sqlValueKey is equal exactly when the values compare equal", () => {
    fc.assert(
      fc.property(sqlValue, sqlValue, (a, b) => {
        expect(sqlValueKey(a) === sqlValueKey(b)).toBe(compareSqlValues(a, b) === 0)
      }),
    )
    expect(sqlValueKey(1)).toBe(sqlValueKey(1n))
    expect(sqlValueKey(1e21)).toBe(sqlValueKey(10n ** 21n))
  })
})

describe("toRawSqlValue", () => {
  it("encodes booleans as 0/1 and safe bigints as numbers", () => {
    expect(toRawSqlValue(true)).toBe(1)
    expect(toRawSqlValue(false)).toBe(0)
    expect(toRawSqlValue(5n)).toBe(5)
    expect(toRawSqlValue(2n ** 60n)).toBe(2n ** 60n)
    expect(toRawSqlValue(undefined)).toBe(null)
    expect(() => toRawSqlValue({})).toThrow(TypeError)
  })
})
