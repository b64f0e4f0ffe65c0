import type { SqlExecutor, SqlQuery } from "@plasma/executors"
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest"
import { openSqlite } from "./ops-fixtures.js"
import { changeCheckSql, serverLiveSelect, type LiveSelectInfo } from "./server-live-select.js"

/** Wraps an executor, counting `all` calls. */
function counting(executor: SqlExecutor): { executor: SqlExecutor; queries: SqlQuery[] } {
  const queries: SqlQuery[] = []
  return {
    queries,
    executor: {
      dialect: executor.dialect,
      capabilities: executor.capabilities,
      kysely: executor.kysely,
      all: (q) => {
        queries.push(q)
        return executor.all(q)
      },
      run: (q) => executor.run(q),
      batch: (q) => executor.batch(q),
      transaction: (fn) => executor.transaction(fn),
    },
  }
}

const insertTodo = (executor: SqlExecutor, id: string) =>
  executor.run({ text: "INSERT INTO todos (id, title, done, userId, updatedAt) VALUES (?, 't', 0, 'u', 1)", params: [id] })

describe("serverLiveSelect (fake timers)", () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it("fetches at start, on a watched change, and as a heartbeat; unwatched changes do not fetch", async () => {
    const { executor } = await openSqlite()
    await insertTodo(executor, "t0")
    const events: LiveSelectInfo[] = []
    let fetches = 0
    const handle = serverLiveSelect({
      executor,
      tables: ["todos"],
      pollIntervalMs: 1000,
      fetch: () => ++fetches,
      onChange: (_rows, info) => void events.push(info),
    })
    await vi.advanceTimersByTimeAsync(10)
    expect(events).toEqual([{ reason: "initial", rowVersion: 1 }])
    await executor.run({ text: "INSERT INTO users (id, name) VALUES ('u1', 'n')", params: [] })
    await vi.advanceTimersByTimeAsync(600)
    expect(events).toHaveLength(1)
    await insertTodo(executor, "t1")
    await vi.advanceTimersByTimeAsync(260)
    expect(events[1]).toEqual({ reason: "change", rowVersion: 3 })
    await vi.advanceTimersByTimeAsync(1000)
    expect(events[2]).toEqual({ reason: "heartbeat", rowVersion: 3 })
    await vi.advanceTimersByTimeAsync(3000)
    expect(events.slice(3).map((e) => e.reason)).toEqual(["heartbeat", "heartbeat", "heartbeat"])
    handle.stop()
    expect(fetches).toBe(events.length)
  })

  it("without tables, any change in the log fetches", async () => {
    const { executor } = await openSqlite()
    const reasons: string[] = []
    const handle = serverLiveSelect({ executor, pollIntervalMs: 5000, fetch: () => null, onChange: (_r, i) => void reasons.push(i.reason) })
    await vi.advanceTimersByTimeAsync(10)
    await executor.run({ text: "INSERT INTO users (id, name) VALUES ('u1', 'n')", params: [] })
    await vi.advanceTimersByTimeAsync(300)
    expect(reasons).toEqual(["initial", "change"])
    handle.stop()
  })

  it("an idle tick is exactly one query, over the primary key", async () => {
    const { executor: base, database } = await openSqlite()
    const { executor, queries } = counting(base)
    const handle = serverLiveSelect({ executor, tables: ["todos", "users"], pollIntervalMs: 10_000, fetch: () => null, onChange: () => undefined })
    await vi.advanceTimersByTimeAsync(10)
    const before = queries.length
    await vi.advanceTimersByTimeAsync(250 * 8)
    expect(queries.length - before).toBe(8)
    expect(new Set(queries.slice(before).map((q) => q.text))).toEqual(new Set([changeCheckSql(2)]))
    handle.stop()
    for (const sql of [changeCheckSql(2), changeCheckSql(null)]) {
      const params = sql === changeCheckSql(null) ? [0] : ["todos", "users", 0]
      const plan = (database.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map((p) => p.detail).join("\n")
      expect(plan).toContain("SEARCH _plasma_changes USING INTEGER PRIMARY KEY (rowid>?)")
      expect(plan).not.toContain("SCAN")
    }
  })

  it("a long checkIntervalMs bounds the change-check queries per second, and a change still fetches within one interval", async () => {
    const { executor: base } = await openSqlite()
    const { executor, queries } = counting(base)
    const reasons: string[] = []
    const handle = serverLiveSelect({ executor, tables: ["todos"], pollIntervalMs: 60_000, checkIntervalMs: 5_000, fetch: () => null, onChange: (_r, i) => void reasons.push(i.reason) })
    await vi.advanceTimersByTimeAsync(10)
    const checks = () => queries.filter((q) => q.text === changeCheckSql(1)).length
    await vi.advanceTimersByTimeAsync(60_000)
    // 60 s at one look per 5 s: 12 looks (the 250 ms default would have made 240).
    expect(checks()).toBeGreaterThanOrEqual(11)
    expect(checks()).toBeLessThanOrEqual(13)
    expect(queries.length).toBeLessThanOrEqual(checks() + 3) // plus the start: schema check and head
    await insertTodo(base, "t1")
    const before = checks()
    await vi.advanceTimersByTimeAsync(5_000)
    expect(checks() - before).toBe(1)
    expect(reasons.filter((r) => r === "change")).toHaveLength(1)
    handle.stop()
  })

  it("checks at the default 250 ms, never slower than the heartbeat, and refuses a bad checkIntervalMs", async () => {
    const { executor: base } = await openSqlite()
    const watch = async (options: { pollIntervalMs?: number; checkIntervalMs?: number }) => {
      const { executor, queries } = counting(base)
      const handle = serverLiveSelect({ executor, ...options, fetch: () => null, onChange: () => undefined })
      await vi.advanceTimersByTimeAsync(10)
      const start = queries.length
      await vi.advanceTimersByTimeAsync(10_000)
      handle.stop()
      return queries.slice(start).filter((q) => q.text === changeCheckSql(null)).length
    }
    expect(await watch({ pollIntervalMs: 60_000 })).toBe(40)
    expect(await watch({ pollIntervalMs: 1000, checkIntervalMs: 10_000 })).toBe(10)
    for (const checkIntervalMs of [0, -5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => serverLiveSelect({ executor: base, checkIntervalMs, fetch: () => null, onChange: () => undefined })).toThrow(/checkIntervalMs must be a positive number of ms/)
    }
  })

  it("a throwing fetch goes to onError and the loop goes on", async () => {
    const { executor } = await openSqlite()
    const errors: unknown[] = []
    const reasons: string[] = []
    let n = 0
    const handle = serverLiveSelect({
      executor,
      pollIntervalMs: 100,
      fetch: () => {
        if (++n % 2 === 1) throw new Error(`boom ${n}`)
        return n
      },
      onChange: (_r, i) => void reasons.push(i.reason),
      onError: (e) => void errors.push(e),
    })
    await vi.advanceTimersByTimeAsync(450)
    handle.stop()
    expect(errors.length).toBeGreaterThanOrEqual(2)
    expect((errors[0] as Error).message).toBe("boom 1")
    expect(reasons.length).toBeGreaterThanOrEqual(2)
  })

  it("never overlaps two fetches, and stop() is final even with a fetch in flight", async () => {
    const { executor } = await openSqlite()
    let running = 0
    let maxRunning = 0
    let changes = 0
    const handle = serverLiveSelect({
      executor,
      pollIntervalMs: 50,
      fetch: async () => {
        running++
        maxRunning = Math.max(maxRunning, running)
        await new Promise((r) => setTimeout(r, 300))
        running--
        return null
      },
      onChange: () => void changes++,
    })
    for (let i = 0; i < 5; i++) {
      await insertTodo(executor, `t${i}`)
      await vi.advanceTimersByTimeAsync(120)
    }
    expect(maxRunning).toBe(1)
    // A fetch is in flight now; stop, then let it finish.
    const seen = changes
    handle.stop()
    await vi.advanceTimersByTimeAsync(5000)
    expect(changes).toBe(seen)
    expect(vi.getTimerCount()).toBe(0)
  })
})

describe("serverLiveSelect (real time)", () => {
  it("notices a write within a few hundred ms and stops promptly", async () => {
    const { executor } = await openSqlite()
    const events: LiveSelectInfo[] = []
    const handle = serverLiveSelect({
      executor,
      tables: ["todos"],
      pollIntervalMs: 1000,
      fetch: () => executor.all({ text: "SELECT COUNT(*) AS n FROM todos", params: [] }),
      onChange: (rows, info) => void events.push({ ...info, ...(rows[0] as object) }),
    })
    await new Promise((r) => setTimeout(r, 50))
    const start = Date.now()
    await insertTodo(executor, "t1")
    while (events.length < 2 && Date.now() - start < 2000) await new Promise((r) => setTimeout(r, 10))
    const latency = Date.now() - start
    handle.stop()
    expect(events.map((e) => e.reason)).toEqual(["initial", "change"])
    expect(events[1]).toMatchObject({ n: 1, rowVersion: 1 })
    expect(latency).toBeLessThan(600)
    const count = events.length
    await new Promise((r) => setTimeout(r, 1200))
    expect(events.length).toBe(count)
  })
})
