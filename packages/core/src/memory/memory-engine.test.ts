import { describe, expect, it } from "vitest"
import { eq, sum } from "../query/operators.js"
import { bigint, id, ref, text } from "../schema/column.js"
import { defineSchema } from "../schema/define-schema.js"
import { table } from "../schema/table.js"
import { comments, conformanceSchema, tagLinks, tags, todos, users } from "../testing/conformance-schema.js"
import type { MemoryChange } from "./memory-engine.js"
import { describeQueryConformance } from "../testing/query-conformance.js"
import { createMemoryEngine } from "./memory-engine.js"
import { createMapRowStore, type MemoryRowStore } from "./memory-row-store.js"

/** A frozen base under an overlay, as the browser client keeps them: writes land in the overlay only. */
function overlayStore(base: MemoryRowStore): MemoryRowStore & { readonly overlay: Map<string, Map<string, Readonly<Record<string, unknown>> | null>> } {
  const overlay = new Map<string, Map<string, Readonly<Record<string, unknown>> | null>>()
  const layer = (table: string) => {
    let rows = overlay.get(table)
    if (rows === undefined) overlay.set(table, (rows = new Map()))
    return rows
  }
  return {
    overlay,
    get: (table, id) => (overlay.get(table)?.has(id) === true ? (overlay.get(table)?.get(id) ?? undefined) : base.get(table, id)),
    *rows(table) {
      const over = overlay.get(table)
      for (const row of base.rows(table)) if (over?.has(row.id as string) !== true) yield row
      for (const row of over?.values() ?? []) if (row !== null) yield row
    },
    put: (table, row) => void layer(table).set(row.id as string, Object.freeze(row)),
    delete: (table, id) => void layer(table).set(id, null),
  }
}

describeQueryConformance("memory engine", async (schema) => {
  const { db } = createMemoryEngine(schema)
  return { db, dispose() {} }
})


