/**
 * @module Workload `push-200-pg`: the `push-200` pushes (200 mutations: 100 inserts of new rows,
 * 100 updates of the previous push's rows) through `createSyncHandler` on `fromPostgres(pool)`,
 * against the real PostgreSQL server named by `PLASMA_PG_URL`. Baseline: raw `pg` on the same
 * server (a second, identical schema) doing the same row writes AND the same change rows
 * (explicit INSERTs into an identical `_plasma_changes`, the row JSON built in JavaScript) plus
 * the client's last_mutation_id upsert, as named prepared statements in one transaction on one
 * connection: the least any sync engine on Postgres must send.
 *
 * ratio = the median over ROUNDS rounds of (plasma median / baseline median), both sides measured
 * in the same round. Each side gets a fresh schema per round (`createPostgres`, dropped after).
 *
 * Profile: both pools are wrapped to count statements and the wall time spent waiting on
 * `client.query` (a round trip to the server and its work there), so the report splits each
 * push into "waiting on Postgres" and "JavaScript".
 *
 * Skips (one line, no result) when `PLASMA_PG_URL` is unset: `export PLASMA_PG_URL=$(bash
 * scripts/postgres.sh start)`. Needs `pnpm -r --filter ./packages/* build` first.
 */
import { fromPostgres } from "../../packages/executors/dist/postgres.js"
import { createPostgres, type PostgresFixture } from "../../packages/executors/dist/testing.js"
import { applyPush, ensureSchema } from "../../packages/server/dist/index.js"
import { median, medianMs, ratioOfRounds, round, type BenchResult } from "../lib.js"
import { createPgMeter, pgBenchUrl, PG_SKIP_LINE, topKinds, type PgMeter } from "../pg-meter.js"
import { createPushSender, mutators, opsOf, PER_PUSH, schema, type Op } from "../push-fixture.js"

const ITERATIONS = 15
const WARMUP = 5
const ROUNDS = 5

/** The baseline's tables: the same shapes as plasma's Postgres tables (postgres-internal-tables.ts), without triggers. */
const BASELINE_DDL: readonly string[] = [
  `CREATE TABLE items (id TEXT PRIMARY KEY NOT NULL, title TEXT NOT NULL, n BIGINT NOT NULL, done INTEGER NOT NULL DEFAULT 0 CHECK (done IN (0, 1)))`,
  `CREATE TABLE _plasma_changes (row_version BIGSERIAL PRIMARY KEY, table_name TEXT NOT NULL, row_id TEXT NOT NULL,
      op TEXT NOT NULL CHECK (op IN ('put','del')), value JSONB, created_at BIGINT NOT NULL, client_group_id TEXT, client_id TEXT, mutation_id BIGINT)`,
  `CREATE INDEX _plasma_changes_row_idx ON _plasma_changes (table_name, row_id, row_version)`,
  `CREATE TABLE _plasma_client_mutations (client_group_id TEXT NOT NULL, client_id TEXT NOT NULL, last_mutation_id BIGINT NOT NULL,
      last_pull_version BIGINT, last_seen_at BIGINT NOT NULL, PRIMARY KEY (client_group_id, client_id))`,
]

const BASELINE_SQL = {
  insert: "INSERT INTO items (id, title, n) VALUES ($1, $2, $3)",
  update: "UPDATE items SET title = $1, n = $2 WHERE id = $3",
  change:
    "INSERT INTO _plasma_changes (table_name, row_id, op, value, created_at, client_group_id, client_id, mutation_id) VALUES ('items', $1, 'put', $2, $3, 'g', 'c', $4)",
  client:
    "INSERT INTO _plasma_client_mutations (client_group_id, client_id, last_mutation_id, last_seen_at) VALUES ('g', 'c', $1, $2) ON CONFLICT (client_group_id, client_id) DO UPDATE SET last_mutation_id = excluded.last_mutation_id, last_seen_at = excluded.last_seen_at",
} as const

interface SideResult {
  /** Median ms per push. */
  readonly ms: number
  /** Mean ms per push over the measured iterations (what the meter's totals divide into). */
  readonly meanMs: number
  readonly meter: PgMeter
}

/** Warms up, then measures ITERATIONS pushes with the meter counting only those. */
async function measure(pushOnce: () => Promise<unknown>, meter: PgMeter): Promise<SideResult> {
  for (let i = 0; i < WARMUP; i++) await pushOnce()
  meter.reset()
  const start = performance.now()
  const ms = await medianMs(pushOnce, ITERATIONS, 0)
  return { ms, meanMs: (performance.now() - start) / ITERATIONS, meter }
}

async function plasmaSide(fixture: PostgresFixture, total: number): Promise<SideResult> {
  const meter = createPgMeter(fixture.pool)
  const pushOnce = createPushSender(fromPostgres(meter.pool), total)
  await pushOnce() // push 0: inserts only (no previous batch); also creates the schema
  const result = await measure(pushOnce, meter)
  const [counted] = await fixture.executor.all<{ n: number }>({ text: "SELECT COUNT(*) AS n FROM _plasma_changes", params: [] })
  if (counted?.n !== PER_PUSH / 2 + (ITERATIONS + WARMUP) * PER_PUSH) throw new Error(`unexpected change count ${counted?.n}`)
  return result
}

