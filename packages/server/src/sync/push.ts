/**
 * Applying one push: the mutations of one client, in id order, exactly once.
 *
 * - `id ≤ last_mutation_id` is skipped (already applied); `id = last + 1` is applied; anything
 *   else is a gap: processing stops there, and what came before it still commits.
 * - Poison — the mutation's own fault — is rolled back and dropped, and its id still advances
 *   (one bad mutation must not wedge its client): the mutator throws, a `write` predicate or a
 *   constraint refuses its write (in the write path or in the database at commit), or a FileRef
 *   it writes has no bytes.
 * - An error raised by the executor — a read inside a mutator (even one the mutator caught), the
 *   push's own reads, the commit — is the database's side and never poison. The push retries
 *   with jittered backoff from the first unapplied mutation and, when the failures go on,
 *   answers `unavailable` (503): that mutation and the ones after it stay unapplied, and what
 *   committed before stays committed (the result then carries `failure`, so `onPushed` still
 *   runs). The one exception: a refusal (not a transient code) that repeats identically on
 *   every attempt of ONE mutation — a value the database cannot store — becomes poison after
 *   the retries, so no client is wedged by it.
 * - The push commits in as few batches as the executor's statement budget allows, each one
 *   atomic behind the guards (exactly-once, serializable reads, blobs present). A conflict
 *   re-runs from the first unapplied mutation. A batch the database refuses for a reason that
 *   may be one mutation's (a constraint only SQLite sees, a missing blob, a refused value) is
 *   re-run one mutation per batch, so that only the guilty mutation is dropped.
 */
import { createDb, invokeMutator, PlasmaError, type AnySchema, type AuthContext, type MutatorMap } from "@plasma/core"
import { isExecutorError, type SqlExecutor, type SqlQuery } from "@plasma/executors"
import {
  backoff,
  blobGuard,
  clientGuard,
  commitBatch,
  commitError,
  conflictGuard,
  isSameFailure,
  isTransientFailure,
  MAX_ATTEMPTS,
  MAX_ERROR_ATTEMPTS,
  mutationStampStatement,
  originStatement,
  unavailableError,
  withWriteLock,
  type CommitOutcome,
} from "../write/commit.js"
import { HEAD_VERSION_SQL } from "../schema/internal-tables.js"
import { guardAttaches } from "../write/attach-access.js"
import { WriteTransaction } from "../write/write-transaction.js"
import { watchExecutor } from "./watch-executor.js"

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
  /** The writer's principal (`principalOf`); when given, FileRef attaches are checked (`write/attach-access.ts`). */
  readonly principal?: string
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
  /**
   * Set when the database kept failing after part of the push committed: answer it (503, code
   * `unavailable` or `conflict-retry`) after `onPushed`, since the committed part changed data.
   * When nothing committed, `applyPush` throws the error instead.
   */
  readonly failure: PlasmaError | null
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

/** A mutation during which an executor call failed; the attempt stopped before it. */
interface FailedMutation {
  readonly id: number
  readonly error: unknown
}

interface Attempt {
  readonly outcome: CommitOutcome | null
  readonly result: Omit<PushResult, "retries" | "failure">
  /** The attempt stopped at its statement budget; mutations remain for another batch. */
  readonly more: boolean
  /** The attempt stopped at this mutation: the executor failed while it ran. */
  readonly failed: FailedMutation | null
}

/**
 * Runs the mutations from the first unapplied one on (at most `max` of them) in one transaction
 * and commits it. `outcome` is null when there was nothing to commit. Stops before a mutation
 * during which an executor call failed (`failed`), committing the ones before it.
 */
async function attempt(input: PushInput, max: number, poison: ReadonlyMap<number, unknown>, budget = Number.POSITIVE_INFINITY): Promise<Attempt> {
  const { schema, mutators, ctx, clientGroupID, clientID } = input
  const { startVersion, last } = await readPushStart(input)
  const executor = watchExecutor(input.executor)
  const now = Date.now()
  const tx = new WriteTransaction({ schema, executor, ctx, applyReadAuth: false, origin: { clientGroupID, clientID }, now })
  const db = createDb(schema, input.principal === undefined ? tx : guardAttaches(tx, { schema, executor, ctx, principal: input.principal }))
  const dropped: DroppedMutation[] = []
  let current = last ?? 0
  let skipped = 0
  let processed = 0
  let gap: PushResult["gap"] = null
  let more = false
  let failed: FailedMutation | null = null
  // Who writes is stamped once (the blob-ref triggers read its time; on Postgres the capture
  // triggers read all of it, and each mutation then moves the stamp's mutation id on).
  tx.append(originStatement({ clientGroupID, clientID, mutationID: null }, now))
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
    if (processed > 0 && tx.statementCount() >= budget) {
      more = true
      break
    }
    const mark = tx.mark()
    if (poison.has(m.id)) {
      dropped.push({ id: m.id, name: m.name, error: poison.get(m.id) })
    } else {
      // Self-logged change rows carry the id; Postgres's triggers read it from the origin stamp.
      if (tx.logsOwnChanges) tx.setMutationID(m.id)
      else tx.append(mutationStampStatement(m.id))
      executor.reset()
      let thrown: { error: unknown } | null = null
      try {
        await invokeMutator(mutators, m.name, { db, args: m.args, ctx, clientID, mutationID: m.id })
      } catch (error) {
        thrown = { error }
      }
      if (executor.failed) {
        // The database failed under this mutation, whatever the mutator made of it.
        tx.rollbackTo(mark)
        failed = { id: m.id, error: executor.failure }
        break
      }
      if (thrown !== null) {
        tx.rollbackTo(mark)
        dropped.push({ id: m.id, name: m.name, error: thrown.error })
      }
    }
    current = m.id
    processed++
  }
  const result = { processed, skipped, dropped, gap, lastMutationID: current }
  if (processed === 0) return { outcome: null, result, more, failed }
  tx.append(lastMutationStatement(clientGroupID, clientID, current, now))
  const guards = [clientGuard(clientGroupID, clientID, last), conflictGuard(startVersion, tx.readSet()), blobGuard(tx.requiredBlobs())]
  return { outcome: await commitBatch(input.executor, guards, tx.statements()), result, more, failed }
}

