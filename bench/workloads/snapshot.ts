/**
 * @module Workload `snapshot-1m`: `snapshotAsOf` over a 1,000,000-entry change log on 100,000 rows
 * (two tables, ~1 in 13 entries a delete), file-backed better-sqlite3, as of version 900,000.
 * ratio = plasma's median time / the median of ONE hand-written SQL statement computing "the
 * newest entry per row at or below v" (the fastest form measured: GROUP BY over the
 * (table_name, row_id, row_version) index joined back by primary key; it returns raw rows, no
 * decoding). Also reported: a replay of every entry in JS (the guide's O(log) description) and
 * the process's peak memory while the snapshot runs (sampled at every page read).
 *
 * Needs `pnpm --filter @plasma/server build` first.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import Database from "better-sqlite3"
import { boolean, defineSchema, id, int, rowFromChangeJson, table, text } from "../../packages/core/dist/index.js"
import { fromBetterSqlite3 } from "../../packages/executors/dist/better-sqlite3.js"
import type { SqlExecutor, SqlQuery } from "../../packages/executors/dist/index.js"
import { ensureSchema, snapshotAsOf } from "../../packages/server/dist/index.js"
import { medianMs, round, type BenchResult } from "../lib.js"

const ENTRIES = 1_000_000
const ROWS = 100_000
const AS_OF = 900_000

const todos = table("todos", { id: id(), title: text(), done: boolean().default(false), userId: text(), updatedAt: int() })
const users = table("users", { id: id(), name: text() })
const schema = defineSchema({ todos, users })

const BASELINE_SQL =
  "SELECT c.table_name, c.row_id, c.op, c.value FROM (SELECT MAX(row_version) AS v FROM _plasma_changes WHERE row_version <= ? " +
  "GROUP BY table_name, row_id) m JOIN _plasma_changes c ON c.row_version = m.v"

/** Fills the log with raw INSERTs in one transaction (the triggers are not involved). */
export async function fillChangeLog(database: Database.Database, executor: SqlExecutor): Promise<void> {
  await ensureSchema({ schema, executor })
  const insert = database.prepare("INSERT INTO _plasma_changes (table_name, row_id, op, value, created_at) VALUES (?, ?, ?, ?, 0)")
  database.transaction(() => {
    for (let i = 0; i < ENTRIES; i++) {
      const r = (i * 7919) % ROWS
      const rowId = `r${String(r).padStart(6, "0")}`
      const isTodo = r % 2 === 0
      if (i % 13 === 0) insert.run(isTodo ? "todos" : "users", rowId, "del", null)
      else if (isTodo) insert.run("todos", rowId, "put", JSON.stringify({ id: rowId, title: `title ${i}`, done: i % 3 === 0, userId: `u${i % 50}`, updatedAt: i }))
      else insert.run("users", rowId, "put", JSON.stringify({ id: rowId, name: `name ${i}` }))
    }
  })()
}

export async function run(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), "plasma-bench-snapshot-"))
  const database = new Database(join(dir, "db.sqlite"))
  try {
    const executor = fromBetterSqlite3(database)
    await fillChangeLog(database, executor)

    // Peak memory, sampled at every page the snapshot reads.
    let peakRss = 0
    let peakHeap = 0
    const sample = (): void => {
      const m = process.memoryUsage()
      peakRss = Math.max(peakRss, m.rss)
      peakHeap = Math.max(peakHeap, m.heapUsed)
    }
    const sampling: SqlExecutor = {
      dialect: executor.dialect,
      capabilities: executor.capabilities,
      kysely: executor.kysely,
      all: async <R,>(q: SqlQuery): Promise<R[]> => {
        sample()
        const rows = await executor.all<R>(q)
        sample()
        return rows
      },
      run: (q) => executor.run(q),
      batch: (q) => executor.batch(q),
      transaction: (fn) => executor.transaction(fn),
    }

    let rowsOut = 0
    const plasmaMs = await medianMs(async () => {
      const snap = await snapshotAsOf({ schema, executor: sampling, cookie: AS_OF })
      rowsOut = [...snap.values()].reduce((n, m) => n + m.size, 0)
    }, 5, 1)

    const baseline = database.prepare(BASELINE_SQL)
    const plan = (database.prepare(`EXPLAIN QUERY PLAN ${BASELINE_SQL}`).all(AS_OF) as { detail: string }[]).map((p) => p.detail)
    const baselineMs = await medianMs(() => baseline.all(AS_OF), 5, 1)

    // The guide's description: replay every entry up to v in order, in JS.
    const replay = database.prepare("SELECT table_name, row_id, op, value FROM _plasma_changes WHERE row_version <= ? ORDER BY row_version")
    const tables = new Map(schema.tableList.map((t) => [t.$name, t]))
    const replayMs = await medianMs(() => {
      const state = new Map<string, Map<string, Record<string, unknown>>>()
      for (const row of replay.iterate(AS_OF) as Iterable<{ table_name: string; row_id: string; op: string; value: string | null }>) {
        let rows = state.get(row.table_name)
        if (rows === undefined) state.set(row.table_name, (rows = new Map()))
        if (row.op === "del") rows.delete(row.row_id)
        else rows.set(row.row_id, rowFromChangeJson(tables.get(row.table_name) as typeof todos, JSON.parse(row.value as string) as Record<string, unknown>))
      }
      return state
    }, 1, 0)

    const before = process.memoryUsage()
    peakRss = 0
    peakHeap = 0
    await snapshotAsOf({ schema, executor: sampling, cookie: AS_OF })
    return [
      {
        workload: "snapshot-1m",
        ratio: round(plasmaMs / baselineMs, 2),
        ratioAgainst: "one hand-written SQL statement: newest entry per row at or below v (GROUP BY over the row index, joined by PK), raw rows",
        entries: ENTRIES,
        rows: ROWS,
        asOf: AS_OF,
        rowsInSnapshot: rowsOut,
        plasmaMs: round(plasmaMs),
        baselineMs: round(baselineMs),
        jsReplayMs: round(replayMs),
        speedupVsJsReplay: round(replayMs / plasmaMs, 1),
        rssBeforeMB: round(before.rss / 2 ** 20, 1),
        peakRssMB: round(peakRss / 2 ** 20, 1),
        heapBeforeMB: round(before.heapUsed / 2 ** 20, 1),
        peakHeapMB: round(peakHeap / 2 ** 20, 1),
        baselinePlan: plan,
      },
    ]
  } finally {
    database.close()
    rmSync(dir, { recursive: true, force: true })
  }
}
