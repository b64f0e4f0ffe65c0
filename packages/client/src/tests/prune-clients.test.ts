/**
 * `pruneClients` end to end: a real client whose server record was pruned while it was away
 * (with writes both confirmed and still pending) comes back, gets `mutation-id-gap`, re-queues
 * under a new clientID, and every write lands exactly once.
 */
import { pruneClients } from "@plasma/server"
import { afterEach, describe, expect, it } from "vitest"
import { clientOf, counters, ENGINES, startServer, type TestServer } from "./harness.js"

const DAY = 24 * 60 * 60 * 1000

for (const engine of ENGINES) {
  describe(`pruneClients and a returning client [${engine}]`, () => {
    let server: TestServer
    afterEach(async () => server?.dispose())

    it("loses no write and applies none twice", async () => {
      server = await startServer(engine)
      const a = clientOf(server)
      await a.mutate("increment", { id: "c" })
      await a.mutate("increment", { id: "c", by: 2 })
      await a.flush()
      const first = a.clientID
      // Offline for months: two more writes wait in the outbox.
      server.network.offline = true
      await a.mutate("increment", { id: "c", by: 10 })
      await a.mutate("increment", { id: "c", by: 100 })
      await server.executor.run({ text: "UPDATE _plasma_client_mutations SET last_seen_at = ?", params: [Date.now() - 120 * DAY] })
      const { removed } = await pruneClients({ executor: server.executor, inactiveForMs: 90 * DAY })
      expect(removed.map((r) => [r.clientID, r.lastMutationID])).toEqual([[first, 2]])

      server.network.offline = false
      await a.flush()
      await a.pullOnce()
      expect(a.clientID).not.toBe(first)
      expect(await server.executor.all({ text: "SELECT value FROM counters", params: [] })).toEqual([{ value: 113 }])
      expect(await a.db.select().from(counters)).toEqual([{ id: "c", value: 113 }])
      expect(a.status.get().outboxDepth).toBe(0)
      const gapped = server.network.requests.filter((r) => r.method === "POST" && r.clientID === first).at(-1)
      expect((gapped?.body as { mutations: { id: number }[] }).mutations.map((m) => m.id)).toEqual([3, 4])
      await a.close()
    })
  })
}
