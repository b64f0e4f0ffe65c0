/**
 * @module Workload `compact-1m`: `compactChangeLog` over a 1,000,000-entry change log on 100,000
 * rows, bound 900,000 (800,000 entries to remove), file-backed better-sqlite3. Each measurement
 * starts from a copy of the same database file. ratio = plasma's median time / the median of ONE
 * raw SQL statement doing the same deletion (the fastest single-statement form measured:
 * `row_version <= b AND row_version NOT IN (SELECT MAX(row_version) … GROUP BY table_name, row_id)`).
 * The "a newer entry exists" (`EXISTS`) single statement is reported too.
 *
 * Needs `pnpm --filter @plasma/server build` first.
 */
import { copyFileSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import Database from "better-sqlite3"
import { fromBetterSqlite3 } from "../../packages/executors/dist/better-sqlite3.js"
import { compactChangeLog } from "../../packages/server/dist/index.js"
import { round, type BenchResult } from "../lib.js"
import { fillChangeLog } from "./snapshot.js"

const BOUND = 900_000
const ROUNDS = 3

const NOT_IN_SQL =
  "DELETE FROM _plasma_changes WHERE row_version <= ? AND row_version NOT IN " +
  "(SELECT MAX(row_version) FROM _plasma_changes WHERE row_version <= ? GROUP BY table_name, row_id)"
const EXISTS_SQL =
  "DELETE FROM _plasma_changes WHERE row_version <= ? AND EXISTS (SELECT 1 FROM _plasma_changes n WHERE n.table_name = _plasma_changes.table_name " +
  "AND n.row_id = _plasma_changes.row_id AND n.row_version > _plasma_changes.row_version AND n.row_version <= ?)"

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN
}

export async function run(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), "plasma-bench-compact-"))
  try {
    const template = join(dir, "template.sqlite")
    {
      const database = new Database(template)
      await fillChangeLog(database, fromBetterSqlite3(database))
      database.close()
    }
    const fresh = (name: string): Database.Database => {
      const path = join(dir, `${name}.sqlite`)
      copyFileSync(template, path)
      return new Database(path)
    }

    const plasma: number[] = []
    const notIn: number[] = []
    const exists: number[] = []
    let result = { removed: 0, kept: 0 }
    let baselineRemoved = 0
    for (let i = 0; i < ROUNDS; i++) {
      {
        const database = fresh(`plasma-${i}`)
        const executor = fromBetterSqlite3(database)
        const start = performance.now()
        result = await compactChangeLog({ executor, safeUpToVersion: BOUND })
        plasma.push(performance.now() - start)
        database.close()
      }
      {
        const database = fresh(`not-in-${i}`)
        const start = performance.now()
        baselineRemoved = database.prepare(NOT_IN_SQL).run(BOUND, BOUND).changes
        notIn.push(performance.now() - start)
        database.close()
      }
      {
        const database = fresh(`exists-${i}`)
        const start = performance.now()
        database.prepare(EXISTS_SQL).run(BOUND, BOUND)
        exists.push(performance.now() - start)
        database.close()
      }
    }
    const plasmaMs = median(plasma)
    const baselineMs = median(notIn)
    return [
      {
        workload: "compact-1m",
        ratio: round(plasmaMs / baselineMs, 2),
        ratioAgainst: "one raw DELETE … NOT IN (SELECT MAX(row_version) … GROUP BY table_name, row_id) on a copy of the same file",
        entries: 1_000_000,
        bound: BOUND,
        removed: result.removed,
        kept: result.kept,
        baselineRemoved,
        rounds: ROUNDS,
        plasmaMs: round(plasmaMs),
        baselineMs: round(baselineMs),
        existsStatementMs: round(median(exists)),
        ratioVsExistsStatement: round(plasmaMs / median(exists), 2),
        batchSize: 50_000,
      },
    ]
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
