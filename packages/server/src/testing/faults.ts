/**
 * Fault injection for the write-path tests: a wrapper around a REAL executor that fails chosen
 * calls the way the database would, with the error the real executor raises for it (its own
 * classification of a lost connection), before the call reaches the database or after it did
 * (the answer lost on the way back: the hardest case for exactly-once).
 */
import type { SqlExecutor, SqlQuery } from "@plasma/executors"
import { fromBetterSqlite3, type BetterSqlite3Database } from "@plasma/executors/better-sqlite3"
import { fromD1, type D1DatabaseLike, type D1PreparedStatementLike } from "@plasma/executors/d1"
import type { EngineName } from "./engines.js"

/** The executor calls a fault can hit. */
export type CallKind = "all" | "run" | "batch"

/** Which calls fail: calls `from`…`from + count - 1` (1-based) of one kind. */
export interface FaultPlan {
  readonly kind: CallKind
  readonly from: number
  /** How many calls in a row fail; `Infinity` for a database that stays down. */
  readonly count: number
  /** `after`: the call runs on the database, then its answer is lost. Default `before`. */
  readonly when?: "before" | "after"
  /** The error to throw (default: the engine's lost-connection error). */
  readonly error: unknown
}

/** An executor with faults, and what it saw. */
export interface FaultyExecutor extends SqlExecutor {
  /** Calls made so far, by kind (failed ones included). */
  readonly calls: Readonly<Record<CallKind, number>>
  /** Calls that failed. */
  readonly failures: number
  /** Ends the fault: every later call goes through. */
  heal(): void
}

/** Wraps `executor` so that the calls `plan` names fail (no plan: counts calls only). */
export function withFaults(executor: SqlExecutor, plan: FaultPlan | null): FaultyExecutor {
  const calls: Record<CallKind, number> = { all: 0, run: 0, batch: 0 }
  let failures = 0
  let healed = false
  const call = async <T>(kind: CallKind, go: () => Promise<T>): Promise<T> => {
    const n = ++calls[kind]
    const hit = !healed && plan !== null && plan.kind === kind && n >= plan.from && n < plan.from + plan.count
    if (!hit) return go()
    failures++
    if (plan.when === "after") await go()
    throw plan.error
  }
  return {
    dialect: executor.dialect,
    capabilities: executor.capabilities,
    get kysely() {
      return executor.kysely
    },
    get calls() {
      return { ...calls }
    },
    get failures() {
      return failures
    },
    heal() {
      healed = true
    },
    all: <R = Record<string, unknown>>(query: SqlQuery) => call("all", () => executor.all<R>(query)),
    run: (query) => call("run", () => executor.run(query)),
    batch: (queries, options) => call("batch", () => executor.batch(queries, options)),
    transaction: (fn) => executor.transaction(fn),
  }
}

/**
 * The error the engine's real executor raises when the connection drops under a call: the
 * driver error goes through the executor's own classification.
 */
export async function lostConnectionError(engine: EngineName): Promise<unknown> {
  const failing = engine === "d1" ? fromD1(lostD1()) : fromBetterSqlite3(lostSqlite())
  return failing.all({ text: "SELECT 1", params: [] }).then(
    () => {
      throw new Error("the failing executor answered")
    },
    (error: unknown) => error,
  )
}

/** A D1 binding whose every call fails as a dropped connection does in workerd. */
function lostD1(): D1DatabaseLike {
  const lost = (): Promise<never> => Promise.reject(new Error("D1_ERROR: Network connection lost."))
  const statement: D1PreparedStatementLike = { bind: () => statement, all: lost, run: lost }
  return { prepare: () => statement, batch: lost }
}

/** A better-sqlite3 database whose every statement fails with an I/O error, as the driver raises it. */
function lostSqlite(): BetterSqlite3Database {
  const ioError = (): never => {
    throw Object.assign(new Error("disk I/O error"), { code: "SQLITE_IOERR" })
  }
  return {
    inTransaction: false,
    prepare: () => ({ reader: true, readonly: true, all: ioError, run: ioError, iterate: ioError }),
    exec: () => undefined,
    transaction: (fn) => fn,
    close: () => undefined,
  }
}
