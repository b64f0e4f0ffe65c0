/**
 * @module Workload `pull-100k-pg`: a new client drains 100,000 changes from no cookie at limit
 * 1000 (100 pulls) through `createSyncHandler` on `fromPostgres(pool)`, against the real
 * PostgreSQL server named by `PLASMA_PG_URL`, as in-process `Request`s, reading each answer's
 * text. Baseline: raw `pg` on the same schema running the same keyset-paged SELECT (a named
 * prepared statement, `row_version > $1 ORDER BY row_version LIMIT $2`), with pg's own JSONB
 * parsing and the page `JSON.stringify`'d as patch objects, the way a hand-written endpoint would.
 * The bench client reads the cookie and hasMore from the answer's text without parsing the whole
 * page (the baseline does not parse its output either).
 *
 * ratio = the median over ROUNDS rounds of (plasma median / baseline median), both measured in
 * the same round. Both pools are metered (see pg-meter.ts): the report splits a page into
 * "waiting on Postgres" and "JavaScript", and names the statements plasma sends per page.
 *
 * Skips (one line, no result) when `PLASMA_PG_URL` is unset: `export PLASMA_PG_URL=$(bash
 * scripts/postgres.sh start)`. Needs `pnpm -r --filter ./packages/* build` first.
 */
import { boolean, defineMutators, defineSchema, id, int, table, text } from "../../packages/core/dist/index.js"
import { fromPostgres } from "../../packages/executors/dist/postgres.js"
import { createPostgres, type PostgresFixture } from "../../packages/executors/dist/testing.js"
import { createSyncHandler, ensureSchema } from "../../packages/server/dist/index.js"
import { medianMs, ratioOfRounds, round, type BenchResult } from "../lib.js"
import { createPgMeter, pgBenchUrl, PG_SKIP_LINE, topKinds, type PgMeter } from "../pg-meter.js"

const CHANGES = 100_000
const LIMIT = 1000
const PAGES = CHANGES / LIMIT
const ITERATIONS = 3
const WARMUP = 1
const ROUNDS = 3

const items = table("items", { id: id(), title: text(), n: int(), done: boolean().default(false), note: text().nullable() })
const schema = defineSchema({ items })
const mutators = defineMutators<typeof schema, Record<string, unknown>>()({})

async function seed(fixture: PostgresFixture): Promise<void> {
  await ensureSchema({ schema, executor: fixture.executor })
  // Raw SQL through the capture triggers: 100k puts in the change log.
  await fixture.executor.run({
    text: `INSERT INTO items (id, title, n, done, note)
      SELECT 'item-' || i, 'a title for item ' || i, i, i % 2, CASE WHEN i % 3 = 0 THEN NULL ELSE 'note "' || i || '"' END
      FROM generate_series(1, ${CHANGES}) AS s (i)`,
    params: [],
  })
  const [counted] = await fixture.executor.all<{ n: number }>({ text: "SELECT COUNT(*) AS n FROM _plasma_changes", params: [] })
  if (counted?.n !== CHANGES) throw new Error(`seeded ${counted?.n} changes`)
  await fixture.executor.run({ text: "ANALYZE", params: [] })
}

interface Drain {
  readonly drain: () => Promise<void>
  readonly meter: PgMeter
  pages: number
  bytes: number
}

function plasmaDrain(fixture: PostgresFixture): Drain {
  const meter = createPgMeter(fixture.pool)
  const handler = createSyncHandler({
    schema,
    mutators,
    executor: fromPostgres(meter.pool),
    schemaVersion: "bench",
    auth: () => ({ ok: true, clientGroupID: "g", clientID: "c", ctx: {} }),
  })
  const base = `http://bench/sync/pull?protocolVersion=1&schemaVersion=bench&clientGroupID=g&clientID=c&limit=${LIMIT}`
  const state: Drain = {
    meter,
    pages: 0,
    bytes: 0,
    drain: async () => {
      let cookie: string | null = null
      let more = true
      state.pages = 0
      state.bytes = 0
      while (more) {
        const url = cookie === null ? base : `${base}&cookie=${encodeURIComponent(cookie)}`
        const response = await handler(new Request(url))
        if (response.status !== 200) throw new Error(`pull answered ${response.status}: ${await response.text()}`)
        const body = await response.text()
        cookie = body.slice(11, body.indexOf('"', 11))
        more = body.endsWith('"hasMore":true}')
        state.pages++
        state.bytes += body.length
      }
    },
  }
  return state
}

