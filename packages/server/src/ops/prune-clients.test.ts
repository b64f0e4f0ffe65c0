/**
 * `pruneClients` forgets clients not seen for `inactiveForMs`, in bounded batches, and returns
 * them; a pruned client that comes back gets `mutation-id-gap` (nothing applied) and a pull's
 * `lastMutationIDs` names only the group's remaining clients.
 */
import type { SqlExecutor } from "@plasma/executors"
import { expect, it } from "vitest"
import { createSyncHandler } from "../sync/create-sync-handler.js"
import { SECURITY_SCHEMA_VERSION, securityAuth, securityMutators, securityPull, securityPush, securitySchema } from "../sync/security-fixture.js"
import { ensureSchema } from "../schema/migrations.js"
import { describeOnEngines } from "../testing/engines.js"
import { pruneClients } from "./prune-clients.js"

const DAY = 24 * 60 * 60 * 1000
const NOW = 1_800_000_000_000

async function seed(executor: SqlExecutor, clients: readonly [group: string, client: string, lastSeenDaysAgo: number][]): Promise<void> {
  await ensureSchema({ schema: securitySchema, executor })
  await executor.run({
    text:
      "INSERT INTO _plasma_client_mutations (client_group_id, client_id, last_mutation_id, last_pull_version, last_seen_at) " +
      "SELECT value ->> '$[0]', value ->> '$[1]', 7, 0, value ->> '$[2]' FROM json_each(?)",
    params: [JSON.stringify(clients.map(([g, c, days]) => [g, c, NOW - days * DAY]))],
  })
}
const remaining = async (executor: SqlExecutor) =>
  (await executor.all<{ g: string; c: string }>({ text: "SELECT client_group_id AS g, client_id AS c FROM _plasma_client_mutations ORDER BY g, c", params: [] })).map((r) => `${r.g}/${r.c}`)

describeOnEngines("pruneClients", (open) => {
  it("removes exactly the clients not seen within the window and returns them", async () => {
    const { executor } = await open()
    await seed(executor, [
      ["g1", "old", 100],
      ["g1", "fresh", 1],
      ["g2", "old", 91],
      ["g2", "edge", 89],
    ])
    const result = await pruneClients({ executor, inactiveForMs: 90 * DAY, now: NOW })
    expect(result.hasMore).toBe(false)
    expect([...result.removed].sort((a, b) => a.clientGroupID.localeCompare(b.clientGroupID))).toEqual([
      { clientGroupID: "g1", clientID: "old", lastMutationID: 7 },
      { clientGroupID: "g2", clientID: "old", lastMutationID: 7 },
    ])
    expect(await remaining(executor)).toEqual(["g1/fresh", "g2/edge"])
    expect((await pruneClients({ executor, inactiveForMs: 90 * DAY, now: NOW })).removed).toEqual([])
  })

  it("works in batches of batchSize and stops at limit, saying there is more", async () => {
    const { executor } = await open()
    await seed(executor, Array.from({ length: 25 }, (_, i) => ["g", `c${String(i).padStart(2, "0")}`, 200] as [string, string, number]))
    const statements: string[] = []
    const counting: SqlExecutor = {
      dialect: executor.dialect,
      capabilities: executor.capabilities,
      get kysely() {
        return executor.kysely
      },
      all: (query) => (statements.push(query.text), executor.all(query)),
      run: (query) => executor.run(query),
      transaction: (fn) => executor.transaction(fn),
      batch: (list, options) => executor.batch(list, options),
    }
    const first = await pruneClients({ executor: counting, inactiveForMs: 90 * DAY, now: NOW, batchSize: 4, limit: 10 })
    expect(first.removed).toHaveLength(10)
    expect(first.hasMore).toBe(true)
    expect(statements.filter((s) => s.startsWith("DELETE"))).toHaveLength(3) // 4 + 4 + 2
    const rest = await pruneClients({ executor, inactiveForMs: 90 * DAY, now: NOW, batchSize: 4 })
    expect(rest.removed).toHaveLength(15)
    expect(rest.hasMore).toBe(false)
    expect(await remaining(executor)).toEqual([])
  })

  it("refuses a window under a day and bad limits, removing nothing", async () => {
    const { executor } = await open()
    await seed(executor, [["g", "c", 400]])
    await expect(pruneClients({ executor, inactiveForMs: 60_000, now: NOW })).rejects.toMatchObject({ code: "invalid-request" })
    await expect(pruneClients({ executor, inactiveForMs: Number.NaN, now: NOW })).rejects.toMatchObject({ code: "invalid-request" })
    await expect(pruneClients({ executor, inactiveForMs: 90 * DAY, now: NOW, batchSize: 0 })).rejects.toMatchObject({ code: "invalid-request" })
    await expect(pruneClients({ executor, inactiveForMs: 90 * DAY, now: NOW, limit: 1.5 })).rejects.toMatchObject({ code: "invalid-request" })
    expect(await remaining(executor)).toEqual(["g/c"])
  })

  it("answers a pruned client's next push with mutation-id-gap, applying nothing; lastMutationIDs names only the group's clients left", async () => {
    const { executor } = await open()
    const handler = createSyncHandler({ schema: securitySchema, mutators: securityMutators, executor, schemaVersion: SECURITY_SCHEMA_VERSION, auth: securityAuth })
    const a = { group: "g1", client: "a", user: "ann" }
    const b = { group: "g1", client: "b", user: "ann" }
    const other = { group: "g2", client: "x", user: "xavier" }
    const addDoc = (id: number, doc: string) => ({ id, name: "addDoc", args: { id: doc, ownerId: "ann", attachment: null } })
    expect((await handler(securityPush(a, [addDoc(1, "d1"), addDoc(2, "d2")]))).status).toBe(200)
    expect((await handler(securityPush(b, [addDoc(1, "d3")]))).status).toBe(200)
    expect((await handler(securityPush(other, [{ id: 1, name: "addDoc", args: { id: "x1", ownerId: "xavier", attachment: null } }]))).status).toBe(200)
    const pulled = async () => ((await (await handler(securityPull(b))).json()) as { lastMutationIDs: Record<string, number> }).lastMutationIDs
    expect(await pulled()).toEqual({ a: 2, b: 1 })

    // a goes quiet; b and x stay active.
    await executor.run({ text: "UPDATE _plasma_client_mutations SET last_seen_at = ? WHERE client_id = 'a'", params: [Date.now() - 100 * DAY] })
    expect((await pruneClients({ executor, inactiveForMs: 90 * DAY })).removed).toEqual([{ clientGroupID: "g1", clientID: "a", lastMutationID: 2 }])
    expect(await pulled()).toEqual({ b: 1 })

    const back = await handler(securityPush(a, [addDoc(3, "d4")]))
    expect(back.status).toBe(400)
    expect(await back.json()).toMatchObject({ error: "mutation-id-gap", expected: 1, got: 3 })
    expect(await executor.all({ text: "SELECT id FROM docs ORDER BY id", params: [] })).toEqual([{ id: "d1" }, { id: "d2" }, { id: "d3" }, { id: "x1" }])
    expect(await remaining(executor)).toEqual(["g1/b", "g2/x"])
  })
})
