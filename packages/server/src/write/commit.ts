/**
 * Committing a buffered transaction in one atomic batch, in this order:
 * 1. guards — statements that insert into a table whose named CHECK fails when a conflict
 *    exists, aborting the whole batch (D1 has no BEGIN/ROLLBACK; this is the way to refuse):
 *    - serializable reads: no change row for a table read since `startVersion`;
 *    - exactly once: the client's `last_mutation_id` is still what the push saw;
 *    - blobs: every FileRef written has its bytes recorded in `_plasma_blobs` (same size);
 * 2. the transaction's statements: on SQLite the self-logging marker, the origin row, the row
 *    writes, their change rows and the client bookkeeping, then the marker's removal (see
 *    `change-rows.ts`); on Postgres origin stamps and row writes, the triggers logging them;
 * 3. clearing the origin row.
 * Guards run before the batch's own writes create change rows, so they only see others' commits.
 *
 * A failed batch is classified by the executor's error code and named constraint, never by
 * message text: a guard's constraint → `conflict` / `blob-missing`; any other constraint →
 * `constraint` (the mutation's fault); anything else → `error` (the database's side: a
 * transient code, or a refusal such as a value it cannot bind; see `isTransientFailure`).
 */
import { PlasmaError } from "@plasma/core"
import { isExecutorError, isTransientExecutorError, type SqlExecutor, type SqlQuery } from "@plasma/executors"
import { toDialectStatements } from "../dialect/postgres-statements.js"
import { BLOB_GUARD, CONFLICT_GUARD } from "../schema/internal-tables.js"
import type { ReadSet } from "./write-transaction.js"

/**
 * Who a batch writes for. The blob-ref triggers read its time (`orphaned_at`); on Postgres the
 * capture triggers stamp all of it on the change rows (on SQLite the write path logs its own).
 */
export interface Origin {
  readonly clientGroupID: string | null
  readonly clientID: string | null
  readonly mutationID: number | null
}

export const SERVER_ORIGIN: Origin = { clientGroupID: null, clientID: null, mutationID: null }

/** Sets the whole origin row: who writes, and the time stamped on change rows and orphans. */
export function originStatement(origin: Origin, now: number): SqlQuery {
  return {
    text: "INSERT OR REPLACE INTO _plasma_origin (id, client_group_id, client_id, mutation_id, now) VALUES (1, ?, ?, ?, ?)",
    params: [origin.clientGroupID, origin.clientID, origin.mutationID, now],
  }
}

/**
 * Moves an origin row set by {@link originStatement} on to the next mutation of the same push:
 * an in-place update of one column, cheaper than replacing the row (a delete and an insert).
 */
export function mutationStampStatement(mutationID: number): SqlQuery {
  return { text: "UPDATE _plasma_origin SET mutation_id = ? WHERE id = 1", params: [mutationID] }
}

const CLEAR_ORIGIN: SqlQuery = { text: "DELETE FROM _plasma_origin", params: [] }

/**
 * The serializability guard: conflict when a change row newer than `startVersion` touches a table
 * read whole, or one of the rows read by id. Table names are plain identifiers, so
 * `table || '/' || row_id` is an unambiguous row key.
 */
export function conflictGuard(startVersion: number, read: ReadSet): SqlQuery | null {
  if (read.tables.size === 0 && read.rows.length === 0) return null
  return {
    text:
      "INSERT INTO _plasma_guard (ok) SELECT 0 WHERE EXISTS (SELECT 1 FROM _plasma_changes WHERE row_version > ? " +
      "AND (table_name IN (SELECT value FROM json_each(?)) OR table_name || '/' || row_id IN (SELECT value FROM json_each(?))))",
    params: [startVersion, JSON.stringify([...read.tables]), JSON.stringify(read.rows.map(([table, id]) => `${table}/${id}`))],
  }
}

