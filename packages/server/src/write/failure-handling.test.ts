/**
 * Failure semantics of the push (SPEC §8) and of server-side transactions:
 * - a failure on the database's side (a lost connection at commit or under a read inside a
 *   mutator, even one the mutator catches) never drops a mutation: retried, then 503
 *   `unavailable` with `Retry-After`, nothing lost;
 * - a refusal that repeats identically (a bigint D1 cannot bind) becomes poison after the
 *   retries, reported to `onError`, and the client goes on;
 * - `onPushed` runs when an earlier batch of the push committed and a later one failed;
 * - `invokeMutator` over `createServerDb` runs a mutator as one atomic, serializable transaction.
 */
import { defineMutators, eq, invokeMutator, isPlasmaError, type AuthContext, type MutatorInput } from "@plasma/core"
import type { SqlExecutor, SqlQuery } from "@plasma/executors"
import { expect, it } from "vitest"
import { ensureSchema } from "../schema/migrations.js"
import { createServerDb } from "../server-db.js"
import { createSyncHandler } from "../sync/create-sync-handler.js"
import type { SyncErrorEvent } from "../sync/events.js"
import { applyPush } from "../sync/push.js"
import { describeOnEngines } from "../testing/engines.js"
import { lostConnectionError, withFaults } from "../testing/faults.js"
import { counters, kinds, schema, type FixtureSchema } from "../testing/fixture-schema.js"
import { dumpAll } from "../testing/inspect.js"
import { applyOps, lastMutationID, mutators } from "../testing/mutators.js"

type Input<Args> = MutatorInput<FixtureSchema, AuthContext, Args>

/** The fixture's mutators plus two shapes only these tests need. */
const testMutators = defineMutators<FixtureSchema, AuthContext>()({
  ...mutators,
  /** Writes a bigint column from a decimal string (JSON has no bigint). */
  putBig: async ({ db, args }: Input<{ id: string; big: string }>) => {
    await db.insert(kinds).values({ id: args.id, t: "t", i: 1, r: 1.5, big: BigInt(args.big), flag: true, doc: {}, bytes: new Uint8Array([1]) })
  },
  /** Reads, and on ANY read error writes a fallback row instead: a mutator that swallows errors. */
  readOrFallback: async ({ db, args }: Input<{ id: string }>) => {
    try {
      const [row] = await db.select().from(counters).where(eq(counters.id, args.id))
      await db.insert(counters).values({ id: `${args.id}-seen`, value: row === undefined ? 0 : row.value })
    } catch {
      await db.insert(counters).values({ id: `${args.id}-fallback`, value: -1 })
    }
  },
})

/** The real executor, except that its commit batches fail with `error` while `failing()` says so. */
function failingCommits(executor: SqlExecutor, error: unknown, failing: (n: number) => boolean): SqlExecutor & { failed: () => number } {
  let commits = 0
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
    batch: (queries: readonly SqlQuery[], options) => {
      if (queries.some((q) => q.text.startsWith("DELETE FROM _plasma_origin")) && failing(++commits)) {
        failed++
        return Promise.reject(error)
      }
      return executor.batch(queries, options)
    },
    failed: () => failed,
  }
}

/** A sync handler over `executor` for client `c1` of group `g`, recording its hooks. */
function handlerOver(executor: SqlExecutor) {
  const errors: SyncErrorEvent[] = []
  const pushed: string[] = []
  const handler = createSyncHandler({
    schema,
    mutators: testMutators,
    executor,
    schemaVersion: "v1",
    auth: () => ({ ok: true, clientGroupID: "g", clientID: "c1", ctx: {} }),
    onError: (event) => void errors.push(event),
    onPushed: (event) => void pushed.push(event.clientID),
  })
  const push = (mutations: readonly { id: number; name: string; args: unknown }[]) =>
    handler(
      new Request("http://test/sync/push", {
        method: "POST",
        body: JSON.stringify({ protocolVersion: 1, schemaVersion: "v1", clientGroupID: "g", clientID: "c1", mutations: mutations.map((m) => ({ ...m, timestamp: 1 })) }),
      }),
    )
  return { push, errors, pushed }
}

