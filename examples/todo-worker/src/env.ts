/** @module The Worker's bindings and variables (see wrangler.jsonc). */

export interface Env {
  /** D1: the rows and plasma's tables (the default environment). */
  readonly DB?: D1Database
  /** Postgres through Hyperdrive (`--env postgres`); when bound, it is used instead of D1 (executor-of.ts). */
  readonly HYPERDRIVE?: Hyperdrive
  readonly BUCKET: R2Bucket
  readonly COORDINATOR: DurableObjectNamespace
  /** The page's static assets (dist-app/, built from src/app). */
  readonly ASSETS: Fetcher
  /**
   * Shared by the Worker (pokes, browser connects) and the Durable Object. A secret in production,
   * `.dev.vars` in development; undefined when neither is set (then every connect and poke fails closed).
   */
  readonly PLASMA_COORDINATOR_TOKEN?: string
  /** Guards `/admin/*`. A secret in production; `.dev.vars` in development. Unset: admin is off. */
  readonly ADMIN_TOKEN?: string
  /** How long an orphaned blob is kept before the cron deletes its bytes (ms, as text). */
  readonly BLOB_GRACE_MS: string
  /** Clients seen within this window hold compaction back (ms, as text). */
  readonly COMPACT_ACTIVE_WITHIN_MS: string
}

/** The admin token `.dev.vars.example` ships; the Worker refuses it unless the host is local. */
export const DEV_ADMIN_TOKEN = "dev-admin-token"
