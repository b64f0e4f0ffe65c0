/**
 * An executor that remembers the first error it threw. A push runs each mutator over one, so an
 * executor failure during the mutator is seen even when the mutator catches it and goes on (or
 * throws something else): such a mutation failed on the database's side, not by its own fault,
 * and must never be dropped as poison.
 */
import type { SqlExecutor, SqlQuery } from "@plasma/executors"

/** A {@link SqlExecutor} with the first error any of its calls threw since the last `reset()`. */
export interface WatchedExecutor extends SqlExecutor {
  /** `true` when a call threw since the last `reset()`. */
  readonly failed: boolean
  /** The first error thrown since the last `reset()` (`null` when none did). */
  readonly failure: unknown
  reset(): void
}

/** Wraps `executor`; every call goes through unchanged and a thrown error is also recorded. */
export function watchExecutor(executor: SqlExecutor): WatchedExecutor {
  let failure: unknown = null
  let failed = false
  const note = (error: unknown): never => {
    if (!failed) {
      failed = true
      failure = error
    }
    throw error
  }
  return {
    dialect: executor.dialect,
    capabilities: executor.capabilities,
    get kysely() {
      return executor.kysely
    },
    get failed() {
      return failed
    },
    get failure() {
      return failure
    },
    reset() {
      failed = false
      failure = null
    },
    all: <R = Record<string, unknown>>(query: SqlQuery) => executor.all<R>(query).catch(note),
    run: (query) => executor.run(query).catch(note),
    batch: (queries, options) => executor.batch(queries, options).catch(note),
    transaction: (fn) => executor.transaction(fn).catch(note),
  }
}