const PAGE_SQL = "SELECT row_version, table_name, row_id, op, value FROM _plasma_changes WHERE row_version > $1 ORDER BY row_version LIMIT $2"

interface ChangeRow {
  readonly row_version: string
  readonly table_name: string
  readonly row_id: string
  readonly op: string
  readonly value: unknown
}

function baselineDrain(fixture: PostgresFixture): Drain {
  const meter = createPgMeter(fixture.pool)
  const state: Drain = {
    meter,
    pages: 0,
    bytes: 0,
    drain: async () => {
      let cookie = "0"
      let more = true
      state.pages = 0
      state.bytes = 0
      const client = await meter.pool.connect()
      try {
        while (more) {
          // pg's defaults: BIGINT as text, JSONB parsed into objects.
          const result = await client.query({ name: "b-page", text: PAGE_SQL, values: [cookie, LIMIT + 1] })
          const rows = result.rows as unknown as ChangeRow[]
          more = rows.length > LIMIT
          if (more) rows.length = LIMIT
          const patch = rows.map((r) => (r.op === "put" ? { op: "put", table: r.table_name, id: r.row_id, value: r.value } : { op: "del", table: r.table_name, id: r.row_id }))
          cookie = rows.at(-1)?.row_version ?? cookie
          const body = JSON.stringify({ cookie, patch, hasMore: more })
          state.pages++
          state.bytes += body.length
        }
      } finally {
        client.release()
      }
    },
  }
  return state
}

/** Median ms of `drain`, with the meter counting only the measured drains. */
async function measure(side: Drain): Promise<number> {
  for (let i = 0; i < WARMUP; i++) await side.drain()
  side.meter.reset()
  return medianMs(side.drain, ITERATIONS, 0)
}

export async function run(): Promise<BenchResult[]> {
  const url = pgBenchUrl()
  if (url === null) {
    console.error(PG_SKIP_LINE("pull-100k-pg"))
    return []
  }
  const fixture = await createPostgres({ url, max: 4 })
  try {
    await seed(fixture)
    const plasma = plasmaDrain(fixture)
    const baseline = baselineDrain(fixture)
    await plasma.drain() // JIT warm-up of core and server, outside any round
    const plasmaWaits: number[] = []
    const baselineWaits: number[] = []
    const { ratio, plasmaMs, baselineMs, roundRatios } = await ratioOfRounds(ROUNDS, async () => {
      const plasmaMs = await measure(plasma)
      plasmaWaits.push(plasma.meter.waitMs / ITERATIONS)
      const baselineMs = await measure(baseline)
      baselineWaits.push(baseline.meter.waitMs / ITERATIONS)
      return { plasmaMs, baselineMs }
    })
    const perPage = (ms: number) => round(ms / PAGES)
    const mid = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number
    return [
      {
        workload: "pull-100k-pg",
        ratio: round(ratio, 2),
        ratioAgainst: "raw pg: the same keyset-paged SELECT (named prepared statement, pg's JSONB parsing) + JSON.stringify of the page",
        ratioIs: `median of ${ROUNDS} rounds`,
        roundRatios,
        goal: 1.5,
        changes: CHANGES,
        limit: LIMIT,
        iterations: ITERATIONS,
        warmup: WARMUP,
        plasmaMs: round(plasmaMs),
        baselineMs: round(baselineMs),
        plasmaPerPage: {
          ms: perPage(plasmaMs),
          pgWaitMs: perPage(mid(plasmaWaits)),
          statements: round(plasma.meter.queries / ITERATIONS / PAGES, 1),
          topStatements: topKinds(plasma.meter, ITERATIONS * PAGES, 8),
        },
        baselinePerPage: { ms: perPage(baselineMs), pgWaitMs: perPage(mid(baselineWaits)) },
        plasmaPages: plasma.pages,
        baselinePages: baseline.pages,
        plasmaMB: round(plasma.bytes / 1e6),
        baselineMB: round(baseline.bytes / 1e6),
        database: "PostgreSQL (PLASMA_PG_URL), one fresh schema",
      },
    ]
  } finally {
    await fixture.dispose()
  }
}
