/**
 * Fault injection over the whole push (SPEC §8): the n-th executor call of each kind fails —
 * once, or from there on (the database goes down), before it reaches the database or after it
 * ran (the answer lost) — for EVERY n a fixed push makes. Whatever fails, the client ends up,
 * after re-pushing like a client does after a 503, with each mutation applied exactly once:
 * same rows, same change rows per mutation id, nothing dropped.
 */
import { isPlasmaError } from "@plasma/core"
import type { SqlExecutor } from "@plasma/executors"
import { expect, it } from "vitest"
import { ensureSchema } from "../schema/migrations.js"
import { describeOnEngines, type EngineName } from "../testing/engines.js"
import { lostConnectionError, withFaults, type CallKind, type FaultPlan } from "../testing/faults.js"
import { schema } from "../testing/fixture-schema.js"
import { mutators } from "../testing/mutators.js"
import { applyPush, type PushMutation, type PushResult } from "./push.js"

/** Eight mutations with reads inside mutators, inserts, updates and a cascading delete; ids of run `p`. */
function fixedPush(p: string): PushMutation[] {
  const list = [
    { name: "increment", args: { id: `${p}a` } },
    { name: "apply", args: [{ op: "insert", table: "users", rows: [{ id: `${p}u`, name: "u" }] }] },
    { name: "increment", args: { id: `${p}a` } },
    { name: "apply", args: [{ op: "insert", table: "todos", rows: [{ id: `${p}t`, title: "t", ownerId: `${p}u` }] }, { op: "insert", table: "comments", rows: [{ id: `${p}c`, body: "c", todoId: `${p}t` }] }] },
    { name: "increment", args: { id: `${p}b` } },
    { name: "apply", args: [{ op: "update", table: "todos", id: `${p}t`, set: { title: "t2" } }] },
    { name: "apply", args: [{ op: "insert", table: "users", rows: [{ id: `${p}v`, name: "v" }] }, { op: "delete", table: "users", id: `${p}u` }] },
    { name: "increment", args: { id: `${p}a` } },
  ]
  return list.map((m, i) => ({ id: i + 1, ...m }))
}

const pushAs = (executor: SqlExecutor, p: string): Promise<PushResult> =>
  applyPush({ schema, mutators, executor, ctx: {}, clientGroupID: `g-${p}`, clientID: `c-${p}`, mutations: fixedPush(p) })

/** What run `p` left: its rows, its change rows per mutation id (values with the prefix taken out), its last id. */
async function stateOf(executor: SqlExecutor, p: string): Promise<unknown> {
  const like = `${p}%`
  const rows = await executor.all({
    text:
      "SELECT 'counters' AS t, id, value AS v FROM counters WHERE id LIKE ? UNION ALL SELECT 'users', id, name FROM users WHERE id LIKE ? " +
      "UNION ALL SELECT 'todos', id, title FROM todos WHERE id LIKE ? UNION ALL SELECT 'comments', id, body FROM comments WHERE id LIKE ? ORDER BY 1, 2",
    params: [like, like, like, like],
  })
  const changes = await executor.all({
    text: "SELECT mutation_id AS m, table_name AS t, row_id AS id, op FROM _plasma_changes WHERE client_id = ? ORDER BY row_version",
    params: [`c-${p}`],
  })
  const last = await executor.all({ text: "SELECT last_mutation_id AS m FROM _plasma_client_mutations WHERE client_id = ?", params: [`c-${p}`] })
  const strip = (value: unknown): unknown => (typeof value === "string" ? value.replace(p, "") : value)
  return {
    rows: rows.map((r) => [r.t, strip(r.id), r.v]),
    changes: changes.map((c) => [c.m, c.t, strip(c.id), c.op]),
    last: last[0]?.m,
  }
}

/** Runs the push through `plan`; after a 503, heals the database and re-pushes the same list. */
async function pushThroughFault(executor: SqlExecutor, p: string, plan: FaultPlan): Promise<{ failures: number; answered: "ok" | "retry" }> {
  const faulty = withFaults(executor, plan)
  const dropped: unknown[] = []
  let answered: "ok" | "retry" = "ok"
  try {
    const result = await pushAs(faulty, p)
    dropped.push(...result.dropped)
    if (result.failure !== null) answered = "retry"
  } catch (error) {
    expect(isPlasmaError(error, "unavailable"), String(error)).toBe(true)
    answered = "retry"
  }
  if (answered === "retry") {
    faulty.heal()
    dropped.push(...(await pushAs(faulty, p)).dropped)
  }
  expect(dropped).toEqual([])
  return { failures: faulty.failures, answered }
}

async function countCalls(executor: SqlExecutor): Promise<Record<CallKind, number>> {
  const counting = withFaults(executor, null)
  const result = await pushAs(counting, "ref-")
  expect(result).toMatchObject({ processed: 8, dropped: [], failure: null })
  return counting.calls
}

function faultSuite(engine: EngineName, open: () => Promise<{ executor: SqlExecutor }>, kind: CallKind): void {
  it(`fails the n-th ${kind}() call for every n (once, after the answer, from there on): each mutation applied exactly once`, { timeout: 300_000 }, async () => {
    const { executor } = await open()
    await ensureSchema({ schema, executor })
    const calls = await countCalls(executor)
    const reference = await stateOf(executor, "ref-")
    expect((reference as { last: unknown }).last).toBe(8)
    const error = await lostConnectionError(engine)
    const modes: Omit<FaultPlan, "from" | "kind" | "error">[] = [{ count: 1 }, { count: Number.POSITIVE_INFINITY }]
    if (kind !== "all") modes.push({ count: 1, when: "after" })
    let runs = 0
    let unavailable = 0
    for (let n = 1; n <= calls[kind]; n++) {
      for (const mode of modes) {
        const p = `r${runs++}-`
        const { failures, answered } = await pushThroughFault(executor, p, { kind, from: n, error, ...mode })
        expect(failures, `${kind} #${n} ${JSON.stringify(mode)}`).toBeGreaterThan(0)
        if (answered === "retry") unavailable++
        expect(await stateOf(executor, p), `${kind} #${n} ${JSON.stringify(mode)}`).toEqual(reference)
      }
    }
    // A database that stays down is answered 503, never absorbed by dropping something.
    expect(unavailable).toBeGreaterThanOrEqual(calls[kind])
  })
}

describeOnEngines("push under injected faults", (open, engine) => {
  for (const kind of ["all", "batch"] as const) faultSuite(engine, open, kind)

  it("the push makes no run() calls (so no fault of that kind can reach it)", async () => {
    const { executor } = await open()
    await ensureSchema({ schema, executor })
    expect((await countCalls(executor)).run).toBe(0)
  })
})
