/**
 * @module Workload `pull-100k`: a new client drains 100,000 changes from no cookie at limit 1000
 * (100 pulls) through `createSyncHandler`, as in-process `Request`s on an in-memory better-sqlite3
 * database, reading each answer's text. Baseline: on the same database, the same page SELECT
 * (prepared) with the page turned into patch objects (`JSON.parse` of each stored row) and
 * `JSON.stringify`'d, the way a hand-written endpoint would. The bench client reads the cookie and
 * hasMore from the answer's text without parsing the whole page (the baseline does not parse its
 * output either). ratio = plasma median / baseline median.
 *
 * Needs `pnpm -r --filter ./packages/* build` first (imports the packages' dist).
 */
import Database from "better-sqlite3"
import { defineMutators, defineSchema, id, int, table, text, boolean } from "../../packages/core/dist/index.js"
import { fromBetterSqlite3 } from "../../packages/executors/dist/better-sqlite3.js"
import { createSyncHandler, ensureSchema } from "../../packages/server/dist/index.js"
import { medianMs, round, type BenchResult } from "../lib.js"

const CHANGES = 100_000
const LIMIT = 1000
const ITERATIONS = 5
const WARMUP = 1

const items = table("items", { id: id(), title: text(), n: int(), done: boolean().default(false), note: text().nullable() })
const schema = defineSchema({ items })
const mutators = defineMutators<typeof schema, Record<string, unknown>>()({})

async function seed(): Promise<Database.Database> {
  const database = new Database(":memory:")
  const executor = fromBetterSqlite3(database)
  await ensureSchema({ schema, executor })
  // Raw SQL through the capture triggers: 100k puts in the change log.
  database.exec(`WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ${CHANGES})
    INSERT INTO items (id, title, n, done, note) SELECT 'item-' || i, 'a title for item ' || i, i, i % 2, CASE WHEN i % 3 = 0 THEN NULL ELSE 'note "' || i || '"' END FROM s`)
  const n = (database.prepare("SELECT COUNT(*) AS n FROM _plasma_changes").get() as { n: number }).n
  if (n !== CHANGES) throw new Error(`seeded ${n} changes`)
  return database
}

export async function run(): Promise<BenchResult[]> {
  const database = await seed()
  const handler = createSyncHandler({
    schema,
    mutators,
    executor: fromBetterSqlite3(database),
    schemaVersion: "bench",
    auth: () => ({ ok: true, clientGroupID: "g", clientID: "c", ctx: {} }),
  })
  const base = `http://bench/sync/pull?protocolVersion=1&schemaVersion=bench&clientGroupID=g&clientID=c&limit=${LIMIT}`
  let plasmaPages = 0
  let plasmaBytes = 0
  const drainPlasma = async () => {
    let cookie: string | null = null
    let more = true
    plasmaPages = 0
    plasmaBytes = 0
    while (more) {
      const url = cookie === null ? base : `${base}&cookie=${encodeURIComponent(cookie)}`
      const response = await handler(new Request(url))
      if (response.status !== 200) throw new Error(`pull answered ${response.status}: ${await response.text()}`)
      const text = await response.text()
      cookie = text.slice(11, text.indexOf('"', 11))
      more = text.endsWith('"hasMore":true}')
      plasmaPages++
      plasmaBytes += text.length
    }
  }

  const page = database.prepare("SELECT row_version, table_name, row_id, op, value FROM _plasma_changes WHERE row_version > ? ORDER BY row_version LIMIT ?")
  let baselinePages = 0
  let baselineBytes = 0
  const drainBaseline = () => {
    let cookie = 0
    let more = true
    baselinePages = 0
    baselineBytes = 0
    while (more) {
      const rows = page.all(cookie, LIMIT + 1) as { row_version: number; table_name: string; row_id: string; op: string; value: string | null }[]
      more = rows.length > LIMIT
      if (more) rows.length = LIMIT
      const patch = rows.map((r) => (r.op === "put" ? { op: "put", table: r.table_name, id: r.row_id, value: JSON.parse(r.value as string) as unknown } : { op: "del", table: r.table_name, id: r.row_id }))
      cookie = rows.at(-1)?.row_version ?? cookie
      const text = JSON.stringify({ cookie: String(cookie), patch, hasMore: more })
      baselinePages++
      baselineBytes += text.length
    }
  }

  const plasmaMs = await medianMs(drainPlasma, ITERATIONS, WARMUP)
  const baselineMs = await medianMs(drainBaseline, ITERATIONS, WARMUP)
  database.close()
  return [
    {
      workload: "pull-100k",
      ratio: round(plasmaMs / baselineMs, 2),
      ratioAgainst: "raw better-sqlite3: same page SELECT (prepared) + JSON.parse of each row + JSON.stringify of the page",
      goal: 1.5,
      changes: CHANGES,
      limit: LIMIT,
      iterations: ITERATIONS,
      warmup: WARMUP,
      plasmaMs: round(plasmaMs),
      baselineMs: round(baselineMs),
      plasmaPages,
      baselinePages,
      plasmaMB: round(plasmaBytes / 1e6),
      baselineMB: round(baselineBytes / 1e6),
      database: "better-sqlite3 :memory:",
    },
  ]
}
