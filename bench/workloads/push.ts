/**
 * @module Workload `push-200`: pushes of 200 mutations (100 inserts of new rows, 100 updates of
 * rows inserted by the previous push) through `createSyncHandler`, as in-process `Request`s on an
 * in-memory better-sqlite3 database. Baseline: raw better-sqlite3 on an identical in-memory
 * database doing the same row writes AND the same change rows (explicit INSERTs into an identical
 * `_plasma_changes`, the row JSON built in JavaScript) plus the client's last_mutation_id upsert,
 * with prepared statements in one transaction.
 *
 * ratio = the median over ROUNDS rounds of (plasma median / baseline median), both sides measured
 * in the same round, so one noisy round on a shared machine cannot decide it.
 *
 * Needs `pnpm -r --filter ./packages/* build` first (imports the packages' dist).
 */
import Database from "better-sqlite3"
import { fromBetterSqlite3 } from "../../packages/executors/dist/better-sqlite3.js"
import { applyPush, ensureSchema } from "../../packages/server/dist/index.js"
import { median, medianMs, ratioOfRounds, round, type BenchResult } from "../lib.js"
import { BASELINE_DDL, BASELINE_SQL, createPushSender, mutators, opsOf, PER_PUSH, schema, type Op } from "../push-fixture.js"

const ITERATIONS = 25
const WARMUP = 10
const ROUNDS = 5

async function plasmaSide(total: number): Promise<number> {
  const database = new Database(":memory:")
  const pushOnce = createPushSender(fromBetterSqlite3(database), total)
  await pushOnce() // push 0: inserts only (no previous batch); also creates the schema
  const ms = await medianMs(pushOnce, ITERATIONS, WARMUP)
  const changes = (database.prepare("SELECT COUNT(*) AS n FROM _plasma_changes").get() as { n: number }).n
  if (changes !== PER_PUSH / 2 + (ITERATIONS + WARMUP) * PER_PUSH) throw new Error(`unexpected change count ${changes}`)
  database.close()
  return ms
}

/** The write path alone (`applyPush` with parsed mutations): splits handler cost from write-path cost. */
async function applyPushSide(total: number): Promise<number> {
  const database = new Database(":memory:")
  const executor = fromBetterSqlite3(database)
  await ensureSchema({ schema, executor })
  let nextId = 1
  const pushes = Array.from({ length: total + 1 }, (_, k) => opsOf(k).map((op) => ({ id: nextId++, name: op.name, args: op.args, timestamp: 1 })))
  let k = 0
  const pushOnce = () => applyPush({ schema, mutators, executor, ctx: {}, clientGroupID: "g", clientID: "c", mutations: pushes[k++] ?? [] })
  await pushOnce()
  const ms = await medianMs(pushOnce, ITERATIONS, WARMUP)
  database.close()
  return ms
}

async function baselineSide(total: number): Promise<number> {
  const database = new Database(":memory:")
  for (const ddl of BASELINE_DDL) database.exec(ddl)
  const insert = database.prepare(BASELINE_SQL.insert)
  const update = database.prepare(BASELINE_SQL.update)
  const change = database.prepare(BASELINE_SQL.change)
  const client = database.prepare(BASELINE_SQL.client)
  const pushes = Array.from({ length: total + 1 }, (_, k) => opsOf(k))
  let nextId = 1
  const apply = database.transaction((ops: Op[]) => {
    const now = Date.now()
    for (const op of ops) {
      const { id: rowId, title, n } = op.args
      if (op.name === "insertItem") insert.run(rowId, title, n)
      else update.run(title, n, rowId)
      change.run(rowId, JSON.stringify({ id: rowId, title, n, done: false }), now, nextId++)
    }
    client.run(nextId - 1, now)
  })
  let k = 0
  const pushOnce = () => apply(pushes[k++] as Op[])
  pushOnce()
  const ms = await medianMs(pushOnce, ITERATIONS, WARMUP)
  database.close()
  return ms
}

export async function run(): Promise<BenchResult[]> {
  const total = ITERATIONS + WARMUP
  // A discarded round first: whichever side ran first would otherwise pay the JIT warm-up of
  // core and server alone (measured: 2-3x slower).
  await plasmaSide(total)
  const applyPushRounds: number[] = []
  const { ratio, plasmaMs, baselineMs, roundRatios } = await ratioOfRounds(ROUNDS, async () => {
    const plasma = await plasmaSide(total)
    applyPushRounds.push(await applyPushSide(total))
    return { plasmaMs: plasma, baselineMs: await baselineSide(total) }
  })
  const applyPushMs = median(applyPushRounds)
  return [
    {
      workload: "push-200",
      ratio: round(ratio, 2),
      ratioAgainst: "raw better-sqlite3: same row writes + explicit _plasma_changes INSERTs + last_mutation_id upsert, prepared, one transaction",
      ratioIs: `median of ${ROUNDS} rounds`,
      roundRatios,
      goal: 2.0,
      mutationsPerPush: PER_PUSH,
      iterations: ITERATIONS,
      warmup: WARMUP,
      plasmaMs: round(plasmaMs),
      baselineMs: round(baselineMs),
      applyPushOnlyMs: round(applyPushMs),
      handlerOverheadMs: round(plasmaMs - applyPushMs),
      database: "better-sqlite3 :memory:",
    },
  ]
}
