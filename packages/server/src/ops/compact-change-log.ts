/**
 * `compactChangeLog`: folds the change log up to a bound down to the newest entry per row.
 *
 * Contract (SPEC §9): among entries with `row_version ≤ bound`, only the newest per
 * `(table_name, row_id)` stays — tombstones included, so clients that held a deleted row still
 * learn it is gone; entries above the bound are untouched; running it again removes nothing;
 * the floor in `_plasma_meta` rises to the bound, so snapshots below it are refused and pulls
 * from a cookie below it are answered with a reset.
 *
 * How it runs (a thin shell around `compaction-plan.ts`):
 * 1. The bound is clamped to the newest `row_version`. Versions are AUTOINCREMENT and commit in
 *    order (SPEC §7.5), so nothing can still appear at or below the clamped bound — the plan
 *    below stays true while pushes go on. Clamping also keeps the floor from pointing at versions
 *    that do not exist yet.
 * 2. The floor is raised BEFORE anything is deleted: from then on a snapshot below it fails and
 *    a pull below it resets, instead of reading a half-compacted prefix as if it were history.
 * 3. The keep set (newest version per row at or below the bound) is read from the
 *    `(table_name, row_id, row_version)` index in keyset pages, 8 bytes per distinct row.
 * 4. Deletes run in bounded batches, each its own statement (its own transaction, also on D1),
 *    over consecutive `row_version` ranges holding about `batchSize` entries:
 *    `DELETE … WHERE row_version > ? AND row_version <= ? AND row_version NOT IN (<kept in range>)`.
 *    Walking the primary key in order is what makes this cheap: deleting by (table, row) order
 *    or testing "a newer entry exists" per entry both cost 2–3× more on 1M entries (measured;
 *    see the README). Between batches pushes and pulls run.
 *
 * 5. With `pruneTombstonesUpTo` (≤ `safeUpToVersion`, clamped with it, and below the newest
 *    entry, which is never pruned: the head must not move down): the tombstone floor is raised
 *    to it first (from then on a pull cookie below it gets a reset walk instead of a log
 *    that lacks those deletes), then the `del` entries at or below it — by now the newest entry of
 *    their row — are deleted in bounded batches too.
 *
 * Concurrent compactions are safe: each deletes only entries superseded at or below its own
 * bound, and the newest entry at or below the larger bound is superseded under neither; pruning
 * removes only deletes, which no later put depends on.
 */
import { PlasmaError } from "@plasma/core"
import type { SqlDialect, SqlExecutor } from "@plasma/executors"
import { jsonListSql } from "../dialect/json-list-sql.js"
import { ensureInternalTables, raiseFloorStatement, readHeadVersion, TOMBSTONE_FLOOR_KEY } from "./change-log-meta.js"
import { nextCompactionWindow } from "./compaction-plan.js"
import { toRowVersion } from "./version-bound.js"

export interface CompactChangeLogOptions {
  readonly executor: SqlExecutor
  /** Entries at or below this `row_version` are folded. Pick it with `computeSafeCursor`. */
  readonly safeUpToVersion: number
  /**
   * Also drop deletes (tombstones) at or below this `row_version` (at most `safeUpToVersion`)
   * and record it as the tombstone floor: pull cookies below it then get a paged reset (SPEC
   * §8). Default: tombstones stay, so every old cookie converges without a reset.
   */
  readonly pruneTombstonesUpTo?: number
  /**
   * About how many log entries one delete statement covers. Default 50,000: a batch holds the
   * database for about a quarter second on 1M entries (file-backed SQLite), and few enough
   * batches that their fixed cost stays small — every batch rewrites the row-index pages its
   * deletes touch, which are spread over the whole index (see the README's measurements).
   */
  readonly batchSize?: number
}

export interface CompactChangeLogResult {
  /** Entries deleted by this run (pruned tombstones included). */
  readonly removed: number
  /** Entries at or below the (clamped) bound that remain: one per row. */
  readonly kept: number
}

const DEFAULT_BATCH_SIZE = 50_000
/** Most kept versions one delete carries in its JSON parameter (~80 KB of text; D1 bounds a value at 2 MB). */
const MAX_KEEP_PER_BATCH = 10_000
const KEEP_PAGE_SIZE = 5_000

const KEEP_FIRST_PAGE_SQL =
  "SELECT table_name AS t, row_id AS r, MAX(row_version) AS v FROM _plasma_changes WHERE row_version <= ? " +
  "GROUP BY table_name, row_id ORDER BY table_name, row_id LIMIT ?"
const KEEP_PAGE_SQL =
  "SELECT table_name AS t, row_id AS r, MAX(row_version) AS v FROM _plasma_changes WHERE (table_name, row_id) > (?, ?) AND row_version <= ? " +
  "GROUP BY table_name, row_id ORDER BY table_name, row_id LIMIT ?"
/** Where a batch of `n` entries after `from` ends: a primary-key range scan of n entries. */
const BATCH_END_SQL = "SELECT row_version AS v FROM _plasma_changes WHERE row_version > ? AND row_version <= ? ORDER BY row_version LIMIT 1 OFFSET ?"
/** A batch of pruned tombstones: the deletes in a `row_version` range. */
export const PRUNE_BATCH_SQL = "DELETE FROM _plasma_changes WHERE row_version > ? AND row_version <= ? AND op = 'del'"
/** The batched delete (SQLite's text; {@link compactBatchSql} gives each dialect's). */
export const COMPACT_BATCH_SQL =
  "DELETE FROM _plasma_changes WHERE row_version > ? AND row_version <= ? AND row_version NOT IN (SELECT value FROM json_each(?))"

