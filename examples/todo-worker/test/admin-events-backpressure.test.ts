/**
 * The admin SSE stream's backpressure, on a real ReadableStream over a real better-sqlite3
 * database (no wrangler needed): a reader that falls behind gets the newest counts, not a growing
 * queue; a reader that stalls is dropped and its live select stops.
 */
import Database from "better-sqlite3"
import { fromBetterSqlite3 } from "@plasma/executors/better-sqlite3"
import type { SqlExecutor } from "@plasma/executors"
import { createServerDb, ensureSchema } from "@plasma/server"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { createAdminEventStream } from "../src/admin-events.js"
import { schema, todos } from "../src/schema.js"

const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms))

describe("admin event stream backpressure", () => {
  let database: Database.Database
  let executor: SqlExecutor
  let fetches: number
  let counted: SqlExecutor

  beforeEach(async () => {
    database = new Database(":memory:")
    executor = fromBetterSqlite3(database)
    await ensureSchema({ schema, executor })
    fetches = 0
    // The real executor, counting the counts query: how the test sees the live select run.
    counted = new Proxy(executor, {
      get(target, key, receiver) {
        if (key === "all") {
          return (query: { text: string; params: unknown[] }) => {
            if (query.text.startsWith("SELECT ownerId")) fetches++
            return target.all(query)
          }
        }
        const value = Reflect.get(target, key, receiver) as unknown
        return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value
      },
    })
  })
  afterEach(() => database.close())

  const addTodos = async (n: number, from: number): Promise<void> => {
    const db = createServerDb({ schema, executor, ctx: { userId: "ann" } })
    for (let i = 0; i < n; i++) {
      await db.insert(todos).values({ id: `t${from + i}`, title: `todo ${from + i}`, ownerId: "ann", updatedAt: 1 })
      await sleep(30) // let the live select see each change separately
    }
  }

  it("a reader that falls behind gets the newest counts, with the queue bounded", async () => {
    const state = { openStreams: 0 }
    const stream = createAdminEventStream({ executor: counted, state, pollIntervalMs: 10, stallTimeoutMs: 60_000, highWaterMarkBytes: 64 })
    const reader = stream.getReader()
    const decoder = new TextDecoder()
    await sleep(50)
    await addTodos(10, 0) // ten changes while nobody reads
    expect(fetches).toBeGreaterThanOrEqual(5)
    // What is buffered now: the high-water mark's worth plus ONE pending counts event.
    const chunks: string[] = []
    for (;;) {
      const next = await Promise.race([reader.read(), sleep(100).then(() => undefined)])
      if (next === undefined || next.done === true) break
      const text = decoder.decode(next.value)
      chunks.push(text)
      if (text.includes('"n":10')) break
    }
    const counts = chunks.filter((chunk) => chunk.startsWith("event: counts"))
    expect(counts.length).toBeLessThanOrEqual(3)
    expect(counts.at(-1)).toContain('"n":10')
    expect(state.openStreams).toBe(1)
    await reader.cancel()
    expect(state.openStreams).toBe(0)
  })

  it("a reader that stalls is dropped and the live select stops", async () => {
    const state = { openStreams: 0 }
    const stream = createAdminEventStream({ executor: counted, state, pollIntervalMs: 10, stallTimeoutMs: 150, highWaterMarkBytes: 16 })
    const reader = stream.getReader()
    await addTodos(2, 100)
    await sleep(300)
    expect(state.openStreams).toBe(0)
    const stoppedAt = fetches
    await addTodos(2, 200)
    await sleep(100)
    expect(fetches).toBe(stoppedAt) // nothing runs for a client that is gone
    await expect(reader.read()).rejects.toThrow(/read nothing for 150 ms/)
  })

  it("an aborted request stops the stream", async () => {
    const state = { openStreams: 0 }
    const abort = new AbortController()
    const stream = createAdminEventStream({ executor: counted, state, signal: abort.signal, pollIntervalMs: 10 })
    const reader = stream.getReader()
    expect(state.openStreams).toBe(1)
    abort.abort()
    expect(state.openStreams).toBe(0)
    // What was queued is still delivered, then the stream ends.
    for (let next = await reader.read(); next.done !== true; next = await reader.read()) {
      /* drain */
    }
  })
})
