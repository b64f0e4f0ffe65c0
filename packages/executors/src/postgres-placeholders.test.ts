import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { toPostgresPlaceholders } from "./postgres-placeholders.js"

const rewrite = (text: string): string => toPostgresPlaceholders(text).text

describe("toPostgresPlaceholders", () => {
  it("numbers ? placeholders in order", () => {
    expect(rewrite("SELECT * FROM t WHERE a = ? AND b IN (?, ?)")).toBe("SELECT * FROM t WHERE a = $1 AND b IN ($2, $3)")
    expect(toPostgresPlaceholders("INSERT INTO t VALUES (?,?)").questionMarks).toBe(2)
  })

  it("leaves ? inside literals, quoted identifiers, comments and dollar quotes alone", () => {
    expect(rewrite("SELECT '?', 'it''s ?', ? -- what?\n, ?")).toBe("SELECT '?', 'it''s ?', $1 -- what?\n, $2")
    expect(rewrite('SELECT "a?b" FROM t WHERE x = ?')).toBe('SELECT "a?b" FROM t WHERE x = $1')
    expect(rewrite("SELECT /* ? /* nested ? */ ? */ ?")).toBe("SELECT /* ? /* nested ? */ ? */ $1")
    expect(rewrite("SELECT E'\\' ?', ?")).toBe("SELECT E'\\' ?', $1")
    expect(rewrite("DO $body$ BEGIN PERFORM '?'; END $body$; SELECT ?")).toBe("DO $body$ BEGIN PERFORM '?'; END $body$; SELECT $1")
    expect(rewrite("SELECT $$?$$, ?")).toBe("SELECT $$?$$, $1")
  })

  it("passes a text with $n placeholders through, ? operators included", () => {
    const text = "SELECT * FROM t WHERE data ? $1 AND id = $2"
    expect(toPostgresPlaceholders(text)).toEqual({ text, questionMarks: 0, numbered: true })
  })

  it("does not take a$b or $tag for a placeholder", () => {
    expect(rewrite("SELECT a$1 FROM t WHERE v = ?")).toBe("SELECT a$1 FROM t WHERE v = $1")
  })

  it("returns the same string when there is nothing to rewrite", () => {
    const text = "SELECT 1"
    expect(toPostgresPlaceholders(text).text).toBe(text)
  })

  it("rewrites exactly the bare ? of texts built from literals and placeholders (property)", () => {
    const piece = fc.oneof(
      fc.constant({ sql: "?", marks: 1 }),
      fc.string({ unit: fc.constantFrom("a", "?", "'", " ", "$", "-", "\n", "*", "/") }).map((s) => ({
        sql: `'${s.replaceAll("'", "''")}'`,
        marks: 0,
      })),
      fc.string({ unit: fc.constantFrom("a", "?", '"', " ") }).map((s) => ({ sql: `"${s.replaceAll('"', '""')}"`, marks: 0 })),
      fc.string({ unit: fc.constantFrom("a", "?", " ", "'") }).map((s) => ({ sql: `-- ${s}\n`, marks: 0 })),
      fc.constantFrom({ sql: " , ", marks: 0 }, { sql: "x", marks: 0 }, { sql: "$$ ? ' $$", marks: 0 }),
    )
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 20 }), (pieces) => {
        const text = pieces.map((p) => p.sql).join(" ")
        const expected = pieces.reduce((n, p) => n + p.marks, 0)
        const result = toPostgresPlaceholders(text)
        expect(result.questionMarks).toBe(expected)
        // Every placeholder is numbered once, in order.
        const numbers = [...result.text.matchAll(/\$(\d+)/g)].map((m) => Number(m[1]))
        expect(numbers).toEqual(Array.from({ length: expected }, (_, i) => i + 1))
      }),
    )
  })
})
