/**
 * `serverLiveSelect`: re-run an admin query whenever the tables it reads change.
 *
 * Loop (one per subscriber, never two fetches at once):
 * - start: read the log head, then fetch (`initial`). Any change after that read has a higher
 *   `row_version`, so nothing committed between the read and the fetch is missed.
 * - every `checkIntervalMs` (default 250 ms, so a change is noticed within a quarter second even
 *   with a long heartbeat; at most `pollIntervalMs` apart, since a heartbeat checks first) — ONE
 *   query over only the entries appended since the last check (`row_version > ?`, a primary-key
 *   range seek: an idle check reads no entry):
 *   it returns the new head and whether any entry of a watched table is among them. A hit
 *   fetches (`change`); otherwise, once `pollIntervalMs` has passed since the last fetch began,
 *   it fetches anyway (`heartbeat`), so quiet periods still prove the loop alive.
 * - the next check is scheduled only after the current one (and its fetch) finished.
 * - a throwing `fetch` or `onChange` goes to `onError` (default `console.error`); the loop goes on.
 * - `stop()` clears the timer and marks the loop stopped: a fetch in flight finishes but its
 *   result is dropped, and nothing runs afterwards.
 *
 * Bypasses auth: `fetch` is whatever the caller runs. Do not hand its rows to end users unless
 * `fetch` re-applies the read predicates.
 */
import { PlasmaError } from "@plasma/core"
import type { SqlExecutor } from "@plasma/executors"
import { ensureInternalTables, readHeadVersion } from "./change-log-meta.js"

/** Why `onChange` was called, and the log position the fetch saw at least. */
export interface LiveSelectInfo {
  readonly reason: "initial" | "change" | "heartbeat"
  /** The newest `row_version` observed before the fetch ran: its result includes every change up to it. */
  readonly rowVersion: number
}

export interface ServerLiveSelectOptions<R> {
  readonly executor: SqlExecutor
  /** Tables whose changes trigger a fetch. Default: any change in the log (every synced table). */
  readonly tables?: readonly string[]
  /** Heartbeat: the longest gap between two fetches. Default 1000 ms. */
  readonly pollIntervalMs?: number
  /**
   * How often to look for changes: the longest delay between a commit and the fetch it causes.
   * Each look is one indexed query. Measured on Miniflare's D1 over a 1M-entry log, an idle look
   * reports `rows_read: 1` and a duration of 0 ms (sub-millisecond inside SQLite); the cost you
   * wait for is the round trip to D1. So a subscriber costs `1000 / checkIntervalMs` queries and
   * row reads a second (the default: 4 a second, ~350k a day). Default
   * 250 ms, or `pollIntervalMs` when that is shorter; raise it to save D1 reads when a slower
   * dashboard is fine. A heartbeat also checks, so the effective pace is at least one look per
   * `pollIntervalMs`.
   */
  readonly checkIntervalMs?: number
  readonly fetch: () => Promise<R> | R
  readonly onChange: (rows: R, info: LiveSelectInfo) => void | Promise<void>
  readonly onError?: (error: unknown) => void
}

/** A running live select. */
export interface LiveSelectHandle {
  /** Stops the loop at once; no `onChange` or `fetch` happens after it. */
  stop(): void
}

/** The default pause between two change checks: changes show within a quarter second. */
export const DEFAULT_CHECK_INTERVAL_MS = 250

function positiveMs(name: string, value: number): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new PlasmaError("invalid-request", `${name} must be a positive number of ms, got ${String(value)}`)
  }
  return value
}

/**
 * The change check: new head, and the newest watched entry, among entries after `?`.
 * Without a table filter it is `MAX(row_version)` alone.
 */
export function changeCheckSql(tableCount: number | null): string {
  if (tableCount === null) return "SELECT MAX(row_version) AS head, MAX(row_version) AS hit FROM _plasma_changes WHERE row_version > ?"
  const list = Array.from({ length: tableCount }, () => "?").join(", ")
  return `SELECT MAX(row_version) AS head, MAX(CASE WHEN table_name IN (${list}) THEN row_version END) AS hit FROM _plasma_changes WHERE row_version > ?`
}

/**
 * Runs `fetch` at start, after each change to a watched table and at least every
 * `pollIntervalMs`, and hands each result to `onChange`.
 * @example
 * const handle = serverLiveSelect({
 *   executor, tables: ["todos"], pollIntervalMs: 30_000, checkIntervalMs: 2_000,
 *   fetch: () => executor.all({ text: "SELECT userId, COUNT(*) AS n FROM todos GROUP BY userId", params: [] }),
 *   onChange: (rows, { reason }) => broadcast(rows),
 * })
 * handle.stop()
 */
export function serverLiveSelect<R>(options: ServerLiveSelectOptions<R>): LiveSelectHandle {
  const { executor, fetch, onChange } = options
  const pollIntervalMs = positiveMs("pollIntervalMs", options.pollIntervalMs ?? 1000)
  const checkIntervalMs = Math.min(pollIntervalMs, positiveMs("checkIntervalMs", options.checkIntervalMs ?? DEFAULT_CHECK_INTERVAL_MS))
  const tables = options.tables === undefined ? null : [...options.tables]
  const onError = options.onError ?? ((error: unknown) => console.error("serverLiveSelect:", error))
  const checkSql = changeCheckSql(tables === null ? null : tables.length)

  let stopped = false
  let timer: ReturnType<typeof setTimeout> | undefined
  let head: number | null = null
  let lastFetchAt = 0

  const report = (error: unknown): void => {
    if (stopped) return
    try {
      onError(error)
    } catch {
      // An onError that throws must not kill the loop.
    }
  }

  const runFetch = async (reason: LiveSelectInfo["reason"]): Promise<void> => {
    lastFetchAt = Date.now()
    try {
      const rows = await fetch()
      if (stopped) return
      await onChange(rows, { reason, rowVersion: head ?? 0 })
    } catch (error) {
      report(error)
    }
  }

  const check = async (): Promise<void> => {
    if (head === null) {
      // Start (or a start whose first read failed): the head, then the initial fetch.
      await ensureInternalTables(executor)
      head = await readHeadVersion(executor)
      if (!stopped) await runFetch("initial")
      return
    }
    const params: unknown[] = tables === null ? [head] : [...tables, head]
    const rows = await executor.all<{ head: number | null; hit: number | null }>({ text: checkSql, params })
    if (stopped) return
    const row = rows[0]
    if (row?.head !== null && row?.head !== undefined) head = Math.max(head, Number(row.head))
    if (row?.hit !== null && row?.hit !== undefined) await runFetch("change")
    else if (Date.now() - lastFetchAt >= pollIntervalMs) await runFetch("heartbeat")
  }

  const loop = async (): Promise<void> => {
    timer = undefined
    if (stopped) return
    try {
      await check()
    } catch (error) {
      report(error)
    }
    if (stopped) return
    // Until the start succeeded, retry at the check pace (never a tight loop on a failing database).
    const untilHeartbeat = head === null ? checkIntervalMs : lastFetchAt + pollIntervalMs - Date.now()
    timer = setTimeout(() => void loop(), Math.max(0, Math.min(checkIntervalMs, untilHeartbeat)))
  }

  void loop()
  return {
    stop() {
      stopped = true
      if (timer !== undefined) clearTimeout(timer)
      timer = undefined
    },
  }
}
