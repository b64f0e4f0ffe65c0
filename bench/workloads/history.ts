/**
 * @module Workloads `row-history-1m` and `diff-1m` over one 1,000,000-entry change log on 100,000
 * rows (two tables, ~1 in 13 entries a delete), file-backed better-sqlite3. One "hot" todo gets
 * every 1000th entry (1,000 entries spread over the whole log).
 *
 * - `row-history-1m`: `rowHistory` for the newest 50 entries of the hot row, median of 2,000
 *   calls. Goal < 1 ms, so ratio = median ms / 1 ms. Also reported: the same query as a raw
 *   prepared statement, and its EXPLAIN QUERY PLAN (must be an index SEARCH, no SCAN, no sort).
 * - `diff-1m`: `diffSnapshots` from 800,000 to 900,000 (100k entries in range), every page at
 *   `limit` 10,000, rows decoded. ratio = plasma's median / the FASTER of two hand-written SQL
 *   statements doing the same work in one go (raw rows, no decoding, no paging): (a) the newest
 *   entry per row in the range by GROUP BY, joined by primary key, plus each row's newest entry
 *   at or below `from`; (b) the anti-join form plasma's pages use, unpaged. Goal ≤ 2. Also
 *   reported: the default `limit` (1000).
 *
 * Needs `pnpm --filter @plasma/server build` first.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import Database from "better-sqlite3"
import { boolean, defineSchema, id, int, table, text } from "../../packages/core/dist/index.js"
import { fromBetterSqlite3 } from "../../packages/executors/dist/better-sqlite3.js"
import { diffSnapshots, ensureSchema, rowHistory } from "../../packages/server/dist/index.js"
import { medianMs, round, type BenchResult } from "../lib.js"

const ENTRIES = 1_000_000
const ROWS = 100_000
const HOT_ROW = "hot"
const FROM = 800_000
const TO = 900_000

const todos = table("todos", { id: id(), title: text(), done: boolean().default(false), userId: text(), updatedAt: int() })
const users = table("users", { id: id(), name: text() })
const schema = defineSchema({ todos, users })

const ROW_HISTORY_RAW = "SELECT row_version, op, value, created_at, client_group_id, client_id, mutation_id FROM _plasma_changes WHERE table_name = ? AND row_id = ? AND row_version < ? ORDER BY row_version DESC LIMIT ?"

const DIFF_BASELINE_SQL =
  "SELECT m.table_name, m.row_id, c.op, c.value, b.op AS before_op, b.value AS before_value FROM (" +
  "SELECT table_name, row_id, MAX(row_version) AS v FROM _plasma_changes WHERE row_version > ? AND row_version <= ? GROUP BY table_name, row_id" +
  ") m JOIN _plasma_changes c ON c.row_version = m.v LEFT JOIN _plasma_changes b ON b.row_version = (" +
  "SELECT MAX(x.row_version) FROM _plasma_changes x WHERE x.table_name = m.table_name AND x.row_id = m.row_id AND x.row_version <= ?)"

/** (b): every entry in range that is its row's newest at or below `to`, with the row's newest at or below `from`. */
const DIFF_ANTI_JOIN_SQL =
  "SELECT c.table_name, c.row_id, c.op, c.value, b.op AS before_op, b.value AS before_value FROM _plasma_changes c " +
  "LEFT JOIN _plasma_changes b ON b.row_version = (SELECT MAX(x.row_version) FROM _plasma_changes x WHERE x.table_name = c.table_name AND x.row_id = c.row_id AND x.row_version <= ?) " +
  "WHERE c.row_version > ? AND c.row_version <= ? " +
  "AND NOT EXISTS (SELECT 1 FROM _plasma_changes n WHERE n.table_name = c.table_name AND n.row_id = c.row_id AND n.row_version > c.row_version AND n.row_version <= ?)"