describe("createMemoryEngine", () => {
  async function seeded(onChange?: (c: MemoryChange) => void) {
    const engine = createMemoryEngine(conformanceSchema, onChange === undefined ? {} : { onChange })
    await engine.db.insert(users).values([
      { id: "u1", name: "a" },
      { id: "u2", name: "b" },
    ])
    await engine.db.insert(todos).values([
      { id: "t1", title: "x", priority: 1, ownerId: "u1" },
      { id: "t2", title: "y", priority: 1, ownerId: "u2" },
    ])
    await engine.db.insert(comments).values({ id: "c1", body: "hi", todoId: "t1" })
    await engine.db.insert(tags).values({ id: "g1", slug: "s" })
    return engine
  }

  it("fires onChange for every row written, cascades included", async () => {
    const changes: MemoryChange[] = []
    const { db } = await seeded((c) => changes.push(c))
    expect(changes.map((c) => `${c.op} ${c.table} ${c.id}`)).toEqual(["put users u1", "put users u2", "put todos t1", "put todos t2", "put comments c1", "put tags g1"])
    changes.length = 0
    await db.delete(users).where(eq(users.id, "u1"))
    expect(changes).toEqual([
      { op: "del", table: "users", id: "u1", value: null },
      { op: "del", table: "todos", id: "t1", value: null },
      { op: "put", table: "comments", id: "c1", value: { id: "c1", body: "hi", todoId: null } },
    ])
    changes.length = 0
    await db.update(todos).set({ priority: 1 })
    expect(changes.map((c) => `${c.op} ${c.id}`)).toEqual(["put t2"])
  })

  it("refuses a cascade that reaches a restricted row, changing nothing", async () => {
    const changes: MemoryChange[] = []
    const engine = await seeded((c) => changes.push(c))
    await engine.db.insert(tagLinks).values({ id: "l1", tagId: "g1", todoId: "t1" })
    // Deleting the tag is restricted; deleting u1 cascades to t1 and l1, which is fine.
    changes.length = 0
    await expect(engine.db.delete(tags)).rejects.toMatchObject({ code: "constraint-violation" })
    expect(changes).toEqual([])
    expect(engine.rows("tags")).toHaveLength(1)
    await engine.db.delete(users).where(eq(users.id, "u1"))
    expect(engine.rows("tagLinks")).toEqual([])
  })

  it("returns copies: changing a result does not change the store", async () => {
    const engine = await seeded()
    const [row] = await engine.db.select().from(todos).where(eq(todos.id, "t1"))
    if (row === undefined) throw new Error("missing")
    row.title = "changed"
    engine.rows("todos")[0]!.title = "changed too"
    expect((await engine.db.select({ title: todos.title }).from(todos).where(eq(todos.id, "t1")))[0]).toEqual({ title: "x" })
  })

  it("load upserts without constraint checks or onChange; apply replays patches", async () => {
    const changes: MemoryChange[] = []
    const engine = createMemoryEngine(conformanceSchema, { onChange: (c) => changes.push(c) })
    engine.load("todos", [{ id: "t1", title: "x", priority: 1, ownerId: "missing-user" }])
    expect(engine.rows("todos")).toEqual([{ id: "t1", title: "x", priority: 1, score: null, done: false, meta: null, note: null, ownerId: "missing-user" }])
    engine.apply({ op: "put", table: "todos", id: "t1", value: { id: "t1", title: "z", priority: 2, ownerId: "u" } })
    expect(engine.rows("todos")[0]).toMatchObject({ title: "z", priority: 2 })
    engine.apply({ op: "del", table: "todos", id: "t1", value: null })
    expect(engine.rows("todos")).toEqual([])
    expect(changes).toEqual([])
    expect(() => engine.load("todos", [{ id: "t2" }])).toThrow(/title/)
  })

  it("applies auth.write to pre- and post-images when given a ctx", async () => {
    const notes = table(
      "notes",
      { id: id(), owner: text(), body: text() },
      { auth: { write: (ctx, row) => row.owner === ctx.userId } },
    )
    const schema = defineSchema({ notes })
    const admin = createMemoryEngine(schema)
    await admin.db.insert(notes).values([
      { id: "n1", owner: "alice", body: "a" },
      { id: "n2", owner: "bob", body: "b" },
    ])
    const alice = createMemoryEngine(schema, { ctx: { userId: "alice" } })
    alice.load("notes", admin.rows("notes"))
    await expect(alice.db.insert(notes).values({ id: "n3", owner: "bob", body: "x" })).rejects.toMatchObject({ code: "write-denied" })
    await expect(alice.db.update(notes).set({ body: "hacked" }).where(eq(notes.id, "n2"))).rejects.toMatchObject({ code: "write-denied" })
    await expect(alice.db.update(notes).set({ owner: "bob" }).where(eq(notes.id, "n1"))).rejects.toMatchObject({ code: "write-denied" })
    await expect(alice.db.delete(notes)).rejects.toMatchObject({ code: "write-denied" })
    expect(alice.rows("notes")).toEqual(admin.rows("notes"))
    expect(await alice.db.update(notes).set({ body: "mine" }).where(eq(notes.owner, "alice"))).toEqual({ rowsAffected: 1 })
  })

  it("sums 64-bit integers exactly and keeps bigint columns bigint", async () => {
    const counters = table("counters", { id: id(), value: bigint() })
    const { db } = createMemoryEngine(defineSchema({ counters }))
    await db.insert(counters).values([
      { id: "a", value: 2n ** 60n },
      { id: "b", value: 5n },
    ])
    expect(await db.select({ s: sum(counters.value) }).from(counters)).toEqual([{ s: 2n ** 60n + 5n }])
    expect(await db.select().from(counters).where(eq(counters.value, 5n))).toEqual([{ id: "b", value: 5n }])
  })

  it("runs over a pluggable store of frozen rows without mutating them (base + overlay)", async () => {
    const base = createMapRowStore()
    const seed = createMemoryEngine(conformanceSchema, { store: base })
    await seed.db.insert(users).values([{ id: "u1", name: "a" }])
    await seed.db.insert(todos).values([{ id: "t1", title: "x", priority: 1, ownerId: "u1" }])
    await seed.db.insert(comments).values({ id: "c1", body: "hi", todoId: "t1" })
    for (const name of ["users", "todos", "comments"]) for (const row of base.rows(name)) Object.freeze(row)
    const store = overlayStore(base)
    const changes: MemoryChange[] = []
    const { db } = createMemoryEngine(conformanceSchema, { store, onChange: (c) => changes.push(c) })
    await db.update(todos).set({ title: "y" }).where(eq(todos.id, "t1"))
    await db.delete(users).where(eq(users.id, "u1"))
    expect(changes.map((c) => `${c.op} ${c.table} ${c.id}`)).toEqual(["put todos t1", "del users u1", "del todos t1", "put comments c1"])
    // The base is untouched; the overlay holds the optimistic view.
    expect([...base.rows("todos")]).toEqual([expect.objectContaining({ id: "t1", title: "x" })])
    expect(base.get("comments", "c1")).toMatchObject({ todoId: "t1" })
    expect(await db.select().from(comments)).toEqual([{ id: "c1", body: "hi", todoId: null }])
    expect(await db.select().from(todos)).toEqual([])
  })

  it("accepts rows of one insert that reference each other", async () => {
    const nodes = table("nodes", { id: id(), parent: ref((): never => nodes.id as never, { onDelete: "cascade" }).nullable() })
    const { db, rows } = createMemoryEngine(defineSchema({ nodes }))
    await db.insert(nodes).values([
      { id: "child", parent: "root" },
      { id: "root", parent: null },
    ])
    await db.delete(nodes).where(eq(nodes.id, "root"))
    expect(rows("nodes")).toEqual([])
  })
})
