/**
 * Where a pull's page starts, as a pure function of the cookie and the log's bounds (SPEC §8).
 *
 * Rules, in order:
 * 1. No cookie: a walk from version 0. The client holds nothing, so its pages need no reset
 *    flag, unless tombstones were ever pruned: then the walk starts below the tombstone floor
 *    and is a reset walk (staging pages and swapping them in is the same as applying them to an
 *    empty state), whose cookies say "resetting" so the walk is not reset again half-way.
 * 2. A cookie past the head: the log cannot have issued it (a restored database, or a walk
 *    cut short by a restore), so a reset walk starts at 0.
 * 3. A resetting cookie: the walk goes on from its position, whatever the floors (a walk that
 *    started below a floor never resets again).
 * 4. A plain cookie below the tombstone floor: deletes it has not seen were pruned, so a reset
 *    walk starts at 0.
 * 5. Any other cookie, including one below the compaction floor (compaction keeps the newest
 *    entry of every row, tombstones included): from the cookie, no reset.
 *
 * The same decision is written in SQL in `pull.ts` ({@link pullStartSql}), so the page, the
 * recorded position and this function agree inside one atomic batch.
 */
import type { PullCookie } from "@plasma/core"

/** The log's bounds a pull decision reads. */
export interface LogBounds {
  /** The newest `row_version` (0 for an empty log). */
  readonly head: number
  /** Deletes at or below this version were pruned (0: none). */
  readonly tombstoneFloor: number
}

/** Where the page starts and whether it belongs to a reset walk. */
export interface PullStart {
  /** The page holds entries with `row_version > from`. */
  readonly from: number
  /** The page is part of a reset walk: it answers `reset: true`. */
  readonly resetting: boolean
}

/**
 * Decides where a pull starts.
 * @example
 * planPullStart({ version: 7, resetting: false }, { head: 100, tombstoneFloor: 50 }) // { from: 0, resetting: true }
 */
export function planPullStart(cookie: PullCookie | null, bounds: LogBounds): PullStart {
  if (cookie === null) return { from: 0, resetting: bounds.tombstoneFloor > 0 }
  if (cookie.version > bounds.head) return { from: 0, resetting: true }
  if (cookie.resetting) return { from: cookie.version, resetting: true }
  if (cookie.version < bounds.tombstoneFloor) return { from: 0, resetting: true }
  return { from: cookie.version, resetting: false }
}

/**
 * {@link planPullStart}'s `from` as an SQL expression over the head and tombstone-floor
 * expressions given; its parameters come from {@link pullStartParams}.
 */
export function pullStartSql(head: string, tombstoneFloor: string): string {
  return `(CASE WHEN ? > ${head} THEN 0 WHEN ? = 0 AND ? < ${tombstoneFloor} THEN 0 ELSE ? END)`
}

/** The parameters of {@link pullStartSql} for a cookie. */
export function pullStartParams(cookie: PullCookie | null): readonly number[] {
  const version = cookie?.version ?? 0
  // No cookie behaves as a resetting cookie at 0: from 0, whatever the floors.
  const resetting = cookie === null || cookie.resetting ? 1 : 0
  return [version, resetting, version, version]
}
