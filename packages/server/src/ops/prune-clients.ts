/**
 * `pruneClients`: forgets clients that have not been seen for a long time, so
 * `_plasma_client_mutations` stops growing with every browser profile that ever synced.
 *
 * Protocol: up to `limit` clients whose `last_seen_at` (stamped by every push and pull) is older
 * than `now - inactiveForMs` are deleted, in batches of at most `batchSize` rows, each batch ONE
 * `DELETE … RETURNING` statement (its own transaction, on D1 too), so pushes and pulls keep
 * running between batches and no batch loads more than `batchSize` rows into memory. It returns
 * the clients it removed and whether more were due (call it again, from the next cron run).
 *
 * Why nothing is lost: a pruned client that comes back pushes its next mutation id, which is
 * above 1; the server no longer knows the client, expects id 1, and answers `mutation-id-gap`.
 * `@plasma/client` handles that by taking a new client id and re-queueing its pending mutations
 * under it, so they are applied once. What a returning client can no longer be told is the
 * result of a push whose answer it lost AND that it never pulled after (a pull reports its
 * `lastMutationIDs`): keep `inactiveForMs` far above how long a client may go between a push and
 * its next pull (the default is 90 days; clients pull on every poke and on start-up).
 * Client groups keep their owner (`_plasma_client_groups`): pruning never frees a group for
 * another user to claim.
 */
import { PlasmaError } from "@plasma/core"
import type { SqlExecutor } from "@plasma/executors"
import { ensureInternalTables } from "./change-log-meta.js"

export interface PruneClientsOptions {
  readonly executor: SqlExecutor
  /** Clients not seen (no push, no pull) for longer than this many ms are removed. At least one day. */
  readonly inactiveForMs: number
  /** At most this many clients per call. Default 10,000. */
  readonly limit?: number
  /** Clients per `DELETE` statement. Default 500. */
  readonly batchSize?: number
  /** The current time in unix ms. Default `Date.now()`. */
  readonly now?: number
}

/** One removed client. */
export interface PrunedClient {
  readonly clientGroupID: string
  readonly clientID: string
  /** Its `last_mutation_id` when it was removed. */
  readonly lastMutationID: number
}

export interface PruneClientsResult {
  /** The clients removed by this call. */
  readonly removed: readonly PrunedClient[]
  /** `true` when the call stopped at `limit` and more clients may be due. */
  readonly hasMore: boolean
}

const ONE_DAY_MS = 24 * 60 * 60 * 1000

// The row-value IN (not rowid) keeps the statement portable; both columns are the primary key.
const PRUNE_SQL =
  "DELETE FROM _plasma_client_mutations WHERE (client_group_id, client_id) IN " +
  "(SELECT client_group_id, client_id FROM _plasma_client_mutations WHERE last_seen_at < ? LIMIT ?) " +
  "RETURNING client_group_id AS g, client_id AS c, last_mutation_id AS m"

function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new PlasmaError("invalid-request", `pruneClients: ${name} must be a positive integer, got ${String(value)}`)
  return value
}

/**
 * Removes clients not seen for `inactiveForMs`, in bounded batches; returns what it removed.
 * @example
 * // In a scheduled Worker, beside compaction:
 * const { removed, hasMore } = await pruneClients({ executor, inactiveForMs: 90 * 24 * 60 * 60 * 1000 })
 */
export async function pruneClients(options: PruneClientsOptions): Promise<PruneClientsResult> {
  const { executor, inactiveForMs } = options
  const now = options.now ?? Date.now()
  // A small window would forget clients that are merely offline for a weekend; a day is the
  // least that is never a typo for seconds.
  if (typeof inactiveForMs !== "number" || !Number.isFinite(inactiveForMs) || inactiveForMs < ONE_DAY_MS) {
    throw new PlasmaError("invalid-request", `pruneClients: inactiveForMs must be a number of ms ≥ one day (${ONE_DAY_MS}), got ${String(inactiveForMs)}`)
  }
  if (!Number.isFinite(now)) throw new PlasmaError("invalid-request", `pruneClients: now must be a unix time in ms, got ${String(now)}`)
  const limit = positiveInteger("limit", options.limit ?? 10_000)
  const batchSize = positiveInteger("batchSize", options.batchSize ?? 500)
  await ensureInternalTables(executor)
  const cutoff = now - inactiveForMs
  const removed: PrunedClient[] = []
  while (removed.length < limit) {
    const want = Math.min(batchSize, limit - removed.length)
    const rows = await executor.all<{ g: string; c: string; m: number }>({ text: PRUNE_SQL, params: [cutoff, want] })
    for (const row of rows) removed.push({ clientGroupID: row.g, clientID: row.c, lastMutationID: Number(row.m) })
    if (rows.length < want) return { removed, hasMore: false }
  }
  return { removed, hasMore: true }
}
