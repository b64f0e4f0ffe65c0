/**
 * What compaction removes, as a pure function: among the entries with `row_version ≤ bound`, every
 * entry except the newest one per `(table_name, row_id)`; a tombstone (`del`) that is the newest
 * stays, so a client that held the row still learns it is gone. Entries above the bound are never
 * touched. The plan is idempotent (planning over its own output removes nothing) and preserves
 * `reduceChangeLog(entries, v)` for every `v ≥ bound` — the properties its tests check, and the
 * oracle the SQL in `compact-change-log.ts` is tested against.
 */
import type { ChangeEntry } from "./change-log-reducer.js"

/** The outcome of {@link planCompaction}: row_versions, ascending. */
export interface CompactionPlan {
  /** Entries to delete. */
  readonly remove: readonly number[]
  /** Entries at or below the bound that stay (the newest per row). */
  readonly keep: readonly number[]
}

/**
 * Plans a compaction of `entries` up to `bound`.
 * @example
 * planCompaction(entries, 5000).remove // every superseded entry at or below 5000
 */
export function planCompaction(entries: Iterable<Pick<ChangeEntry, "rowVersion" | "tableName" | "rowId">>, bound: number): CompactionPlan {
  const newest = new Map<string, number>()
  const below: number[] = []
  for (const e of entries) {
    if (e.rowVersion > bound) continue
    below.push(e.rowVersion)
    // JSON of the pair: table names and row ids may contain any character.
    const key = JSON.stringify([e.tableName, e.rowId])
    const seen = newest.get(key)
    if (seen === undefined || e.rowVersion > seen) newest.set(key, e.rowVersion)
  }
  const keepSet = new Set(newest.values())
  const remove = below.filter((v) => !keepSet.has(v)).sort((a, b) => a - b)
  const keep = [...keepSet].sort((a, b) => a - b)
  return { remove, keep }
}

/** One batch of the compaction's delete loop: the row_version range `(from, to]` and the entries in it that stay. */
export interface CompactionWindow {
  readonly to: number
  /** The kept row_versions inside `(from, to]`, ascending. */
  readonly keep: readonly number[]
  /** Where the next window's kept versions start in the full keep list. */
  readonly nextKeepIndex: number
}

/**
 * Cuts the next batch of the delete loop. `keep` is the full ascending list of kept versions,
 * `keepIndex` the first not yet used (all before it are ≤ `from`); `entriesEnd` is where a batch
 * of the configured number of log entries would end. The window ends there, or earlier so that
 * it carries at most `maxKeep` kept versions (they travel as one bound JSON parameter, and D1
 * bounds a statement's size), and never past `bound`.
 */
export function nextCompactionWindow(keep: ArrayLike<number>, keepIndex: number, entriesEnd: number, bound: number, maxKeep: number): CompactionWindow {
  let to = Math.min(entriesEnd, bound)
  const cap = keepIndex + maxKeep - 1
  if (cap < keep.length && (keep[cap] as number) < to) to = keep[cap] as number
  const slice: number[] = []
  let i = keepIndex
  while (i < keep.length && (keep[i] as number) <= to) slice.push(keep[i++] as number)
  return { to, keep: slice, nextKeepIndex: i }
}