describeOnEngines("failure handling", (open, engine) => {
  it("a commit that fails for a transient reason is retried, and the mutation is applied, not dropped", async () => {
    const { executor } = await open()
    await ensureSchema({ schema, executor })
    const shaky = failingCommits(executor, await lostConnectionError(engine), (n) => n <= 2)
    const result = await applyOps(shaky, "c1", [{ op: "insert", table: "counters", rows: [{ id: "k", value: 7 }] }])
    expect(shaky.failed()).toBe(2)
    expect(result.dropped).toEqual([])
    expect((await dumpAll(executor)).counters).toEqual([{ id: "k", value: 7 }])
    expect(await lastMutationID(executor, "g-c1", "c1")).toBe(1)
  })

  it("a database that keeps failing makes the push fail as unavailable, dropping nothing and advancing no id", async () => {
    const { executor } = await open()
    await ensureSchema({ schema, executor })
    const before = await dumpAll(executor)
    const down = failingCommits(executor, await lostConnectionError(engine), () => true)
    const error = await applyOps(down, "c1", [{ op: "insert", table: "counters", rows: [{ id: "k", value: 7 }] }]).catch((e: unknown) => e)
    expect(isPlasmaError(error, "unavailable")).toBe(true)
    expect(down.failed()).toBe(3)
    expect(await dumpAll(executor)).toEqual(before)
    expect(await lastMutationID(executor, "g-c1", "c1")).toBe(0)
  })

  it("a read inside a mutator that loses its connection is retried, not dropped, even when the mutator catches the error", async () => {
    const { executor } = await open()
    await ensureSchema({ schema, executor })
    await createServerDb({ schema, executor, ctx: {} }).insert(counters).values({ id: "n", value: 5 })
    const error = await lostConnectionError(engine)
    expect(error).toMatchObject({ code: "unavailable" })
    // The first read of each push fails once: inside `increment`, then inside `readOrFallback`.
    for (const [name, args] of [["increment", { id: "n" }], ["readOrFallback", { id: "n" }]] as const) {
      const faulty = withFaults(executor, { kind: "all", from: 1, count: 1, error })
      const last = await lastMutationID(executor, "g", "c1")
      const result = await applyPush({ schema, mutators: testMutators, executor: faulty, ctx: {}, clientGroupID: "g", clientID: "c1", mutations: [{ id: last + 1, name, args }] })
      expect(faulty.failures).toBe(1)
      expect(result).toMatchObject({ processed: 1, dropped: [], failure: null })
    }
    const rows = (await dumpAll(executor)).counters as { id: string; value: number }[]
    expect(rows.sort((a, b) => a.id.localeCompare(b.id))).toEqual([
      { id: "n", value: 6 },
      { id: "n-seen", value: 6 },
    ])
  })

  it("a database that stays down under a mutator's read answers 503 unavailable with Retry-After, and the same push later applies", async () => {
    const { executor } = await open()
    await ensureSchema({ schema, executor })
    // The handler's own ensureSchema runs (and is cached for this executor) before the fault.
    const probe = withFaults(executor, null)
    await ensureSchema({ schema, executor: probe })
    const faulty = withFaults(executor, { kind: "all", from: probe.calls.all + 1, count: Number.POSITIVE_INFINITY, error: await lostConnectionError(engine) })
    await ensureSchema({ schema, executor: faulty })
    const { push, errors, pushed } = handlerOver(faulty)
    const mutations = [{ id: 1, name: "increment", args: { id: "n" } }]
    const response = await push(mutations)
    expect(response.status).toBe(503)
    expect(response.headers.get("retry-after")).not.toBeNull()
    expect(await response.json()).toMatchObject({ error: "unavailable" })
    expect(errors.map((e) => e.kind)).toEqual(["internal"])
    expect(errors[0]?.error).toMatchObject({ code: "unavailable" })
    expect(pushed).toEqual([])
    expect(await lastMutationID(executor, "g", "c1")).toBe(0)
    faulty.heal()
    expect((await push(mutations)).status).toBe(200)
    expect((await dumpAll(executor)).counters).toEqual([{ id: "n", value: 1 }])
  })

  it("onPushed runs when an earlier batch of the push committed and a later one kept failing; the rest stays unapplied", async () => {
    const { executor } = await open()
    await ensureSchema({ schema, executor })
    // A small statement budget splits the push into batches; every commit after the first fails.
    const small: SqlExecutor = { ...wrap(executor), capabilities: { ...executor.capabilities, maxBatchStatements: 70 } }
    const failing = failingCommits(small, await lostConnectionError(engine), (n) => n > 1)
    const { push, pushed } = handlerOver(failing)
    const mutations = Array.from({ length: 60 }, (_, i) => ({ id: i + 1, name: "apply", args: [{ op: "insert", table: "counters", rows: [{ id: `k${i}`, value: i }] }] }))
    const response = await push(mutations)
    expect(response.status).toBe(503)
    expect(pushed).toEqual(["c1"])
    const applied = await lastMutationID(executor, "g", "c1")
    expect(applied).toBeGreaterThan(0)
    expect(applied).toBeLessThan(60)
    expect((await dumpAll(executor)).counters).toHaveLength(applied)
  })

  it("a bigint above 2^53 never wedges the client: poison with an onError report where the database refuses it (D1), stored where it fits", async () => {
    const { executor } = await open()
    await ensureSchema({ schema, executor })
    const { push, errors } = handlerOver(executor)
    const big = (2n ** 60n + 1n).toString()
    const response = await push([
      { id: 1, name: "putBig", args: { id: "small", big: "42" } },
      { id: 2, name: "putBig", args: { id: "huge", big } },
      { id: 3, name: "increment", args: { id: "after" } },
    ])
    expect(response.status).toBe(200)
    expect(await lastMutationID(executor, "g", "c1")).toBe(3)
    const stored = ((await dumpAll(executor)).kinds as { id: string }[]).map((r) => r.id).sort()
    const reports = errors.filter((e) => e.kind === "mutation-error")
    if (engine === "d1") {
      expect(stored).toEqual(["small"])
      expect(reports.map((e) => e.mutation?.id)).toEqual([2])
      expect(reports[0]?.error).toMatchObject({ code: "invalid-value" })
    } else {
      expect(stored).toEqual(["huge", "small"])
      expect(reports).toEqual([])
    }
    expect((await dumpAll(executor)).counters).toEqual([{ id: "after", value: 1 }])
    // The client goes on: its next push applies.
    expect((await push([{ id: 4, name: "increment", args: { id: "after" } }])).status).toBe(200)
    expect(await lastMutationID(executor, "g", "c1")).toBe(4)
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

  it("invokeMutator over createServerDb: 20 concurrent read-then-increment mutators, through separate executors, leave exactly 20", { timeout: 120_000 }, async () => {
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

/** A plain object over the executor (so that fields can be overridden by spreading). */
function wrap(executor: SqlExecutor): SqlExecutor {
  return {
    dialect: executor.dialect,
    capabilities: executor.capabilities,
    get kysely() {
      return executor.kysely
    },
    all: (query) => executor.all(query),
    run: (query) => executor.run(query),
    batch: (queries, options) => executor.batch(queries, options),
    transaction: (fn) => executor.transaction(fn),
  }
}
