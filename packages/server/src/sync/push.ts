/**
 * Applying one push: the mutations of one client, in id order, exactly once.
 *
 * - `id ≤ last_mutation_id` is skipped (already applied); `id = last + 1` is applied; anything
 *   else is a gap: processing stops there, and what came before it still commits.
 * - A mutator that throws (or whose write a `write` predicate refuses) is rolled back and dropped,
 *   and its id still advances: one poison mutation must not wedge its client forever.
 * - The whole push commits as ONE batch behind the guards (exactly-once, serializable reads,
 *   blobs present). A conflict re-runs the push from scratch; a batch that fails for any other
 *   reason (a constraint only the database sees, a FileRef without bytes) is re-run one mutation
 *   per batch so that only the guilty mutation is dropped.
 */
import { createDb, invokeMutator, type AnySchema, type AuthContext, type MutatorMap } from "@plasma/core"
import type { SqlExecutor, SqlQuery } from "@plasma/executors"
import {
  backoff,
  blobGuard,
  clientGuard,
  commitBatch,
  commitError,
  conflictGuard,
  MAX_ATTEMPTS,
  MAX_ERROR_ATTEMPTS,
  originStatement,
  withWriteLock,
  type CommitOutcome,
} from "../write/commit.js"
import { HEAD_VERSION_SQL } from "../schema/internal-tables.js"
import { WriteTransaction } from "../write/write-transaction.js"

export interface PushMutation {
  readonly id: number
  readonly name: string
  readonly args: unknown
  readonly timestamp?: number
}

export interface PushInput {
  readonly schema: AnySchema
  readonly mutators: MutatorMap
  readonly executor: SqlExecutor
  readonly ctx: AuthContext
  readonly clientGroupID: string
  readonly clientID: string
  readonly mutations: readonly PushMutation[]
}

/** A mutation that was rolled back and dropped; its id advanced anyway. */
export interface DroppedMutation {
  readonly id: number
  readonly name: string
  readonly error: unknown
}

export interface PushResult {
  /** Mutations that ran (dropped ones included). */
  readonly processed: number
  /** Mutations skipped because they were already applied. */
  readonly skipped: number
  readonly dropped: readonly DroppedMutation[]
  /** Set when the push stopped at a gap. */
  readonly gap: { readonly expected: number; readonly got: number } | null
  /** The client's last_mutation_id after the push. */
  readonly lastMutationID: number
  /** Serializable retries the push needed. */
  readonly retries: number
}

function lastMutationStatement(clientGroupID: string, clientID: string, id: number, now: number): SqlQuery {
  return {
    text:
      "INSERT INTO _plasma_client_mutations (client_group_id, client_id, last_mutation_id, last_pull_version, last_seen_at) " +
      "VALUES (?, ?, ?, NULL, ?) ON CONFLICT (client_group_id, client_id) DO UPDATE SET " +
      "last_mutation_id = excluded.last_mutation_id, last_seen_at = excluded.last_seen_at",
    params: [clientGroupID, clientID, id, now],
  }
}

async function readPushStart(input: PushInput): Promise<{ startVersion: number; last: number | null }> {
  const [versions, clients] = await input.executor.batch([
    { text: HEAD_VERSION_SQL, params: [] },
    { text: "SELECT last_mutation_id AS m FROM _plasma_client_mutations WHERE client_group_id = ? AND client_id = ?", params: [input.clientGroupID, input.clientID] },
  ])
  const m = clients?.rows[0]?.m
  return { startVersion: Number(versions?.rows[0]?.v ?? 0), last: m === undefined || m === null ? null : Number(m) }
}

interface Attempt {
  readonly outcome: CommitOutcome | null
  readonly result: Omit<PushResult, "retries">
  /** The attempt stopped at its statement budget; mutations remain for another batch. */
  readonly more: boolean
}

/**
 * Runs the mutations from `from` on (at most `max` of them) in one transaction and commits it.
 * `outcome` is null when there was nothing to commit.
 */
