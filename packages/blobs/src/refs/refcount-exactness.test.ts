/**
 * SPEC §7.6 end to end: whatever writes the user tables — the sync write path (applyPush),
 * raw SQL inserts/updates/deletes, id changes, `onDelete: cascade` — `_plasma_blob_refs` equals
 * the set of file values, and `_plasma_blobs.orphaned_at` is set exactly when a recorded hash
 * has no ref. The capture triggers live in @plasma/server; this checks them from the blob side.
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { blobRows, createPusher, createSqliteDb, expectedRefRows, makeBlob, refRows, type FileRefValue } from "../testing/blob-fixtures.js"

type Op =
  | { kind: "push-create"; todo: number; blob: number | null }
  | { kind: "push-attach"; todo: number; blob: number | null }
  | { kind: "push-remove"; todo: number }
  | { kind: "raw-insert-todo"; todo: number; blob: number | null }
  | { kind: "raw-update-todo"; todo: number; blob: number | null }
  | { kind: "raw-delete-todo"; todo: number }
  | { kind: "raw-insert-doc"; doc: number; todo: number; body: number; cover: number | null }
  | { kind: "raw-update-doc"; doc: number; body: number; cover: number | null }
  | { kind: "raw-rename-doc"; doc: number; to: number }
  | { kind: "raw-delete-doc"; doc: number }

const todo = fc.integer({ min: 0, max: 3 })
const doc = fc.integer({ min: 0, max: 3 })
const blob = fc.integer({ min: 0, max: 3 })
const maybeBlob = fc.option(blob, { nil: null })
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("push-create" as const), todo, blob: maybeBlob }),
  fc.record({ kind: fc.constant("push-attach" as const), todo, blob: maybeBlob }),
  fc.record({ kind: fc.constant("push-remove" as const), todo }),
  fc.record({ kind: fc.constant("raw-insert-todo" as const), todo, blob: maybeBlob }),
  fc.record({ kind: fc.constant("raw-update-todo" as const), todo, blob: maybeBlob }),
  fc.record({ kind: fc.constant("raw-delete-todo" as const), todo }),
  fc.record({ kind: fc.constant("raw-insert-doc" as const), doc, todo, body: blob, cover: maybeBlob }),
  fc.record({ kind: fc.constant("raw-update-doc" as const), doc, body: blob, cover: maybeBlob }),
  fc.record({ kind: fc.constant("raw-rename-doc" as const), doc, to: doc }),
  fc.record({ kind: fc.constant("raw-delete-doc" as const), doc }),
)

describe("blob refcounts stay exact under every write path", () => {
  it("random sequences of pushes, raw SQL and cascades (better-sqlite3)", async () => {
    const blobs: FileRefValue[] = []
    for (let i = 0; i < 4; i++) blobs.push((await makeBlob(`blob ${i}`)).ref)
    const json = (i: number | null): string | null => (i === null ? null : JSON.stringify(blobs[i]))

    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 25 }), async (ops) => {
        const db = await createSqliteDb()
        const { executor } = db
        try {
          await executor.batch(
            blobs.map((b) => ({ text: "INSERT INTO _plasma_blobs (hash, size, mime, uploaded_at, orphaned_at) VALUES (?, ?, ?, 1, 1)", params: [b.hash, b.size, b.mime] })),
          )
          const push = createPusher(executor)
          const raw = (text: string, ...params: unknown[]) => executor.run({ text, params }).catch(() => undefined) // constraint failures are fine
          for (const op of ops) {
            switch (op.kind) {
              case "push-create":
                await push("createTodo", { id: `t${op.todo}`, ownerId: "alice", attachment: op.blob === null ? null : blobs[op.blob] })
                break
              case "push-attach":
                await push("attach", { id: `t${op.todo}`, attachment: op.blob === null ? null : blobs[op.blob] })
                break
              case "push-remove":
                await push("removeTodo", { id: `t${op.todo}` })
                break
              case "raw-insert-todo":
                await raw("INSERT INTO todos (id, title, ownerId, attachment) VALUES (?, 'raw', 'alice', ?)", `t${op.todo}`, json(op.blob))
                break
              case "raw-update-todo":
                await raw("UPDATE todos SET attachment = ? WHERE id = ?", json(op.blob), `t${op.todo}`)
                break
              case "raw-delete-todo":
                await raw("DELETE FROM todos WHERE id = ?", `t${op.todo}`)
                break
              case "raw-insert-doc":
                await raw("INSERT INTO docs (id, todoId, body, cover) VALUES (?, ?, ?, ?)", `d${op.doc}`, `t${op.todo}`, json(op.body), json(op.cover))
                break
              case "raw-update-doc":
                await raw("UPDATE docs SET body = ?, cover = ? WHERE id = ?", json(op.body), json(op.cover), `d${op.doc}`)
                break
              case "raw-rename-doc":
                await raw("UPDATE docs SET id = ? WHERE id = ?", `d${op.to}`, `d${op.doc}`)
                break
              case "raw-delete-doc":
                await raw("DELETE FROM docs WHERE id = ?", `d${op.doc}`)
                break
            }
            const refs = await refRows(executor)
            expect(refs).toEqual(await expectedRefRows(executor))
            const referenced = new Set(refs.map((r) => r.split("|")[0]))
            for (const [hash, row] of await blobRows(executor)) expect(row.orphaned_at === null, `orphaned_at of ${hash}`).toBe(referenced.has(hash))
          }
        } finally {
          db.dispose()
        }
      }),
      { numRuns: 40 },
    )
  }, 60_000)
})
