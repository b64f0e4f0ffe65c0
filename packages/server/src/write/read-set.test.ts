/**
 * The serializability guard's granularity: a lookup by id conflicts only with changes to that
 * row (so writers of different rows of one table do not retry each other), while a scan conflicts
 * with any change to its table (which is what stops phantoms).
 */
import { createDb, eq, gt } from "@plasma/core"
import { expect, it } from "vitest"
import { ensureSchema } from "../schema/migrations.js"
import { describeOnEngines } from "../testing/engines.js"
import { counters, schema } from "../testing/fixture-schema.js"
import { readHeadVersion } from "../schema/internal-tables.js"
import { commitBatch, conflictGuard } from "./commit.js"
import { WriteTransaction } from "./write-transaction.js"

describeOnEngines("read set", (open) => {
  async function setup() {
    const { executor } = await open()
    await ensureSchema({ schema, executor })
    await executor.run({ text: "INSERT INTO counters (id, value) VALUES ('x', 0), ('y', 0)", params: [] })
    return executor
  }

  /** Reads with `read`, lets another writer change row y, then tries to commit an update of x. */
  async function raceWith(read: (db: ReturnType<typeof createDb<typeof schema>>) => PromiseLike<unknown>) {
    const executor = await setup()
    const startVersion = await readHeadVersion(executor)
    const tx = new WriteTransaction({ schema, executor, ctx: null, applyReadAuth: false })
    const db = createDb(schema, tx)
    await read(db)
    await db.update(counters).set({ value: 1 }).where(eq(counters.id, "x"))
    await executor.run({ text: "UPDATE counters SET value = 5 WHERE id = 'y'", params: [] }) // another isolate's commit
    return commitBatch(executor, [conflictGuard(startVersion, tx.readSet())], tx.statements())
  }

  it("a transaction that only looked up row x commits although row y changed meanwhile", async () => {
    const outcome = await raceWith((db) => db.select().from(counters).where(eq(counters.id, "x")))
    expect(outcome.ok).toBe(true)
  })

  it("a transaction that scanned the table conflicts when any row of it changed meanwhile", async () => {
    const outcome = await raceWith((db) => db.select().from(counters).where(gt(counters.value, -1)))
    expect(outcome).toMatchObject({ ok: false, reason: "conflict" })
  })

  it("a lookup by id conflicts with a concurrent change to that same row", async () => {
    const executor = await setup()
    const startVersion = await readHeadVersion(executor)
    const tx = new WriteTransaction({ schema, executor, ctx: null, applyReadAuth: false })
    const db = createDb(schema, tx)
    await db.update(counters).set({ value: 1 }).where(eq(counters.id, "x"))
    await executor.run({ text: "UPDATE counters SET value = 5 WHERE id = 'x'", params: [] })
    const outcome = await commitBatch(executor, [conflictGuard(startVersion, tx.readSet())], tx.statements())
    expect(outcome).toMatchObject({ ok: false, reason: "conflict" })
    expect(await executor.all({ text: "SELECT value FROM counters WHERE id = 'x'", params: [] })).toEqual([{ value: 5 }])
  })
}, { postgres: true })
