/**
 * @module Workload `push-200-d1`: the `push-200` pushes (200 mutations: 100 inserts, 100 updates
 * of the previous push's rows) through `createSyncHandler` over a real D1 database in workerd
 * (Miniflare, called from Node). Baseline: one raw D1 `batch()` per push on a second D1 database
 * of the same Miniflare, doing the same row writes AND the same change rows (explicit INSERTs
 * into an identical `_plasma_changes`, the row JSON built in JavaScript) plus the client's
 * last_mutation_id upsert — the least any D1 sync engine must send.
 *
 * ratio = the median over ROUNDS rounds of (plasma median / baseline median). Every call from
 * Node to workerd is a round trip through Miniflare's proxy, so this ratio mostly counts round
 * trips: the baseline makes one per push.
 *
 * Few iterations: every push of the plasma side makes one round trip per read inside its
 * mutators (hundreds), each a proxied call from Node into workerd.
 *
 * Needs `pnpm -r --filter ./packages/* build` first (imports the packages' dist).
 */
import { Miniflare } from "miniflare"
import { fromD1 } from "../../packages/executors/dist/d1.js"
import { medianMs, ratioOfRounds, round, type BenchResult } from "../lib.js"
import { BASELINE_DDL, BASELINE_SQL, createPushSender, opsOf, PER_PUSH, type Op } from "../push-fixture.js"

const ITERATIONS = 3
const WARMUP = 1
const ROUNDS = 3

type D1 = Awaited<ReturnType<Miniflare["getD1Database"]>>

async function plasmaSide(d1: D1, total: number): Promise<number> {
  const pushOnce = createPushSender(fromD1(d1), total)
  await pushOnce()
  const ms = await medianMs(pushOnce, ITERATIONS, WARMUP)
  const counted = await d1.prepare("SELECT COUNT(*) AS n FROM _plasma_changes").first<{ n: number }>()
  if (counted?.n !== PER_PUSH / 2 + (ITERATIONS + WARMUP) * PER_PUSH) throw new Error(`unexpected change count ${counted?.n}`)
  return ms
}

async function baselineSide(d1: D1, total: number): Promise<number> {
  await d1.batch(BASELINE_DDL.map((ddl) => d1.prepare(ddl)))
  const insert = d1.prepare(BASELINE_SQL.insert)
  const update = d1.prepare(BASELINE_SQL.update)
  const change = d1.prepare(BASELINE_SQL.change)
  const client = d1.prepare(BASELINE_SQL.client)
  const pushes = Array.from({ length: total + 1 }, (_, k) => opsOf(k))
  let nextId = 1
  let k = 0
  const pushOnce = async () => {
    const now = Date.now()
    const statements = []
    for (const op of pushes[k++] as Op[]) {
      const { id: rowId, title, n } = op.args
      statements.push(op.name === "insertItem" ? insert.bind(rowId, title, n) : update.bind(title, n, rowId))
      statements.push(change.bind(rowId, JSON.stringify({ id: rowId, title, n, done: false }), now, nextId++))
    }
    statements.push(client.bind(nextId - 1, now))
    await d1.batch(statements)
  }
  await pushOnce()
  return medianMs(pushOnce, ITERATIONS, WARMUP)
}

export async function run(): Promise<BenchResult[]> {
  const total = ITERATIONS + WARMUP
  const bindings = Array.from({ length: 2 * ROUNDS }, (_, i) => `DB${i}`)
  const mf = new Miniflare({
    modules: true,
    script: "export default { fetch() { return new Response('ok') } }",
    compatibilityDate: "2026-04-20",
    d1Databases: bindings,
    cf: false,
  })
  try {
    let next = 0
    const fresh = () => mf.getD1Database(bindings[next++] as string)
    const { ratio, plasmaMs, baselineMs, roundRatios } = await ratioOfRounds(ROUNDS, async () => ({
      plasmaMs: await plasmaSide(await fresh(), total),
      baselineMs: await baselineSide(await fresh(), total),
    }))
    return [
      {
        workload: "push-200-d1",
        ratio: round(ratio, 2),
        ratioAgainst: "raw D1 batch() per push through Miniflare: same row writes + explicit _plasma_changes INSERTs + last_mutation_id upsert",
        ratioIs: `median of ${ROUNDS} rounds`,
        roundRatios,
        goal: "report",
        mutationsPerPush: PER_PUSH,
        iterations: ITERATIONS,
        warmup: WARMUP,
        plasmaMs: round(plasmaMs),
        baselineMs: round(baselineMs),
        database: "D1 in workerd via Miniflare (from Node)",
      },
    ]
  } finally {
    await mf.dispose()
  }
}