/** The batched delete in `dialect`: params `[from, to, JSON array of kept versions]`. */
export function compactBatchSql(dialect: SqlDialect): string {
  if (dialect.name === "sqlite") return COMPACT_BATCH_SQL
  return `DELETE FROM _plasma_changes WHERE row_version > ? AND row_version <= ? AND row_version NOT IN (${jsonListSql(dialect, "bigint")})`
}

/** An ascending list of numbers in a growable Float64Array (8 bytes per entry, no boxing). */
class VersionList {
  #data = new Float64Array(1024)
  #length = 0
  push(value: number): void {
    if (this.#length === this.#data.length) {
      const grown = new Float64Array(this.#data.length * 2)
      grown.set(this.#data)
      this.#data = grown
    }
    this.#data[this.#length++] = value
  }
  sorted(): Float64Array {
    return this.#data.subarray(0, this.#length).sort()
  }
}

async function readKeepSet(executor: SqlExecutor, bound: number): Promise<Float64Array> {
  const keep = new VersionList()
  let after: { t: string; r: string } | null = null
  for (;;) {
    const page: { t: string; r: string; v: number }[] = await executor.all<{ t: string; r: string; v: number }>(
      after === null
        ? { text: KEEP_FIRST_PAGE_SQL, params: [bound, KEEP_PAGE_SIZE] }
        : { text: KEEP_PAGE_SQL, params: [after.t, after.r, bound, KEEP_PAGE_SIZE] },
    )
    for (const row of page) keep.push(Number(row.v))
    const last = page[page.length - 1]
    if (last === undefined || page.length < KEEP_PAGE_SIZE) break
    after = { t: String(last.t), r: String(last.r) }
  }
  return keep.sorted()
}

/** Raises the tombstone floor to `bound`, then deletes the `del` entries at or below it in batches. */
async function pruneTombstones(executor: SqlExecutor, bound: number, batchSize: number): Promise<number> {
  await executor.run(raiseFloorStatement(bound, TOMBSTONE_FLOOR_KEY))
  let removed = 0
  let from = 0
  while (from < bound) {
    const end = await executor.all<{ v: number }>({ text: BATCH_END_SQL, params: [from, bound, batchSize - 1] })
    const to = end[0] === undefined ? bound : Number(end[0].v)
    removed += (await executor.run({ text: PRUNE_BATCH_SQL, params: [from, to] })).changes
    from = to
  }
  return removed
}

/**
 * Compacts the change log up to `safeUpToVersion` (clamped to the newest version). Throws
 * `invalid-request` when the bound is not a row_version.
 * @example
 * const { removed, kept } = await compactChangeLog({ executor: fromD1(env.DB), safeUpToVersion: await computeSafeCursor(executor) })
 */
export async function compactChangeLog({ executor, safeUpToVersion, pruneTombstonesUpTo, batchSize = DEFAULT_BATCH_SIZE }: CompactChangeLogOptions): Promise<CompactChangeLogResult> {
  const requested = toRowVersion(safeUpToVersion, "safeUpToVersion")
  const prune = pruneTombstonesUpTo === undefined ? 0 : toRowVersion(pruneTombstonesUpTo, "pruneTombstonesUpTo")
  if (prune > requested) {
    throw new PlasmaError("invalid-request", `pruneTombstonesUpTo (${prune}) must not exceed safeUpToVersion (${requested}): only folded entries can lose their tombstones`, {
      details: { pruneTombstonesUpTo: prune, safeUpToVersion: requested },
    })
  }
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) {
    throw new PlasmaError("invalid-request", `batchSize must be a positive integer, got ${String(batchSize)}`)
  }
  await ensureInternalTables(executor)
  const head = await readHeadVersion(executor)
  const bound = Math.min(requested, head)
  if (bound <= 0) return { removed: 0, kept: 0 }
  await executor.run(raiseFloorStatement(bound))

  const keep = await readKeepSet(executor, bound)
  let removed = 0
  let from = 0
  let keepIndex = 0
  while (from < bound) {
    const end = await executor.all<{ v: number }>({ text: BATCH_END_SQL, params: [from, bound, batchSize - 1] })
    const entriesEnd = end[0] === undefined ? bound : Number(end[0].v)
    const window = nextCompactionWindow(keep, keepIndex, entriesEnd, bound, MAX_KEEP_PER_BATCH)
    const result = await executor.run({ text: compactBatchSql(executor.dialect), params: [from, window.to, JSON.stringify(window.keep)] })
    removed += result.changes
    from = window.to
    keepIndex = window.nextKeepIndex
  }
  // Never the newest entry of the log: the head would move down, and pulls read a cookie past
  // the head as one from a restored database.
  const pruneBound = Math.min(prune, bound, head - 1)
  if (pruneBound > 0) removed += await pruneTombstones(executor, pruneBound, batchSize)
  const kept = await executor.all<{ n: number }>({ text: "SELECT COUNT(*) AS n FROM _plasma_changes WHERE row_version <= ?", params: [bound] })
  return { removed, kept: Number(kept[0]?.n ?? 0) }
}
