/**
 * Attaching a FileRef through a sync push needs proof of access: the writer uploaded the bytes,
 * or can already read a row that references them, or the row already holds them. A refused
 * attach is the mutation's fault (dropped, reported as `mutation-error` with `forbidden`).
 */
import type { SqlExecutor } from "@plasma/executors"
import { expect, it } from "vitest"
import { createSyncHandler } from "../sync/create-sync-handler.js"
import type { SyncErrorEvent } from "../sync/events.js"
import { fileRef, recordUpload, SECURITY_SCHEMA_VERSION, securityAuth, securityMutators, securityPush, securitySchema, type Caller, type SecurityCtx } from "../sync/security-fixture.js"
import { ensureSchema } from "../schema/migrations.js"
import { describeOnEngines } from "../testing/engines.js"
import { MAX_REFERENCES_WALKED } from "./attach-access.js"

async function setup(executor: SqlExecutor) {
  await ensureSchema({ schema: securitySchema, executor })
  const errors: SyncErrorEvent<SecurityCtx>[] = []
  const handler = createSyncHandler({
    schema: securitySchema,
    mutators: securityMutators,
    executor,
    schemaVersion: SECURITY_SCHEMA_VERSION,
    auth: securityAuth,
    onError: (event) => errors.push(event),
  })
  const ids = new Map<string, number>()
  /** Pushes one mutation as `who` (next id of its client); answers the status. */
  const push = async (who: Caller, name: string, args: unknown): Promise<number> => {
    const key = `${who.group}/${who.client}`
    const id = (ids.get(key) ?? 0) + 1
    ids.set(key, id)
    return (await handler(securityPush(who, [{ id, name, args }]))).status
  }
  const rows = async (table: string) => executor.all<Record<string, unknown>>({ text: `SELECT id, attachment FROM ${table} ORDER BY id`, params: [] })
  const refused = () => errors.splice(0).map((e) => ({ kind: e.kind, code: (e.error as { code?: string }).code, mutation: e.mutation?.name }))
  return { push, rows, refused }
}

const ann: Caller = { group: "ga", client: "c", user: "ann" }
const bob: Caller = { group: "gb", client: "c", user: "bob" }
const cara: Caller = { group: "gc", client: "c", user: "cara" }