async function attempt(input: PushInput, max: number, poison: ReadonlyMap<number, unknown>, budget = Number.POSITIVE_INFINITY): Promise<Attempt> {
  const { schema, mutators, executor, ctx, clientGroupID, clientID } = input
  const { startVersion, last } = await readPushStart(input)
  const tx = new WriteTransaction({ schema, executor, ctx, applyReadAuth: false })
  const db = createDb(schema, tx)
  const now = Date.now()
  const dropped: DroppedMutation[] = []
  let current = last ?? 0
  let skipped = 0
  let processed = 0
  let gap: PushResult["gap"] = null
  let more = false
  for (const m of input.mutations) {
    if (m.id <= current) {
      skipped++
      continue
    }
    if (m.id !== current + 1) {
      gap = { expected: current + 1, got: m.id }
      break
    }
    if (processed >= max) break
    // Past the statement budget, commit what we have; the caller runs the rest in another batch.
    if (processed > 0 && tx.statements().length >= budget) {
      more = true
      break
    }
    const mark = tx.mark()
    if (poison.has(m.id)) {
      dropped.push({ id: m.id, name: m.name, error: poison.get(m.id) })
    } else {
      tx.append(originStatement({ clientGroupID, clientID, mutationID: m.id }, now))
      try {
        await invokeMutator(mutators, m.name, { db, args: m.args, ctx, clientID, mutationID: m.id })
      } catch (error) {
        tx.rollbackTo(mark)
        dropped.push({ id: m.id, name: m.name, error })
      }
    }
    current = m.id
    processed++
  }
  const result = { processed, skipped, dropped, gap, lastMutationID: current }
  if (processed === 0) return { outcome: null, result, more }
  tx.append(lastMutationStatement(clientGroupID, clientID, current, now))
  const guards = [clientGuard(clientGroupID, clientID, last), conflictGuard(startVersion, tx.readSet()), blobGuard(tx.requiredBlobs())]
  return { outcome: await commitBatch(executor, guards, tx.statements()), result, more }
}

/**
 * Applies a push. Holds the executor's write lock for its whole duration.
 * Throws `conflict-retry` when serializable retries run out, and `internal` when the database
 * keeps failing for reasons that are not the mutations' (nothing is dropped then: the client
 * retries the same push later).
 */
export async function applyPush(input: PushInput): Promise<PushResult> {
  return withWriteLock(input.executor, async () => {
    let retries = 0
    let errors = 0
    /** Waits before another attempt, or throws when the failure's budget is spent. */
    const retry = async (outcome: Exclude<CommitOutcome, { ok: true }>): Promise<void> => {
      if (outcome.reason === "conflict" ? ++retries >= MAX_ATTEMPTS : ++errors >= MAX_ERROR_ATTEMPTS) throw commitError(outcome)
      await backoff(outcome.reason === "conflict" ? retries : errors)
    }
    // Fast path: every mutation in one batch — or in as few batches as the executor's statement
    // budget allows (D1 counts every statement), each one atomic at mutation boundaries.
    const budget = Math.max(50, input.executor.capabilities.maxBatchStatements - 20)
    let done: Omit<PushResult, "retries"> | null = null
    for (;;) {
      const { outcome, result, more } = await attempt(input, Number.POSITIVE_INFINITY, new Map(), budget)
      if (outcome === null || outcome.ok) {
        done =
          done === null
            ? result
            : { ...result, processed: done.processed + result.processed, skipped: done.skipped, dropped: [...done.dropped, ...result.dropped] }
        if (more) continue
        return { ...done, retries }
      }
      if (outcome.reason === "blob-missing" || outcome.reason === "constraint") break
      await retry(outcome)
    }
    // Slow path: one mutation per batch, so a batch the database refuses names its mutation;
    // that one is marked poison, and the next attempt drops it and commits only its id advance.
    // Batches the fast path already committed count as processed, not as skipped.
    const poison = new Map<number, unknown>()
    const dropped: DroppedMutation[] = [...(done?.dropped ?? [])]
    let processed = done?.processed ?? 0
    let skipped: number | null = done?.skipped ?? null
    for (;;) {
      const { outcome, result } = await attempt(input, 1, poison)
      skipped ??= result.skipped
      if (outcome === null) return { processed, skipped, dropped, gap: result.gap, lastMutationID: result.lastMutationID, retries }
      if (outcome.ok) {
        processed += result.processed
        dropped.push(...result.dropped)
      } else if (outcome.reason === "blob-missing" || outcome.reason === "constraint") {
        poison.set(result.lastMutationID, commitError(outcome))
      } else {
        await retry(outcome)
      }
    }
  })
}
