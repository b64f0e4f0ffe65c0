import type { Kysely } from "kysely"
import type { SqlDialect } from "./sql-dialect.js"

/** One SQL statement with its bound parameters. Parameters are always bound, never spliced. */
export interface SqlQuery {
  readonly text: string
  readonly params: readonly unknown[]
}

/** What a write statement reports. */
export interface SqlRunResult {
  /** Rows changed by the statement itself (not by triggers or cascades). */
  readonly changes: number
  /** The rowid of the last inserted row, when the driver reports it. */
  readonly lastInsertRowid: number | null
}

/** How a batch runs. */
export interface BatchOptions {
  /**
   * `false` when the caller never reads `changes`: an executor that pays for exact counts (D1
   * probes `changes()` after each write) may then skip that work and report 0.
   */
  readonly changes?: boolean
}

/** What one statement of a batch returns: its rows (empty for writes) and its change count. */
export interface SqlBatchResult extends SqlRunResult {
  readonly rows: readonly Record<string, unknown>[]
}

/**
 * What an executor can and cannot do. Callers branch on these flags, never on the driver's
 * identity.
 */
export interface ExecutorCapabilities {
  /**
   * `true` when `transaction(fn)` can hold a transaction open across awaits (better-sqlite3,
   * Postgres). `false` on D1, where the only atomic unit is `batch()`.
   */
  readonly interactiveTransactions: boolean
  /** Most bound parameters one statement may carry (D1: 100, SQLite: 32766). */
  readonly maxBoundParameters: number
  /** Most statements one `batch()` should carry; callers split larger work across batches. */
  readonly maxBatchStatements: number
}

/** The subset of an executor usable inside `transaction(fn)`. */
export interface SqlTransaction {
  all<R = Record<string, unknown>>(query: SqlQuery): Promise<R[]>
  run(query: SqlQuery): Promise<SqlRunResult>
}

/**
 * The one door to a database. Every plasma package reads and writes through it, and every
 * implementation passes the shared executor conformance suite.
 */
export interface SqlExecutor extends SqlTransaction {
  /** The SQL dialect: quoting, DDL flavour, and the Kysely compiler behind the query builder. */
  readonly dialect: SqlDialect
  readonly capabilities: ExecutorCapabilities
  /**
   * A Kysely instance bound to this database, for compiling builder queries and for callers that
   * want Kysely directly. Untyped on purpose: plasma's own types come from the schema.
   */
  readonly kysely: Kysely<any>
  /**
   * Runs the statements in order, atomically: all of them take effect or none do. A failing
   * statement rejects the whole batch with the driver's error as `cause`.
   */
  batch(queries: readonly SqlQuery[], options?: BatchOptions): Promise<SqlBatchResult[]>
  /**
   * Runs `fn` inside one transaction, committing when it resolves and rolling back when it
   * throws. Throws an `ExecutorError` with code `unsupported` when
   * `capabilities.interactiveTransactions` is false (D1).
   */
  transaction<T>(fn: (tx: SqlTransaction) => Promise<T>): Promise<T>
}
