/**
 * Bad input is refused before anything is written, with a PlasmaError whose message names the
 * table and the column (and the value's kind): SPEC §2, §3.
 */
import { defineSchema, eq, id, isPlasmaError, table, text, type PlasmaErrorCode } from "@plasma/core"
import { describe, expect, it } from "vitest"
import { ensureSchema } from "../schema/migrations.js"
import { createServerDb } from "../server-db.js"
import { describeOnEngines } from "../testing/engines.js"
import { fileRef, kinds, schema, todos, users } from "../testing/fixture-schema.js"
import { dumpAll } from "../testing/inspect.js"
import { applyOps } from "../testing/mutators.js"

const good = { id: "k1", t: "x", i: 1, r: 1.5, big: 2n, flag: true, doc: { a: 1 }, bytes: new Uint8Array([1]), doc2: null, maybe: null }

/** Per column kind, values that do not fit it, and the kind word the message must carry. */
const WRONG: readonly (readonly [column: keyof typeof good, value: unknown, kind: string])[] = [
  ["id", 5, "number"],
  ["id", "", "string"],
  ["t", 5, "number"],
  ["i", 1.5, "number"],
  ["i", "1", "string"],
  ["r", "1.5", "string"],
  ["r", Number.NaN, "NaN"],
  ["big", 1.5, "number"],
  ["big", "12", "string"],
  ["flag", 1, "number"],
  ["doc", new Date(0), "object"],
  ["doc", () => 1, "function"],
  ["bytes", "AAE=", "string"],
  ["bytes", [1, 2], "array"],
  ["doc2", { hash: "nothex", size: 1, mime: "image/png" }, "object"],
  ["doc2", { ...fileRef(1), extra: true }, "object"],
  ["maybe", 3, "number"],
]

async function expectRefused(run: PromiseLike<unknown>, code: PlasmaErrorCode, mentions: readonly string[]): Promise<void> {
  const error = await Promise.resolve(run).then(
    () => null,
    (e: unknown) => e,
  )
  expect(isPlasmaError(error, code), `expected PlasmaError ${code}, got ${String(error)}`).toBe(true)
  for (const word of mentions) expect((error as Error).message).toContain(word)
}

describeOnEngines("bad input", (open) => {
  it("refuses a wrong value for every column kind, naming table, column and value kind; nothing written", async () => {
    const { executor } = await open()
    const db = createServerDb({ schema, executor, ctx: {} })
    await db.insert(kinds).values({ ...good, id: "k0" })
    const before = await dumpAll(executor)
    for (const [column, value, kind] of WRONG) {
      await expectRefused(db.insert(kinds).values({ ...good, [column]: value } as never), "invalid-value", ['table "kinds"', `column "${column}"`, kind])
      if (column !== "id") {
        await expectRefused(db.update(kinds).set({ [column]: value } as never).where(eq(kinds.id, "k0")), "invalid-value", ['table "kinds"', `column "${column}"`, kind])
      }
    }
    expect(await dumpAll(executor)).toEqual(before)
  })

  it("refuses unknown columns, NULL into NOT NULL, a missing required column and updating the id", async () => {
    const { executor } = await open()
    const db = createServerDb({ schema, executor, ctx: {} })
    await db.insert(users).values({ id: "u1", name: "Ann" })
    const before = await dumpAll(executor)
    await expectRefused(db.insert(users).values({ id: "u2", name: "Bob", nope: 1 } as never), "invalid-value", ['table "users"', 'column "nope"'])
    await expectRefused(db.update(users).set({ nope: 1 } as never), "invalid-value", ['table "users"', 'column "nope"'])
    await expectRefused(db.insert(users).values({ id: "u2", name: null } as never), "invalid-value", ['table "users"', 'column "name"', "NULL"])
    await expectRefused(db.update(users).set({ name: null } as never), "invalid-value", ['table "users"', 'column "name"', "NULL"])
    await expectRefused(db.insert(users).values({ id: "u2" } as never), "invalid-value", ['table "users"', 'column "name"'])
    await expectRefused(db.update(users).set({ id: "u9" }).where(eq(users.id, "u1")), "invalid-value", ['table "users"', 'column "id"'])
    expect(await dumpAll(executor)).toEqual(before)
  })

  it("an insert of 3 rows whose 3rd is invalid inserts nothing", async () => {
    const { executor } = await open()
    const db = createServerDb({ schema, executor, ctx: {} })
    await db.insert(users).values({ id: "u1", name: "Ann" })
    const before = await dumpAll(executor)
    await expectRefused(
      db.insert(todos).values([
        { id: "t1", title: "a", ownerId: "u1" },
        { id: "t2", title: "b", ownerId: "u1" },
        { id: "t3", title: 3 as never, ownerId: "u1" },
      ]),
      "invalid-value",
      ['table "todos"', 'column "title"', "number"],
    )
    // A duplicate id inside one insert is refused as a whole too.
    await expectRefused(db.insert(users).values([{ id: "u2", name: "a" }, { id: "u2", name: "b" }]), "constraint-violation", ['table "users"', "u2"])
    expect(await dumpAll(executor)).toEqual(before)
  })

  it("in a mutator, bad input drops the mutation with the same error and writes nothing", async () => {
    const { executor } = await open()
    await ensureSchema({ schema, executor })
    await executor.run({ text: "INSERT INTO users (id, name) VALUES ('u1', 'Ann')", params: [] })
    const before = await dumpAll(executor)
    const result = await applyOps(executor, "c1", [
      { op: "insert", table: "todos", rows: [{ id: "t1", title: "a", ownerId: "u1" }, { id: "t2", title: "b", ownerId: "u1" }, { id: "t3", title: "c", ownerId: "u1", done: "yes" }] },
    ])
    expect(result.dropped).toHaveLength(1)
    const error = result.dropped[0]?.error
    expect(isPlasmaError(error, "invalid-value")).toBe(true)
    expect((error as Error).message).toMatch(/table "todos", column "done".*string/)
    const after = await dumpAll(executor)
    expect({ ...after, _plasma_client_mutations: [] }).toEqual({ ...before, _plasma_client_mutations: [] })
  })
}, { postgres: true })

describe("defineSchema refuses bad names", () => {
  const expectSchemaError = (fn: () => unknown, mentions: readonly string[]): void => {
    let error: unknown = null
    try {
      fn()
    } catch (e) {
      error = e
    }
    expect(isPlasmaError(error, "invalid-schema")).toBe(true)
    for (const word of mentions) expect((error as Error).message).toContain(word)
  }

  it("a table with the reserved _plasma_ prefix", () => {
    expectSchemaError(() => defineSchema({ _plasma_x: table("_plasma_x", { id: id() }) }), ['table "_plasma_x"', "_plasma_"])
  })
  it("a column with the reserved _plasma_ prefix (any case)", () => {
    expectSchemaError(() => defineSchema({ notes: table("notes", { id: id(), _PLASMA_v: text() }) }), ['table "notes"', '"_PLASMA_v"', "_plasma_"])
  })
  it("two id columns", () => {
    expectSchemaError(() => defineSchema({ notes: table("notes", { id: id(), other: id() }) }), ['table "notes"', '"other"'])
  })
})