/** The write path alone (`applyPush` with parsed mutations): splits handler cost from write-path cost. */
async function applyPushSide(fixture: PostgresFixture, total: number): Promise<number> {
  const executor = fixture.executor
  await ensureSchema({ schema, executor })
  let nextId = 1
  const pushes = Array.from({ length: total + 1 }, (_, k) => opsOf(k).map((op) => ({ id: nextId++, name: op.name, args: op.args, timestamp: 1 })))
  let k = 0
  const pushOnce = () => applyPush({ schema, mutators, executor, ctx: {}, clientGroupID: "g", clientID: "c", mutations: pushes[k++] ?? [] })
  await pushOnce()
  return medianMs(pushOnce, ITERATIONS, WARMUP)
}

async function baselineSide(fixture: PostgresFixture, total: number): Promise<SideResult> {
  const meter = createPgMeter(fixture.pool)
  const setup = await meter.pool.connect()
  try {
    for (const ddl of BASELINE_DDL) await setup.query({ text: ddl, values: [] })
  } finally {
    setup.release()
  }
  const pushes = Array.from({ length: total + 1 }, (_, k) => opsOf(k))
  let nextId = 1
  let k = 0
  const pushOnce = async () => {
    const ops = pushes[k++] as Op[]
    const client = await meter.pool.connect()
    try {
      await client.query({ text: "BEGIN", values: [] })
      const now = Date.now()
      for (const op of ops) {
        const { id: rowId, title, n } = op.args
        if (op.name === "insertItem") await client.query({ name: "b-insert", text: BASELINE_SQL.insert, values: [rowId, title, n] })
        else await client.query({ name: "b-update", text: BASELINE_SQL.update, values: [title, n, rowId] })
        await client.query({ name: "b-change", text: BASELINE_SQL.change, values: [rowId, JSON.stringify({ id: rowId, title, n, done: false }), now, nextId++] })
      }
      await client.query({ name: "b-client", text: BASELINE_SQL.client, values: [nextId - 1, now] })
      await client.query({ text: "COMMIT", values: [] })
    } finally {
      client.release()
    }
  }
  await pushOnce()
  return measure(pushOnce, meter)
}

/** Runs `fn` on a fresh schema, dropped afterwards. */
async function onFreshSchema<T>(url: string, fn: (fixture: PostgresFixture) => Promise<T>): Promise<T> {
  const fixture = await createPostgres({ url, max: 4 })
  try {
    return await fn(fixture)
  } finally {
    await fixture.dispose()
  }
}

export async function run(): Promise<BenchResult[]> {
  const url = pgBenchUrl()
  if (url === null) {
    console.error(PG_SKIP_LINE("push-200-pg"))
    return []
  }
  const total = ITERATIONS + WARMUP
  // A discarded round first: whichever side ran first would otherwise pay the JIT warm-up alone.
  await onFreshSchema(url, (f) => plasmaSide(f, total))
  const applyPushRounds: number[] = []
  const plasmaSides: SideResult[] = []
  const baselineSides: SideResult[] = []
  const { ratio, plasmaMs, baselineMs, roundRatios } = await ratioOfRounds(ROUNDS, async () => {
    const plasma = await onFreshSchema(url, (f) => plasmaSide(f, total))
    applyPushRounds.push(await onFreshSchema(url, (f) => applyPushSide(f, total)))
    const baseline = await onFreshSchema(url, (f) => baselineSide(f, total))
    plasmaSides.push(plasma)
    baselineSides.push(baseline)
    return { plasmaMs: plasma.ms, baselineMs: baseline.ms }
  })
  const applyPushMs = median(applyPushRounds)
  // The profile comes from the round whose ratio is the median one's neighbour in time: the
  // meters' totals are means over ITERATIONS pushes, compared with that round's mean wall time.
  const profile = (sides: SideResult[]) => {
    const side = [...sides].sort((a, b) => a.meanMs - b.meanMs)[Math.floor(sides.length / 2)] as SideResult
    const waitMs = side.meter.waitMs / ITERATIONS
    return {
      meanMs: round(side.meanMs),
      statements: round(side.meter.queries / ITERATIONS, 1),
      pgWaitMs: round(waitMs),
      jsMs: round(side.meanMs - waitMs),
      topStatements: topKinds(side.meter, ITERATIONS),
    }
  }
  return [
    {
      workload: "push-200-pg",
      ratio: round(ratio, 2),
      ratioAgainst: "raw pg: same row writes + explicit _plasma_changes INSERTs (JSONB) + last_mutation_id upsert, named prepared statements, one transaction",
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
      plasmaPerPush: profile(plasmaSides),
      baselinePerPush: profile(baselineSides),
      database: "PostgreSQL (PLASMA_PG_URL), fresh schema per side and round",
    },
  ]
}