describeOnEngines("attach access", (open) => {
  it("refuses bob attaching bytes ann uploaded (dropped, reported, his id advances) until he uploads them himself", async () => {
    const { executor } = await open()
    const { push, rows, refused } = await setup(executor)
    const ref = fileRef(1)
    await recordUpload(executor, ref, "ann")
    expect(await push(ann, "addDoc", { id: "a1", ownerId: "ann", attachment: ref })).toBe(200)
    expect(refused()).toEqual([])

    expect(await push(bob, "addDoc", { id: "b1", ownerId: "bob", attachment: ref })).toBe(200)
    expect(await push(bob, "pin", { id: "p1", attachment: ref })).toBe(200)
    expect(refused()).toEqual([
      { kind: "mutation-error", code: "forbidden", mutation: "addDoc" },
      { kind: "mutation-error", code: "forbidden", mutation: "pin" },
    ])
    expect((await rows("docs")).map((r) => r.id)).toEqual(["a1"])
    expect(await rows("board")).toEqual([])
    expect(await executor.all({ text: "SELECT last_mutation_id AS m FROM _plasma_client_mutations WHERE client_group_id = 'gb'", params: [] })).toEqual([{ m: 2 }])

    await recordUpload(executor, ref, "bob")
    expect(await push(bob, "addDoc", { id: "b1", ownerId: "bob", attachment: ref })).toBe(200)
    expect(refused()).toEqual([])
    expect((await rows("docs")).map((r) => r.id)).toEqual(["a1", "b1"])
  })

  it("lets a writer attach bytes that a row it can read references, and a row rewrite its own unchanged value", async () => {
    const { executor } = await open()
    const { push, rows, refused } = await setup(executor)
    const ref = fileRef(2)
    await recordUpload(executor, ref, "cara")
    // cara gives bob a doc holding the file: bob can read it, so he may attach the same bytes.
    expect(await push(cara, "addDoc", { id: "shared", ownerId: "bob", attachment: ref })).toBe(200)
    expect(await push(bob, "addDoc", { id: "b1", ownerId: "bob", attachment: ref })).toBe(200)
    // ann reads neither row and uploaded nothing: refused...
    expect(await push(ann, "addDoc", { id: "a1", ownerId: "ann", attachment: ref })).toBe(200)
    expect(refused()).toEqual([{ kind: "mutation-error", code: "forbidden", mutation: "addDoc" }])
    // ...but rewriting a row that already holds those bytes in that column is no new attach.
    expect(await push(ann, "attach", { id: "shared", attachment: ref })).toBe(200)
    expect(refused()).toEqual([])
    // A file on the public board is readable by all, so anyone may attach it.
    const pinned = fileRef(3)
    await recordUpload(executor, pinned, "cara")
    expect(await push(cara, "pin", { id: "p1", attachment: pinned })).toBe(200)
    expect(await push(ann, "attach", { id: "shared", attachment: pinned })).toBe(200)
    expect(refused()).toEqual([])
    expect(await rows("docs")).toEqual([
      { id: "b1", attachment: expect.stringContaining(ref.hash) },
      { id: "shared", attachment: expect.stringContaining(pinned.hash) },
    ])
  })

  it("counts a group's own upload for requests without a userID (principal group:<id>), and no other group's", async () => {
    const { executor } = await open()
    const { push, rows, refused } = await setup(executor)
    const ref = fileRef(4)
    await recordUpload(executor, ref, "group:g-anon")
    expect(await push({ group: "g-anon", client: "c", name: "z" }, "addDoc", { id: "z1", ownerId: "z", attachment: ref })).toBe(200)
    expect(await push({ group: "g-other", client: "c", name: "x" }, "addDoc", { id: "x1", ownerId: "x", attachment: ref })).toBe(200)
    expect(refused()).toEqual([{ kind: "mutation-error", code: "forbidden", mutation: "addDoc" }])
    expect((await rows("docs")).map((r) => r.id)).toEqual(["z1"])
  })

  it("walks a bounded number of referencing rows: many references others added cannot make the walk unbounded", async () => {
    const { executor } = await open()
    const { push, refused } = await setup(executor)
    const ref = fileRef(5)
    await recordUpload(executor, ref, "cara")
    expect(await push(cara, "addDoc", { id: "c000", ownerId: "cara", attachment: ref })).toBe(200)
    expect(refused()).toEqual([])
    // More references by raw SQL (the capture triggers keep _plasma_blob_refs in step).
    const more = Array.from({ length: MAX_REFERENCES_WALKED + 10 }, (_, i) => [`c${String(i + 1).padStart(3, "0")}`, "cara", JSON.stringify(ref)])
    await executor.run({
      text: "INSERT INTO docs (id, ownerId, attachment) SELECT value ->> '$[0]', value ->> '$[1]', value ->> '$[2]' FROM json_each(?)",
      params: [JSON.stringify(more)],
    })
    expect(await executor.all({ text: "SELECT COUNT(*) AS n FROM _plasma_blob_refs WHERE hash = ?", params: [ref.hash] })).toEqual([{ n: MAX_REFERENCES_WALKED + 11 }])
    const watched: SqlExecutor = {
      dialect: executor.dialect,
      capabilities: executor.capabilities,
      get kysely() {
        return executor.kysely
      },
      all: (query) => {
        if (query.text.startsWith('SELECT * FROM "docs"')) queries.push(query.params)
        return executor.all(query)
      },
      run: (query) => executor.run(query),
      transaction: (fn) => executor.transaction(fn),
      batch: (list, options) => executor.batch(list, options),
    }
    const queries: (readonly unknown[])[] = []
    const { push: watchedPush, refused: watchedRefused } = await setup(watched)
    expect(await watchedPush(ann, "addDoc", { id: "a1", ownerId: "ann", attachment: ref })).toBe(200)
    // One walk of the docs table, capped at MAX_REFERENCES_WALKED rows; ann reads none of them.
    expect(queries).toEqual([[ref.hash, "docs", MAX_REFERENCES_WALKED]])
    expect(watchedRefused()).toEqual([{ kind: "mutation-error", code: "forbidden", mutation: "addDoc" }])
  })
})
