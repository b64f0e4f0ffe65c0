/** @module fromPostgres: a `SqlExecutor` over a node-postgres `Pool` (Node, or a Worker through Hyperdrive). */
import { Kysely, PostgresDialect } from "kysely"
import { ExecutorError } from "./executor-error.js"
import { toExecutorErrorFromPostgres } from "./postgres-error.js"
import { postgresDialect } from "./postgres-dialect.js"
import { toPostgresPlaceholders } from "./postgres-placeholders.js"
import type { SqlDialect } from "./sql-dialect.js"
import type {
  BatchOptions,
  ExecutorCapabilities,
  SqlBatchResult,
  SqlExecutor,
  SqlQuery,
  SqlRunResult,
  SqlTransaction,
} from "./sql-executor.js"

export { postgresDialect } from "./postgres-dialect.js"
export { toPostgresPlaceholders, type PostgresPlaceholderText } from "./postgres-placeholders.js"

/** A type parser node-postgres calls for one column value (text format). */
export type PgTypeParser = (value: string) => unknown

/** The per-query type parsers node-postgres accepts as `types`. */
export interface PgTypes {
  getTypeParser(oid: number, format?: string): PgTypeParser
}

/** What node-postgres returns for one query (the subset used here). */
export interface PgQueryResult {
  readonly rows: Record<string, unknown>[]
  readonly rowCount: number | null
  readonly command: string
}

/** A query as node-postgres takes it. */
export interface PgQueryConfig {
  readonly text: string
  readonly values: unknown[]
  readonly types?: PgTypes
}

/** The subset of a node-postgres `PoolClient` used here, typed structurally (pg is an optional peer). */
export interface PgPoolClientLike {
  query(config: PgQueryConfig): Promise<PgQueryResult>
  getTypeParser(oid: number, format?: string): PgTypeParser
  /** Returns the connection to the pool; an error argument destroys it instead. */
  release(destroy?: boolean | Error): void
}

/** The subset of a node-postgres `Pool` used here; `new Pool({ connectionString })` satisfies it. */
export interface PgPoolLike {
  connect(): Promise<PgPoolClientLike>
}

/** Options for {@link fromPostgres}. */
export interface PostgresExecutorOptions {
  /**
   * Isolation level of `transaction(fn)` and `batch()`. Default `"serializable"`: Postgres then
   * refuses (SQLSTATE 40001, code `busy`) a commit whose reads another commit changed, which is
   * how a mutator stays serializable (SPEC §7.4) without a global lock; callers retry `busy`.
   */
  readonly isolation?: "serializable" | "repeatable read" | "read committed"
}

const CAPABILITIES: ExecutorCapabilities = Object.freeze({
  interactiveTransactions: true,
  // The wire protocol's Bind message counts parameters in an Int16.
  maxBoundParameters: 32767,
  // One batch is one transaction on one connection; this only bounds how much one call holds.
  maxBatchStatements: 10000,
})

/** Postgres type OIDs parsed differently from node-postgres's defaults. */
const OID = { bool: 16, int8: 20, numeric: 1700, json: 114, jsonb: 3802 } as const

/**
 * Values come back as plasma's SQLite engines give them, so server code reads one shape:
 * - `bigint` (COUNT(*), BIGSERIAL) as a number when it is a safe integer (a JS `bigint` past 2^53);
 * - `numeric` (SUM of a bigint) as a number;
 * - `json`/`jsonb` as their JSON text (SQLite stores JSON as TEXT; callers `JSON.parse` it);
 * - `boolean` as 1/0 (SQLite has no booleans; plasma's decoders accept 1/0).
 */
function parseInt8(value: string): number | bigint {
  const n = Number(value)
  return Number.isSafeInteger(n) ? n : BigInt(value)
}
const PARSERS: ReadonlyMap<number, PgTypeParser> = new Map<number, PgTypeParser>([
  [OID.int8, parseInt8],
  [OID.numeric, (value) => Number(value)],
  [OID.json, (value) => value],
  [OID.jsonb, (value) => value],
  [OID.bool, (value) => (value === "t" ? 1 : 0)],
])

