/**
 * The examples of reference/server-side-operations.md that use this package's operations (and
 * createServerDb / invokeMutator), run as written apart from the import paths, against a real D1
 * database inside workerd (`env.DB`). Where an example cannot run verbatim, the comment says why.
 * The imports go through the package's public entry (`../index.js`) on purpose: these tests check
 * what a user imports.
 */
import { decodeCookie, eq, invokeMutator } from "@plasma/core"
import { fromD1 } from "@plasma/executors/d1"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { compactChangeLog, computeSafeCursor, createServerDb, serverLiveSelect, snapshotAsOf } from "../index.js"
import { pullChanges } from "../sync/pull.js"
import { headVersion, mutators, openD1, schema, todos } from "./ops-fixtures.js"

let d1: Awaited<ReturnType<typeof openD1>>
let env: { DB: Awaited<ReturnType<typeof openD1>>["env"]["DB"] }

beforeAll(async () => {
  d1 = await openD1()
  env = d1.env
})
afterAll(async () => {
  await d1.dispose()
})
beforeEach(async () => {
  await d1.wipe()
  const executor = fromD1(env.DB)
  await executor.run({ text: "INSERT INTO users (id, name) VALUES ('u1', 'Ada'), ('u2', 'Bob')", params: [] })
  await executor.run({
    text: "INSERT INTO todos (id, title, done, userId, updatedAt) VALUES ('t1', 'one', 0, 'u1', 1), ('t2', 'two', 0, 'u1', 2), ('t3', 'three', 0, 'u2', 3)",
    params: [],
  })
})

describe("guide: serverLiveSelect", () => {
  it("admin dashboard example", async () => {
    const seen: unknown[] = []
    const broadcastToAdmins = (rows: unknown) => void seen.push(rows)

    // --- guide example (imports mapped) ---
    const executor = fromD1(env.DB)
    const handle = serverLiveSelect({
      executor,
      tables: ["todos", "users"], // fires only when these tables change
      pollIntervalMs: 1000, // heartbeat interval
      fetch: async () => {
        // Any SQL you want — this bypasses auth.read, so it's for
        // admin / cross-tenant visibility only.
        const rows = await executor.all({
          text: "SELECT userId, COUNT(*) AS n FROM todos GROUP BY userId",
          params: [],
        })
        return rows
      },
      onChange: (rows) => {
        broadcastToAdmins(rows) // push over WebSocket / SSE / whatever
      },
    })
    // --- end ---

    const until = async (n: number) => {
      for (let i = 0; i < 300 && seen.length < n; i++) await new Promise((r) => setTimeout(r, 10))
    }
    await until(1)
    expect(seen[0]).toEqual([{ userId: "u1", n: 2 }, { userId: "u2", n: 1 }])
    await executor.run({ text: "INSERT INTO todos (id, title, done, userId, updatedAt) VALUES ('t4', 'four', 0, 'u2', 4)", params: [] })
    await until(2)
    expect(seen[1]).toEqual([{ userId: "u1", n: 2 }, { userId: "u2", n: 2 }])

    // later
    handle.stop()
  })
})

describe("guide: snapshotAsOf", () => {
  it("historical snapshot example", async () => {
    const executor = fromD1(env.DB)
    const at = await headVersion(executor)
    await executor.run({ text: "UPDATE todos SET title = 'changed' WHERE id = 't1'", params: [] })
    await executor.run({ text: "DELETE FROM todos WHERE id = 't2'", params: [] })
    const logs: unknown[][] = []
    const console = { log: (...args: unknown[]) => void logs.push(args) }

    // --- guide example (imports mapped; the guide's literal cookie "12345" is this log's version) ---
    const past = await snapshotAsOf({
      schema,
      executor: fromD1(env.DB),
      cookie: String(at), // a row_version cursor (as string or number)
    })
    // past is a Map<tableName, Map<rowId, row>>
    const todosThen = past.get("todos")
    for (const [id, row] of todosThen ?? []) {
      console.log(id, row)
    }
    // --- end ---

    expect(logs).toEqual([
      ["t1", { id: "t1", title: "one", done: false, userId: "u1", updatedAt: 1 }],
      ["t2", { id: "t2", title: "two", done: false, userId: "u1", updatedAt: 2 }],
      ["t3", { id: "t3", title: "three", done: false, userId: "u2", updatedAt: 3 }],
    ])
    // The guide's own literal works too (a version past the head is the current state).
    const literal = await snapshotAsOf({ schema, executor: fromD1(env.DB), cookie: "12345" })
    expect([...(literal.get("todos")?.keys() ?? [])].sort()).toEqual(["t1", "t3"])
  })
})

