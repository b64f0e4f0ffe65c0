/**
 * @module The Postgres workloads' shared parts: the server URL (or the skip line when none is
 * configured) and a meter around a node-postgres pool that counts statements and the wall time
 * spent waiting on `client.query` (the round trip to the server plus the server's work), so a
 * workload can say how much of its time is Postgres and how much is JavaScript.
 */
import type { PgPoolClientLike, PgPoolLike, PgQueryConfig, PgQueryResult } from "../packages/executors/dist/postgres.js"

/** The server the Postgres workloads use, or `null` (they then skip). */
export function pgBenchUrl(): string | null {
  const url = process.env["PLASMA_PG_URL"]
  return url === undefined || url === "" ? null : url
}

/** The one line a Postgres workload prints when it skips. */
export const PG_SKIP_LINE = (workload: string): string =>
  `  ${workload}: skipped, PLASMA_PG_URL is not set (start a server: export PLASMA_PG_URL=$(bash scripts/postgres.sh start))`

/** A pool whose clients are metered; `queries` and `waitMs` add up since the last `reset()`. */
export interface PgMeter {
  readonly pool: { connect(): Promise<MeteredClient> }
  readonly queries: number
  readonly waitMs: number
  /** Statements and wait per statement kind (its first words), for a profile. */
  readonly kinds: ReadonlyMap<string, { count: number; ms: number }>
  reset(): void
}

/** A statement's kind: its first words, whitespace collapsed (enough to tell plasma's statements apart). */
function kindOf(args: readonly unknown[]): string {
  const first = args[0]
  const text = typeof first === "string" ? first : typeof first === "object" && first !== null ? String((first as { text?: unknown }).text) : "?"
  return text.replace(/\s+/g, " ").trim().slice(0, 60)
}

/** A pooled client as the meter hands it out: node-postgres's own `query` shapes, timed. */
export interface MeteredClient extends PgPoolClientLike {
  query(config: PgQueryConfig & { readonly name?: string }): Promise<PgQueryResult>
}

/** Wraps `pool` (a node-postgres `Pool`) so every `client.query` is counted and timed. */
export function createPgMeter(pool: PgPoolLike): PgMeter {
  let queries = 0
  let waitMs = 0
  const kinds = new Map<string, { count: number; ms: number }>()
  const meteredPool = {
    async connect(): Promise<MeteredClient> {
      const client = await pool.connect()
      return {
        // Every argument passes through: Kysely's PostgresDialect calls query(text, values).
        async query(...args: unknown[]) {
          queries++
          const start = performance.now()
          try {
            return await (client.query as (...a: unknown[]) => Promise<PgQueryResult>).apply(client, args)
          } finally {
            const ms = performance.now() - start
            waitMs += ms
            const kind = kindOf(args)
            const entry = kinds.get(kind) ?? { count: 0, ms: 0 }
            entry.count++
            entry.ms += ms
            kinds.set(kind, entry)
          }
        },
        getTypeParser: (oid, format) => client.getTypeParser(oid, format),
        release: (destroy) => client.release(destroy),
      }
    },
  }
  return {
    pool: meteredPool,
    get queries() {
      return queries
    },
    get waitMs() {
      return waitMs
    },
    kinds,
    reset() {
      queries = 0
      waitMs = 0
      kinds.clear()
    },
  }
}

/** The `top` statement kinds by wait time, per operation (`per` operations were metered). */
export function topKinds(meter: PgMeter, per: number, top = 6): { kind: string; perOp: number; msPerOp: number }[] {
  return [...meter.kinds.entries()]
    .sort((a, b) => b[1].ms - a[1].ms)
    .slice(0, top)
    .map(([kind, { count, ms }]) => ({ kind, perOp: Math.round((count / per) * 10) / 10, msPerOp: Math.round((ms / per) * 100) / 100 }))
}
