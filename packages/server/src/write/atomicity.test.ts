/**
 * SPEC §7.2: a mutation's row writes, change rows, blob refs and `last_mutation_id` commit
 * together or not at all — a throwing mutator and a batch that fails inside the database both
 * leave nothing of the mutation behind, while the other mutations of the push still commit.
 */
import { eq, isPlasmaError, type AuthContext, type MutatorInput } from "@plasma/core"
import { expect, it } from "vitest"
import { ensureSchema } from "../schema/migrations.js"
import { describeOnEngines } from "../testing/engines.js"
import { applyPush } from "../sync/push.js"
import { fileRef, schema, users, type FixtureSchema } from "../testing/fixture-schema.js"
import { blobRefs, changeKeys, dumpAll } from "../testing/inspect.js"
import { applyOps, lastMutationID, push } from "../testing/mutators.js"

describeOnEngines("atomic mutations", (open) => {
  it("a mutator that throws after writing leaves no rows and no change rows, and its id advances", async () => {
    const { executor } = await open()
    await ensureSchema({ schema, executor })
    const before = await dumpAll(executor)
    const result = await applyOps(executor, "c1", [
      { op: "insert", table: "users", rows: [{ id: "u1", name: "Ann" }] },
      { op: "insert", table: "todos", rows: [{ id: "t1", title: "a", ownerId: "u1" }] },
      { op: "throw", message: "halfway" },
    ])
    expect(result.dropped.map((d) => [d.id, (d.error as Error).message])).toEqual([[1, "halfway"]])
    expect(result.lastMutationID).toBe(1)
    const after = await dumpAll(executor)
    expect({ ...after, _plasma_client_mutations: [] }).toEqual({ ...before, _plasma_client_mutations: [] })
    expect(await lastMutationID(executor, "g-c1", "c1")).toBe(1)
  })

  it("drops only the throwing mutation of a push; the ones around it commit", async () => {
    const { executor } = await open()
    await ensureSchema({ schema, executor })
    const result = await push(executor, "c1", [
      { name: "apply", args: [{ op: "insert", table: "users", rows: [{ id: "u1", name: "Ann" }] }] },
      { name: "apply", args: [{ op: "insert", table: "users", rows: [{ id: "u2", name: "Bob" }] }, { op: "throw", message: "no" }] },
      { name: "apply", args: [{ op: "insert", table: "users", rows: [{ id: "u3", name: "Cy" }] }] },
    ])
    expect(result.dropped.map((d) => d.id)).toEqual([2])
    expect(await executor.all({ text: "SELECT id FROM users ORDER BY id", params: [] })).toEqual([{ id: "u1" }, { id: "u3" }])
    expect(await changeKeys(executor)).toEqual(["users:u1:put", "users:u3:put"])
    expect(await lastMutationID(executor, "g-c1", "c1")).toBe(3)
  })

  it("a batch that fails inside SQLite (a constraint only the database knows) leaves nothing of that mutation; the others commit", async () => {
    const { executor } = await open()
    await ensureSchema({ schema, executor })
    await seedBlobsFor(executor)
    // An index the schema does not declare: only SQLite can refuse the duplicate, at commit,
    // after the mutation's earlier statements (a todo with a file, so a blob ref too) ran.
    await executor.run({ text: "CREATE UNIQUE INDEX users_name_raw ON users (name)", params: [] })
    await executor.run({ text: "INSERT INTO users (id, name) VALUES ('u1', 'Ann')", params: [] })
    const before = await dumpAll(executor)
    const result = await push(executor, "c1", [
      { name: "apply", args: [{ op: "insert", table: "users", rows: [{ id: "u2", name: "Bob" }] }] },
      {
        name: "apply",
        args: [
          { op: "insert", table: "todos", rows: [{ id: "t1", title: "a", ownerId: "u1", attachment: fileRef(1) }] },
          { op: "update", table: "users", id: "u1", set: { name: "Changed" } },
          { op: "insert", table: "users", rows: [{ id: "u9", name: "Bob" }] },
        ],
      },
      { name: "apply", args: [{ op: "insert", table: "users", rows: [{ id: "u3", name: "Cy" }] }] },
    ])
    expect(result.dropped.map((d) => d.id)).toEqual([2])
    expect(isPlasmaError(result.dropped[0]?.error, "constraint-violation")).toBe(true)
    expect(result.lastMutationID).toBe(3)
    expect(await executor.all({ text: "SELECT id, name FROM users ORDER BY id", params: [] })).toEqual([
      { id: "u1", name: "Ann" },
      { id: "u2", name: "Bob" },
      { id: "u3", name: "Cy" },
    ])
    expect(await executor.all({ text: "SELECT id FROM todos", params: [] })).toEqual([])
    expect(await blobRefs(executor)).toEqual([])
    const log = await changeKeys(executor)
    expect(log.slice(before._plasma_changes!.length)).toEqual(["users:u2:put", "users:u3:put"])
    expect(await lastMutationID(executor, "g-c1", "c1")).toBe(3)
    // The origin is never left behind (Postgres: transaction-local settings, gone at COMMIT).
    if (executor.dialect.name === "postgres") {
      expect(await executor.all({ text: "SELECT current_setting('plasma.client_group_id', true) AS g", params: [] })).toEqual([{ g: expect.toBeOneOf([null, ""]) }])
    } else {
      expect(await executor.all({ text: "SELECT * FROM _plasma_origin", params: [] })).toEqual([])
    }
  })

  it("a duplicate id that exists only in the database is refused inside the mutator, which may catch it", async () => {
    const { executor } = await open()
    await ensureSchema({ schema, executor })
    await executor.run({ text: "INSERT INTO users (id, name) VALUES ('u1', 'Ann')", params: [] })
    const mutators = {
      upsert: async ({ db }: MutatorInput<FixtureSchema, AuthContext, null>) => {
        try {
          await db.insert(users).values({ id: "u1", name: "Again" })
        } catch (error) {
          if (!isPlasmaError(error, "constraint-violation")) throw error
          await db.update(users).set({ name: "Updated" }).where(eq(users.id, "u1"))
        }
        await db.insert(users).values({ id: "u2", name: "Bob" })
      },
    }
    const result = await applyPush({ schema, mutators, executor, ctx: {}, clientGroupID: "g", clientID: "c", mutations: [{ id: 1, name: "upsert", args: null }] })
    expect(result.dropped).toEqual([])
    expect(await executor.all({ text: "SELECT id, name FROM users ORDER BY id", params: [] })).toEqual([
      { id: "u1", name: "Updated" },
      { id: "u2", name: "Bob" },
    ])
    expect((await changeKeys(executor)).slice(1)).toEqual(["users:u1:put", "users:u2:put"])
  })

  it("a push whose only mutation fails in the database still advances the id and writes nothing else", async () => {
    const { executor } = await open()
    await ensureSchema({ schema, executor })
    await executor.run({ text: "CREATE UNIQUE INDEX users_name_raw ON users (name)", params: [] })
    await executor.run({ text: "INSERT INTO users (id, name) VALUES ('u1', 'Ann')", params: [] })
    const before = await dumpAll(executor)
    const result = await applyOps(executor, "c1", [
      { op: "insert", table: "users", rows: [{ id: "u2", name: "Bob" }] },
      { op: "insert", table: "users", rows: [{ id: "u3", name: "Ann" }] },
    ])
    expect(result.dropped.map((d) => d.id)).toEqual([1])
    const after = await dumpAll(executor)
    expect({ ...after, _plasma_client_mutations: [] }).toEqual({ ...before, _plasma_client_mutations: [] })
    expect(await lastMutationID(executor, "g-c1", "c1")).toBe(1)
  })
}, { postgres: true })

async function seedBlobsFor(executor: Parameters<typeof blobRefs>[0]): Promise<void> {
  const ref = fileRef(1)
  await executor.run({ text: "INSERT INTO _plasma_blobs (hash, size, mime, uploaded_at) VALUES (?, ?, ?, 1)", params: [ref.hash, ref.size, ref.mime] })
}
