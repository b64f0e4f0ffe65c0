/**
 * Throwaway Postgres databases for tests: each fixture is a fresh schema (`plasma_t_…`) on the
 * server named by `PLASMA_PG_URL`, reached through its own pool whose `search_path` is that
 * schema, so unqualified table names never collide between tests. `dispose()` drops the schema.
 *
 * Locally the Postgres suites skip when `PLASMA_PG_URL` is unset (start a server with
 * `bash scripts/postgres.sh start`); under `CI` a missing URL is an error, never a skip.
 */
import { fromPostgres, type PgPoolLike } from "./postgres.js"
import type { SqlExecutor } from "./sql-executor.js"

/** The environment variable naming the test server (`postgres://postgres@127.0.0.1:54329/postgres`). */
export const POSTGRES_URL_ENV = "PLASMA_PG_URL"

/** Why Postgres suites skip, said once where they do. */
export const POSTGRES_SKIP_MESSAGE = `Postgres suites skipped: ${POSTGRES_URL_ENV} is not set (run \`export ${POSTGRES_URL_ENV}=$(bash scripts/postgres.sh start)\`)`

/**
 * The test server's URL, or `null` when none is configured. Throws under `CI`, where the
 * Postgres suites must run, never skip.
 */
export function postgresTestUrl(): string | null {
  const url = process.env[POSTGRES_URL_ENV]
  if (url !== undefined && url !== "") return url
  if (process.env.CI !== undefined && process.env.CI !== "" && process.env.CI !== "false") {
    throw new Error(`${POSTGRES_URL_ENV} must be set in CI: the Postgres suites never skip there (.ci/run starts the server).`)
  }
  return null
}

/** A node-postgres pool as the fixture hands it out (enough to end it). */
export interface PostgresTestPool extends PgPoolLike {
  end(): Promise<void>
}

/** One fresh schema and an executor over it. */
export interface PostgresFixture {
  /** The schema every connection of `pool` uses (its `search_path`). */
  readonly schema: string
  readonly pool: PostgresTestPool
  readonly executor: SqlExecutor
  /** A new pool on the same schema (like a second Worker isolate would have). */
  newPool(): PostgresTestPool
  /** Drops the schema and ends every pool this fixture made. */
  dispose(): Promise<void>
}

let counter = 0

/** Options for {@link createPostgres}. */
export interface PostgresFixtureOptions {
  /** Server URL. Default: `PLASMA_PG_URL`. */
  readonly url?: string
  /** Connections per pool. Default 10. */
  readonly max?: number
}

/**
 * Creates a fresh schema on the test server and an executor whose pool lives in it. pg is
 * imported on call, so this module loads without it.
 *
 * @example
 * ```ts
 * const { executor, dispose } = await createPostgres()
 * ```
 */
export async function createPostgres(options?: PostgresFixtureOptions): Promise<PostgresFixture> {
  const url = options?.url ?? postgresTestUrl()
  if (url === null) throw new Error(POSTGRES_SKIP_MESSAGE)
  const { default: pg } = await import("pg")
  const schema = `plasma_t_${process.pid}_${Date.now().toString(36)}_${(counter++).toString(36)}`
  const admin = new pg.Pool({ connectionString: url, max: 1 })
  await admin.query(`CREATE SCHEMA "${schema}"`)
  const pools: PostgresTestPool[] = []
  const newPool = (): PostgresTestPool => {
    const pool = new pg.Pool({ connectionString: url, max: options?.max ?? 10, options: `-c search_path=${schema}` })
    // An idle connection the server drops must not crash the test process.
    pool.on("error", () => undefined)
    pools.push(pool)
    return pool
  }
  const pool = newPool()
  return {
    schema,
    pool,
    executor: fromPostgres(pool),
    newPool,
    async dispose() {
      for (const p of pools.splice(0)) await p.end()
      try {
        await admin.query(`DROP SCHEMA "${schema}" CASCADE`)
      } finally {
        await admin.end()
      }
    },
  }
}
