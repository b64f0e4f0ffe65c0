/**
 * A push larger than the executor's statement budget commits in several batches, split at
 * mutation boundaries, each one guarded and atomic; results add up as if it were one.
 */
import type { SqlExecutor, SqlQuery } from "@plasma/executors"
import { expect, it } from "vitest"
import { ensureSchema } from "../schema/migrations.js"
import { describeOnEngines } from "../testing/engines.js"
import { schema } from "../testing/fixture-schema.js"
import { dumpAll } from "../testing/inspect.js"
import { lastMutationID, push } from "../testing/mutators.js"

/** The real executor with a small batch budget, counting the commit batches it runs. */
function budgeted(executor: SqlExecutor, maxBatchStatements: number): SqlExecutor & { commits: () => number } {
  let commits = 0
  return {
    dialect: executor.dialect,
    capabilities: { ...executor.capabilities, maxBatchStatements },
    get kysely() {
      return executor.kysely
    },
    all: (query) => executor.all(query),
    run: (query) => executor.run(query),
    transaction: (fn) => executor.transaction(fn),
    batch: (queries: readonly SqlQuery[], options) => {
      if (queries.some((q) => q.text.startsWith("DELETE FROM _plasma_origin"))) {
        commits++
        expect(queries.length).toBeLessThanOrEqual(maxBatchStatements)
      }
      return executor.batch(queries, options)
    },
    commits: () => commits,
  }
}

describeOnEngines("push batches", (open) => {
  it("splits a push over the statement budget into several atomic batches, applying every mutation once", async () => {
    const { executor } = await open()
    await ensureSchema({ schema, executor })
    const small = budgeted(executor, 70)
    const mutations = Array.from({ length: 60 }, (_, i) => ({ name: "apply" as const, args: [{ op: "insert", table: "counters", rows: [{ id: `k${i}`, value: i }] }] }))
    const result = await push(small, "c1", mutations)
    expect(small.commits()).toBeGreaterThan(1)
    expect(result).toMatchObject({ processed: 60, skipped: 0, dropped: [], gap: null, lastMutationID: 60 })
    expect((await dumpAll(executor)).counters).toHaveLength(60)
    expect(await lastMutationID(executor, "g-c1", "c1")).toBe(60)
  })

  it("counts batches already committed as processed when a later one falls back to one mutation per batch", async () => {
    const { executor } = await open()
    await ensureSchema({ schema, executor })
    // A constraint only SQLite knows (not in the schema), met by the 50th mutation.
    await executor.run({ text: "CREATE UNIQUE INDEX counters_value_raw ON counters (value)", params: [] })
    const small = budgeted(executor, 70)
    const mutations = Array.from({ length: 60 }, (_, i) => ({ name: "apply" as const, args: [{ op: "insert", table: "counters", rows: [{ id: `k${i}`, value: i === 49 ? 0 : i }] }] }))
    const result = await push(small, "c1", mutations)
    expect(result.processed).toBe(60)
    expect(result.skipped).toBe(0)
    expect(result.dropped.map((d) => d.id)).toEqual([50])
    expect((await dumpAll(executor)).counters).toHaveLength(59)
  })
})