function typesFor(client: PgPoolClientLike): PgTypes {
  return {
    getTypeParser: (oid, format) => (format === "binary" ? undefined : PARSERS.get(oid)) ?? client.getTypeParser(oid, format),
  }
}

/** Booleans bind as 1/0 (Postgres reads `'1'` into both integer and boolean columns), `undefined` as NULL. */
function normaliseParams(params: readonly unknown[]): unknown[] {
  const out = new Array<unknown>(params.length)
  for (let i = 0; i < params.length; i++) {
    const value = params[i]
    if (typeof value === "boolean") out[i] = value ? 1 : 0
    else if (value === undefined) out[i] = null
    else if (typeof value === "symbol" || typeof value === "function") {
      throw new ExecutorError("invalid-parameter", `Parameter ${i + 1} is a ${typeof value}, which Postgres cannot bind.`)
    } else out[i] = value
  }
  return out
}

/** Texts already rewritten (`?` → `$n`), bounded: plasma's statements come from a few templates. */
const TEXT_CACHE_SIZE = 1000

const WRITE_COMMANDS = new Set(["INSERT", "UPDATE", "DELETE", "MERGE"])

class PostgresExecutor implements SqlExecutor {
  readonly dialect: SqlDialect = postgresDialect
  readonly capabilities: ExecutorCapabilities = CAPABILITIES

  readonly #pool: PgPoolLike
  readonly #begin: string
  readonly #texts = new Map<string, string>()
  #kysely: Kysely<any> | undefined

  constructor(pool: PgPoolLike, options: PostgresExecutorOptions | undefined) {
    this.#pool = pool
    this.#begin = `BEGIN ISOLATION LEVEL ${(options?.isolation ?? "serializable").toUpperCase()}`
  }

  get kysely(): Kysely<any> {
    // Kysely's own PostgresDialect over the same pool (its structural Pool type is pg's).
    this.#kysely ??= new Kysely<any>({ dialect: new PostgresDialect({ pool: this.#pool as never }) })
    return this.#kysely
  }

  async all<R = Record<string, unknown>>(query: SqlQuery): Promise<R[]> {
    return this.#withClient(async (client) => (await this.#query(client, query)).rows as R[])
  }

  async run(query: SqlQuery): Promise<SqlRunResult> {
    return this.#withClient(async (client) => toRunResult(await this.#query(client, query)))
  }

