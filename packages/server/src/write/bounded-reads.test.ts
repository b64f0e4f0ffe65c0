/**
 * Bounded reads inside a transaction: a `select … limit n` over a table the transaction wrote,
 * or through `createServerDb` over a table with a read predicate, fetches about
 * `limit + offset + overlay size` rows (in pages while the predicate filters rows out), never the
 * whole table. Counted on the real executor, wrapped to count the rows it returns.
 */
import { asc, createDb, createMemoryEngine, defineSchema, desc, eq, id, int, table, text, type AnySchema } from "@plasma/core"
import type { SqlExecutor, SqlQuery } from "@plasma/executors"
import { expect, it } from "vitest"
import { createServerDb } from "../server-db.js"
import { ensureSchema } from "../schema/migrations.js"
import { describeOnEngines } from "../testing/engines.js"
import { WriteTransaction } from "./write-transaction.js"

const entries = table("entries", { id: id(), owner: text(), n: int() }, { auth: { read: (ctx, row) => row.owner === ctx.userId } })
const schema = defineSchema({ entries })
const TOTAL = 600

/** The real executor, counting the rows its reads return. */
function counting(real: SqlExecutor): SqlExecutor & { rows: number } {
  const wrapper = Object.create(real) as SqlExecutor & { rows: number }
  wrapper.rows = 0
  wrapper.all = async <R,>(query: SqlQuery) => {
    const rows = await real.all<R>(query)
    wrapper.rows += rows.length
    return rows
  }
  wrapper.batch = async (queries, options) => {
    const results = await real.batch(queries, options)
    for (const result of results) wrapper.rows += result.rows.length
    return results
  }
  return wrapper
}

/** Row i: one in ten belongs to alice; `n` repeats so the order needs its id tie-breaker. */
function rowAt(i: number) {
  return { id: `e${String(i).padStart(4, "0")}`, owner: i % 10 === 3 ? "alice" : "bob", n: i % 7 }
}

async function seed(executor: SqlExecutor): Promise<void> {
  await ensureSchema({ schema: schema as AnySchema, executor })
  const rows = Array.from({ length: TOTAL }, (_, i) => rowAt(i))
  const queries: SqlQuery[] = []
  for (let i = 0; i < rows.length; i += 30) {
    const group = rows.slice(i, i + 30)
    queries.push({ text: `INSERT INTO entries (id, owner, n) VALUES ${group.map(() => "(?, ?, ?)").join(", ")}`, params: group.flatMap((r) => [r.id, r.owner, r.n]) })
  }
  await executor.batch(queries)
}

describeOnEngines("bounded reads", (open) => {
  it("a limited select over rows the transaction wrote fetches limit + offset + overlay size rows", async () => {
    const { executor: real } = await open()
    await seed(real)
    const executor = counting(real)
    const tx = new WriteTransaction({ schema, executor, ctx: null, applyReadAuth: false })
    const db = createDb(schema, tx)
    // The same writes on a memory engine holding the same rows give the expected answer.
    const memory = createMemoryEngine(schema)
    memory.load("entries", Array.from({ length: TOTAL }, (_, i) => rowAt(i)))
    for (const target of [db, memory.db]) {
      await target.insert(entries).values([
        { id: "new1", owner: "bob", n: 0 },
        { id: "e0000a", owner: "bob", n: 0 },
      ])
      await target.update(entries).set({ n: 0 }).where(eq(entries.id, "e0005"))
      await target.delete(entries).where(eq(entries.id, "e0000"))
    }
    const overlaySize = 4
    executor.rows = 0
    const query = () => db.select().from(entries).orderBy(asc(entries.n)).limit(5).offset(2)
    expect(await query()).toEqual(await memory.db.select().from(entries).orderBy(asc(entries.n)).limit(5).offset(2))
    expect(executor.rows).toBeLessThanOrEqual(5 + 2 + overlaySize)
  })

  it("through createServerDb, a read predicate makes it page, never read the whole table", async () => {
    const { executor: real } = await open()
    await seed(real)
    const executor = counting(real)
    const db = createServerDb({ schema, executor, ctx: { userId: "alice" } })
    await db.select().from(entries).limit(1) // ensureSchema and friends, outside the count
    executor.rows = 0
    const got = await db.select().from(entries).orderBy(desc(entries.n)).limit(4).offset(1)
    const expected = Array.from({ length: TOTAL }, (_, i) => rowAt(i))
      .filter((r) => r.owner === "alice")
      .sort((a, b) => b.n - a.n || (a.id < b.id ? -1 : 1))
      .slice(1, 5)
    expect(got).toEqual(expected)
    // One in ten rows is readable: pages of limit + offset rows until five survive, about 50 rows.
    expect(executor.rows).toBeLessThan(TOTAL / 4)
    expect(executor.rows).toBeGreaterThanOrEqual(5)
  })
}, { postgres: true })
