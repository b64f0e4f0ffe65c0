/**
 * Failures that are nobody's fault (I/O errors, an overloaded database) never drop a mutation,
 * and `invokeMutator` over `createServerDb` runs a mutator as one atomic, serializable
 * transaction (SPEC §7.2 and §7.4 for server-side mutator calls).
 */
import { invokeMutator, isPlasmaError } from "@plasma/core"
import type { SqlExecutor, SqlQuery } from "@plasma/executors"
import { expect, it } from "vitest"
import { ensureSchema } from "../schema/migrations.js"
import { createServerDb } from "../server-db.js"
import { describeOnEngines } from "../testing/engines.js"
import { counters, schema } from "../testing/fixture-schema.js"
import { dumpAll } from "../testing/inspect.js"
import { applyOps, lastMutationID, mutators } from "../testing/mutators.js"

/** The real executor, except that its next `failures` commit batches fail like a lost connection. */
function flaky(executor: SqlExecutor, failures: number): SqlExecutor & { failed: () => number } {
  let left = failures
  let failed = 0
  return {
    dialect: executor.dialect,
    capabilities: executor.capabilities,
    get kysely() {
      return executor.kysely
    },
    all: (query) => executor.all(query),
    run: (query) => executor.run(query),
    transaction: (fn) => executor.transaction(fn),
    batch: (queries: readonly SqlQuery[]) => {
      const commits = queries.some((q) => q.text.startsWith("DELETE FROM _plasma_origin"))
      if (commits && left > 0) {
        left--
        failed++
        return Promise.reject(new Error("D1_ERROR: Network connection lost."))
      }
      return executor.batch(queries)
    },
    failed: () => failed,
  }
}

describeOnEngines("failure handling", (open) => {
  it("a commit that fails for a transient reason is retried, and the mutation is applied, not dropped", async () => {
    const { executor } = await open()
    await ensureSchema({ schema, executor })
    const shaky = flaky(executor, 2)
    const result = await applyOps(shaky, "c1", [{ op: "insert", table: "counters", rows: [{ id: "k", value: 7 }] }])
    expect(shaky.failed()).toBe(2)
    expect(result.dropped).toEqual([])
    expect((await dumpAll(executor)).counters).toEqual([{ id: "k", value: 7 }])
    expect(await lastMutationID(executor, "g-c1", "c1")).toBe(1)
  })

  it("a database that keeps failing makes the push fail as internal, dropping nothing and advancing no id", async () => {
    const { executor } = await open()
    await ensureSchema({ schema, executor })
    const before = await dumpAll(executor)
    const down = flaky(executor, Number.POSITIVE_INFINITY)
    const error = await applyOps(down, "c1", [{ op: "insert", table: "counters", rows: [{ id: "k", value: 7 }] }]).catch((e: unknown) => e)
    expect(isPlasmaError(error, "internal")).toBe(true)
    expect(down.failed()).toBeLessThanOrEqual(3)
    expect(await dumpAll(executor)).toEqual(before)
    expect(await lastMutationID(executor, "g-c1", "c1")).toBe(0)
  })

  it("invokeMutator over createServerDb: a mutator that throws after writing leaves nothing", async () => {
    const { executor } = await open()
    const db = createServerDb({ schema, executor, ctx: {} })
    await db.insert(counters).values({ id: "seed", value: 1 })
    const before = await dumpAll(executor)
    const run = invokeMutator(mutators, "apply", {
      db,
      args: [{ op: "insert", table: "counters", rows: [{ id: "k", value: 1 }] }, { op: "update", table: "counters", id: "seed", set: { value: 2 } }, { op: "throw", message: "halfway" }],
      ctx: {},
      clientID: "system",
      mutationID: 0,
    })
    await expect(run).rejects.toThrow("halfway")
    expect(await dumpAll(executor)).toEqual(before)
  })

  it("invokeMutator over createServerDb: 20 concurrent read-then-increment mutators, through separate executors, leave exactly 20", async () => {
    const { executor, newExecutor } = await open()
    await createServerDb({ schema, executor, ctx: {} }).insert(counters).values({ id: "n", value: 0 })
    // Separate executors share no in-isolate lock: only the serializable guard keeps this right.
    const calls = Array.from({ length: 20 }, () =>
      invokeMutator(mutators, "increment", { db: createServerDb({ schema, executor: newExecutor(), ctx: {} }), args: { id: "n" }, ctx: {}, clientID: "system", mutationID: 0 }),
    )
    await Promise.all(calls)
    expect((await dumpAll(executor)).counters).toEqual([{ id: "n", value: 20 }])
  })
})
