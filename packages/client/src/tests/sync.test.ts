/** The client against a real sync handler, on better-sqlite3 and on D1: convergence, offline work, lost answers, refusals, reloads. */
import { eq } from "@plasma/core"
import { afterEach, describe, expect, it } from "vitest"
import { clientOf, counters, ENGINES, freshDbName, startServer, todos, until, type TestServer } from "./harness.js"

for (const engine of ENGINES) {
  describe(`client sync [${engine}]`, () => {
    let server: TestServer
    const closers: (() => Promise<void>)[] = []
    afterEach(async () => {
      for (const close of closers.splice(0)) await close()
      await server?.dispose()
    })
    const track = <C extends { close(): Promise<void> }>(client: C): C => {
      closers.push(() => client.close())
      return client
    }

    it("several clients of one user converge on the server's state", async () => {
      server = await startServer(engine)
      const a = track(clientOf(server, { clientGroupID: "ga" }))
      const b = track(clientOf(server, { clientGroupID: "gb" }))
      await a.mutate("addTodo", { id: "t1", title: "milk" })
      await b.mutate("addTodo", { id: "t2", title: "eggs" })
      await b.mutate("increment", { id: "c" })
      await a.mutate("increment", { id: "c" })
      await a.flush()
      await b.flush()
      await a.pullOnce()
      const rowsA = await a.db.select().from(todos).orderBy(todos.id)
      const rowsB = await b.db.select().from(todos).orderBy(todos.id)
      expect(rowsA.map((r) => r.id)).toEqual(["t1", "t2"])
      expect(rowsB).toEqual(rowsA)
      expect(await a.db.select().from(counters)).toEqual([{ id: "c", value: 2 }])
      expect(await b.db.select().from(counters)).toEqual([{ id: "c", value: 2 }])
      expect(a.status.get().outboxDepth).toBe(0)
    })

    it("queues offline, shows the work at once, and lands it exactly once when back", async () => {
      server = await startServer(engine)
      const a = track(clientOf(server))
      server.network.offline = true
      await a.mutate("increment", { id: "c" })
      await a.mutate("increment", { id: "c" })
      expect(await a.db.select().from(counters)).toEqual([{ id: "c", value: 2 }])
      await expect(a.pushOnce()).rejects.toMatchObject({ kind: "network" })
      expect(a.status.get()).toMatchObject({ online: false, outboxDepth: 2 })
      server.network.offline = false
      await a.flush()
      expect(a.status.get()).toMatchObject({ online: true, outboxDepth: 0 })
      const rows = await server.executor.all({ text: "SELECT value FROM counters WHERE id = 'c'", params: [] })
      expect(rows).toEqual([{ value: 2 }])
    })

    it("a push whose answer was lost after the server applied it lands exactly once", async () => {
      server = await startServer(engine)
      const a = track(clientOf(server))
      await a.mutate("increment", { id: "c", by: 5 })
      server.network.loseResponses = (req) => req.method === "POST"
      await expect(a.pushOnce()).rejects.toMatchObject({ kind: "network" })
      server.network.loseResponses = null
      await a.flush()
      const rows = await server.executor.all({ text: "SELECT value FROM counters WHERE id = 'c'", params: [] })
      expect(rows).toEqual([{ value: 5 }])
      const pushes = server.network.requests.filter((r) => r.method === "POST")
      expect(pushes.length).toBeGreaterThanOrEqual(2) // the retries re-sent it; the server skipped it
      expect(await a.db.select().from(counters)).toEqual([{ id: "c", value: 5 }])
    })

    it("a mutation the server refuses disappears after the next pull", async () => {
      server = await startServer(engine)
      const errors: unknown[] = []
      const a = track(clientOf(server, { onError: (e) => errors.push(e) }))
      await a.mutate("serverRefuses", { id: "x" })
      expect((await a.db.select().from(todos)).map((r) => r.id)).toEqual(["x"])
      await a.flush()
      expect(await a.db.select().from(todos)).toEqual([])
      expect(a.status.get().outboxDepth).toBe(0)
    })

    it("a mutator that throws locally rejects and queues nothing; unknown names list the known ones", async () => {
      server = await startServer(engine)
      const a = track(clientOf(server))
      await expect(a.mutate("alwaysThrows", { message: "nope" })).rejects.toThrow("nope")
      await expect(a.mutate("nope" as never, {} as never)).rejects.toThrow(/known mutators: addTodo, setDone/)
      // A write predicate refuses locally exactly as the server would.
      await a.mutate("addTodo", { id: "t1", title: "mine" })
      expect(a.status.get().outboxDepth).toBe(1)
      await a.flush()
      expect(server.network.requests.filter((r) => r.method === "POST").flatMap((r) => (r.body as { mutations: unknown[] }).mutations)).toHaveLength(1)
    })

    it("pushes at most maxMutationsPerPush per request, ids in order", async () => {
      server = await startServer(engine, { maxMutationsPerPush: 3 })
      const a = track(clientOf(server, { maxMutationsPerPush: 3 }))
      for (let i = 0; i < 7; i++) await a.mutate("increment", { id: "c" })
      await a.flush()
      const pushes = server.network.requests.filter((r) => r.method === "POST").map((r) => (r.body as { mutations: { id: number }[] }).mutations.map((m) => m.id))
      expect(pushes.every((ids) => ids.length <= 3)).toBe(true)
      expect(pushes.flat()).toEqual([1, 2, 3, 4, 5, 6, 7])
      expect(await a.db.select().from(counters).where(eq(counters.id, "c"))).toEqual([{ id: "c", value: 7 }])
    })

    it("state and pending work survive a reload, shown before any network; the next client pushes the leftovers", async () => {
      server = await startServer(engine)
      const dbName = freshDbName()
      const first = clientOf(server, { dbName, clientGroupID: "g-reload" })
      await first.mutate("addTodo", { id: "t1", title: "synced" })
      await first.flush()
      await first.mutate("addTodo", { id: "t2", title: "pending" })
      await first.close()
      server.network.offline = true
      const second = track(clientOf(server, { dbName, clientGroupID: "g-reload" }))
      expect((await second.db.select().from(todos).orderBy(todos.id)).map((r) => r.title)).toEqual(["synced", "pending"])
      expect(second.status.get().outboxDepth).toBe(1)
      expect(second.clientID).not.toBe(first.clientID)
      server.network.offline = false
      await second.flush()
      const rows = await server.executor.all({ text: "SELECT id FROM todos ORDER BY id", params: [] })
      expect(rows).toEqual([{ id: "t1" }, { id: "t2" }])
      const pushed = server.network.requests.filter((r) => r.method === "POST").at(-1)
      expect(pushed?.clientID).toBe(first.clientID)
      expect(second.status.get().outboxDepth).toBe(0)
    })

    it("retries 503 with backoff honouring Retry-After, then reports once", async () => {
      server = await startServer(engine)
      const errors: unknown[] = []
      const a = track(clientOf(server, { onError: (e) => errors.push(e) }))
      await a.mutate("increment", { id: "c" })
      server.network.failNext = { status: 503, times: 2, retryAfter: "0", path: "/push" }
      await a.pushOnce()
      expect(errors).toEqual([])
      await a.mutate("increment", { id: "c" })
      server.network.failNext = { status: 503, times: 10, path: "/push" }
      await expect(a.pushOnce()).rejects.toMatchObject({ kind: "push-http", status: 503 })
      expect(errors).toHaveLength(1)
      server.network.failNext = { status: 401, times: 1, path: "/pull" }
      await expect(a.pullOnce()).rejects.toMatchObject({ kind: "pull-http", status: 401 })
      expect(server.network.requests.filter((r) => r.path.endsWith("/pull"))).toHaveLength(1) // 4xx: no retry
      await until(async () => (await a.flush(), a.status.get().outboxDepth === 0))
    })
  })
}

describe("mutate args", () => {
  it("are JSON: what JSON cannot carry is refused at the call, the local run sees what the server will", async () => {
    const server = await startServer("better-sqlite3")
    const a = clientOf(server, { storage: "memory" })
    await expect(a.mutate("increment", { id: "c", by: 1n } as never)).rejects.toMatchObject({ code: "invalid-value" })
    expect(a.status.get().outboxDepth).toBe(0)
    await a.close()
    await server.dispose()
  })
})