export function clientGuard(clientGroupID: string, clientID: string, expected: number | null): SqlQuery {
  return {
    text:
      "INSERT INTO _plasma_guard (ok) SELECT 0 WHERE (SELECT last_mutation_id FROM _plasma_client_mutations " +
      "WHERE client_group_id = ? AND client_id = ?) IS NOT ?",
    params: [clientGroupID, clientID, expected],
  }
}

/**
 * The blob guard: every FileRef written names bytes that were uploaded, with the same size and
 * MIME type (so a column's allow-list cannot be dodged by claiming another type).
 */
export function blobGuard(blobs: ReadonlyMap<string, { readonly size: number; readonly mime: string }>): SqlQuery | null {
  if (blobs.size === 0) return null
  return {
    text:
      "INSERT INTO _plasma_blob_guard (ok) SELECT 0 FROM json_each(?) j WHERE NOT EXISTS (SELECT 1 FROM _plasma_blobs b " +
      "WHERE b.hash = json_extract(j.value, '$[0]') AND b.size = json_extract(j.value, '$[1]') " +
      "AND b.mime = json_extract(j.value, '$[2]')) LIMIT 1",
    params: [JSON.stringify([...blobs].map(([hash, { size, mime }]) => [hash, size, mime]))],
  }
}

export type CommitOutcome =
  | { readonly ok: true }
  /**
   * - `conflict`: a serializability or exactly-once guard fired; re-run.
   * - `blob-missing`: a written FileRef has no bytes; the mutation's own fault.
   * - `constraint`: the database refused a row (unique, foreign key, check); the mutation's fault.
   * - `error`: anything else, on the database's side: transient (I/O, overload, a lost
   *   connection; never a reason to drop) or a refusal that may repeat (a value it cannot bind).
   */
  | { readonly ok: false; readonly reason: "conflict" | "blob-missing" | "constraint" | "error"; readonly error: unknown }

/** Runs guards + body + origin clear as one batch and classifies a failure. */
export async function commitBatch(executor: SqlExecutor, guards: readonly (SqlQuery | null)[], body: readonly SqlQuery[]): Promise<CommitOutcome> {
  const queries = [...guards.filter((g): g is SqlQuery => g !== null), ...body, CLEAR_ORIGIN]
  try {
    // The write path counts rows itself (the overlay); exact per-statement counts would cost D1
    // one extra statement per write.
    await executor.batch(toDialectStatements(executor.dialect, queries, true), { changes: false })
    return { ok: true }
  } catch (error) {
    if (isExecutorError(error, "constraint-violation")) {
      if (error.constraint === CONFLICT_GUARD) return { ok: false, reason: "conflict", error }
      if (error.constraint === BLOB_GUARD) return { ok: false, reason: "blob-missing", error }
      return { ok: false, reason: "constraint", error }
    }
    return { ok: false, reason: "error", error }
  }
}

/**
 * `true` when a failure says the database could not serve the call (a transient executor
 * code): retrying the same work later may succeed, and it never makes a mutation poison.
 * Anything else the executor throws is an answer that the same work gets again.
 */
export function isTransientFailure(error: unknown): boolean {
  return isTransientExecutorError(error)
}

/** Whether two failures are the same answer (same code, same text): a refusal that repeats. */
export function isSameFailure(a: unknown, b: unknown): boolean {
  if (!isExecutorError(a) || !isExecutorError(b)) return false
  return a.code === b.code && a.message === b.message
}

/** Turns a failed commit into the error a caller sees. */
export function commitError(outcome: Exclude<CommitOutcome, { ok: true }>): PlasmaError {
  if (outcome.reason === "blob-missing") {
    return new PlasmaError("blob-invalid", "a file value refers to bytes that were never uploaded (or whose size or MIME type differs); upload the blob first", { cause: outcome.error })
  }
  if (outcome.reason === "conflict") {
    return new PlasmaError("conflict-retry", "the transaction kept conflicting with concurrent writes; retry", { cause: outcome.error })
  }
  if (isExecutorError(outcome.error, "constraint-violation")) {
    return new PlasmaError("constraint-violation", `the write breaks a database constraint: ${outcome.error.message}`, { cause: outcome.error })
  }
  return unavailableError(outcome.error)
}

