/** Schema mismatch (both decisions, both phases), mutation-id gaps, and paged resets, against a real handler. */
import { compactChangeLog } from "@plasma/server"
import { afterEach, describe, expect, it } from "vitest"
import type { SchemaMismatchInfo, SyncClientError } from "../index.js"
import { clientOf, counters, ENGINES, startServer, todos, until, type TestServer } from "./harness.js"

for (const engine of ENGINES) {
  describe(`protocol edges [${engine}]`, () => {
    let server: TestServer
    afterEach(async () => server?.dispose())

    it('409 on pull and on push: "stay" keeps everything and reports; a fixed server then gets the work', async () => {
      server = await startServer(engine)
      const asked: SchemaMismatchInfo[] = []
      const errors: SyncClientError[] = []
      const a = clientOf(server, { onSchemaMismatch: (info) => (asked.push(info), "stay"), onError: (e) => errors.push(e) })
      await a.mutate("increment", { id: "c" })
      server.setSchemaVersion("test-v2")
      await expect(a.pullOnce()).rejects.toMatchObject({ kind: "schema-mismatch", status: 409 })
      await expect(a.pushOnce()).rejects.toMatchObject({ kind: "schema-mismatch", status: 409 })
      expect(asked).toEqual([
        { phase: "pull", expected: "test-v2" },
        { phase: "push", expected: "test-v2" },
      ])
      expect(errors.map((e) => e.kind)).toEqual(["schema-mismatch", "schema-mismatch"])
      expect(a.status.get().lastError?.kind).toBe("schema-mismatch")
      expect(await a.db.select().from(counters)).toEqual([{ id: "c", value: 1 }])
      expect(a.status.get().outboxDepth).toBe(1)
      // The other way round: the server goes back to our version (a rollback): the work lands.
      server.setSchemaVersion("test-v1")
      await a.flush()
      expect(await server.executor.all({ text: "SELECT value FROM counters", params: [] })).toEqual([{ value: 1 }])
      expect(a.status.get().lastError).toBeNull()
      await a.close()
    })

    it('"reset" wipes local state, rotates the clientID and hydrates again', async () => {
      server = await startServer(engine)
      const other = clientOf(server, { clientGroupID: "g-other" })
      await other.mutate("addTodo", { id: "t1", title: "on the server" })
      await other.flush()
      let answer: "reset" | "stay" = "reset"
      const a = clientOf(server, { onSchemaMismatch: () => answer })
      await a.pullOnce()
      await a.mutate("addTodo", { id: "t2", title: "pending, lost by the reset" })
      const before = a.clientID
      server.setSchemaVersion("test-v2")
      await expect(a.pushOnce()).rejects.toMatchObject({ kind: "schema-mismatch" })
      await until(() => a.clientID !== before, "the reset to rotate the clientID")
      await until(() => a.status.get().outboxDepth === 0, "the outbox to be wiped")
      answer = "stay"
      server.setSchemaVersion("test-v1")
      await a.pullOnce()
      expect((await a.db.select().from(todos)).map((r) => r.id)).toEqual(["t1"])
      expect(await server.executor.all({ text: "SELECT id FROM todos ORDER BY id", params: [] })).toEqual([{ id: "t1" }])
      await a.close()
      await other.close()
    })

    it("mutation-id-gap: the pending mutations are re-queued in order under a new clientID and land once", async () => {
      server = await startServer(engine)
      const a = clientOf(server)
      await a.mutate("increment", { id: "c" })
      await a.flush()
      const first = a.clientID
      // The server loses our numbering (a restore from before our pushes).
      await server.executor.run({ text: "DELETE FROM _plasma_client_mutations", params: [] })
      await a.mutate("increment", { id: "c", by: 10 })
      await a.mutate("increment", { id: "c", by: 100 })
      await a.flush()
      expect(a.clientID).not.toBe(first)
      expect(await server.executor.all({ text: "SELECT value FROM counters", params: [] })).toEqual([{ value: 111 }])
      const gapped = server.network.requests.filter((r) => r.method === "POST" && r.clientID === a.clientID)
      expect(gapped.flatMap((r) => (r.body as { mutations: { id: number }[] }).mutations.map((m) => m.id))).toEqual([1, 2])
      expect(await a.db.select().from(counters)).toEqual([{ id: "c", value: 111 }])
      expect(a.status.get().outboxDepth).toBe(0)
      await a.close()
    })

    it("a paged reset is staged and swapped in whole, pending mutations replayed on top", async () => {
      server = await startServer(engine)
      const b = clientOf(server, { clientGroupID: "g-b" })
      await b.mutate("addTodo", { id: "t1", title: "one" })
      await b.mutate("addTodo", { id: "t2", title: "two" })
      await b.flush()
      const a = clientOf(server, { pullPageSize: 2 })
      await a.pullOnce()
      const live = a.db.select({ id: todos.id }).from(todos).orderBy(todos.id).live()
      const delivered: string[][] = []
      live.subscribe((rows) => delivered.push(rows.map((r) => r.id)))
      await live.whenReady()
      await a.mutate("addTodo", { id: "ta", title: "pending in a" })
      // B deletes t1 and adds four more; the log is compacted with its tombstones pruned.
      await server.executor.run({ text: "DELETE FROM todos WHERE id = 't1'", params: [] })
      for (const id of ["t3", "t4", "t5", "t6"]) await b.mutate("addTodo", { id, title: id })
      await b.flush()
      const [head] = (await server.executor.all({ text: "SELECT MAX(row_version) AS v FROM _plasma_changes", params: [] })) as { v: number }[]
      await compactChangeLog({ executor: server.executor, safeUpToVersion: Number(head?.v), pruneTombstonesUpTo: Number(head?.v) - 1 })
      const pullsBefore = server.network.requests.filter((r) => r.path.endsWith("/pull")).length
      server.network.offline = false
      await a.pullOnce()
      const pulls = server.network.requests.filter((r) => r.path.endsWith("/pull")).length - pullsBefore
      expect(pulls).toBeGreaterThan(1) // the walk was paged
      expect(delivered).toEqual([
        ["t1", "t2"],
        ["t1", "t2", "ta"],
        ["t2", "t3", "t4", "t5", "t6", "ta"],
      ])
      await a.flush()
      expect((await a.db.select().from(todos).orderBy(todos.id)).map((r) => r.id)).toEqual(["t2", "t3", "t4", "t5", "t6", "ta"])
      await a.close()
      await b.close()
    })
  })
}
