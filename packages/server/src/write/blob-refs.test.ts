/**
 * SPEC §7.6 and §10: `_plasma_blob_refs` always equals the set of file values in user tables
 * (whatever wrote them: mutators, cascades, raw SQL), `_plasma_blobs.orphaned_at` is set exactly
 * while a hash has no refs, and a FileRef whose bytes were never uploaded is refused.
 */
import { isPlasmaError } from "@plasma/core"
import type { SqlExecutor } from "@plasma/executors"
import { expect, it } from "vitest"
import { ensureSchema } from "../schema/migrations.js"
import { createServerDb } from "../server-db.js"
import { describeOnEngines } from "../testing/engines.js"
import { fileRef, schema, todos } from "../testing/fixture-schema.js"
import { blobRefs, dumpAll, expectedBlobRefs, orphanMarks, seedBlobs } from "../testing/inspect.js"
import { applyOps, push } from "../testing/mutators.js"

const A = fileRef(0xa1)
const B = fileRef(0xb2)
const C = fileRef(0xc3, 99, "text/plain")
const FILE_COLUMNS = [
  ["todos", "attachment"],
  ["kinds", "doc2"],
] as const

async function expectRefsMatch(executor: SqlExecutor): Promise<void> {
  expect(await blobRefs(executor)).toEqual(await expectedBlobRefs(executor, FILE_COLUMNS))
}

async function setup(executor: SqlExecutor): Promise<void> {
  await ensureSchema({ schema, executor })
  await seedBlobs(executor, [A, B, C])
  await executor.run({ text: "INSERT INTO users (id, name) VALUES ('u1', 'Ann'), ('u2', 'Bob')", params: [] })
}

const kindsRow = (id: string, doc2: unknown) => ({ id, t: "", i: 0, r: 0, big: 0, flag: false, doc: null, bytes: new Uint8Array(), doc2 })