function fill(database: Database.Database): void {
  const insert = database.prepare("INSERT INTO _plasma_changes (table_name, row_id, op, value, created_at, client_group_id, client_id, mutation_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
  database.transaction(() => {
    for (let i = 0; i < ENTRIES; i++) {
      if (i % 1000 === 0) {
        insert.run("todos", HOT_ROW, "put", JSON.stringify({ id: HOT_ROW, title: `hot ${i}`, done: i % 3 === 0, userId: "u1", updatedAt: i }), i, "g1", "c1", i)
        continue
      }
      const r = (i * 7919) % ROWS
      const rowId = `r${String(r).padStart(6, "0")}`
      const isTodo = r % 2 === 0
      if (i % 13 === 0) insert.run(isTodo ? "todos" : "users", rowId, "del", null, i, null, null, null)
      else if (isTodo) insert.run("todos", rowId, "put", JSON.stringify({ id: rowId, title: `title ${i}`, done: i % 3 === 0, userId: `u${i % 50}`, updatedAt: i }), i, "g1", "c1", i)
      else insert.run("users", rowId, "put", JSON.stringify({ id: rowId, name: `name ${i}` }), i, null, null, null)
    }
  })()
}

export async function run(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), "plasma-bench-history-"))
  const database = new Database(join(dir, "db.sqlite"))
  try {
    const executor = fromBetterSqlite3(database)
    await ensureSchema({ schema, executor })
    fill(database)

    // row-history-1m
    let entries = 0
    const historyMs = await medianMs(async () => {
      entries = (await rowHistory({ schema, executor, table: "todos", id: HOT_ROW, limit: 50 })).entries.length
    }, 2000, 200)
    const raw = database.prepare(ROW_HISTORY_RAW)
    const rawHistoryMs = await medianMs(() => raw.all("todos", HOT_ROW, Number.MAX_SAFE_INTEGER, 51), 2000, 200)
    const historyPlan = (database.prepare(`EXPLAIN QUERY PLAN ${ROW_HISTORY_RAW}`).all("todos", HOT_ROW, Number.MAX_SAFE_INTEGER, 51) as { detail: string }[]).map((p) => p.detail)

    // diff-1m
    const fullDiff = async (limit: number): Promise<{ rows: number; pages: number }> => {
      let rows = 0
      let pages = 0
      let cursor: string | undefined
      do {
        const page = await diffSnapshots({ schema, executor, from: FROM, to: TO, limit, ...(cursor === undefined ? {} : { cursor }) })
        pages++
        for (const d of page.tables.values()) rows += d.added.length + d.removed.length + d.changed.length
        cursor = page.next ?? undefined
      } while (cursor !== undefined)
      return { rows, pages }
    }
    let shape = { rows: 0, pages: 0 }
    const diffMs = await medianMs(async () => {
      shape = await fullDiff(10_000)
    }, 5, 1)
    const diffDefaultMs = await medianMs(() => fullDiff(1000), 3, 0)
    const baseline = database.prepare(DIFF_BASELINE_SQL)
    let baselineRows = 0
    const baselineMs = await medianMs(() => {
      baselineRows = baseline.all(FROM, TO, FROM).length
    }, 5, 1)
    const antiJoin = database.prepare(DIFF_ANTI_JOIN_SQL)
    const antiJoinMs = await medianMs(() => antiJoin.all(FROM, FROM, TO, TO), 5, 1)
    const antiJoinPlan = (database.prepare(`EXPLAIN QUERY PLAN ${DIFF_ANTI_JOIN_SQL}`).all(FROM, FROM, TO, TO) as { detail: string }[]).map((p) => p.detail)
    const baselinePlan = (database.prepare(`EXPLAIN QUERY PLAN ${DIFF_BASELINE_SQL}`).all(FROM, TO, FROM) as { detail: string }[]).map((p) => p.detail)

    return [
      {
        workload: "row-history-1m",
        ratio: round(historyMs / 1, 3),
        ratioAgainst: "the goal, 1 ms per call",
        entries: ENTRIES,
        hotRowEntries: ENTRIES / 1000,
        entriesReturned: entries,
        plasmaMs: round(historyMs, 4),
        rawStatementMs: round(rawHistoryMs, 4),
        plan: historyPlan,
      },
      {
        workload: "diff-1m",
        ratio: round(diffMs / Math.min(baselineMs, antiJoinMs), 2),
        ratioAgainst: "the faster of two hand-written single statements returning raw rows: GROUP BY form, anti-join form",
        entries: ENTRIES,
        entriesInRange: TO - FROM,
        rowsInDiff: shape.rows,
        rowsTouched: baselineRows,
        pages: shape.pages,
        plasmaMs: round(diffMs),
        plasmaDefaultLimitMs: round(diffDefaultMs),
        groupByStatementMs: round(baselineMs),
        antiJoinStatementMs: round(antiJoinMs),
        groupByPlan: baselinePlan,
        antiJoinPlan,
      },
    ]
  } finally {
    database.close()
    rmSync(dir, { recursive: true, force: true })
  }
}
