/**
 * Tabs of one client group: two clients over the same IndexedDB (fake-indexeddb) and Node's
 * real BroadcastChannel. Node has no Web Locks, so each client leads itself (SPEC: "where Web
 * Locks do not exist, every client leads itself"); the server's per-client ids keep every
 * mutation exactly once even when both push the same entry.
 */
import { afterEach, describe, expect, it } from "vitest"
import { clientOf, counters, ENGINES, freshDbName, startServer, todos, until, type TestServer } from "./harness.js"

for (const engine of ENGINES) {
  describe(`tabs [${engine}]`, () => {
    let server: TestServer
    afterEach(async () => server?.dispose())

    it("tabs see each other's pending mutations at once, and a closed tab's leftovers land exactly once", async () => {
      server = await startServer(engine)
      const dbName = freshDbName()
      const group = `g-tabs-${engine}`
      server.network.offline = true
      const tab1 = clientOf(server, { dbName, clientGroupID: group })
      const tab2 = clientOf(server, { dbName, clientGroupID: group })
      const live = tab2.db.select().from(todos).live()
      const seen: unknown[][] = []
      live.subscribe((rows) => seen.push([...rows]))
      await live.whenReady()
      await tab1.mutate("addTodo", { id: "t1", title: "from tab 1" })
      await tab1.mutate("increment", { id: "c", by: 2 })
      await until(() => live.current?.length === 1, "tab 2 to see tab 1's todo")
      expect(live.current?.[0]).toMatchObject({ id: "t1", title: "from tab 1" })
      await until(() => tab2.status.get().outboxDepth === 2, "tab 2 to count both pending mutations")
      await tab2.mutate("increment", { id: "c", by: 3 })
      await until(async () => (await tab1.db.select().from(counters))[0]?.value === 5, "tab 1 to see 5")
      // Tab 1 closes with its work unpushed; tab 2 pushes every client's outbox.
      await tab1.close()
      server.network.offline = false
      await tab2.flush()
      expect(await server.executor.all({ text: "SELECT value FROM counters", params: [] })).toEqual([{ value: 5 }])
      expect(await server.executor.all({ text: "SELECT id FROM todos", params: [] })).toEqual([{ id: "t1" }])
      const pushedFor = new Set(server.network.requests.filter((r) => r.method === "POST").map((r) => r.clientID))
      expect(pushedFor).toEqual(new Set([tab1.clientID, tab2.clientID]))
      expect(tab2.status.get().outboxDepth).toBe(0)

      // A third tab opened later shows the state before any network and has nothing left to push.
      server.network.offline = true
      const tab3 = clientOf(server, { dbName, clientGroupID: group })
      expect(await tab3.db.select().from(counters)).toEqual([{ id: "c", value: 5 }])
      expect(tab3.status.get().outboxDepth).toBe(0)
      await tab2.close()
      await tab3.close()
    })

    it("two tabs pushing the same leftovers concurrently apply them once", async () => {
      server = await startServer(engine)
      const dbName = freshDbName()
      const group = `g-race-${engine}`
      server.network.offline = true
      const tab1 = clientOf(server, { dbName, clientGroupID: group })
      for (let i = 0; i < 5; i++) await tab1.mutate("increment", { id: "c" })
      await tab1.close()
      const tab2 = clientOf(server, { dbName, clientGroupID: group })
      const tab3 = clientOf(server, { dbName, clientGroupID: group })
      server.network.offline = false
      await Promise.all([tab2.flush(), tab3.flush()])
      await tab2.flush()
      await tab3.flush()
      expect(await server.executor.all({ text: "SELECT value FROM counters", params: [] })).toEqual([{ value: 5 }])
      expect(await tab2.db.select().from(counters)).toEqual([{ id: "c", value: 5 }])
      expect(await tab3.db.select().from(counters)).toEqual([{ id: "c", value: 5 }])
      await tab2.close()
      await tab3.close()
    })
  })
}
