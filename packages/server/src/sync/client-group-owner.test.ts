/**
 * A client group belongs to the userID that first used it (SPEC §8): another user pushing,
 * pulling or using the blob routes as that group gets 403 `forbidden` and changes nothing.
 */
import type { SqlExecutor } from "@plasma/executors"
import { expect, it } from "vitest"
import { ensureSchema } from "../schema/migrations.js"
import { describeOnEngines } from "../testing/engines.js"
import type { BlobRequestContext } from "./blob-handler.js"
import { createSyncHandler, type SyncHandler } from "./create-sync-handler.js"
import { SECURITY_SCHEMA_VERSION, securityAuth, securityMutators, securityPull, securityPush, securitySchema, type Caller } from "./security-fixture.js"

function handlerOn(executor: SqlExecutor, seen: BlobRequestContext[] = []): SyncHandler {
  return createSyncHandler({
    schema: securitySchema,
    mutators: securityMutators,
    executor,
    schemaVersion: SECURITY_SCHEMA_VERSION,
    auth: securityAuth,
    blobs: {
      handle: async (_request, context) => {
        seen.push(context)
        return new Response("{}", { status: 200 })
      },
    },
  })
}

const addDoc = (id: number, doc: string, ownerId: string) => ({ id, name: "addDoc", args: { id: doc, ownerId, attachment: null } })
const sql = async (executor: SqlExecutor, text: string) => executor.all<Record<string, unknown>>({ text, params: [] })

async function body(response: Response): Promise<Record<string, unknown>> {
  return (await response.json()) as Record<string, unknown>
}

describeOnEngines("client group ownership", (open) => {
  it("gives a group to the first userID that uses it; another user's push, pull and blob request get 403 and change nothing", async () => {
    const { executor } = await open()
    const seen: BlobRequestContext[] = []
    const handler = handlerOn(executor, seen)
    const ann: Caller = { group: "g1", client: "c1", user: "ann" }
    const bob: Caller = { group: "g1", client: "c1", user: "bob" }
    expect((await handler(securityPush(ann, [addDoc(1, "a1", "ann")]))).status).toBe(200)

    const pushed = await handler(securityPush(bob, [addDoc(2, "b1", "bob")]))
    expect(pushed.status).toBe(403)
    expect(await body(pushed)).toMatchObject({ error: "forbidden", clientGroupID: "g1" })
    const pulled = await handler(securityPull(bob))
    expect(pulled.status).toBe(403)
    expect(await body(pulled)).toMatchObject({ error: "forbidden" })
    const blob = await handler(new Request(`http://sync.test/sync/blob/${"a".repeat(64)}`, { headers: { "x-group": "g1", "x-client": "c9", "x-user": "bob" } }))
    expect(blob.status).toBe(403)
    expect(seen).toEqual([])

    // Nothing changed: bob's mutation 2 did not advance ann's client, his row was not written.
    expect(await sql(executor, "SELECT id FROM docs ORDER BY id")).toEqual([{ id: "a1" }])
    expect(await sql(executor, "SELECT client_id, last_mutation_id FROM _plasma_client_mutations")).toEqual([{ client_id: "c1", last_mutation_id: 1 }])
    expect(await sql(executor, "SELECT client_group_id, user_id FROM _plasma_client_groups")).toEqual([{ client_group_id: "g1", user_id: "ann" }])

    // The owner goes on as before, and the blob routes hand on who asked.
    expect((await handler(securityPush(ann, [addDoc(2, "a2", "ann")]))).status).toBe(200)
    expect((await handler(securityPull(ann))).status).toBe(200)
    expect((await handler(new Request(`http://sync.test/sync/blob/${"a".repeat(64)}`, { headers: { "x-group": "g1", "x-client": "c1", "x-user": "ann" } }))).status).toBe(200)
    expect(seen.map((c) => c.userID)).toEqual(["ann"])
  })

  it("refuses a request without a userID for an owned group; groups used without one stay unowned", async () => {
    const { executor } = await open()
    const handler = handlerOn(executor)
    expect((await handler(securityPush({ group: "g1", client: "c1", user: "ann" }, [addDoc(1, "a1", "ann")]))).status).toBe(200)
    const anonymous = await handler(securityPull({ group: "g1", client: "c2", name: "ann" }))
    expect(anonymous.status).toBe(403)

    expect((await handler(securityPush({ group: "g2", client: "c1", name: "x" }, [addDoc(1, "x1", "x")]))).status).toBe(200)
    expect((await handler(securityPull({ group: "g2", client: "c2", name: "y" }))).status).toBe(200)
    expect(await sql(executor, "SELECT client_group_id FROM _plasma_client_groups ORDER BY client_group_id")).toEqual([{ client_group_id: "g1" }])
  })

  it("lets exactly one of two users racing for a new group on two isolates have it", async () => {
    const db = await open()
    await ensureSchema({ schema: securitySchema, executor: db.executor })
    const a = handlerOn(db.executor)
    const b = handlerOn(db.newExecutor())
    for (let round = 0; round < 5; round++) {
      const group = `race-${round}`
      const [first, second] = await Promise.all([
        a(securityPush({ group, client: "ca", user: "ann" }, [addDoc(1, `a-${round}`, "ann")])),
        b(securityPush({ group, client: "cb", user: "bob" }, [addDoc(1, `b-${round}`, "bob")])),
      ])
      expect([first.status, second.status].sort()).toEqual([200, 403])
      const owner = first.status === 200 ? "ann" : "bob"
      expect(await sql(db.executor, `SELECT user_id FROM _plasma_client_groups WHERE client_group_id = '${group}'`)).toEqual([{ user_id: owner }])
      expect(await sql(db.executor, `SELECT id FROM docs WHERE id LIKE '%-${round}'`)).toEqual([{ id: `${owner[0]}-${round}` }])
    }
  })
}, { postgres: true })
