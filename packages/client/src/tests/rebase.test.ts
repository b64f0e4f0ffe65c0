/**
 * The acceptance check of the rebase: readers and live queries never see the patched base
 * without the pending mutations replayed on it. A counter at 0 with +2 pending shows 2; another
 * client makes the server's value 3; the pull moves the view straight to 5 (3 + 2), never 3.
 */
import { afterEach, describe, expect, it } from "vitest"
import { clientOf, counters, ENGINES, startServer, type TestServer } from "./harness.js"

for (const engine of ENGINES) {
  describe(`rebase [${engine}]`, () => {
    let server: TestServer
    afterEach(async () => server?.dispose())

    it("a counter with pending increments goes 2 → 5 and never shows the bare server value", async () => {
      server = await startServer(engine)
      const a = clientOf(server, { clientGroupID: "ga" })
      const b = clientOf(server, { clientGroupID: "gb" })
      await b.mutate("increment", { id: "c", by: 0 })
      await b.flush()
      await a.pullOnce()
      // A: two pending increments the server has not seen.
      await a.mutate("increment", { id: "c" })
      await a.mutate("increment", { id: "c" })
      // B moves the server to 3.
      await b.mutate("increment", { id: "c", by: 3 })
      await b.flush()

      const live = a.db.select().from(counters).live()
      const delivered: number[] = []
      live.subscribe((rows) => delivered.push(rows[0]?.value ?? -1))
      expect(await live.whenReady()).toEqual([{ id: "c", value: 2 }])
      // Sample the view on every turn of the event loop while the pull runs.
      const sampled = new Set<number>()
      let sampling = true
      const sample = async (): Promise<void> => {
        while (sampling) {
          const rows = await a.db.select().from(counters)
          sampled.add(rows[0]?.value ?? -1)
          await new Promise((resolve) => setImmediate(resolve))
        }
      }
      const sampler = sample()
      await a.pullOnce()
      sampling = false
      await sampler
      expect(delivered).toEqual([2, 5])
      expect([...sampled].filter((v) => v !== 2 && v !== 5)).toEqual([])
      expect(await a.db.select().from(counters)).toEqual([{ id: "c", value: 5 }])

      // Pushing and pulling again confirms 5 without a flicker either.
      await a.flush()
      expect(delivered).toEqual([2, 5])
      expect(await server.executor.all({ text: "SELECT value FROM counters", params: [] })).toEqual([{ value: 5 }])
      await a.close()
      await b.close()
    })
  })
}
