import { describe, expect, it } from "vitest"
import { isPlasmaError } from "../errors/plasma-error.js"
import { bigint, blob, boolean, file, id, int, json, real, ref, text, type AnyColumn } from "./column.js"
import { table } from "./table.js"
import { checkColumnValue, fromSqlValue, prepareInsertRow, preparePatch, rowFromChangeJson, rowFromSql, toSqlValue } from "./values.js"

const users = table("users", { id: id() })
const hash = "a".repeat(64)
const fileRef = { hash, size: 3, mime: "image/png", name: "a.png" }

const cases: { name: string; column: AnyColumn; good: unknown[]; bad: unknown[] }[] = [
  { name: "id", column: id(), good: ["x"], bad: ["", 1, undefined] },
  { name: "text", column: text(), good: ["", "é"], bad: [1, true, {}] },
  { name: "ref", column: ref(() => users.id), good: ["u1"], bad: [1] },
  { name: "int", column: int(), good: [0, -5, Number.MAX_SAFE_INTEGER], bad: [1.5, 2 ** 60, "1", 1n, Number.NaN] },
  { name: "real", column: real(), good: [1.5, -0, 3], bad: [Number.POSITIVE_INFINITY, Number.NaN, "1.5"] },
  { name: "bigint", column: bigint(), good: [2n ** 62n, 5], bad: [1.5, "5"] },
  { name: "boolean", column: boolean(), good: [true, false], bad: [0, 1, "true"] },
  { name: "json", column: json(), good: [{ a: [1, "x", null] }, "s", 1, true, []], bad: [undefined, new Date(), { f: () => 1 }, Number.NaN, 1n] },
  { name: "blob", column: blob(), good: [new Uint8Array([1, 2])], bad: ["ab", [1, 2]] },
  { name: "file", column: file(), good: [fileRef, { hash, size: 0, mime: "text/plain" }], bad: [{ hash: "xyz", size: 1, mime: "a/b" }, { ...fileRef, extra: 1 }, { hash, size: -1, mime: "a/b" }, "x"] },
]

describe("checkColumnValue", () => {
  for (const { name, column, good, bad } of cases) {
    it(`checks ${name} values`, () => {
      for (const value of good) expect(() => checkColumnValue("t", "c", column, value)).not.toThrow()
      for (const value of bad) {
        let caught: unknown
        try {
          checkColumnValue("t", "c", column, value)
        } catch (error) {
          caught = error
        }
        expect(isPlasmaError(caught, "invalid-value"), `${name} should refuse ${String(value)}`).toBe(true)
        expect((caught as Error).message).toContain('table "t", column "c"')
      }
    })
  }
  it("allows NULL only in nullable columns", () => {
    expect(() => checkColumnValue("t", "c", text().nullable(), null)).not.toThrow()
    expect(() => checkColumnValue("t", "c", text(), null)).toThrow(/NULL/)
  })
})

describe("toSqlValue / fromSqlValue", () => {
  const roundTrips: [AnyColumn, unknown, unknown][] = [
    [id(), "x", "x"],
    [text(), "héllo", "héllo"],
    [int(), -7, -7],
    [real(), 1.25, 1.25],
    [bigint(), 5n, 5],
    [bigint(), 2n ** 62n, 2n ** 62n],
    [boolean(), true, 1],
    [boolean(), false, 0],
    [json(), { a: [1, null] }, '{"a":[1,null]}'],
    [blob(), new Uint8Array([1, 2]), new Uint8Array([1, 2])],
    [file(), fileRef, JSON.stringify(fileRef)],
    [text().nullable(), null, null],
  ]
  it("stores each kind in SQLite's natural form and reads it back", () => {
    for (const [column, value, stored] of roundTrips) {
      expect(toSqlValue(column, value)).toEqual(stored)
      expect(fromSqlValue(column, toSqlValue(column, value))).toEqual(value)
    }
  })
  it("reads what drivers hand back", () => {
    expect(fromSqlValue(boolean(), 1n)).toBe(true)
    expect(fromSqlValue(bigint(), "12")).toBe(12n)
    expect(fromSqlValue(blob(), [1, 2])).toEqual(new Uint8Array([1, 2]))
    expect(fromSqlValue(int(), undefined)).toBe(null)
  })
  it("decodes rows from SQL and from change-log JSON", () => {
    const t = table("t", { id: id(), done: boolean(), n: bigint(), data: json(), bytes: blob().nullable() })
    expect(rowFromSql(t, { id: "a", done: 0, n: 3, data: "[1]", bytes: null, extra: 1 })).toEqual({ id: "a", done: false, n: 3n, data: [1], bytes: null, extra: 1 })
    expect(rowFromChangeJson(t, { id: "a", done: true, n: "9007199254740993", data: { x: 1 }, bytes: "0aff" })).toEqual({
      id: "a",
      done: true,
      n: 9007199254740993n,
      data: { x: 1 },
      bytes: new Uint8Array([10, 255]),
    })
  })
})

describe("prepareInsertRow / preparePatch", () => {
  const todos = table("todos", { id: id(), title: text(), done: boolean().default(false), tags: json<string[]>().default([]), note: text().nullable(), n: bigint().nullable() })
  it("fills defaults and NULLs, and copies default objects", () => {
    const a = prepareInsertRow(todos, { id: "t1", title: "x", n: 3 })
    expect(a).toEqual({ id: "t1", title: "x", done: false, tags: [], note: null, n: 3n })
    const b = prepareInsertRow(todos, { id: "t2", title: "y" })
    expect(b.tags).not.toBe(a.tags)
  })
  it("refuses unknown and missing columns, naming them", () => {
    expect(() => prepareInsertRow(todos, { id: "t1", title: "x", nope: 1 })).toThrow(/"todos" has no column "nope"/)
    expect(() => prepareInsertRow(todos, { id: "t1" })).toThrow(/table "todos", column "title"/)
    expect(() => prepareInsertRow(todos, [] as never)).toThrow(/object/)
  })
  it("checks patches and never lets the id change", () => {
    expect(preparePatch(todos, { done: true, note: undefined })).toEqual({ done: true })
    expect(() => preparePatch(todos, { id: "x" })).toThrow(/id/)
    expect(() => preparePatch(todos, { done: "yes" })).toThrow(/column "done"/)
    expect(() => preparePatch(todos, { nope: 1 })).toThrow(/nope/)
  })
})