  async batch(queries: readonly SqlQuery[], options?: BatchOptions): Promise<SqlBatchResult[]> {
    if (queries.length === 0) return []
    void options // Postgres reports counts for free.
    return this.#inTransaction(async (client) => {
      const results = new Array<SqlBatchResult>(queries.length)
      for (let i = 0; i < queries.length; i++) {
        const result = await this.#query(client, queries[i] as SqlQuery)
        results[i] = { ...toRunResult(result), rows: result.rows }
      }
      return results
    })
  }

  async transaction<T>(fn: (tx: SqlTransaction) => Promise<T>): Promise<T> {
    let open = true
    try {
      return await this.#inTransaction(async (client) => {
        const tx: SqlTransaction = {
          all: async <R = Record<string, unknown>>(query: SqlQuery): Promise<R[]> => {
            if (!open) throw closedError()
            return (await this.#query(client, query)).rows as R[]
          },
          run: async (query: SqlQuery): Promise<SqlRunResult> => {
            if (!open) throw closedError()
            return toRunResult(await this.#query(client, query))
          },
        }
        try {
          return await fn(tx)
        } finally {
          open = false
        }
      }, true)
    } finally {
      open = false
    }
  }

  /**
   * Runs `fn` between BEGIN and COMMIT on one pooled connection; ROLLBACK when it throws. A
   * connection whose ROLLBACK failed is destroyed, never returned to the pool mid-transaction.
   * `passThrough`: errors thrown by `fn` itself (not by the database) reach the caller as is.
   */
  async #inTransaction<T>(fn: (client: PgPoolClientLike) => Promise<T>, passThrough = false): Promise<T> {
    const client = await this.#connect()
    let broken: Error | undefined
    try {
      await this.#raw(client, this.#begin)
      let result: T
      try {
        result = await fn(client)
      } catch (error) {
        try {
          await client.query({ text: "ROLLBACK", values: [] })
        } catch (rollbackError) {
          broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError))
        }
        throw passThrough ? error : toExecutorErrorFromPostgres(error)
      }
      try {
        await client.query({ text: "COMMIT", values: [] })
      } catch (error) {
        // A failed COMMIT (40001 under SERIALIZABLE) has already ended the transaction.
        throw toExecutorErrorFromPostgres(error)
      }
      return result
    } finally {
      client.release(broken)
    }
  }

  async #withClient<T>(fn: (client: PgPoolClientLike) => Promise<T>): Promise<T> {
    const client = await this.#connect()
    try {
      return await fn(client)
    } finally {
      client.release()
    }
  }

  async #connect(): Promise<PgPoolClientLike> {
    try {
      return await this.#pool.connect()
    } catch (error) {
      throw toExecutorErrorFromPostgres(error)
    }
  }

  async #raw(client: PgPoolClientLike, text: string): Promise<void> {
    try {
      await client.query({ text, values: [] })
    } catch (error) {
      throw toExecutorErrorFromPostgres(error)
    }
  }

  async #query(client: PgPoolClientLike, query: SqlQuery): Promise<PgQueryResult> {
    const values = normaliseParams(query.params)
    try {
      return await client.query({ text: this.#text(query.text), values, types: typesFor(client) })
    } catch (error) {
      throw toExecutorErrorFromPostgres(error)
    }
  }

  /** `?` → `$n` (see postgres-placeholders.ts), cached per text. */
  #text(text: string): string {
    const cached = this.#texts.get(text)
    if (cached !== undefined) return cached
    const rewritten = toPostgresPlaceholders(text).text
    if (this.#texts.size >= TEXT_CACHE_SIZE) this.#texts.clear()
    this.#texts.set(text, rewritten)
    return rewritten
  }
}

function toRunResult(result: PgQueryResult): SqlRunResult {
  // Postgres has no rowid: lastInsertRowid is always null (use RETURNING).
  return { changes: WRITE_COMMANDS.has(result.command) ? (result.rowCount ?? 0) : 0, lastInsertRowid: null }
}

function closedError(): ExecutorError {
  return new ExecutorError(
    "transaction-closed",
    "This transaction has already committed or rolled back; use the executor, not the transaction handle, after transaction() settles.",
  )
}

/**
 * Wraps a node-postgres `Pool` as a `SqlExecutor` with the {@link postgresDialect}.
 *
 * - Raw `all`/`run`/`batch` texts may use `?` placeholders (rewritten to `$1…`, so admin SQL
 *   written for SQLite runs unchanged) or Postgres's own `$1…` (passed through).
 * - `batch()` is one transaction; `transaction(fn)` holds one pooled connection open across
 *   awaits. Both run at the `isolation` level (default SERIALIZABLE): a serialization failure
 *   or deadlock surfaces as an `ExecutorError` with code `busy`, which callers retry.
 * - Calls outside a transaction run concurrently on other pooled connections: unlike
 *   better-sqlite3, nothing waits for an open transaction except Postgres's own row locks.
 * - Values read back as on SQLite: bigint and numeric as numbers, JSON as text, booleans as 1/0.
 *   `lastInsertRowid` is always `null` (use `RETURNING`).
 *
 * @example
 * ```ts
 * import { Pool } from "pg"
 * import { fromPostgres } from "@plasma/executors/postgres"
 *
 * // In a Worker: new Pool({ connectionString: env.HYPERDRIVE.connectionString })
 * const executor = fromPostgres(new Pool({ connectionString: process.env.DATABASE_URL }))
 * const rows = await executor.all({ text: "SELECT * FROM todos WHERE done = ?", params: [false] })
 * ```
 */
export function fromPostgres(pool: PgPoolLike, options?: PostgresExecutorOptions): SqlExecutor {
  return new PostgresExecutor(pool, options)
}