describe("guide: compactChangeLog", () => {
  it("compaction example", async () => {
    const executor = fromD1(env.DB)
    for (let i = 0; i < 5; i++) await executor.run({ text: "UPDATE todos SET updatedAt = updatedAt + 1", params: [] })
    const logs: unknown[] = []
    const console = { log: (line: unknown) => void logs.push(line) }

    // --- guide example (imports mapped) ---
    const result = await compactChangeLog({
      executor: fromD1(env.DB),
      safeUpToVersion: 5000000, // clients whose cookies < this see the folded state
    })
    console.log(`Removed ${result.removed} intermediate versions, kept ${result.kept} rows`)
    // --- end ---

    expect(logs).toEqual(["Removed 15 intermediate versions, kept 5 rows"])
  })

  it("scheduled Worker example", async () => {
    const executor0 = fromD1(env.DB)
    for (let i = 0; i < 3; i++) await executor0.run({ text: "UPDATE todos SET updatedAt = updatedAt + 1", params: [] })
    const waited: Promise<unknown>[] = []
    const ctx = { waitUntil: (p: Promise<unknown>) => void waited.push(p) }

    // --- guide example (imports mapped; `export default` becomes a const in a test) ---
    const worker = {
      async scheduled(_event: unknown, env: { DB: typeof d1.env.DB }, ctx: { waitUntil(p: Promise<unknown>): void }) {
        const executor = fromD1(env.DB)
        ctx.waitUntil(compactChangeLog({
          executor,
          safeUpToVersion: await computeSafeCursor(executor),
        }))
      },
    }
    // --- end ---

    await worker.scheduled({ cron: "0 3 * * 0" }, env, ctx)
    // No client has pulled recently: nobody is behind, so everything up to the head is folded.
    expect(await Promise.all(waited)).toEqual([{ removed: 9, kept: 5 }])
  })
})

describe("guide: createServerDb and invokeMutator", () => {
  it("query builder from a cron (auth applies)", async () => {
    // --- guide example (imports mapped). The guide writes `const todos = await db.select().from(todos).where(...)`,
    // which cannot run as JavaScript (the const shadows the table it reads; `...` is a placeholder): the result
    // is named `rows` and the condition is spelled out. ---
    const db = createServerDb({
      schema,
      executor: fromD1(env.DB),
      ctx: { userId: "admin", role: "admin" }, // auth applies (see below)
    })
    const rows = await db.select().from(todos).where(eq(todos.userId, "u1"))
    // --- end ---
    expect(rows.map((r) => r.id).sort()).toEqual(["t1", "t2"])
  })

  it("a mutator from a cron-like caller reaches a pulling client", async () => {
    const executor = fromD1(env.DB)
    const first = await pullChanges({ schema, executor, ctx: {}, clientGroupID: "g", clientID: "c", cookie: null, limit: 100 })
    const cookie = decodeCookie(first.cookie)

    // --- guide example (imports mapped) ---
    await invokeMutator(mutators, "markDone", {
      db: createServerDb({ schema, executor, ctx: { userId: "system" } }),
      args: { id: "t1", updatedAt: Date.now() },
      ctx: { userId: "system" },
      clientID: "system",
      mutationID: 0,
    })
    // --- end ---

    const next = await pullChanges({ schema, executor, ctx: {}, clientGroupID: "g", clientID: "c", cookie, limit: 100 })
    expect(next.patch).toEqual([{ op: "put", table: "todos", id: "t1", value: expect.objectContaining({ id: "t1", done: true }) }])
    const origin = await executor.all({ text: "SELECT client_group_id, client_id, mutation_id FROM _plasma_changes WHERE row_version = ?", params: [decodeCookie(next.cookie)] })
    expect(origin).toEqual([{ client_group_id: null, client_id: null, mutation_id: null }])
  })
})
