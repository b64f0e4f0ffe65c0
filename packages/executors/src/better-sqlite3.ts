/** @module fromBetterSqlite3: a `SqlExecutor` over a better-sqlite3 database (Node). */
import { Kysely, SqliteDialect } from "kysely"
import { AsyncMutex } from "./async-mutex.js"
import { ExecutorError, toExecutorErrorFromSqlite } from "./executor-error.js"
import { sqliteDialect, type SqlDialect } from "./sql-dialect.js"
import type {
  BatchOptions,
  ExecutorCapabilities,
  SqlBatchResult,
  SqlExecutor,
  SqlQuery,
  SqlRunResult,
  SqlTransaction,
} from "./sql-executor.js"

/**
 * The subset of a better-sqlite3 `Statement` this executor uses. Typed structurally so that
 * this package never imports better-sqlite3 (it is an optional peer).
 */
export interface BetterSqlite3Statement {
  /** `true` when the statement returns rows (SELECT, or a write with RETURNING). */
  readonly reader: boolean
  /** `true` when the statement never writes. */
  readonly readonly: boolean
  all(params: readonly unknown[]): unknown[]
  run(params: readonly unknown[]): { changes: number | bigint; lastInsertRowid: number | bigint }
  iterate(params: readonly unknown[]): IterableIterator<unknown>
}

/** The subset of a better-sqlite3 `Database` this executor uses. */
export interface BetterSqlite3Database {
  readonly inTransaction: boolean
  prepare(sql: string): BetterSqlite3Statement
  exec(sql: string): unknown
  /** Wraps `fn` so that each call runs inside BEGIN … COMMIT (ROLLBACK when it throws). */
  transaction(
    fn: (queries: readonly SqlQuery[]) => SqlBatchResult[],
  ): (queries: readonly SqlQuery[]) => SqlBatchResult[]
  close(): unknown
}

/** Options for {@link fromBetterSqlite3}. */
export interface BetterSqlite3ExecutorOptions {
  /** Prepared statements kept per executor, keyed by SQL text (least recently used evicted). Default 500. */
  readonly statementCacheSize?: number
}

const CAPABILITIES: ExecutorCapabilities = Object.freeze({
  interactiveTransactions: true,
  // SQLITE_MAX_VARIABLE_NUMBER in the SQLite that better-sqlite3 bundles.
  maxBoundParameters: 32766,
  maxBatchStatements: 10000,
})

const NO_ROWS: readonly Record<string, unknown>[] = Object.freeze([])
/** The result of a write in a batch whose caller reads no counts. */
const UNCOUNTED: SqlBatchResult = Object.freeze({ rows: NO_ROWS, changes: 0, lastInsertRowid: null })

function needsNormalising(value: unknown): boolean {
  return typeof value === "boolean" || value === undefined
}

/**
 * Returns `params` itself when every value binds as is (the common case: no allocation), or a
 * copy with booleans as 1/0 and `undefined` as NULL.
 */
function normaliseParams(params: readonly unknown[]): readonly unknown[] {
  const length = params.length
  for (let i = 0; i < length; i++) {
    if (needsNormalising(params[i])) {
      const copy = params.slice()
      for (let j = i; j < length; j++) {
        const value = copy[j]
        if (typeof value === "boolean") copy[j] = value ? 1 : 0
        else if (value === undefined) copy[j] = null
      }
      return copy
    }
  }
  return params
}

class BetterSqlite3Executor implements SqlExecutor {
  readonly dialect: SqlDialect = sqliteDialect
  readonly capabilities: ExecutorCapabilities = CAPABILITIES

  readonly #database: BetterSqlite3Database
  readonly #cacheSize: number
  readonly #statements = new Map<string, { readonly statement: BetterSqlite3Statement; used: boolean }>()
  readonly #mutex = new AsyncMutex()
  readonly #runBatch: (queries: readonly SqlQuery[]) => SqlBatchResult[]
  readonly #runQuietBatch: (queries: readonly SqlQuery[]) => SqlBatchResult[]
  #kysely: Kysely<any> | undefined

