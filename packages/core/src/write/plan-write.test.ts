import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { isPlasmaError } from "../errors/plasma-error.js"
import { createMemoryEngine } from "../memory/memory-engine.js"
import { createMapRowStore } from "../memory/memory-row-store.js"
import { createStoreRowSource } from "../memory/store-row-source.js"
import { eq } from "../query/operators.js"
import { id, int, ref, text } from "../schema/column.js"
import { defineSchema } from "../schema/define-schema.js"
import { table } from "../schema/table.js"
import { planWrite } from "./plan-write.js"

const owners = table("owners", { id: id(), email: text().unique().nullable() })
const lists = table("lists", { id: id(), ownerId: ref(() => owners.id, { onDelete: "cascade" }) })
const items = table("items", {
  id: id(),
  listId: ref(() => lists.id, { onDelete: "cascade" }),
  assigneeId: ref(() => owners.id, { onDelete: "setNull" }).nullable(),
  n: int(),
})
const pins = table("pins", { id: id(), itemId: ref(() => items.id, { onDelete: "restrict" }) })
const schema = defineSchema({ owners, lists, items, pins })
const TABLES = ["owners", "lists", "items", "pins"] as const

type Row = Record<string, unknown>

/** Every ref points at a stored row and no two rows share a non-NULL unique value. */
function consistent(rows: (table: string) => Row[]): boolean {
  const has = (t: string, v: unknown) => v === null || rows(t).some((r) => r.id === v)
  const emails = rows("owners").map((r) => r.email).filter((e) => e !== null)
  return (
    new Set(emails).size === emails.length &&
    rows("lists").every((r) => has("owners", r.ownerId)) &&
    rows("items").every((r) => has("lists", r.listId) && has("owners", r.assigneeId)) &&
    rows("pins").every((r) => has("items", r.itemId))
  )
}

const ids = fc.constantFrom("a", "b", "c")
const write = fc.oneof(
  fc.record({ id: ids, email: fc.option(fc.constantFrom("x", "y"), { nil: null }) }).map((r) => ({ kind: "insert" as const, table: "owners", rows: [r] })),
  fc.record({ id: ids, ownerId: ids }).map((r) => ({ kind: "insert" as const, table: "lists", rows: [r] })),
  fc.record({ id: ids, listId: ids, assigneeId: fc.option(ids, { nil: null }), n: fc.nat(3) }).map((r) => ({ kind: "insert" as const, table: "items", rows: [r] })),
  fc.record({ id: ids, itemId: ids }).map((r) => ({ kind: "insert" as const, table: "pins", rows: [r] })),
  fc.tuple(ids, fc.option(fc.constantFrom("x", "y"), { nil: null })).map(([k, email]) => ({ kind: "update" as const, table: "owners", set: { email }, where: eq(owners.id, k).node })),
  fc.tuple(fc.constantFrom(...TABLES), fc.option(ids, { nil: null })).map(([t, k]) => ({
    kind: "delete" as const,
    table: t,
    where: k === null ? null : eq(schema.tables[t].id, k).node,
  })),
)

describe("planWrite", () => {
  it("keeps the store consistent, and a refused statement changes nothing", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(write, { minLength: 1, maxLength: 30 }), async (writes) => {
        const engine = createMemoryEngine(schema)
        for (const node of writes) {
          const before = TABLES.map((t) => engine.rows(t))
          try {
            await engine.engine.write(node)
          } catch (error) {
            expect(isPlasmaError(error) && error.code === "constraint-violation").toBe(true)
            expect(TABLES.map((t) => engine.rows(t))).toEqual(before)
          }
          expect(consistent(engine.rows)).toBe(true)
        }
      }),
      { numRuns: 200 },
    )
  })

  it("plans without writing: cascades, set-nulls and the statement by id", async () => {
    const store = createMapRowStore()
    const { db } = createMemoryEngine(schema, { store })
    await db.insert(owners).values([{ id: "a", email: null }, { id: "b", email: null }])
    await db.insert(lists).values({ id: "l", ownerId: "a" })
    await db.insert(items).values([{ id: "i1", listId: "l", assigneeId: null, n: 1 }, { id: "i2", listId: "l", assigneeId: null, n: 1 }])
    await db.insert(lists).values({ id: "m", ownerId: "b" })
    await db.insert(items).values({ id: "i3", listId: "m", assigneeId: "a", n: 1 })
    const plan = await planWrite(schema, { kind: "delete", table: "owners", where: eq(owners.id, "a").node }, createStoreRowSource(schema, store))
    expect(plan.rowsAffected).toBe(1)
    expect(plan.statement).toEqual({ kind: "delete", table: "owners", ids: ["a"] })
    expect(plan.changes.map((c) => `${c.op} ${c.table} ${c.id}`)).toEqual(["del owners a", "del lists l", "del items i1", "del items i2", "put items i3"])
    expect(plan.changes.at(-1)?.row).toEqual({ id: "i3", listId: "m", assigneeId: null, n: 1 })
    expect(store.get("owners", "a")).toBeDefined() // nothing applied
  })

  it("refuses a write predicate before looking at constraints, with the same words everywhere", async () => {
    const notes = table("notes", { id: id(), owner: text() }, { auth: { write: (ctx, row) => row.owner === ctx.userId } })
    const s = defineSchema({ notes })
    const store = createMapRowStore()
    store.put("notes", { id: "n1", owner: "bob" })
    const node = { kind: "insert" as const, table: "notes", rows: [{ id: "n1", owner: "bob" }] }
    await expect(planWrite(s, node, createStoreRowSource(s, store), { ctx: { userId: "alice" } })).rejects.toMatchObject({
      code: "write-denied",
      message: 'table "notes": the write predicate refused row "n1" (after the write)',
    })
    await expect(planWrite(s, node, createStoreRowSource(s, store))).rejects.toMatchObject({
      code: "constraint-violation",
      message: 'table "notes", column "id": a row with id "n1" already exists',
    })
  })
})