describeOnEngines("blob refs", (open) => {
  it("equal the file values after inserts, updates, set-null, deletes, cascades and raw SQL", async () => {
    const { executor } = await open()
    await setup(executor)
    await applyOps(executor, "c1", [
      { op: "insert", table: "todos", rows: [{ id: "t1", title: "a", ownerId: "u1", attachment: A }, { id: "t2", title: "b", ownerId: "u1", attachment: A }, { id: "t3", title: "c", ownerId: "u2", attachment: B }, { id: "t4", title: "d", ownerId: "u2" }] },
    ])
    await expectRefsMatch(executor)
    expect(await blobRefs(executor)).toHaveLength(3)
    // The json column `doc` is not a file column: a FileRef-shaped value there is no ref.
    const db = createServerDb({ schema, executor, ctx: {} })
    await db.insert(schema.tables.kinds).values({ ...kindsRow("k1", C), doc: A } as never)
    await expectRefsMatch(executor)
    expect(await blobRefs(executor)).toHaveLength(4)

    await applyOps(executor, "c1", [
      { op: "update", table: "todos", id: "t1", set: { attachment: B } },
      { op: "update", table: "todos", id: "t2", set: { attachment: null } },
      { op: "update", table: "todos", id: "t4", set: { attachment: C } },
      { op: "update", table: "todos", id: "t3", set: { title: "renamed" } },
    ])
    await expectRefsMatch(executor)
    await applyOps(executor, "c1", [{ op: "delete", table: "todos", id: "t4" }])
    await expectRefsMatch(executor)
    // Cascade: u2's todos go with u2.
    await applyOps(executor, "c1", [{ op: "delete", table: "users", id: "u2" }])
    await expectRefsMatch(executor)
    // Raw SQL, including an id change and a file change in one statement.
    await executor.run({ text: "INSERT INTO todos (id, title, \"ownerId\", attachment) VALUES ('t7', 'raw', 'u1', ?)", params: [JSON.stringify(C)] })
    await expectRefsMatch(executor)
    await executor.run({ text: "UPDATE todos SET id = 't8', attachment = ? WHERE id = 't7'", params: [JSON.stringify(A)] })
    await expectRefsMatch(executor)
    await executor.run({ text: "UPDATE todos SET id = 't9' WHERE id = 't8'", params: [] })
    await expectRefsMatch(executor)
    expect(await blobRefs(executor)).toContain(`${A.hash}|todos|t9|attachment`)
    await executor.run({ text: "DELETE FROM todos", params: [] })
    await expectRefsMatch(executor)
    expect(await blobRefs(executor)).toEqual([`${C.hash}|kinds|k1|doc2`])
  })

  it("sets orphaned_at when the last ref goes and clears it when one comes back", async () => {
    const { executor } = await open()
    await setup(executor)
    await executor.run({ text: "UPDATE _plasma_blobs SET orphaned_at = 5", params: [] })
    await applyOps(executor, "c1", [{ op: "insert", table: "todos", rows: [{ id: "t1", title: "a", ownerId: "u1", attachment: A }, { id: "t2", title: "b", ownerId: "u1", attachment: A }] }])
    expect(await orphanMarks(executor)).toEqual({ [A.hash]: null, [B.hash]: 5, [C.hash]: 5 })
    // One of two refs goes: still referenced.
    await applyOps(executor, "c1", [{ op: "delete", table: "todos", id: "t1" }])
    expect((await orphanMarks(executor))[A.hash]).toBeNull()
    // The last ref moves to B: A is orphaned now, B is not.
    const before = Date.now()
    await applyOps(executor, "c1", [{ op: "update", table: "todos", id: "t2", set: { attachment: B } }])
    const marks = await orphanMarks(executor)
    expect(marks[A.hash]).toBeGreaterThanOrEqual(before - 1000)
    expect(marks[B.hash]).toBeNull()
    // A comes back through raw SQL: cleared again; B's last ref is deleted by a cascade.
    await executor.run({ text: "INSERT INTO todos (id, title, \"ownerId\", attachment) VALUES ('t3', 'raw', 'u2', ?)", params: [JSON.stringify(A)] })
    await applyOps(executor, "c1", [{ op: "delete", table: "users", id: "u1" }])
    const after = await orphanMarks(executor)
    expect(after[A.hash]).toBeNull()
    expect(after[B.hash]).toBeGreaterThanOrEqual(before - 1000)
    expect(after[C.hash]).toBe(5)
    await expectRefsMatch(executor)
  })

  it("refuses a FileRef whose bytes were never uploaded (or whose size or MIME type differs) as a poison mutation", async () => {
    const { executor } = await open()
    await setup(executor)
    const missing = fileRef(0xdd)
    const wrongSize = { ...A, size: A.size + 1 }
    // Claiming another MIME type than the upload's would dodge the column's allow-list.
    const wrongMime = { ...A, mime: A.mime === "image/png" ? "image/gif" : "image/png" }
    const before = await dumpAll(executor)
    const result = await push(executor, "c1", [
      { name: "apply", args: [{ op: "insert", table: "todos", rows: [{ id: "t1", title: "a", ownerId: "u1", attachment: missing }] }] },
      { name: "apply", args: [{ op: "insert", table: "todos", rows: [{ id: "t2", title: "b", ownerId: "u1", attachment: wrongSize }] }] },
      { name: "apply", args: [{ op: "insert", table: "todos", rows: [{ id: "t4", title: "d", ownerId: "u1", attachment: wrongMime }] }] },
      { name: "apply", args: [{ op: "insert", table: "todos", rows: [{ id: "t3", title: "c", ownerId: "u1", attachment: A }] }] },
    ])
    expect(result.dropped.map((d) => d.id)).toEqual([1, 2, 3])
    for (const d of result.dropped) expect(isPlasmaError(d.error, "blob-invalid")).toBe(true)
    const after = await dumpAll(executor)
    expect(after.todos).toEqual([expect.objectContaining({ id: "t3" })])
    expect(after._plasma_blob_refs).toEqual([{ hash: A.hash, table_name: "todos", row_id: "t3", column_name: "attachment" }])
    expect(after._plasma_changes!.length - before._plasma_changes!.length).toBe(1)
    expect(after._plasma_blobs).toEqual(before._plasma_blobs)
  })

  it("createServerDb refuses a FileRef without bytes and writes nothing", async () => {
    const { executor } = await open()
    await setup(executor)
    const db = createServerDb({ schema, executor, ctx: {} })
    const before = await dumpAll(executor)
    const error = await db.insert(todos).values({ id: "t1", title: "a", ownerId: "u1", attachment: fileRef(0xee) }).then(
      () => null,
      (e: unknown) => e,
    )
    expect(isPlasmaError(error, "blob-invalid")).toBe(true)
    expect(await dumpAll(executor)).toEqual(before)
  })
}, { postgres: true })
