/**
 * `computeSafeCursor`: the bound a scheduled compaction may use, from what clients hold.
 *
 * Each pull records the cookie it hands out as `last_pull_version` (a reset walk's position
 * included) and stamps `last_seen_at`, so a client is protected from its first pull on. The
 * lowest position among clients seen within the window is the bound: compacting up to it, and
 * pruning tombstones up to it, changes nothing any of them still has to read. A client at
 * position 0 or NULL (it only pushed, or pulled an empty log) does not pin the bound: it holds
 * nothing, and the log read from the start is itself a full snapshot. With no active client
 * holding a cookie, the head version is returned: nobody is behind.
 *
 * The trade-off is the window. A client idle for longer than `activeWithinMs` is ignored. Folding
 * past its cookie costs it nothing (it jumps to the folded state); pruning tombstones past it
 * means its next pull is a paged reset walk (a full download instead of a delta). A longer window
 * keeps more tombstones (a bigger log, slower pulls from scratch); a shorter one resets more
 * returning clients.
 */
import { PlasmaError } from "@plasma/core"
import type { SqlExecutor } from "@plasma/executors"
import { ensureInternalTables, readHeadVersion } from "./change-log-meta.js"

export interface ComputeSafeCursorOptions {
  /** Clients whose `last_seen_at` is older than this many ms are ignored. Default 60 days. */
  readonly activeWithinMs?: number
  /** The current time in unix ms. Default `Date.now()`. */
  readonly now?: number
}

const SIXTY_DAYS_MS = 60 * 24 * 60 * 60 * 1000

/** Lowest position among active clients; `n = 0` when none is active. */
const ACTIVE_MIN_SQL =
  "SELECT COUNT(*) AS n, MIN(last_pull_version) AS v FROM _plasma_client_mutations WHERE last_seen_at >= ? AND last_pull_version > 0"

/**
 * The highest `row_version` that every client seen within the window has pulled past.
 * @example
 * await compactChangeLog({ executor, safeUpToVersion: await computeSafeCursor(executor) })
 */
export async function computeSafeCursor(executor: SqlExecutor, options: ComputeSafeCursorOptions = {}): Promise<number> {
  const activeWithinMs = options.activeWithinMs ?? SIXTY_DAYS_MS
  const now = options.now ?? Date.now()
  if (!Number.isFinite(activeWithinMs) || activeWithinMs < 0) {
    throw new PlasmaError("invalid-request", `activeWithinMs must be a finite number of ms ≥ 0, got ${String(activeWithinMs)}`)
  }
  if (!Number.isFinite(now)) throw new PlasmaError("invalid-request", `now must be a unix time in ms, got ${String(now)}`)
  await ensureInternalTables(executor)
  const rows = await executor.all<{ n: number; v: number | null }>({ text: ACTIVE_MIN_SQL, params: [now - activeWithinMs] })
  const row = rows[0]
  const head = await readHeadVersion(executor)
  if (row === undefined || Number(row.n) === 0) return head
  return Math.min(head, Math.max(0, Number(row.v ?? 0)))
}
