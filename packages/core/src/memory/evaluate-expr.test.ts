import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { and, eq, gt, inArray, isNotNull, isNull, like, lt, ne, not, or, type Condition } from "../query/operators.js"
import type { ExprNode } from "../query/ast.js"
import { boolean, id, int, json, text } from "../schema/column.js"
import { defineSchema } from "../schema/define-schema.js"
import { table } from "../schema/table.js"
import { createRowScope, evaluateExpr, matchesCondition, sqlLike } from "./evaluate-expr.js"

const items = table("items", { id: id(), n: int().nullable(), flag: boolean().nullable(), name: text().nullable(), data: json<unknown>().nullable() })
const schema = defineSchema({ items })
const row = { id: "a", n: 5, flag: true, name: "Hello", data: { x: 1 } }
const nulls = { id: "b", n: null, flag: null, name: null, data: null }

function value(condition: Condition, r: Record<string, unknown> = row): unknown {
  return evaluateExpr(schema, condition.node, createRowScope(schema, { items: r }))
}

describe("evaluateExpr", () => {
  it("compares with a NULL side to NULL", () => {
    expect(value(gt(items.n, 1))).toBe(1)
    expect(value(lt(items.n, 1))).toBe(0)
    expect(value(gt(items.n, 1), nulls)).toBe(null)
    expect(value(ne(items.n, 1), nulls)).toBe(null)
  })
  it("encodes values for the column they are compared with", () => {
    expect(value(eq(items.flag, true))).toBe(1)
    expect(value(eq(items.data, { x: 1 }))).toBe(1)
    expect(value(eq(items.data, { x: 2 }))).toBe(0)
  })
  it("and / or / not follow SQL's three-valued logic", () => {
    const T = eq(items.n, 5)
    const F = eq(items.n, 6)
    const N = eq(items.name, "x")
    const r = (c: Condition) => value(c, { ...row, name: null })
    expect([r(and(T, N)), r(and(F, N)), r(and(T, T)), r(and())]).toEqual([null, 0, 1, 1])
    expect([r(or(F, N)), r(or(T, N)), r(or(F, F)), r(or())]).toEqual([null, 1, 0, 0])
    expect([r(not(N)), r(not(T)), r(not(F))]).toEqual([null, 0, 1])
  })
  it("in: any equal is true, else NULL if a NULL is involved, else false; empty is false", () => {
    expect(value(inArray(items.n, [1, 5]))).toBe(1)
    expect(value(inArray(items.n, [1, null]))).toBe(null)
    expect(value(inArray(items.n, [5, null]))).toBe(1)
    expect(value(inArray(items.n, [1, 2]))).toBe(0)
    expect(value(inArray(items.n, [1]), nulls)).toBe(null)
    expect(value(inArray(items.n, []), nulls)).toBe(0)
  })
  it("like and null checks", () => {
    expect(value(like(items.name, "h%"))).toBe(1)
    expect(value(like(items.name, "h%"), nulls)).toBe(null)
    expect(value(isNull(items.name), nulls)).toBe(1)
    expect(value(isNotNull(items.name), nulls)).toBe(0)
  })
  it("compares raw values when no column is involved", () => {
    const node: ExprNode = { kind: "compare", op: "eq", left: { kind: "value", value: true }, right: { kind: "value", value: 1 } }
    expect(evaluateExpr(schema, node, createRowScope(schema, {}))).toBe(1)
  })
  it("a left-join-padded table reads as NULL", () => {
    expect(evaluateExpr(schema, isNull(items.n).node, createRowScope(schema, { items: null }))).toBe(1)
  })
})

describe("matchesCondition", () => {
  it("keeps only rows where the condition is true", () => {
    expect(matchesCondition(schema, "items", null, row)).toBe(true)
    expect(matchesCondition(schema, "items", gt(items.n, 1).node, row)).toBe(true)
    expect(matchesCondition(schema, "items", gt(items.n, 1).node, nulls)).toBe(false)
    expect(matchesCondition(schema, "items", not(gt(items.n, 1)).node, nulls)).toBe(false)
  })
})

/** A reference LIKE for ASCII input: a case-insensitive regular expression. */
function likeByRegex(value: string, pattern: string): boolean {
  const source = Array.from(pattern, (c) => (c === "%" ? "[\\s\\S]*" : c === "_" ? "[\\s\\S]" : c.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&"))).join("")
  return new RegExp(`^${source}$`, "i").test(value)
}

describe("sqlLike", () => {
  it("folds ASCII case only", () => {
    expect(sqlLike("ABC", "abc")).toBe(true)
    expect(sqlLike("ÉTÉ", "été")).toBe(false)
    expect(sqlLike("été", "%T%")).toBe(true)
    expect(sqlLike("ß", "SS")).toBe(false)
  })
  it("_ matches one code point, astral ones included", () => {
    expect(sqlLike("a\u{1F600}b", "a_b")).toBe(true)
    expect(sqlLike("a\u{1F600}b", "a__b")).toBe(false)
    expect(sqlLike("", "_")).toBe(false)
  })
  it("% backtracks", () => {
    expect(sqlLike("%ba", "%a")).toBe(true)
    expect(sqlLike("mississippi", "%iss%ppi")).toBe(true)
    expect(sqlLike("abc", "%%c%")).toBe(true)
    expect(sqlLike("abc", "a%d")).toBe(false)
    expect(sqlLike("", "%")).toBe(true)
  })
  it("has no escape character", () => {
    expect(sqlLike("a\\b", "a\\_")).toBe(true)
    expect(sqlLike("50%", "50\\%")).toBe(false)
  })
  it("matches a regex reference on ASCII input", () => {
    const ascii = fc.string({ unit: fc.constantFrom("a", "B", "b", "A", "%", "_", "\\", ".", "z") , maxLength: 8 })
    fc.assert(
      fc.property(ascii, ascii, (value, pattern) => {
        expect(sqlLike(value, pattern)).toBe(likeByRegex(value, pattern))
      }),
      { numRuns: 2000 },
    )
  })
})
