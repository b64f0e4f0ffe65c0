/** The client notifies its live queries exactly once per visible change: local mutate, pull, another tab. */
import { eq } from "@plasma/core"
import { ensureSchema } from "@plasma/server"
import { afterEach, describe, expect, it } from "vitest"
import { clientOf, counters, schema, startServer, todos, until, type TestServer } from "./harness.js"

describe("live queries through the client [better-sqlite3]", () => {
  let server: TestServer
  afterEach(async () => server?.dispose())

  it("fires once per mutate for the table it touched, never for another table, and once per pull that changes the result", async () => {
    server = await startServer("better-sqlite3")
    const a = clientOf(server, { clientGroupID: "ga" })
    const b = clientOf(server, { clientGroupID: "gb" })
    const open = a.db.select().from(todos).where(eq(todos.done, false)).orderBy(todos.id).live()
    const counts = a.db.select().from(counters).live()
    const openFires: string[][] = []
    const counterFires: number[] = []
    open.subscribe((rows) => openFires.push(rows.map((r) => r.id)))
    counts.subscribe((rows) => counterFires.push(rows.length))
    await open.whenReady()
    await counts.whenReady()
    expect(openFires).toEqual([[]])

    await a.mutate("addTodo", { id: "t1", title: "one" })
    // Delivered before mutate resolved: synchronous with the merge.
    expect(openFires).toEqual([[], ["t1"]])
    expect(counterFires).toEqual([0])
    await a.mutate("setDone", { id: "t1", done: false }) // same content: no delivery
    expect(openFires).toHaveLength(2)
    await a.mutate("increment", { id: "c" })
    expect(openFires).toHaveLength(2)
    expect(counterFires).toEqual([0, 1])

    // Pushing and pulling our own work back changes nothing visible: no delivery.
    await a.flush()
    expect(openFires).toHaveLength(2)
    expect(counterFires).toEqual([0, 1])

    // Another user-group's change arrives by pull: exactly one delivery.
    await b.mutate("addTodo", { id: "t2", title: "two" })
    await b.flush()
    await a.pullOnce()
    expect(openFires).toEqual([[], ["t1"], ["t1", "t2"]])
    const deltas: unknown[] = []
    open.subscribeDelta((d) => deltas.push(d))
    await a.mutate("setDone", { id: "t1", done: true })
    expect(openFires.at(-1)).toEqual(["t2"])
    expect(deltas.at(-1)).toMatchObject({ removed: [{ id: "t1" }], added: [], changed: [] })
    await a.close()
    await b.close()
  })

  it("mutate latency with 10,000 rows and 20 live queries (measured, not asserted)", async () => {
    server = await startServer("better-sqlite3")
    const a = clientOf(server, { storage: "memory" })
    await ensureSchema({ schema, executor: server.executor })
    for (let i = 0; i < 10_000; i += 500) {
      await server.executor.batch(
        Array.from({ length: 500 }, (_, k) => ({
          text: "INSERT INTO todos (id, title, done, ownerId, attachment, updatedAt) VALUES (?, ?, 0, 'alice', NULL, ?)",
          params: [`r${String(i + k).padStart(5, "0")}`, `row ${i + k}`, i + k],
        })),
      )
    }
    await a.pullOnce()
    await until(async () => (await a.db.select().from(todos)).length === 10_000, "hydration")
    const queries = Array.from({ length: 20 }, (_, q) => a.db.select().from(todos).where(eq(todos.done, q % 2 === 0)).orderBy(todos.updatedAt).limit(50).live())
    let fired = 0
    for (const q of queries) q.subscribe(() => fired++)
    await Promise.all(queries.map((q) => q.whenReady()))
    const times: number[] = []
    for (let i = 0; i < 200; i++) {
      const start = performance.now()
      await a.mutate("setDone", { id: `r${String(i).padStart(5, "0")}`, done: true })
      times.push(performance.now() - start)
    }
    times.sort((x, y) => x - y)
    const p = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!.toFixed(2)
    console.info(`mutate → live callbacks, 10k rows, 20 queries, memory store: p50 ${p(0.5)} ms, p99 ${p(0.99)} ms`)
    expect(fired).toBeGreaterThan(20)
    await a.close()
  })
})