/** The error of work the database kept failing (503 with `Retry-After`; nothing was lost). */
export function unavailableError(cause: unknown): PlasmaError {
  return new PlasmaError("unavailable", "the database kept failing; nothing was applied past this point, retry later", { cause })
}

/** How long a transaction waits for the isolate's write lock before going on without it. */
const LOCK_WAIT_MS = 2_000
/** A holder this old is presumed gone (a cancelled request never runs its `finally`). */
const LOCK_STALE_MS = 30_000

/**
 * The per-executor write lock. Within one isolate it serializes plasma transactions so the
 * guards rarely fire. It is an optimisation, never the thing correctness rests on: the guards
 * are. That is why waiting is bounded — workerd cancels a request that waits on a promise only
 * another request can resolve, and a cancelled holder would otherwise wedge every later request
 * that shares a module-scope executor. A waiter that times out goes on unlocked, and a holder
 * older than LOCK_STALE_MS forfeits the lock.
 */
class WriteLock {
  #holder: symbol | null = null
  #since = 0
  readonly #waiters: (() => boolean)[] = []

  acquire(): (() => void) | Promise<() => void> {
    if (this.#holder !== null && Date.now() - this.#since > LOCK_STALE_MS) this.#holder = null
    if (this.#holder === null) return this.#take()
    return new Promise((resolve) => {
      let settled = false
      const timer = setTimeout(() => {
        settled = true
        resolve(() => {}) // unlocked: the guards keep the commit correct
      }, LOCK_WAIT_MS)
      this.#waiters.push(() => {
        if (settled) return false
        settled = true
        clearTimeout(timer)
        resolve(this.#take())
        return true
      })
    })
  }

  #take(): () => void {
    const token = Symbol("write-lock")
    this.#holder = token
    this.#since = Date.now()
    return () => {
      if (this.#holder !== token) return
      this.#holder = null
      while (this.#waiters.length > 0 && this.#holder === null) this.#waiters.shift()!()
    }
  }
}

const locks = new WeakMap<SqlExecutor, WriteLock>()

/**
 * Runs `fn` while holding this executor's write lock (see `WriteLock` for why the wait is
 * bounded). Within one isolate this serializes plasma's transactions on a database, so guards
 * fire mostly for writers in other isolates.
 */
export async function withWriteLock<T>(executor: SqlExecutor, fn: () => Promise<T>): Promise<T> {
  let lock = locks.get(executor)
  if (lock === undefined) locks.set(executor, (lock = new WriteLock()))
  const acquired = lock.acquire()
  const release = typeof acquired === "function" ? acquired : await acquired
  try {
    return await fn()
  } finally {
    release()
  }
}


/**
 * Bound on serializable retries before answering `conflict-retry`. Writers in other isolates
 * (or over other executor objects) share no lock, so under contention only the guards order
 * them: with N writers on one row, the last one may lose about N times. Full-jitter exponential
 * backoff spreads them out; this bound leaves room for a few dozen concurrent writers of one
 * row before the client is asked to retry.
 */
export const MAX_ATTEMPTS = 40

/**
 * Bound on attempts of work that failed on the database's side (`error`) before giving up:
 * answering 503, or, for a refusal that repeated identically on every attempt of one
 * mutation, dropping that mutation as poison.
 */
export const MAX_ERROR_ATTEMPTS = 3

/**
 * Waits a jittered delay before retry `attempt` (1-based): uniform in [0, min(3 s, 100 ms · 2^attempt)).
 * Measured on Miniflare D1 with 50 writers of one row through separate executors: a smaller base
 * or cap makes the losers retry faster than the database can serve them, and every lost attempt
 * costs four round trips.
 */
export function backoff(attempt: number): Promise<void> {
  const ms = Math.random() * Math.min(3000, 100 * 2 ** Math.min(attempt, 10))
  return new Promise((resolve) => setTimeout(resolve, ms))
}
