/**
 * SPEC §7.4 and §7.5: concurrent mutators are serializable (no lost update, on D1 too, also
 * between executors that share no in-isolate lock), pushes apply exactly once, and row_version
 * order is commit order.
 */
import { expect, it } from "vitest"
import { ensureSchema } from "../schema/migrations.js"
import { applyPush } from "../sync/push.js"
import { describeOnEngines } from "../testing/engines.js"
import { schema } from "../testing/fixture-schema.js"
import { changeRows } from "../testing/inspect.js"
import { lastMutationID, mutators, push } from "../testing/mutators.js"
import type { SqlExecutor } from "@plasma/executors"

const N = 50
/**
 * A budget, not a timing assertion: on D1 every statement is a Miniflare round trip from Node
 * (about 20 ms on the 2-core CI machine), and 50 contended pushes retry behind the guards, so
 * these runs take 30-60 s there.
 */
const CONTENDED_TIMEOUT_MS = 240_000

async function counterValue(executor: SqlExecutor): Promise<number> {
  const rows = await executor.all<{ value: number }>({ text: "SELECT value FROM counters WHERE id = 'k'", params: [] })
  return rows[0]?.value ?? 0
}

async function seedCounter(executor: SqlExecutor): Promise<void> {
  await ensureSchema({ schema, executor })
  await executor.run({ text: "INSERT INTO counters (id, value) VALUES ('k', 0)", params: [] })
}

describeOnEngines("serializable mutators", (open) => {
  it(`${N} concurrent +1 pushes from ${N} clients on one executor leave exactly ${N}`, async () => {
    const { executor } = await open()
    await seedCounter(executor)
    await Promise.all(Array.from({ length: N }, (_, i) => push(executor, `c${i}`, [{ name: "increment", args: { id: "k" } }])))
    expect(await counterValue(executor)).toBe(N)
    const puts = (await changeRows(executor)).filter((c) => c.table_name === "counters")
    // The seed plus one put per increment, each holding the value it wrote, in commit order.
    expect(puts.map((c) => c.value?.value)).toEqual(Array.from({ length: N + 1 }, (_, i) => i))
  }, CONTENDED_TIMEOUT_MS)

  it(`${N} concurrent +1 pushes through ${N} separate executor objects (no shared lock) leave exactly ${N}`, async () => {
    const db = await open()
    await seedCounter(db.executor)
    const results = await Promise.all(
      Array.from({ length: N }, async (_, i) => {
        const executor = db.newExecutor()
        return applyPush({ schema, mutators, executor, ctx: {}, clientGroupID: "g", clientID: `c${i}`, mutations: [{ id: 1, name: "increment", args: { id: "k" } }] })
      }),
    )
    expect(results.every((r) => r.dropped.length === 0 && r.lastMutationID === 1)).toBe(true)
    expect(await counterValue(db.executor)).toBe(N)
    const puts = (await changeRows(db.executor)).filter((c) => c.table_name === "counters")
    expect(puts.map((c) => c.value?.value)).toEqual(Array.from({ length: N + 1 }, (_, i) => i))
  }, CONTENDED_TIMEOUT_MS)

  it("the same push sent twice at once through separate executors applies exactly once", async () => {
    const db = await open()
    await seedCounter(db.executor)
    const mutations = [
      { id: 1, name: "increment", args: { id: "k" } },
      { id: 2, name: "increment", args: { id: "k" } },
    ]
    const results = await Promise.all(
      [0, 1, 2].map(() => applyPush({ schema, mutators, executor: db.newExecutor(), ctx: {}, clientGroupID: "g", clientID: "c", mutations })),
    )
    expect(await counterValue(db.executor)).toBe(2)
    expect(await lastMutationID(db.executor, "g", "c")).toBe(2)
    // Exactly one of them applied both; the others found them applied.
    expect(results.map((r) => r.processed).sort()).toEqual([0, 0, 2])
    expect(results.map((r) => r.skipped).sort()).toEqual([0, 2, 2])
  })

  it("row_version order is commit order: a reader at version N never sees a change ≤ N appear later", async () => {
    const db = await open()
    await seedCounter(db.executor)
    const reader = db.newExecutor()
    const seen: { upTo: number; versions: number[] }[] = []
    let writing = true
    const poll = (async () => {
      while (writing) {
        const rows = await reader.all<{ row_version: number }>({ text: "SELECT row_version FROM _plasma_changes ORDER BY row_version", params: [] })
        const versions = rows.map((r) => Number(r.row_version))
        seen.push({ upTo: versions.at(-1) ?? 0, versions })
        // better-sqlite3 answers in a microtask; yield so the writers interleave with the reader.
        for (let i = 0; i < 3; i++) await null
      }
    })()
    const clients = 8
    const perClient = 4
    await Promise.all(
      Array.from({ length: clients }, async (_, c) => {
        const executor = db.newExecutor()
        for (let m = 0; m < perClient; m++) {
          await applyPush({
            schema,
            mutators,
            executor,
            ctx: {},
            clientGroupID: "g",
            clientID: `c${c}`,
            mutations: [{ id: m + 1, name: "apply", args: [{ op: "insert", table: "counters", rows: [{ id: `k${c}-${m}a`, value: m }, { id: `k${c}-${m}b`, value: m }] }] }],
          })
        }
      }),
    )
    writing = false
    await poll
    const final = (await changeRows(db.executor)).map((c) => c.row_version)
    expect(final).toHaveLength(1 + clients * perClient * 2)
    expect(seen.length).toBeGreaterThan(1)
    for (const snapshot of seen) expect(final.filter((v) => v <= snapshot.upTo)).toEqual(snapshot.versions)
    // Each mutation's change rows are contiguous, and a client's mutations appear in id order.
    const log = await changeRows(db.executor)
    const byMutation = new Map<string, number[]>()
    for (const c of log.slice(1)) {
      const key = `${c.client_id}:${c.mutation_id}`
      byMutation.set(key, [...(byMutation.get(key) ?? []), c.row_version])
    }
    for (const versions of byMutation.values()) expect(versions[1]).toBe(versions[0]! + 1)
    for (let c = 0; c < clients; c++) {
      const firsts = Array.from({ length: perClient }, (_, m) => byMutation.get(`c${c}:${m + 1}`)![0]!)
      expect([...firsts].sort((a, b) => a - b)).toEqual(firsts)
    }
  })
}, { postgres: true })
