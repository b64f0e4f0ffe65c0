/** @module fromD1: a `SqlExecutor` over a Cloudflare D1 binding. */
import { Kysely } from "kysely"
import { D1Dialect } from "kysely-d1"
import { ExecutorError, toExecutorErrorFromD1 } from "./executor-error.js"
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

/** What D1 reports for one statement (the subset used here). */
export interface D1ResultLike {
  readonly results?: readonly unknown[] | null
  readonly meta?: {
    readonly changes?: number
    readonly last_row_id?: number
  }
}

/** The subset of `D1PreparedStatement` used here, typed structurally (no workers-types needed). */
export interface D1PreparedStatementLike {
  bind(...values: unknown[]): D1PreparedStatementLike
  all(): Promise<D1ResultLike>
  run(): Promise<D1ResultLike>
}

/** The subset of `D1Database` used here; `env.DB` satisfies it. */
export interface D1DatabaseLike {
  prepare(query: string): D1PreparedStatementLike
  batch(statements: D1PreparedStatementLike[]): Promise<D1ResultLike[]>
}

const CAPABILITIES: ExecutorCapabilities = Object.freeze({
  interactiveTransactions: false,
  // D1 caps bound parameters per statement at 100 ("too many SQL variables" past it).
  maxBoundParameters: 100,
  // Workers Paid allows 1000 queries per invocation; a batch counts each statement.
  maxBatchStatements: 1000,
})

function normaliseParam(value: unknown, index: number, text: string): unknown {
  switch (typeof value) {
    case "boolean":
      return value ? 1 : 0
    case "undefined":
      // D1 refuses undefined ("D1_TYPE_ERROR: Type 'undefined' not supported").
      return null
    case "bigint":
      // D1 refuses bigint; numbers are exact up to 2^53.
      if (value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)) {
        return Number(value)
      }
      throw new ExecutorError(
        "invalid-parameter",
        `Parameter ${index + 1} is the bigint ${value}, outside the safe integer range D1 can bind exactly (±2^53-1), in: ${text}`,
      )
    case "object":
      // A Node Buffer (or any Uint8Array subclass) fails to serialise into workerd through
      // Miniflare; a plain Uint8Array view over the same bytes binds as a BLOB everywhere.
      if (value instanceof Uint8Array && value.constructor !== Uint8Array) {
        return new Uint8Array(value.buffer, value.byteOffset, value.byteLength)
      }
      return value
    default:
      return value
  }
}

function normaliseParams(params: readonly unknown[], text: string): unknown[] {
  const out = new Array<unknown>(params.length)
  for (let i = 0; i < params.length; i++) out[i] = normaliseParam(params[i], i, text)
  return out
}

/**
 * D1 returns BLOB columns as `number[]` (and some versions as `ArrayBuffer`); SQLite has no
 * other value that arrives as an array, so every array or buffer in a row is a BLOB.
 */
function normaliseRows(results: readonly unknown[] | null | undefined): Record<string, unknown>[] {
  if (results == null) return []
  const rows = results as Record<string, unknown>[]
  for (const row of rows) {
    for (const key in row) {
      const value = row[key]
      if (typeof value !== "object" || value === null) continue
      if (Array.isArray(value)) row[key] = Uint8Array.from(value as number[])
      else if (value instanceof ArrayBuffer) row[key] = new Uint8Array(value)
    }
  }
  return rows
}

/** Statements that can never change rows need no `changes()` probe after them. */
const READ_ONLY_STATEMENT = /^\s*(?:select|pragma|explain)\b/i

/**
 * D1's `meta.changes` is SQLite's total-changes delta: it counts rows written by triggers and
 * foreign-key cascades too (one INSERT into a table with a change-capture trigger reports 2).
 * `SqlRunResult.changes` promises the statement's own rows, as better-sqlite3 reports them, so
 * each write is followed, in the same batch, by `SELECT changes()`, which SQLite scopes to the
 * last top-level statement. A delta of 0 means the statement changed nothing at all.
 */
const CHANGES_PROBE = "SELECT changes() AS c"

function ownChanges(result: D1ResultLike, probe: D1ResultLike | undefined): number {
  const total = result.meta?.changes ?? 0
  if (total === 0 || probe === undefined) return total
  const row = probe.results?.[0] as { c?: unknown } | undefined
  return typeof row?.c === "number" ? row.c : total
}

function toRunResult(result: D1ResultLike, probe: D1ResultLike | undefined): SqlRunResult {
  return { changes: ownChanges(result, probe), lastInsertRowid: result.meta?.last_row_id ?? null }
}

