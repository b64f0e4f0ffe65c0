/**
 * SPEC §7.1: exactly one `_plasma_changes` row per row written — put with the full row in wire
 * form for inserts and updates, del for deletes — including cascades, set-nulls and raw SQL.
 */
import { expect, it } from "vitest"
import { ensureSchema } from "../schema/migrations.js"
import { createServerDb } from "../server-db.js"
import { describeOnEngines } from "../testing/engines.js"
import { fileRef, schema, todos } from "../testing/fixture-schema.js"
import { changeKeys, changeRows, maxVersion, seedBlobs } from "../testing/inspect.js"
import { applyOps } from "../testing/mutators.js"
import { eq } from "@plasma/core"

const pic = fileRef(1)

describeOnEngines("change capture", (open) => {
  it("logs one put per inserted row, with the full row in wire form and the mutation's origin", async () => {
    const { executor } = await open()
    await ensureSchema({ schema, executor })
    await seedBlobs(executor, [pic])
    const result = await applyOps(executor, "c1", [
      { op: "insert", table: "users", rows: [{ id: "u1", name: "Ann" }] },
      { op: "insert", table: "todos", rows: [{ id: "t1", title: "a", ownerId: "u1", attachment: pic }, { id: "t2", title: "b", ownerId: "u1", done: true }] },
    ])
    expect(result.dropped).toEqual([])
    const rows = await changeRows(executor)
    expect(rows.map((r) => `${r.table_name}:${r.row_id}:${r.op}`)).toEqual(["users:u1:put", "todos:t1:put", "todos:t2:put"])
    expect(rows[1]?.value).toEqual({ id: "t1", title: "a", done: false, ownerId: "u1", attachment: pic, updatedAt: 0 })
    expect(rows[2]?.value).toEqual({ id: "t2", title: "b", done: true, ownerId: "u1", attachment: null, updatedAt: 0 })
    for (const r of rows) expect([r.client_group_id, r.client_id, r.mutation_id]).toEqual(["g-c1", "c1", 1])
  })

  it("logs an update as one put of the whole row and a delete as one del", async () => {
    const { executor } = await open()
    await ensureSchema({ schema, executor })
    await applyOps(executor, "c1", [
      { op: "insert", table: "users", rows: [{ id: "u1", name: "Ann" }] },
      { op: "insert", table: "todos", rows: [{ id: "t1", title: "a", ownerId: "u1" }, { id: "t2", title: "b", ownerId: "u1" }] },
    ])
    const v = await maxVersion(executor)
    await applyOps(executor, "c1", [
      { op: "update", table: "todos", id: "t1", set: { done: true } },
      { op: "delete", table: "todos", id: "t2" },
    ])
    const rows = await changeRows(executor, v)
    expect(rows.map((r) => `${r.table_name}:${r.row_id}:${r.op}`)).toEqual(["todos:t1:put", "todos:t2:del"])
    expect(rows[0]?.value).toEqual({ id: "t1", title: "a", done: true, ownerId: "u1", attachment: null, updatedAt: 0 })
    expect(rows[1]?.value).toBeNull()
    expect(rows.map((r) => r.mutation_id)).toEqual([2, 2])
  })

  it("logs every row a cascade deletes (children and grandchildren) and every row a set-null changes", async () => {
    const { executor } = await open()
    await ensureSchema({ schema, executor })
    await applyOps(executor, "c1", [
      { op: "insert", table: "users", rows: [{ id: "u1", name: "Ann" }, { id: "u2", name: "Bob" }] },
      { op: "insert", table: "todos", rows: [{ id: "t1", title: "a", ownerId: "u1" }, { id: "t2", title: "b", ownerId: "u1" }, { id: "t3", title: "c", ownerId: "u2" }] },
      { op: "insert", table: "comments", rows: [{ id: "c1", body: "x", todoId: "t1" }, { id: "c2", body: "y", todoId: "t2" }, { id: "c3", body: "z", todoId: "t3" }] },
      { op: "insert", table: "replies", rows: [{ id: "r1", body: "x", commentId: "c1" }, { id: "r2", body: "y", commentId: "c1" }, { id: "r3", body: "z", commentId: "c3" }] },
      { op: "insert", table: "labels", rows: [{ id: "l1", name: "x", todoId: "t1" }, { id: "l2", name: "y", todoId: "t3" }, { id: "l3", name: "z", todoId: null }] },
    ])
    const v = await maxVersion(executor)
    await applyOps(executor, "c1", [{ op: "delete", table: "users", id: "u1" }])
    const rows = await changeRows(executor, v)
    expect(rows.map((r) => `${r.table_name}:${r.row_id}:${r.op}`).sort()).toEqual(
      ["users:u1:del", "todos:t1:del", "todos:t2:del", "comments:c1:del", "comments:c2:del", "replies:r1:del", "replies:r2:del", "labels:l1:put"].sort(),
    )
    expect(rows.find((r) => r.row_id === "l1")?.value).toEqual({ id: "l1", name: "x", todoId: null })
    // Cascaded rows carry the origin of the mutation that caused them.
    for (const r of rows) expect(r.mutation_id).toBe(2)
    // What is left matches the log.
    const left = await executor.all<{ n: number }>({ text: "SELECT (SELECT COUNT(*) FROM todos) + (SELECT COUNT(*) FROM comments) + (SELECT COUNT(*) FROM replies) AS n", params: [] })
    expect(left[0]?.n).toBe(3)
  })

  it("logs raw SQL writes to user tables with a NULL origin, in wire form for every column kind", async () => {
    const { executor } = await open()
    await ensureSchema({ schema, executor })
    await executor.run({
      text: "INSERT INTO kinds (id, t, i, r, big, flag, doc, bytes, doc2, maybe) VALUES ('k1', 'txt', 7, 1.5, 9007199254740993, 1, '{\"a\":[1,true]}', ?, ?, NULL)",
      // The blob is bound, not a literal: SQLite writes x'00ff10', Postgres '\\x00ff10'.
      params: [new Uint8Array([0x00, 0xff, 0x10]), JSON.stringify(pic)],
    })
    await executor.run({ text: "INSERT INTO users (id, name) VALUES ('u1', 'Ann')", params: [] })
    await executor.run({ text: "INSERT INTO todos (id, title, \"ownerId\") VALUES ('t1', 'a', 'u1'), ('t2', 'b', 'u1')", params: [] })
    const v = await maxVersion(executor)
    await executor.run({ text: "UPDATE todos SET title = 'raw', done = 1", params: [] })
    await executor.run({ text: "DELETE FROM todos WHERE id = 't2'", params: [] })
    const all = await changeRows(executor)
    expect(all[0]?.value).toEqual({ id: "k1", t: "txt", i: 7, r: 1.5, big: "9007199254740993", flag: true, doc: { a: [1, true] }, bytes: "00ff10", doc2: pic, maybe: null })
    const rows = await changeRows(executor, v)
    expect(rows.map((r) => `${r.table_name}:${r.row_id}:${r.op}`)).toEqual(["todos:t1:put", "todos:t2:put", "todos:t2:del"])
    expect(rows[0]?.value).toEqual({ id: "t1", title: "raw", done: true, ownerId: "u1", attachment: null, updatedAt: 0 })
    for (const r of all) expect([r.client_group_id, r.client_id, r.mutation_id]).toEqual([null, null, null])
  })

  it("logs a raw UPDATE that changes the id as del of the old id and put of the new one", async () => {
    const { executor } = await open()
    await ensureSchema({ schema, executor })
    await executor.run({ text: "INSERT INTO users (id, name) VALUES ('u1', 'Ann')", params: [] })
    await executor.run({ text: "INSERT INTO todos (id, title, \"ownerId\") VALUES ('t1', 'a', 'u1')", params: [] })
    const v = await maxVersion(executor)
    await executor.run({ text: "UPDATE todos SET id = 't9' WHERE id = 't1'", params: [] })
    const rows = await changeRows(executor, v)
    expect(rows.map((r) => `${r.table_name}:${r.row_id}:${r.op}`)).toEqual(["todos:t1:del", "todos:t9:put"])
    expect(rows[1]?.value).toMatchObject({ id: "t9", title: "a" })
  })

  it("logs one row per row for multi-row writes through createServerDb (origin NULL)", async () => {
    const { executor } = await open()
    const db = createServerDb({ schema, executor, ctx: {} })
    await db.insert(schema.tables.users).values({ id: "u1", name: "Ann" })
    await db.insert(todos).values([1, 2, 3, 4].map((n) => ({ id: `t${n}`, title: `n${n}`, ownerId: "u1" })))
    const v = await maxVersion(executor)
    expect((await db.update(todos).set({ done: true }).where(eq(todos.ownerId, "u1"))).rowsAffected).toBe(4)
    await db.delete(todos).where(eq(todos.id, "t2"))
    expect(await changeKeys(executor, v)).toEqual(["todos:t1:put", "todos:t2:put", "todos:t3:put", "todos:t4:put", "todos:t2:del"])
    for (const r of await changeRows(executor)) expect([r.client_group_id, r.client_id, r.mutation_id]).toEqual([null, null, null])
  })

  it("never logs the rows of a push that wrote nothing, and nothing for a no-op update", async () => {
    const { executor } = await open()
    await ensureSchema({ schema, executor })
    await applyOps(executor, "c1", [{ op: "update", table: "todos", id: "nope", set: { done: true } }])
    expect(await changeKeys(executor)).toEqual([])
  })
}, { postgres: true })