/** The poison error of a mutation the database refused identically on every attempt. */
function refusedError(id: number, error: unknown): PlasmaError {
  const message = error instanceof Error ? error.message : String(error)
  return new PlasmaError("invalid-value", `mutation ${id}: the database refused it identically on every attempt (${message})`, { cause: error })
}

/**
 * Applies a push. Holds the executor's write lock for its whole duration.
 *
 * Throws `conflict-retry` when serializable retries run out and `unavailable` when the database
 * keeps failing, if nothing of the push committed; after a partial commit the same error comes
 * back as `failure` in the result. Nothing is dropped by either: the client re-pushes the rest.
 */
export async function applyPush(input: PushInput): Promise<PushResult> {
  return withWriteLock(input.executor, async () => {
    // A D1 batch counts every statement; leave room for the guards and the bookkeeping.
    const budget = Math.max(50, input.executor.capabilities.maxBatchStatements - 20)
    const poison = new Map<number, unknown>()
    const dropped: DroppedMutation[] = []
    let skipped: number | null = null
    /** The client's last_mutation_id before the push, as the first attempt that ran read it. */
    let initialLast: number | null = null
    /** The client's last_mutation_id as of the last attempt that read or committed it. */
    let lastMutationID = 0
    let retries = 0
    /** Failures on the database's side in a row, without progress. */
    let errors = 0
    /** Those failures, while they all happened to the same mutation. */
    let strike: { id: number; errors: unknown[] } | null = null
    /** One mutation per batch, once a batch was refused for what may be one mutation's fault. */
    let single = false

    const finish = (gap: PushResult["gap"], failure: PlasmaError | null): PushResult => {
      // Counted from the ids the attempts that committed moved on. (A commit whose answer was
      // lost is not told apart from a concurrent duplicate push: the next attempt sees its
      // mutations as skipped, so onPushed may not run for it; the next push or pull catches up.)
      const processed = lastMutationID - (initialLast ?? lastMutationID)
      if (failure !== null && processed === 0) throw failure
      return { processed, skipped: skipped ?? 0, dropped, gap, lastMutationID, retries, failure }
    }
    /**
     * Counts a failure on the database's side (during mutation `id`, or outside any mutation when
     * null) and waits before the next attempt. Returns the error to answer with once the budget
     * is spent, or null to go on.
     */
    const onDatabaseFailure = async (error: unknown, id: number | null): Promise<PlasmaError | null> => {
      strike = id === null ? null : strike?.id === id ? { id, errors: [...strike.errors, error] } : { id, errors: [error] }
      if (++errors < MAX_ERROR_ATTEMPTS) {
        await backoff(errors)
        return null
      }
      // A refusal that repeated identically on every attempt of one mutation is that mutation's.
      const first = strike?.errors[0]
      if (strike !== null && strike.errors.length >= MAX_ERROR_ATTEMPTS && !isTransientFailure(first) && strike.errors.every((e) => isSameFailure(e, first))) {
        poison.set(strike.id, refusedError(strike.id, first))
        errors = 0
        strike = null
        return null
      }
      return unavailableError(error)
    }

    for (;;) {
      let run: Attempt
      try {
        run = await attempt(input, single ? 1 : Number.POSITIVE_INFINITY, poison, single ? Number.POSITIVE_INFINITY : budget)
      } catch (error) {
        // The push's own reads failed (anything else thrown here is a bug, not the database).
        if (!isExecutorError(error)) throw error
        const failure = await onDatabaseFailure(error, null)
        if (failure !== null) return finish(null, failure)
        continue
      }
      const { outcome, result, more, failed } = run
      if (outcome !== null && !outcome.ok) {
        if (outcome.reason === "conflict") {
          if (++retries >= MAX_ATTEMPTS) return finish(null, commitError(outcome))
          await backoff(retries)
        } else if (!single && (outcome.reason !== "error" || !isTransientFailure(outcome.error))) {
          // Maybe one mutation's fault: find it by committing one mutation per batch.
          single = true
        } else if (outcome.reason === "blob-missing" || outcome.reason === "constraint") {
          poison.set(result.lastMutationID, commitError(outcome))
        } else {
          const failure = await onDatabaseFailure(outcome.error, single ? result.lastMutationID : null)
          if (failure !== null) return finish(null, failure)
        }
        continue
      }
      // What the client had before the push, as the first attempt that committed (or found
      // nothing to do) saw it: a duplicate push that lost the race to an identical one counts
      // its mutations as skipped, not processed.
      skipped ??= result.skipped
      initialLast ??= result.lastMutationID - result.processed
      lastMutationID = result.lastMutationID
      if (outcome !== null) {
        dropped.push(...result.dropped)
        errors = 0
      }
      if (failed !== null) {
        const failure = await onDatabaseFailure(failed.error, failed.id)
        if (failure !== null) return finish(null, failure)
        continue
      }
      if (outcome === null || (!more && !single)) return finish(result.gap, null)
    }
  })
}
