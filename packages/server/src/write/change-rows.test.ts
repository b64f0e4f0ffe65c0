/**
 * The write path's own change rows (`change-rows.ts`): the same values the capture triggers log
 * for the same rows, for every column kind; the triggers silent during its batches and back on
 * after them; and the chunking of the change INSERTs.
 */
import { eq } from "@plasma/core"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { ensureSchema } from "../schema/migrations.js"
import { createServerDb } from "../server-db.js"
import { describeOnEngines } from "../testing/engines.js"
import { fileRef, kinds, schema } from "../testing/fixture-schema.js"
import { changeRows, maxVersion, seedBlobs } from "../testing/inspect.js"
import { applyOps } from "../testing/mutators.js"
import { changeInsertCount, changeInsertStatements, type LoggedChange } from "./change-rows.js"

const pic = fileRef(3)

describeOnEngines("the write path's change rows", (open) => {
  it("carry the same values the capture triggers log, for every column kind", async () => {
    const { executor } = await open()
    await ensureSchema({ schema, executor })
    await seedBlobs(executor, [pic])
    const bytes = new Uint8Array([0, 1, 171, 255])
    // k1 by raw SQL (the triggers log it), k2 the same row through the write path.
    await executor.run({
      text: "INSERT INTO kinds (id, t, i, r, big, flag, doc, bytes, doc2, maybe) VALUES ('k1', ?, -7, 1.0, 9007199254740991, 0, ?, X'0001abff', ?, NULL)",
      params: ["é \u2028\n\"x\"", JSON.stringify({ a: [1, 2.5, true, null], b: "\u0001" }), JSON.stringify(pic)],
    })
    const db = createServerDb({ schema, executor, ctx: {} })
    await db.insert(kinds).values({ id: "k2", t: "é \u2028\n\"x\"", i: -7, r: 1.0, big: 9007199254740991n, flag: false, doc: { a: [1, 2.5, true, null], b: "\u0001" }, bytes, doc2: pic, maybe: null })
    const [byTrigger, byWritePath] = await changeRows(executor)
    expect(byTrigger?.value).toMatchObject({ big: "9007199254740991", flag: false, bytes: "0001abff", doc2: pic, maybe: null })
    expect({ ...byWritePath?.value, id: "k1" }).toEqual(byTrigger?.value)
    expect(byWritePath?.client_id).toBeNull()
  })

  it("log an update of a raw-SQL row with its untouched bigint exact", async () => {
    const { executor } = await open()
    await ensureSchema({ schema, executor })
    await executor.run({
      text: "INSERT INTO kinds (id, t, i, r, big, flag, doc, bytes, doc2, maybe) VALUES ('k1', 'a', 1, 0.5, 9007199254740993, 1, 'null', X'00', NULL, NULL)",
      params: [],
    })
    const v = await maxVersion(executor)
    const db = createServerDb({ schema, executor, ctx: {} })
    await db.update(kinds).set({ t: "b" }).where(eq(kinds.id, "k1"))
    await db.update(kinds).set({ flag: false }).where(eq(kinds.t, "b")) // a target found by predicate, not by id
    const rows = await changeRows(executor, v)
    expect(rows.map((r) => [r.op, r.value?.t, r.value?.big, r.value?.flag])).toEqual([
      ["put", "b", "9007199254740993", true],
      ["put", "b", "9007199254740993", false],
    ])
  })

  it("leave the triggers on for raw SQL after a write-path batch, and stamp the push's origin per mutation", async () => {
    const { executor } = await open()
    await ensureSchema({ schema, executor })
    await applyOps(executor, "c1", [{ op: "insert", table: "users", rows: [{ id: "u1", name: "Ann" }] }])
    await applyOps(executor, "c1", [{ op: "insert", table: "users", rows: [{ id: "u2", name: "Bob" }] }])
    await executor.run({ text: "UPDATE users SET name = 'raw' WHERE id = 'u1'", params: [] })
    const rows = await changeRows(executor)
    expect(rows.map((r) => [r.row_id, r.op, r.value?.name, r.client_id, r.mutation_id])).toEqual([
      ["u1", "put", "Ann", "c1", 1],
      ["u2", "put", "Bob", "c1", 2],
      ["u1", "put", "raw", null, null],
    ])
    expect(await executor.all({ text: "SELECT key FROM _plasma_meta WHERE key = 'write_path_logs'", params: [] })).toEqual([])
  })

  it("replace the triggers of a database made before them, so a write is logged once after the upgrade", async () => {
    const db = await open()
    await ensureSchema({ schema, executor: db.executor })
    // Make the database look older: the earlier trigger form (no WHEN) and an earlier fingerprint.
    await db.executor.batch([
      { text: 'DROP TRIGGER "_plasma_trg_users_ins"', params: [] },
      {
        text:
          'CREATE TRIGGER "_plasma_trg_users_ins" AFTER INSERT ON "users" BEGIN INSERT INTO _plasma_changes (table_name, row_id, op, value, created_at) ' +
          "SELECT 'users', NEW.\"id\", 'put', json_object('id', NEW.\"id\", 'name', NEW.\"name\"), 0; END",
        params: [],
      },
      { text: "UPDATE _plasma_meta SET value = 'v1-earlier' WHERE key = 'schema_fingerprint'", params: [] },
    ])
    const executor = db.newExecutor() // no ensureSchema cache: it reads the fingerprint
    await ensureSchema({ schema, executor })
    await applyOps(executor, "c1", [{ op: "insert", table: "users", rows: [{ id: "u1", name: "Ann" }] }])
    expect((await changeRows(executor)).map((r) => [r.row_id, r.client_id])).toEqual([["u1", "c1"]])
  })
})

describe("changeInsertStatements", () => {
  it("keeps every change in order, within the parameter limit, in as many statements as changeInsertCount says", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 700 }), fc.constantFrom(100, 999, 32766), (count, maxParams) => {
        const changes: LoggedChange[] = Array.from({ length: count }, (_, i) => ({ table: "t", id: `r${i}`, op: i % 3 === 0 ? "del" : "put", value: i % 3 === 0 ? null : `{"id":"r${i}"}`, mutationID: i }))
        const statements = changeInsertStatements(changes, { clientGroupID: "g", clientID: "c", now: 5 }, maxParams)
        expect(statements.length).toBe(changeInsertCount(count, maxParams))
        const ids: unknown[] = []
        for (const s of statements) {
          expect(s.params.length).toBeLessThanOrEqual(maxParams)
          expect(s.text.split("?").length - 1).toBe(s.params.length)
          for (let p = 0; p < s.params.length; p += 8) ids.push(s.params[p + 1])
        }
        expect(ids).toEqual(changes.map((c) => c.id))
      }),
    )
  })
})
