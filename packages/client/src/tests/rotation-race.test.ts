/**
 * Regression (found by tests/simulation): two tabs of one group that each lead themselves (no
 * Web Locks) push the same shared-outbox entries of a clientID the server forgot, both get
 * `mutation-id-gap`, and both rotate. Before the rotation became a compare-and-set on the store,
 * each re-queued the entries under its own new clientID and the server applied them twice.
 */
import { afterEach, describe, expect, it } from "vitest"
import { clientOf, counters, ENGINES, freshDbName, startServer, until, type TestServer } from "./harness.js"

for (const engine of ENGINES) {
  describe(`rotation race [${engine}]`, () => {
    let server: TestServer
    afterEach(async () => server?.dispose())

    it("two tabs meeting the same mutation-id-gap at once re-queue the entries once: applied exactly once", async () => {
      server = await startServer(engine)
      const dbName = freshDbName()
      const group = `g-rotation-${engine}`
      // The first two pushes are held until both arrived, so both tabs meet the gap before either
      // rotates; everything after passes straight through.
      const held: { request: Request; release: (response: Promise<Response>) => void }[] = []
      let gated = 0
      let gate = false
      const fetcher = (request: Request): Promise<Response> => {
        if (!gate || gated >= 2 || !request.url.endsWith("/push")) return server.network.fetcher(request)
        gated++
        return new Promise((release) => {
          held.push({ request, release })
          if (held.length === 2) for (const h of held.splice(0)) h.release(server.network.fetcher(h.request))
        })
      }
      const tab1 = clientOf(server, { dbName, clientGroupID: group, fetcher })
      const tab2 = clientOf(server, { dbName, clientGroupID: group, fetcher })
      await tab1.mutate("increment", { id: "c", by: 1 })
      await tab1.flush()
      await tab2.pullOnce()
      // The server forgets every client's numbering (a restore, or pruneClients).
      await server.executor.run({ text: "DELETE FROM _plasma_client_mutations", params: [] })
      // A sibling's queued mutation makes a leading tab schedule a push of its own, so the gate
      // is closed first: whichever two pushes of that entry come, they race.
      gate = true
      await tab1.mutate("increment", { id: "c", by: 10 })
      await until(() => tab2.status.get().outboxDepth === 1, "tab 2 to see tab 1's pending increment")
      await Promise.all([tab1.pushOnce(), tab2.pushOnce()])
      await until(() => gated === 2 && held.length === 0, "both pushes of the forgotten client's entry to reach the server")
      for (let i = 0; i < 3; i++) {
        await tab1.flush()
        await tab2.flush()
      }
      expect(await server.executor.all({ text: "SELECT value FROM counters", params: [] })).toEqual([{ value: 11 }])
      expect(await tab1.db.select().from(counters)).toEqual([{ id: "c", value: 11 }])
      expect(await tab2.db.select().from(counters)).toEqual([{ id: "c", value: 11 }])
      expect(tab1.status.get().outboxDepth).toBe(0)
      expect(tab2.status.get().outboxDepth).toBe(0)
      await tab1.close()
      await tab2.close()
    })
  })
}