  constructor(database: BetterSqlite3Database, options: BetterSqlite3ExecutorOptions | undefined) {
    this.#database = database
    this.#cacheSize = Math.max(1, options?.statementCacheSize ?? 500)
    // better-sqlite3 enforces foreign keys only once this is set on the connection (D1 always does).
    database.exec("PRAGMA foreign_keys = ON")
    this.#runBatch = database.transaction((queries: readonly SqlQuery[]) => {
      const results: SqlBatchResult[] = new Array<SqlBatchResult>(queries.length)
      for (let i = 0; i < queries.length; i++) results[i] = this.#batchOne(queries[i] as SqlQuery)
      return results
    })
    // The caller reads no counts (`changes: false`): writes share one result object.
    this.#runQuietBatch = database.transaction((queries: readonly SqlQuery[]) => {
      const results: SqlBatchResult[] = new Array<SqlBatchResult>(queries.length)
      for (let i = 0; i < queries.length; i++) {
        const query = queries[i] as SqlQuery
        const statement = this.#statement(query.text)
        if (statement.reader) {
          results[i] = this.#batchOne(query)
        } else {
          statement.run(normaliseParams(query.params))
          results[i] = UNCOUNTED
        }
      }
      return results
    })
  }

  get kysely(): Kysely<any> {
    // Created on first use: most callers never touch it.
    this.#kysely ??= new Kysely<any>({ dialect: new SqliteDialect({ database: this.#database }) })
    return this.#kysely
  }

  async all<R = Record<string, unknown>>(query: SqlQuery): Promise<R[]> {
    const wait = this.#mutex.acquire()
    if (wait !== undefined) await wait
    try {
      return this.#all<R>(query)
    } finally {
      this.#mutex.release()
    }
  }

  async run(query: SqlQuery): Promise<SqlRunResult> {
    const wait = this.#mutex.acquire()
    if (wait !== undefined) await wait
    try {
      return this.#run(query)
    } finally {
      this.#mutex.release()
    }
  }

  async batch(queries: readonly SqlQuery[], options?: BatchOptions): Promise<SqlBatchResult[]> {
    if (queries.length === 0) return []
    const wait = this.#mutex.acquire()
    if (wait !== undefined) await wait
    try {
      return options?.changes === false ? this.#runQuietBatch(queries) : this.#runBatch(queries)
    } catch (error) {
      throw toExecutorErrorFromSqlite(error)
    } finally {
      this.#mutex.release()
    }
  }

  async transaction<T>(fn: (tx: SqlTransaction) => Promise<T>): Promise<T> {
    const wait = this.#mutex.acquire()
    if (wait !== undefined) await wait
    let open = true
    // The handle runs straight on the connection: the executor's mutex is already held for it.
    const tx: SqlTransaction = {
      all: async <R = Record<string, unknown>>(query: SqlQuery): Promise<R[]> => {
        if (!open) throw closedError()
        return this.#all<R>(query)
      },
      run: async (query: SqlQuery): Promise<SqlRunResult> => {
        if (!open) throw closedError()
        return this.#run(query)
      },
    }
    try {
      try {
        this.#statement("BEGIN IMMEDIATE").run([])
      } catch (error) {
        throw toExecutorErrorFromSqlite(error)
      }
      let result: T
      try {
        result = await fn(tx)
      } catch (error) {
        open = false
        this.#rollback()
        throw error
      }
      open = false
      try {
        this.#statement("COMMIT").run([])
      } catch (error) {
        this.#rollback()
        throw toExecutorErrorFromSqlite(error)
      }
      return result
    } finally {
      open = false
      this.#mutex.release()
    }
  }

  #rollback(): void {
    // SQLite may already have rolled back by itself (for example after SQLITE_FULL).
    if (this.#database.inTransaction) this.#statement("ROLLBACK").run([])
  }

  /**
   * The prepared statement for `text`, from a bounded cache with second-chance (CLOCK) eviction:
   * a hit only sets a flag, so the hot path of a large batch costs one map lookup per statement
   * instead of the delete and re-insert strict LRU ordering needs; a miss on a full cache evicts
   * the oldest entry not used since it was last passed over (an approximation of LRU).
   */
  #statement(text: string): BetterSqlite3Statement {
    const statements = this.#statements
    const cached = statements.get(text)
    if (cached !== undefined) {
      cached.used = true
      return cached.statement
    }
    const statement = this.#database.prepare(text)
    // An entry is passed over at most twice (once to clear its flag), so this ends within twice the cache size.
    for (const [key, entry] of statements) {
      if (statements.size < this.#cacheSize) break
      statements.delete(key)
      if (entry.used) {
        entry.used = false
        statements.set(key, entry)
      }
    }
    statements.set(text, { statement, used: false })
    return statement
  }

  #all<R>(query: SqlQuery): R[] {
    try {
      const statement = this.#statement(query.text)
      const params = normaliseParams(query.params)
      if (statement.reader) return statement.all(params) as R[]
      statement.run(params)
      return []
    } catch (error) {
      throw toExecutorErrorFromSqlite(error)
    }
  }

  #run(query: SqlQuery): SqlRunResult {
    try {
      const result = this.#statement(query.text).run(normaliseParams(query.params))
      return { changes: Number(result.changes), lastInsertRowid: Number(result.lastInsertRowid) }
    } catch (error) {
      throw toExecutorErrorFromSqlite(error)
    }
  }

  /** One statement of a batch; throws the raw driver error so the batch's transaction rolls back. */
  #batchOne(query: SqlQuery): SqlBatchResult {
    const statement = this.#statement(query.text)
    const params = normaliseParams(query.params)
    if (!statement.reader) {
      const result = statement.run(params)
      return {
        rows: NO_ROWS,
        changes: Number(result.changes),
        lastInsertRowid: Number(result.lastInsertRowid),
      }
    }
    const rows = statement.all(params) as Record<string, unknown>[]
    if (statement.readonly) return { rows, changes: 0, lastInsertRowid: null }
    // A write with RETURNING: all() gives the rows but not the counts; SQLite still has them.
    const counts = this.#statement("SELECT changes() AS c, last_insert_rowid() AS r").all([])[0] as {
      c: number
      r: number
    }
    return { rows, changes: counts.c, lastInsertRowid: counts.r }
  }
}

function closedError(): ExecutorError {
  return new ExecutorError(
    "transaction-closed",
    "This transaction has already committed or rolled back; use the executor, not the transaction handle, after transaction() settles.",
  )
}

/**
 * Wraps a better-sqlite3 database as a `SqlExecutor`. Turns on `PRAGMA foreign_keys`, caches
 * prepared statements, and serialises `transaction(fn)` against every other call on this
 * executor with an async mutex (`BEGIN IMMEDIATE` … `COMMIT`/`ROLLBACK`).
 *
 * Inside `transaction(fn)`, use the `tx` handle: calling the executor itself from `fn` waits
 * for the transaction to end, which never happens (a deadlock).
 *
 * @example
 * ```ts
 * import Database from "better-sqlite3"
 * import { fromBetterSqlite3 } from "@plasma/executors/better-sqlite3"
 *
 * const executor = fromBetterSqlite3(new Database("app.db"))
 * const rows = await executor.all({ text: "SELECT * FROM todos WHERE done = ?", params: [false] })
 * ```
 */
export function fromBetterSqlite3(
  database: BetterSqlite3Database,
  options?: BetterSqlite3ExecutorOptions,
): SqlExecutor {
  return new BetterSqlite3Executor(database, options)
}
