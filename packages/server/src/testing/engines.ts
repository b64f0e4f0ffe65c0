/**
 * Engine factories for the server's tests. Every suite that touches a database runs once per
 * engine through {@link describeOnEngines}: better-sqlite3 in memory, real D1 inside workerd,
 * and — for suites that opt in with `{ postgres: true }` — a real PostgreSQL server.
 *
 * D1 databases come from a Miniflare instance with a pool of bindings (`DB0`, `DB1`, …), so
 * each test gets a fresh, empty database without paying for a workerd start per test.
 *
 * Postgres databases are fresh schemas (`plasma_t_…`) on the server named by `PLASMA_PG_URL`,
 * each reached through its own pool whose `search_path` is that schema. Without the variable,
 * the Postgres runs skip with one message (start one: `bash scripts/postgres.sh start`); under
 * `CI` a missing URL fails instead (`postgresTestUrl` throws), so CI never skips them. Suites
 * opt in as they come to pass on Postgres (SPEC §15 wants all of them there).
 */
import type { SqlExecutor } from "@plasma/executors"
import { fromBetterSqlite3 } from "@plasma/executors/better-sqlite3"
import { fromD1 } from "@plasma/executors/d1"
import { fromPostgres } from "@plasma/executors/postgres"
import { createBetterSqlite3, createPostgres, POSTGRES_SKIP_MESSAGE, postgresTestUrl, type MiniflareD1Database } from "@plasma/executors/testing"
import { afterAll, afterEach, beforeAll, describe } from "vitest"

export type EngineName = "better-sqlite3" | "d1" | "postgres"

/** One fresh database. */
export interface TestDatabase {
  readonly engine: EngineName
  /** The executor most tests use. */
  readonly executor: SqlExecutor
  /**
   * A NEW executor object over the same database: it shares no in-isolate state (write lock,
   * ensureSchema cache) with `executor`, like a second isolate would.
   */
  newExecutor(): SqlExecutor
}

/** Fresh databases of one engine; `stop()` releases them all. */
export interface EnginePool {
  open(): Promise<TestDatabase & { dispose(): Promise<void> | void }>
  stop(): Promise<void>
}

export interface Engine {
  readonly name: EngineName
  start(size: number): Promise<EnginePool>
}

const betterSqlite3Engine: Engine = {
  name: "better-sqlite3",
  async start() {
    return {
      async open() {
        const { database, executor, dispose } = await createBetterSqlite3()
        return { engine: "better-sqlite3", executor, newExecutor: () => fromBetterSqlite3(database), dispose }
      },
      async stop() {},
    }
  },
}

/**
 * Bindings per Miniflare instance. Miniflare's Node proxy fails (an internal assertion in its
 * synchronous fetcher) after some 60 distinct D1 bindings have been used from one instance, so
 * the pool moves to a new instance every `PER_INSTANCE` databases; the previous one is disposed
 * then (its databases belong to tests that have finished).
 */
const PER_INSTANCE = 32

async function startMiniflare(bindings: readonly string[]) {
  const { Miniflare } = await import("miniflare")
  const mf = new Miniflare({
    modules: true,
    script: "export default { fetch() { return new Response('ok') } }",
    compatibilityDate: "2026-04-20",
    d1Databases: [...bindings],
    cf: false,
  })
  await mf.ready
  return mf
}

const d1Engine: Engine = {
  name: "d1",
  async start(size) {
    const bindings = Array.from({ length: Math.min(size, PER_INSTANCE) }, (_, i) => `DB${i}`)
    let mf = await startMiniflare(bindings)
    let next = 0
    return {
      async open() {
        if (next >= bindings.length) {
          await mf.dispose()
          mf = await startMiniflare(bindings)
          next = 0
        }
        let d1: MiniflareD1Database
        try {
          d1 = await mf.getD1Database(bindings[next++]!)
        } catch {
          // Miniflare's synchronous Node proxy can fail an internal assertion under load and stay
          // broken for the instance's life: start a fresh instance instead of failing every test after.
          await mf.dispose().catch(() => undefined)
          mf = await startMiniflare(bindings)
          next = 0
          d1 = await mf.getD1Database(bindings[next++]!)
        }
        return { engine: "d1", executor: fromD1(d1), newExecutor: () => fromD1(d1), dispose() {} }
      },
      stop: () => mf.dispose(),
    }
  },
}

/** Fresh schemas on the server named by `PLASMA_PG_URL` (see the module doc). */
export const postgresEngine: Engine = {
  name: "postgres",
  async start() {
    return {
      async open() {
        const fixture = await createPostgres()
        return {
          engine: "postgres",
          executor: fixture.executor,
          // A new pool, like a second isolate's: no shared connection, lock or schema cache.
          newExecutor: () => fromPostgres(fixture.newPool()),
          dispose: () => fixture.dispose(),
        }
      },
      async stop() {},
    }
  },
}

/** The engines every suite runs on. */
export const ENGINES: readonly Engine[] = [betterSqlite3Engine, d1Engine]

let skipNoted = false

/**
 * The engines for one suite: {@link ENGINES}, plus Postgres when the suite opts in and a server
 * is configured (under `CI` an unconfigured server throws: never a silent skip there).
 */
export function enginesFor(options: DescribeOnEnginesOptions = {}): readonly Engine[] {
  // PLASMA_PG_ALL=1 runs every suite on Postgres too: how to find the next suite to opt in.
  if (options.postgres !== true && process.env.PLASMA_PG_ALL !== "1") return ENGINES
  if (postgresTestUrl() === null) {
    if (!skipNoted) console.warn(POSTGRES_SKIP_MESSAGE)
    skipNoted = true
    return ENGINES
  }
  return [...ENGINES, postgresEngine]
}

export interface DescribeOnEnginesOptions {
  /** D1 databases one Miniflare instance serves before the pool starts another. Default 32. */
  readonly poolSize?: number
  /** Also run on a real PostgreSQL server (`PLASMA_PG_URL`). */
  readonly postgres?: boolean
}

/**
 * Registers `body` once per engine. `open()` gives a fresh database, closed after the test.
 * @example
 * describeOnEngines("change capture", (open) => {
 *   it("logs inserts", async () => { const { executor } = await open(); … })
 * })
 */
export function describeOnEngines(title: string, body: (open: () => Promise<TestDatabase>, engine: EngineName) => void, options: DescribeOnEnginesOptions = {}): void {
  for (const engine of enginesFor(options)) {
    // D1 runs through Miniflare's Node proxy, whose flake (above) can fail the test it hits: one
    // retry on a fresh instance. better-sqlite3 gets none, so a flaky test of ours still shows.
    describe(`${title} [${engine.name}]`, { retry: engine.name === "d1" ? 1 : 0 }, () => {
      let pool: EnginePool | undefined
      const opened: { dispose(): Promise<void> | void }[] = []
      beforeAll(async () => {
        pool = await engine.start(options.poolSize ?? PER_INSTANCE)
      })
      afterEach(async () => {
        for (const db of opened.splice(0)) await db.dispose()
      })
      afterAll(async () => {
        await pool?.stop()
      })
      body(async () => {
        if (pool === undefined) throw new Error("engine not started")
        const db = await pool.open()
        opened.push(db)
        return db
      }, engine.name)
    })
  }
}
