/**
 * `createServerDb` (SPEC §9): writes are logged with NULL origin and reach the change log; the
 * tables' auth predicates run with the ctx given; `invokeMutator` with it writes and logs.
 */
import { count, defineMutators, eq, invokeMutator, isPlasmaError, type AuthContext, type MutatorInput } from "@plasma/core"
import { expect, it } from "vitest"
import { ensureSchema } from "./schema/migrations.js"
import { createServerDb } from "./server-db.js"
import { describeOnEngines } from "./testing/engines.js"
import { schema, secrets, todos, users, type FixtureSchema } from "./testing/fixture-schema.js"
import { changeKeys, changeRows, dumpAll } from "./testing/inspect.js"

describeOnEngines("createServerDb", (open) => {
  it("writes land in the change log with NULL origin, and reads see them", async () => {
    const { executor } = await open()
    const db = createServerDb({ schema, executor, ctx: {} })
    await db.insert(users).values([{ id: "u1", name: "Ann" }, { id: "u2", name: "Bob" }])
    await db.insert(todos).values({ id: "t1", title: "a", ownerId: "u1" })
    await db.update(users).set({ name: "Anna" }).where(eq(users.id, "u1"))
    await db.delete(users).where(eq(users.id, "u2"))
    expect(await db.select().from(users)).toEqual([{ id: "u1", name: "Anna" }])
    expect(await changeKeys(executor)).toEqual(["users:u1:put", "users:u2:put", "todos:t1:put", "users:u1:put", "users:u2:del"])
    for (const c of await changeRows(executor)) expect([c.client_group_id, c.client_id, c.mutation_id]).toEqual([null, null, null])
  })

  it("applies the table's read predicate with the ctx given", async () => {
    const { executor } = await open()
    await ensureSchema({ schema, executor })
    await executor.run({ text: "INSERT INTO secrets (id, \"ownerId\", body) VALUES ('s1', 'a', 'x'), ('s2', 'b', 'y'), ('s3', 'a', 'z')", params: [] })
    const asA = createServerDb({ schema, executor, ctx: { userId: "a" } })
    expect((await asA.select().from(secrets)).map((r) => r.id)).toEqual(["s1", "s3"])
    expect(await asA.select({ n: count() }).from(secrets)).toEqual([{ n: 2 }])
    expect(await asA.select().from(secrets).where(eq(secrets.id, "s2"))).toEqual([])
    const asB = createServerDb({ schema, executor, ctx: { userId: "b" } })
    expect((await asB.select().from(secrets)).map((r) => r.id)).toEqual(["s2"])
  })

  it("refuses writes the write predicate denies with write-denied, writing nothing", async () => {
    const { executor } = await open()
    await ensureSchema({ schema, executor })
    await executor.run({ text: "INSERT INTO secrets (id, \"ownerId\", body) VALUES ('s1', 'a', 'x'), ('s2', 'b', 'y')", params: [] })
    const asA = createServerDb({ schema, executor, ctx: { userId: "a" } })
    const before = await dumpAll(executor)
    const refused = async (run: PromiseLike<unknown>): Promise<void> => {
      const error = await Promise.resolve(run).then(
        () => null,
        (e: unknown) => e,
      )
      expect(isPlasmaError(error, "write-denied"), String(error)).toBe(true)
      expect((error as Error).message).toContain('table "secrets"')
    }
    await refused(asA.insert(secrets).values({ id: "s3", ownerId: "b", body: "forged" }))
    await refused(asA.insert(secrets).values([{ id: "s4", ownerId: "a", body: "ok" }, { id: "s5", ownerId: "b", body: "forged" }]))
    // Handing one's own row to someone else fails on the post-image.
    await refused(asA.update(secrets).set({ ownerId: "b" }).where(eq(secrets.id, "s1")))
    // Rows A cannot read are not there for A to change.
    expect((await asA.update(secrets).set({ body: "hacked" }).where(eq(secrets.id, "s2"))).rowsAffected).toBe(0)
    expect((await asA.delete(secrets).where(eq(secrets.id, "s2"))).rowsAffected).toBe(0)
    expect(await dumpAll(executor)).toEqual(before)
    // What A may do, A can do.
    await asA.update(secrets).set({ body: "mine" }).where(eq(secrets.id, "s1"))
    expect(await executor.all({ text: "SELECT id, body FROM secrets ORDER BY id", params: [] })).toEqual([
      { id: "s1", body: "mine" },
      { id: "s2", body: "y" },
    ])
  })

  it("invokeMutator with a createServerDb db writes and logs (a mutator from cron or a webhook)", async () => {
    const { executor } = await open()
    const mutators = defineMutators<FixtureSchema, AuthContext>()({
      addTodo: async ({ db, args }: MutatorInput<FixtureSchema, AuthContext, { id: string; title: string }>) => {
        const [owner] = await db.select().from(users).where(eq(users.id, "sys"))
        if (owner === undefined) await db.insert(users).values({ id: "sys", name: "System" })
        await db.insert(todos).values({ id: args.id, title: args.title, ownerId: "sys" })
      },
    })
    const db = createServerDb({ schema, executor, ctx: { userId: "cron" } })
    await invokeMutator(mutators, "addTodo", { db, args: { id: "t1", title: "nightly" }, ctx: { userId: "cron" }, clientID: "system", mutationID: 0 })
    await invokeMutator(mutators, "addTodo", { db, args: { id: "t2", title: "again" }, ctx: { userId: "cron" }, clientID: "system", mutationID: 0 })
    expect(await db.select({ id: todos.id }).from(todos)).toEqual([{ id: "t1" }, { id: "t2" }])
    const log = await changeRows(executor)
    expect(log.map((c) => `${c.table_name}:${c.row_id}:${c.op}`)).toEqual(["users:sys:put", "todos:t1:put", "todos:t2:put"])
    expect(log[1]?.value).toEqual({ id: "t1", title: "nightly", done: false, ownerId: "sys", attachment: null, updatedAt: 0 })
    expect(log.every((c) => c.client_id === null && c.mutation_id === null)).toBe(true)
  })

  it("a failing write statement changes nothing (foreign key checked by the database)", async () => {
    const { executor } = await open()
    const db = createServerDb({ schema, executor, ctx: {} })
    await db.insert(users).values({ id: "u1", name: "Ann" })
    const before = await dumpAll(executor)
    const error = await db.insert(todos).values([{ id: "t1", title: "a", ownerId: "u1" }, { id: "t2", title: "b", ownerId: "ghost" }]).then(
      () => null,
      (e: unknown) => e,
    )
    expect(isPlasmaError(error, "constraint-violation"), String(error)).toBe(true)
    expect(await dumpAll(executor)).toEqual(before)
  })
}, { postgres: true })
