/**
 * @module Workload `live-idle-1m`: the cost of one idle `serverLiveSelect` tick on a 1,000,000-entry
 * change log (file-backed better-sqlite3). An idle tick is one query; its time is measured from
 * inside the executor while a real loop runs (about 12 ticks at the 250 ms check pace), and the
 * same query is also timed 20,000 times in a row for a stable figure. There is no database
 * baseline: ratio = median ms per idle tick / 1 ms (the goal). The details carry the query and
 * its EXPLAIN QUERY PLAN (a primary-key range seek, no scan).
 *
 * Needs `pnpm --filter @plasma/server build` first.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import Database from "better-sqlite3"
import { fromBetterSqlite3 } from "../../packages/executors/dist/better-sqlite3.js"
import type { SqlExecutor, SqlQuery } from "../../packages/executors/dist/index.js"
import { serverLiveSelect } from "../../packages/server/dist/index.js"
import { round, type BenchResult } from "../lib.js"
import { fillChangeLog } from "./snapshot.js"

const LOOP_MS = 3200
const REPEATS = 20_000

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN
}

export async function run(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), "plasma-bench-live-"))
  const database = new Database(join(dir, "db.sqlite"))
  try {
    const executor = fromBetterSqlite3(database)
    await fillChangeLog(database, executor)
    const results: BenchResult[] = []
    for (const tables of [["todos", "users"], undefined] as const) {
      const ticks: { query: SqlQuery; ms: number }[] = []
      let started = false
      const timing: SqlExecutor = {
        dialect: executor.dialect,
        capabilities: executor.capabilities,
        kysely: executor.kysely,
        all: async <R,>(q: SqlQuery): Promise<R[]> => {
          const t = performance.now()
          const rows = await executor.all<R>(q)
          if (started) ticks.push({ query: q, ms: performance.now() - t })
          return rows
        },
        run: (q) => executor.run(q),
        batch: (q) => executor.batch(q),
        transaction: (fn) => executor.transaction(fn),
      }
      let fetches = 0
      const handle = serverLiveSelect({
        executor: timing,
        ...(tables === undefined ? {} : { tables }),
        pollIntervalMs: 60_000,
        fetch: () => ++fetches,
        onChange: () => undefined,
      })
      await new Promise((r) => setTimeout(r, 100))
      started = true
      await new Promise((r) => setTimeout(r, LOOP_MS))
      handle.stop()
      const tick = ticks[0]
      if (tick === undefined) throw new Error("no idle tick observed")
      const statement = database.prepare(tick.query.text)
      const plan = (database.prepare(`EXPLAIN QUERY PLAN ${tick.query.text}`).all(...tick.query.params) as { detail: string }[]).map((p) => p.detail)
      const t = performance.now()
      for (let i = 0; i < REPEATS; i++) statement.all(...tick.query.params)
      const repeatedMs = (performance.now() - t) / REPEATS
      const perTick = median(ticks.map((x) => x.ms))
      results.push({
        workload: tables === undefined ? "live-idle-1m-all-tables" : "live-idle-1m",
        ratio: round(perTick / 1, 3),
        ratioAgainst: "goal: 1 ms per idle tick (ratio = ms per tick / 1 ms)",
        entries: 1_000_000,
        idleTicks: ticks.length,
        queriesPerIdleTick: ticks.length === 0 ? 0 : 1,
        fetchesAfterInitial: fetches - 1,
        msPerIdleTickMedian: round(perTick, 4),
        msPerIdleTickMax: round(Math.max(...ticks.map((x) => x.ms)), 4),
        msPerQueryRepeated: round(repeatedMs, 4),
        query: tick.query.text,
        plan,
      })
    }
    return results
  } finally {
    database.close()
    rmSync(dir, { recursive: true, force: true })
  }
}
