/**
 * SPEC §7.3: a mutator reads its own earlier writes on every executor — D1 included, where the
 * writes are still buffered in the transaction's overlay when the mutator reads.
 */
import { and, asc, count, desc, eq, gt, isNull, sum, type AuthContext, type Db, type MutatorInput } from "@plasma/core"
import { expect, it } from "vitest"
import { ensureSchema } from "../schema/migrations.js"
import { applyPush } from "../sync/push.js"
import { describeOnEngines } from "../testing/engines.js"
import { comments, counters, labels, replies, schema, todos, users, type FixtureSchema } from "../testing/fixture-schema.js"
import type { SqlExecutor } from "@plasma/executors"

/** Runs `fn` as one pushed mutation; rethrows what made it drop. */
async function inMutator(executor: SqlExecutor, fn: (db: Db<FixtureSchema>) => Promise<void>): Promise<void> {
  const mutators = { run: async ({ db }: MutatorInput<FixtureSchema, AuthContext, null>) => fn(db) }
  const result = await applyPush({ schema, mutators, executor, ctx: {}, clientGroupID: "g", clientID: `c${Math.random()}`, mutations: [{ id: 1, name: "run", args: null }] })
  if (result.dropped.length > 0) throw result.dropped[0]!.error
}

async function seed(executor: SqlExecutor): Promise<void> {
  await ensureSchema({ schema, executor })
  await executor.batch([
    { text: "INSERT INTO users (id, name) VALUES ('u1', 'Ann'), ('u2', 'Bob')", params: [] },
    { text: "INSERT INTO todos (id, title, \"ownerId\", \"updatedAt\") VALUES ('t1', 'a', 'u1', 10), ('t2', 'b', 'u1', 20), ('t3', 'c', 'u2', 30)", params: [] },
    { text: "INSERT INTO comments (id, body, \"todoId\") VALUES ('c1', 'x', 't1'), ('c2', 'y', 't3')", params: [] },
    { text: "INSERT INTO replies (id, body, \"commentId\") VALUES ('r1', 'x', 'c1')", params: [] },
    { text: "INSERT INTO labels (id, name, \"todoId\") VALUES ('l1', 'x', 't1'), ('l2', 'y', 't3')", params: [] },
  ])
}

