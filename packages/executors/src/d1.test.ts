import { describe, expect, it, vi } from "vitest"
import { describeExecutorConformance } from "./conformance/executor-conformance.js"
import { fromD1, type D1DatabaseLike, type D1PreparedStatementLike, type D1ResultLike } from "./d1.js"
import { isExecutorError } from "./executor-error.js"
import { createMiniflareD1 } from "./testing.js"

describeExecutorConformance("D1 (Miniflare)", () => createMiniflareD1())

/** A fake D1 that records what it was asked and answers with canned results. */
function fakeD1(result: D1ResultLike): { d1: D1DatabaseLike; bound: unknown[][]; batch: ReturnType<typeof vi.fn> } {
  const bound: unknown[][] = []
  const statement = (): D1PreparedStatementLike => {
    const self: D1PreparedStatementLike = {
      bind: (...values: unknown[]) => {
        bound.push(values)
        return self
      },
      all: async () => result,
      run: async () => result,
    }
    return self
  }
  const batch = vi.fn(async (statements: D1PreparedStatementLike[]) => statements.map(() => result))
  return { d1: { prepare: statement, batch }, bound, batch }
}

describe("fromD1", () => {
  it("does not call the driver for an empty batch", async () => {
    const { d1, batch } = fakeD1({ results: [] })
    expect(await fromD1(d1).batch([])).toEqual([])
    expect(batch).not.toHaveBeenCalled()
  })

  it("turns BLOBs returned as number[] or ArrayBuffer into Uint8Array", async () => {
    const buffer = new Uint8Array([4, 5]).buffer
    const { d1 } = fakeD1({ results: [{ a: [1, 2, 3], b: buffer, s: "text", n: null }] })
    const [row] = await fromD1(d1).all<Record<string, unknown>>({ text: "SELECT", params: [] })
    expect(row?.a).toBeInstanceOf(Uint8Array)
    expect(Array.from(row?.a as Uint8Array)).toEqual([1, 2, 3])
    expect(Array.from(row?.b as Uint8Array)).toEqual([4, 5])
    expect(row?.s).toBe("text")
    expect(row?.n).toBeNull()
  })

  it("normalises booleans, undefined, safe bigints and Buffers before binding", async () => {
    const { d1, bound } = fakeD1({ results: [] })
    await fromD1(d1).all({ text: "SELECT", params: [true, false, undefined, 12n, Buffer.from([1])] })
    const values = bound[0] ?? []
    expect(values.slice(0, 4)).toEqual([1, 0, null, 12])
    expect(Object.getPrototypeOf(values[4])).toBe(Uint8Array.prototype)
  })

  it("refuses a bigint D1 cannot bind exactly", async () => {
    const { d1 } = fakeD1({ results: [] })
    const error: unknown = await fromD1(d1)
      .run({ text: "INSERT", params: [2n ** 60n] })
      .catch((e: unknown) => e)
    expect(isExecutorError(error, "invalid-parameter")).toBe(true)
    expect((error as Error).message).toContain("1152921504606846976")
  })

  it("maps run() meta to changes and lastInsertRowid", async () => {
    const { d1 } = fakeD1({ results: [], meta: { changes: 3, last_row_id: 17 } })
    expect(await fromD1(d1).run({ text: "INSERT", params: [] })).toEqual({ changes: 3, lastInsertRowid: 17 })
  })
})

describe("fromD1 changes probe", () => {
  it("follows each write (not each SELECT) with SELECT changes() and reports its count", async () => {
    const texts: string[] = []
    const statement = (text: string): D1PreparedStatementLike => {
      const self: D1PreparedStatementLike = { bind: () => self, all: async () => ({}), run: async () => ({}) }
      texts.push(text)
      return Object.assign(self, { text })
    }
    const d1: D1DatabaseLike = {
      prepare: statement,
      batch: async (statements) =>
        statements.map((s) => {
          const text = (s as unknown as { text: string }).text
          if (text === "SELECT changes() AS c") return { results: [{ c: 1 }] }
          if (text.startsWith("INSERT")) return { results: [], meta: { changes: 3, last_row_id: 5 } }
          return { results: [{ n: 1 }], meta: { changes: 0 } }
        }),
    }
    const results = await fromD1(d1).batch([
      { text: "SELECT n", params: [] },
      { text: "INSERT a", params: [] },
      { text: "  select m", params: [] },
      { text: "INSERT b", params: [] },
    ])
    expect(results.map((r) => r.changes)).toEqual([0, 1, 0, 1])
    expect(results.map((r) => r.rows)).toEqual([[{ n: 1 }], [], [{ n: 1 }], []])
    // The probe is prepared once and reused.
    expect(texts.filter((t) => t === "SELECT changes() AS c")).toHaveLength(1)
  })

  it("sends no probe when the caller says it will not read changes", async () => {
    const sent: string[][] = []
    const statement = (text: string): D1PreparedStatementLike => {
      const self: D1PreparedStatementLike = { bind: () => self, all: async () => ({}), run: async () => ({}) }
      return Object.assign(self, { text })
    }
    const d1: D1DatabaseLike = {
      prepare: statement,
      batch: async (statements) => {
        sent.push(statements.map((s) => (s as unknown as { text: string }).text))
        return statements.map(() => ({ results: [], meta: { changes: 2 } }))
      },
    }
    const results = await fromD1(d1).batch([{ text: "INSERT a", params: [] }, { text: "UPDATE b", params: [] }], { changes: false })
    expect(sent).toEqual([["INSERT a", "UPDATE b"]])
    expect(results).toHaveLength(2)
  })
})

describe("fromD1 on Miniflare", () => {
  it("binds a Node Buffer and bigints, and hits D1's 100-parameter limit at 101", async () => {
    const { d1, executor, dispose } = await createMiniflareD1()
    try {
      const [row] = await executor.all<{ b: Uint8Array; n: number; t: string }>({
        text: "SELECT ? AS b, ? AS n, typeof(?) AS t",
        params: [Buffer.from([7, 8]), 9007199254740991n, Buffer.from([1])],
      })
      expect(Array.from(row?.b ?? [])).toEqual([7, 8])
      expect(row?.n).toBe(9007199254740991)
      expect(row?.t).toBe("blob")
      // Raw D1 counts trigger writes in meta.changes; exactChanges (the default) does not.
      await executor.batch([
        { text: "CREATE TABLE t (v INTEGER)", params: [] },
        { text: "CREATE TABLE t_log (v INTEGER)", params: [] },
        { text: "CREATE TRIGGER t_ai AFTER INSERT ON t BEGIN INSERT INTO t_log VALUES (NEW.v); INSERT INTO t_log VALUES (NEW.v); END", params: [] },
      ])
      expect((await executor.run({ text: "INSERT INTO t VALUES (?)", params: [1] })).changes).toBe(1)
      const loose = fromD1(d1, { exactChanges: false })
      expect((await loose.run({ text: "INSERT INTO t VALUES (?)", params: [2] })).changes).toBe(3)
      const params = Array.from({ length: 101 }, (_, i) => i)
      const error: unknown = await executor
        .all({ text: `SELECT ${params.map(() => "?").join(", ")}`, params })
        .catch((e: unknown) => e)
      expect(isExecutorError(error, "query-failed")).toBe(true)
      expect((error as Error).message).toMatch(/too many SQL variables/)
    } finally {
      await dispose()
    }
  })
})
