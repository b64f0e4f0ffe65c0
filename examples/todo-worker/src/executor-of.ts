/**
 * @module The Worker's one database seam: Postgres through Hyperdrive when the `HYPERDRIVE`
 * binding is present (`wrangler dev --env postgres`, `wrangler deploy --env postgres`), else D1.
 * Nothing else in the app knows which: the sync handler, the admin views and the cron take the
 * executor and run unchanged on both.
 */
import { fromD1 } from "@plasma/executors/d1"
import { fromPostgres } from "@plasma/executors/postgres"
import type { SqlExecutor } from "@plasma/executors"
import { Pool } from "pg"
import type { Env } from "./env.js"

// One executor per D1 binding and isolate: `ensureSchema` caches "the tables exist" per executor,
// so reusing it keeps the DDL check off the hot path.
const d1Executors = new WeakMap<D1Database, SqlExecutor>()

/**
 * Connections a request may hold. A push holds one for its commit; a pull, one for its batch; a
 * few more let the admin views' reads overlap. Workers cap a request's concurrent outbound
 * connections at 6, and Hyperdrive pools the real ones to the database anyway.
 */
const MAX_CONNECTIONS_PER_REQUEST = 5

/**
 * The executor for this request.
 *
 * Postgres: a new `Pool` per request, because a Worker may not reuse a socket opened by another
 * request (node-postgres's pool would, and fail), and a connect is cheap: Hyperdrive keeps the
 * connections to the database warm. The runtime closes the request's sockets when the request
 * and its `waitUntil` work are done. The price: `ensureSchema`'s per-executor cache starts empty
 * each request, so every request reads the schema fingerprint once (one indexed point read).
 */
export function executorOf(env: Env): SqlExecutor {
  if (env.HYPERDRIVE !== undefined) {
    const pool = new Pool({ connectionString: env.HYPERDRIVE.connectionString, max: MAX_CONNECTIONS_PER_REQUEST })
    // An idle connection the database drops emits 'error' on the pool; unheard, it would throw.
    pool.on("error", (error) => console.log(JSON.stringify({ event: "postgres-pool-error", error: error.message })))
    return fromPostgres(pool)
  }
  if (env.DB === undefined) throw new Error("wrangler.jsonc binds neither HYPERDRIVE (Postgres) nor DB (D1)")
  let executor = d1Executors.get(env.DB)
  if (executor === undefined) {
    executor = fromD1(env.DB)
    d1Executors.set(env.DB, executor)
  }
  return executor
}