/** Options for {@link fromD1}. */
export interface D1ExecutorOptions {
  /**
   * Report each write's own row count (better-sqlite3 semantics) instead of D1's count, which
   * includes trigger and cascade writes. Costs one extra `SELECT changes()` per write statement,
   * inside the same round trip. Default `true`.
   */
  readonly exactChanges?: boolean
}

class D1Executor implements SqlExecutor {
  readonly dialect: SqlDialect = sqliteDialect
  readonly capabilities: ExecutorCapabilities = CAPABILITIES
  readonly #d1: D1DatabaseLike
  readonly #exactChanges: boolean
  // One prepared probe, reused at every position (D1 accepts the same statement many times).
  #probe: D1PreparedStatementLike | undefined
  #kysely: Kysely<any> | undefined

  constructor(d1: D1DatabaseLike, options: D1ExecutorOptions | undefined) {
    this.#d1 = d1
    this.#exactChanges = options?.exactChanges ?? true
  }

  get kysely(): Kysely<any> {
    // kysely-d1 types its config with workers-types' D1Database; ours is the structural subset.
    this.#kysely ??= new Kysely<any>({
      dialect: new D1Dialect({ database: this.#d1 as ConstructorParameters<typeof D1Dialect>[0]["database"] }),
    })
    return this.#kysely
  }

  #prepare(query: SqlQuery): D1PreparedStatementLike {
    const statement = this.#d1.prepare(query.text)
    return query.params.length === 0
      ? statement
      : statement.bind(...normaliseParams(query.params, query.text))
  }

  #changesProbe(): D1PreparedStatementLike {
    this.#probe ??= this.#d1.prepare(CHANGES_PROBE)
    return this.#probe
  }

  #needsProbe(query: SqlQuery): boolean {
    return this.#exactChanges && !READ_ONLY_STATEMENT.test(query.text)
  }

  async all<R = Record<string, unknown>>(query: SqlQuery): Promise<R[]> {
    try {
      const result = await this.#prepare(query).all()
      return normaliseRows(result.results) as R[]
    } catch (error) {
      throw toExecutorErrorFromD1(error)
    }
  }

  async run(query: SqlQuery): Promise<SqlRunResult> {
    try {
      const statement = this.#prepare(query)
      if (!this.#needsProbe(query)) return toRunResult(await statement.run(), undefined)
      const [result, probe] = await this.#d1.batch([statement, this.#changesProbe()])
      return toRunResult(result ?? {}, probe)
    } catch (error) {
      throw toExecutorErrorFromD1(error)
    }
  }

  async batch(queries: readonly SqlQuery[], options?: BatchOptions): Promise<SqlBatchResult[]> {
    if (queries.length === 0) return []
    const probing = options?.changes !== false
    try {
      const statements: D1PreparedStatementLike[] = []
      // probed[i]: whether statement i is followed by a changes() probe.
      const probed: boolean[] = new Array<boolean>(queries.length)
      for (let i = 0; i < queries.length; i++) {
        const query = queries[i] as SqlQuery
        statements.push(this.#prepare(query))
        probed[i] = probing && this.#needsProbe(query)
        if (probed[i]) statements.push(this.#changesProbe())
      }
      const results = await this.#d1.batch(statements)
      const out: SqlBatchResult[] = new Array<SqlBatchResult>(queries.length)
      let at = 0
      for (let i = 0; i < queries.length; i++) {
        const result = results[at++] ?? {}
        const probe = probed[i] === true ? results[at++] : undefined
        out[i] = { rows: normaliseRows(result.results), ...toRunResult(result, probe) }
      }
      return out
    } catch (error) {
      throw toExecutorErrorFromD1(error)
    }
  }

  async transaction<T>(_fn: (tx: SqlTransaction) => Promise<T>): Promise<T> {
    throw new ExecutorError(
      "unsupported",
      "D1 has no interactive transactions (BEGIN and SAVEPOINT are refused); use batch() to run statements atomically. Check executor.capabilities.interactiveTransactions before calling transaction().",
    )
  }
}

/**
 * Wraps a D1 binding as a `SqlExecutor`. D1 has no interactive transactions: `batch()` is the
 * atomic unit and `transaction()` rejects with code `unsupported`.
 *
 * @example
 * ```ts
 * import { fromD1 } from "@plasma/executors/d1"
 *
 * export default {
 *   async fetch(request: Request, env: { DB: D1Database }) {
 *     const executor = fromD1(env.DB)
 *     const rows = await executor.all({ text: "SELECT * FROM todos WHERE id = ?", params: [1] })
 *     return Response.json(rows)
 *   },
 * }
 * ```
 */
export function fromD1(d1: D1DatabaseLike, options?: D1ExecutorOptions): SqlExecutor {
  return new D1Executor(d1, options)
}
