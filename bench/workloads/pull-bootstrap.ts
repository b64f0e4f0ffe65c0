/**
 * @module Workload `pull-bootstrap-100k`: a fresh client (no cookie) drains a COMPACTED change
 * log of 100,000 rows in pages of 1,000 through `createSyncHandler`, as in-process `Request`s on
 * an in-memory better-sqlite3 database. The log is built the way a real app's is: 100,000 inserts,
 * then every row updated once (200,000 entries), then `compactChangeLog` up to the head, which
 * keeps the newest entry of each row (100,000 entries, gaps in `row_version` every other entry)
 * and raises the compaction floor above every cookie the client will send.
 *
 * Baseline: on the same database, the same rows paged by a hand-written endpoint (prepared page
 * SELECT, `JSON.parse` of each stored row, `JSON.stringify` of the page). ratio = plasma /
 * baseline, the median over 7 rounds (after 1 warm-up), each round one drain of each, alternating.
 *
 * Memory: for one extra drain, the JS heap growth while a page is built and read (heapUsed after
 * the page minus before it; after a forced GC before each page when Node runs with
 * `--expose-gc`, otherwise including garbage not yet collected), as the peak and median over the
 * 100 pages. Every page must hold at most `limit` changes (SPEC §8: every pull is bounded).
 *
 * Needs `pnpm -r --filter ./packages/* build` first (imports the packages' dist).
 */
import Database from "better-sqlite3"
import { boolean, defineMutators, defineSchema, id, int, table, text } from "../../packages/core/dist/index.js"
import { fromBetterSqlite3 } from "../../packages/executors/dist/better-sqlite3.js"
import { compactChangeLog, createSyncHandler, ensureSchema } from "../../packages/server/dist/index.js"
import { median, medianMs, ratioOfRounds, round, type BenchResult } from "../lib.js"

const ROWS = 100_000
const LIMIT = 1000
const ROUNDS = 7
const WARMUP = 1

const items = table("items", { id: id(), title: text(), n: int(), done: boolean().default(false), note: text().nullable() })
const schema = defineSchema({ items })
const mutators = defineMutators<typeof schema, Record<string, unknown>>()({})

async function seed(): Promise<Database.Database> {
  const database = new Database(":memory:")
  const executor = fromBetterSqlite3(database)
  await ensureSchema({ schema, executor })
  database.exec(`WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ${ROWS})
    INSERT INTO items (id, title, n, done, note) SELECT 'item-' || i, 'a title for item ' || i, i, i % 2, CASE WHEN i % 3 = 0 THEN NULL ELSE 'note "' || i || '"' END FROM s`)
  database.exec("UPDATE items SET done = 1 - done, n = n + 1")
  const head = (database.prepare("SELECT MAX(row_version) AS v FROM _plasma_changes").get() as { v: number }).v
  await compactChangeLog({ executor, safeUpToVersion: head })
  const n = (database.prepare("SELECT COUNT(*) AS n FROM _plasma_changes").get() as { n: number }).n
  if (n !== ROWS || head !== 2 * ROWS) throw new Error(`compacted log holds ${n} entries (head ${head})`)
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
  const gc = (globalThis as { gc?: () => void }).gc
  let plasmaPages = 0
  let plasmaChanges = 0
  let largestPage = 0
  let heapDeltas: number[] = []
  const drainPlasma = async (measureHeap = false) => {
    let cookie: string | null = null
    let more = true
    plasmaPages = 0
    plasmaChanges = 0
    largestPage = 0
    while (more) {
      const url = cookie === null ? base : `${base}&cookie=${encodeURIComponent(cookie)}`
      if (measureHeap) gc?.()
      const before = measureHeap ? process.memoryUsage().heapUsed : 0
      const response = await handler(new Request(url))
      if (response.status !== 200) throw new Error(`pull answered ${response.status}: ${await response.text()}`)
      const text = await response.text()
      if (measureHeap) heapDeltas.push(process.memoryUsage().heapUsed - before)
      cookie = text.slice(11, text.indexOf('"', 11))
      more = text.endsWith('"hasMore":true}')
      // Counting ops costs a scan of the text, not a parse: `{"op":` opens every entry.
      const changes = text.split('{"op":').length - 1
      if (changes > LIMIT) throw new Error(`a page carried ${changes} changes; the limit is ${LIMIT}`)
      largestPage = Math.max(largestPage, changes)
      plasmaChanges += changes
      plasmaPages++
    }
    if (plasmaChanges !== ROWS) throw new Error(`the drain delivered ${plasmaChanges} changes, expected ${ROWS}`)
  }

  const page = database.prepare("SELECT row_version, table_name, row_id, op, value FROM _plasma_changes WHERE row_version > ? ORDER BY row_version LIMIT ?")
  let baselinePages = 0
  const drainBaseline = () => {
    let cookie = 0
    let more = true
    baselinePages = 0
    while (more) {
      const rows = page.all(cookie, LIMIT + 1) as { row_version: number; table_name: string; row_id: string; op: string; value: string | null }[]
      more = rows.length > LIMIT
      if (more) rows.length = LIMIT
      const patch = rows.map((r) => (r.op === "put" ? { op: "put", table: r.table_name, id: r.row_id, value: JSON.parse(r.value as string) as unknown } : { op: "del", table: r.table_name, id: r.row_id }))
      cookie = rows.at(-1)?.row_version ?? cookie
      JSON.stringify({ cookie: String(cookie), patch, hasMore: more })
      baselinePages++
    }
  }

  // Rounds alternate plasma and baseline drains, so a noisy moment of a shared machine hits both.
  for (let i = 0; i < WARMUP; i++) {
    await drainPlasma()
    drainBaseline()
  }
  const { ratio, plasmaMs, baselineMs, roundRatios } = await ratioOfRounds(ROUNDS, async () => ({
    plasmaMs: await medianMs(() => drainPlasma(), 1, 0),
    baselineMs: await medianMs(drainBaseline, 1, 0),
  }))
  heapDeltas = []
  await drainPlasma(true)
  database.close()
  const mb = (bytes: number) => round(bytes / 1e6, 2)
  return [
    {
      workload: "pull-bootstrap-100k",
      ratio: round(ratio, 2),
      roundRatios,
      ratioAgainst: "raw better-sqlite3 paging of the same compacted log: page SELECT (prepared) + JSON.parse of each row + JSON.stringify of the page",
      goal: 1.5,
      rows: ROWS,
      logBeforeCompaction: 2 * ROWS,
      limit: LIMIT,
      rounds: ROUNDS,
      warmup: WARMUP,
      plasmaMs: round(plasmaMs),
      baselineMs: round(baselineMs),
      plasmaPages,
      baselinePages,
      largestPage,
      peakHeapDeltaPerPageMB: mb(Math.max(...heapDeltas)),
      medianHeapDeltaPerPageMB: mb(median(heapDeltas)),
      heapMeasure: gc === undefined ? "heapUsed growth per page, no forced GC (garbage included)" : "heapUsed growth per page after a forced GC",
      database: "better-sqlite3 :memory:",
    },
  ]
}
