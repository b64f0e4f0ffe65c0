/** @module @plasma/executors/testing: throwaway D1 (Miniflare), better-sqlite3 and Postgres executors, and the shared conformance suite. */
import type { Miniflare } from "miniflare"
import type Database from "better-sqlite3"
import { fromBetterSqlite3 } from "./better-sqlite3.js"
import { fromD1 } from "./d1.js"
import type { SqlExecutor } from "./sql-executor.js"

export {
  describeExecutorConformance,
  type ExecutorConformanceFactory,
  type ExecutorConformanceSubject,
} from "./conformance/executor-conformance.js"
export {
  createPostgres,
  postgresTestUrl,
  POSTGRES_SKIP_MESSAGE,
  POSTGRES_URL_ENV,
  type PostgresFixture,
  type PostgresFixtureOptions,
  type PostgresTestPool,
} from "./postgres-testing.js"

/** The D1 binding type Miniflare hands out (workers-types' `D1Database`). */
export type MiniflareD1Database = Awaited<ReturnType<Miniflare["getD1Database"]>>

/** Options for {@link createMiniflareD1}. */
export interface MiniflareD1Options {
  /** Workers compatibility date. Default `"2026-04-20"` (the bundled workerd is 1.20260426). */
  readonly compatibilityDate?: string
  /** Binding name of the database. Default `"DB"`. */
  readonly binding?: string
}

/** A real D1 database running in workerd, reachable from Node. */
export interface MiniflareD1 {
  readonly d1: MiniflareD1Database
  readonly executor: SqlExecutor
  readonly mf: Miniflare
  /** Stops workerd; the in-memory database is gone afterwards. */
  dispose(): Promise<void>
}

/**
 * Starts Miniflare with one in-memory D1 database and wraps it with `fromD1`. Miniflare is
 * imported on call, so this module loads without it.
 *
 * @example
 * ```ts
 * const { executor, dispose } = await createMiniflareD1()
 * await executor.run({ text: "CREATE TABLE t (v TEXT)", params: [] })
 * await dispose()
 * ```
 */
export async function createMiniflareD1(options?: MiniflareD1Options): Promise<MiniflareD1> {
  const { Miniflare } = await import("miniflare")
  const binding = options?.binding ?? "DB"
  const mf = new Miniflare({
    modules: true,
    script: "export default { fetch() { return new Response('ok') } }",
    compatibilityDate: options?.compatibilityDate ?? "2026-04-20",
    d1Databases: [binding],
    // Offline machines cannot fetch the Request.cf object; it is irrelevant here.
    cf: false,
  })
  try {
    const d1 = await mf.getD1Database(binding)
    return { d1, executor: fromD1(d1), mf, dispose: () => mf.dispose() }
  } catch (error) {
    await mf.dispose()
    throw error
  }
}

/** A better-sqlite3 database and its executor. */
export interface BetterSqlite3Fixture {
  readonly database: Database.Database
  readonly executor: SqlExecutor
  /** Closes the database. */
  dispose(): void
}

/**
 * Opens a better-sqlite3 database (in memory by default) and wraps it with `fromBetterSqlite3`.
 * better-sqlite3 is imported on call, so this module loads without it.
 *
 * @example
 * ```ts
 * const { executor, dispose } = await createBetterSqlite3()
 * ```
 */
export async function createBetterSqlite3(path = ":memory:"): Promise<BetterSqlite3Fixture> {
  const { default: BetterSqlite3 } = await import("better-sqlite3")
  const database = new BetterSqlite3(path)
  return { database, executor: fromBetterSqlite3(database), dispose: () => void database.close() }
}