describeOnEngines("read your writes inside a mutator", (open) => {
  it("insert then select sees the row (by id, by scan, by a condition)", async () => {
    const { executor } = await open()
    await seed(executor)
    await inMutator(executor, async (db) => {
      await db.insert(todos).values({ id: "t9", title: "new", ownerId: "u2", updatedAt: 5 })
      expect(await db.select().from(todos).where(eq(todos.id, "t9"))).toEqual([{ id: "t9", title: "new", done: false, ownerId: "u2", attachment: null, updatedAt: 5 }])
      expect((await db.select().from(todos)).map((r) => r.id)).toEqual(["t1", "t2", "t3", "t9"])
      expect((await db.select().from(todos).where(eq(todos.ownerId, "u2")).orderBy(asc(todos.updatedAt))).map((r) => r.id)).toEqual(["t9", "t3"])
    })
    expect(await executor.all({ text: "SELECT id FROM todos WHERE id = 't9'", params: [] })).toEqual([{ id: "t9" }])
  })

  it("update then select sees the new value, and conditions see it too", async () => {
    const { executor } = await open()
    await seed(executor)
    await inMutator(executor, async (db) => {
      await db.update(todos).set({ done: true, title: "A!" }).where(eq(todos.id, "t1"))
      expect(await db.select({ title: todos.title, done: todos.done }).from(todos).where(eq(todos.id, "t1"))).toEqual([{ title: "A!", done: true }])
      expect((await db.select().from(todos).where(eq(todos.done, true))).map((r) => r.id)).toEqual(["t1"])
      expect(await db.select().from(todos).where(eq(todos.title, "a"))).toEqual([])
      // A second update reads the first one's result.
      await db.update(todos).set({ updatedAt: 99 }).where(eq(todos.done, true))
      expect((await db.select().from(todos).where(gt(todos.updatedAt, 50))).map((r) => [r.id, r.title])).toEqual([["t1", "A!"]])
    })
    expect(await executor.all({ text: "SELECT title, done, \"updatedAt\" FROM todos WHERE id = 't1'", params: [] })).toEqual([{ title: "A!", done: 1, updatedAt: 99 }])
  })

  it("delete then select does not see the row", async () => {
    const { executor } = await open()
    await seed(executor)
    await inMutator(executor, async (db) => {
      await db.delete(todos).where(eq(todos.id, "t2"))
      expect(await db.select().from(todos).where(eq(todos.id, "t2"))).toEqual([])
      expect((await db.select().from(todos)).map((r) => r.id)).toEqual(["t1", "t3"])
      // Insert it again after the delete: visible again.
      await db.insert(todos).values({ id: "t2", title: "again", ownerId: "u2" })
      expect((await db.select().from(todos).where(eq(todos.ownerId, "u2"))).map((r) => r.id)).toEqual(["t2", "t3"])
    })
    expect(await executor.all({ text: "SELECT id, title FROM todos ORDER BY id", params: [] })).toEqual([
      { id: "t1", title: "a" },
      { id: "t2", title: "again" },
      { id: "t3", title: "c" },
    ])
  })

  it("aggregates and group-bys include overlay rows", async () => {
    const { executor } = await open()
    await seed(executor)
    await inMutator(executor, async (db) => {
      await db.insert(todos).values([{ id: "t4", title: "d", ownerId: "u2", updatedAt: 1 }, { id: "t5", title: "e", ownerId: "u2", updatedAt: 2 }])
      await db.delete(todos).where(eq(todos.id, "t1"))
      await db.update(todos).set({ updatedAt: 100 }).where(eq(todos.id, "t2"))
      expect(await db.select({ n: count() }).from(todos)).toEqual([{ n: 4 }])
      expect(await db.select({ ownerId: todos.ownerId, n: count(), total: sum(todos.updatedAt) }).from(todos).groupBy(todos.ownerId).orderBy(todos.ownerId)).toEqual([
        { ownerId: "u1", n: 1, total: 100 },
        { ownerId: "u2", n: 3, total: 33 },
      ])
      expect(await db.select({ n: count() }).from(todos).where(eq(todos.ownerId, "u1"))).toEqual([{ n: 1 }])
    })
  })

  it("joins include overlay rows on either side", async () => {
    const { executor } = await open()
    await seed(executor)
    await inMutator(executor, async (db) => {
      await db.insert(users).values({ id: "u3", name: "Cy" })
      await db.insert(todos).values({ id: "t4", title: "d", ownerId: "u3" })
      await db.update(users).set({ name: "Bobby" }).where(eq(users.id, "u2"))
      const rows = await db.select({ todo: todos.id, owner: users.name }).from(todos).innerJoin(users, eq(todos.ownerId, users.id)).orderBy(desc(todos.id))
      expect(rows).toEqual([
        { todo: "t4", owner: "Cy" },
        { todo: "t3", owner: "Bobby" },
        { todo: "t2", owner: "Ann" },
        { todo: "t1", owner: "Ann" },
      ])
      const left = await db.select().from(users).leftJoin(todos, and(eq(todos.ownerId, users.id), eq(todos.title, "d"))).orderBy(users.id)
      expect(left.map((r) => [r.users.id, r.todos?.id ?? null])).toEqual([
        ["u1", null],
        ["u2", null],
        ["u3", "t4"],
      ])
    })
  })

  it("a cascade delete is visible to later reads: children, grandchildren gone, set-null applied", async () => {
    const { executor } = await open()
    await seed(executor)
    await inMutator(executor, async (db) => {
      await db.delete(users).where(eq(users.id, "u1"))
      expect((await db.select().from(todos)).map((r) => r.id)).toEqual(["t3"])
      expect((await db.select().from(comments)).map((r) => r.id)).toEqual(["c2"])
      expect(await db.select().from(replies)).toEqual([])
      expect(await db.select().from(labels).orderBy(labels.id)).toEqual([
        { id: "l1", name: "x", todoId: null },
        { id: "l2", name: "y", todoId: "t3" },
      ])
      expect((await db.select().from(labels).where(isNull(labels.todoId))).map((r) => r.id)).toEqual(["l1"])
      expect(await db.select({ n: count() }).from(comments).innerJoin(todos, eq(comments.todoId, todos.id))).toEqual([{ n: 1 }])
    })
    expect(await executor.all({ text: "SELECT (SELECT COUNT(*) FROM todos) AS t, (SELECT COUNT(*) FROM replies) AS r, (SELECT \"todoId\" FROM labels WHERE id = 'l1') AS l", params: [] })).toEqual([{ t: 1, r: 0, l: null }])
  })

  it("limit and offset are applied after merging database and overlay rows", async () => {
    const { executor } = await open()
    await seed(executor)
    await inMutator(executor, async (db) => {
      await db.insert(counters).values([{ id: "k2", value: 2 }])
      await executorInsertNotVisible(db)
      await db.insert(counters).values([{ id: "k0", value: 0 }, { id: "k4", value: 4 }])
      expect((await db.select().from(counters).orderBy(counters.value).limit(2).offset(1)).map((r) => r.id)).toEqual(["k2", "k4"])
    })
  })
}, { postgres: true })

async function executorInsertNotVisible(db: Db<FixtureSchema>): Promise<void> {
  expect((await db.select().from(counters)).map((r) => r.id)).toEqual(["k2"])
}
