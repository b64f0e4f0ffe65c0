/**
 * `gcOrphanedBlobs`: delete the bytes of blobs no row references, once they have been orphaned
 * for longer than the grace window. The planning is `planGc` (pure); this file is the loop.
 *
 * Protocol (its invariant: no committed row ever points at deleted bytes, even with several
 * runs at once — a cron firing twice, a manual run during the cron). Each run has a random
 * `runId`; a claim row carries the run that holds it and the start of its lease.
 * 1. Read: leftover claims (abandoned, or lease older than `leaseMs`), the oldest collectable
 *    orphans, and their totals (one batch). Claims of live runs are not leftovers.
 * 2. Take over the leftovers (one statement: re-stamp those still leftover with this run's id
 *    and lease) and claim, per chunk, in ONE atomic batch: copy into `_plasma_blob_gc` the
 *    chunk's hashes that are STILL orphaned past the grace and unreferenced, then delete exactly
 *    those from `_plasma_blobs`. A commit that writes a FileRef needs that `_plasma_blobs` row
 *    (its blob guard runs in the same atomic batch as its writes). So a mutation re-attaching a
 *    hash either commits before the claim — then the hash has a ref, the claim skips it and its
 *    bytes stay — or after it — then the guard finds no row and the mutation is refused as
 *    poison. Either way nothing committed names bytes about to be deleted. Only the hashes whose
 *    claim row now names this run are this run's to delete.
 * 3. Per hash, renew the lease and check it is still ours (one statement: `UPDATE … WHERE hash
 *    AND run_id`), then delete the bytes. A run that stalled past its lease finds its claim
 *    taken over and skips the hash: the run that took it over may have finished it, released
 *    it, and the hash may since have been uploaded and attached again.
 * 4. Release the chunk's claims and the `_plasma_blob_uploads` rows of the hashes whose bytes
 *    were deleted (one batch).
 *
 * Why a lease and not "every claim is a crashed run's leftover": a second run resuming a live
 * run's claim deletes its bytes and releases it; the hash can then be uploaded and attached
 * again, and the first run, resuming, deletes bytes a committed row references. With leases,
 * the second run leaves live claims alone (PUT keeps answering 503 for them), and the renewal
 * in step 3 fences a run that stalled for longer than its lease. The one assumption: a run does
 * not stall for longer than `leaseMs` between its renewal and its storage `delete` call (default
 * one hour; a Worker invocation is killed long before that).
 *
 * If storage fails midway, the claims of the blobs already deleted are released and the others
 * are marked abandoned (`run_id` NULL), so the next run finishes them at once; the database is
 * consistent meanwhile (those hashes have no `_plasma_blobs` row, so attaching them is refused
 * and PUT answers 503). The error is rethrown.
 *
 * On Postgres the batches of two runs (or of a run and a PUT) do run side by side, at
 * SERIALIZABLE: one that collides is refused `busy` and rolled back whole, and is run again
 * (`retry-busy.ts`), which gives the outcome of running them one after the other, as on SQLite.
 */
import type { SqlExecutor } from "@plasma/executors"
import type { BlobStorage } from "../storage/blob-storage.js"
import { blobSqlOf, type BlobSql } from "../blob-sql.js"
import { batchRetryingBusy } from "../retry-busy.js"
import { ensureBlobGcTable } from "./blob-gc-table.js"
import { planGc, type GcCandidate, type GcClaim, type GcPlan } from "./plan-gc.js"

/** Test seams between the steps; each may await to let other work interleave. */
export interface GcHooks {
  /** After the plan is made, before anything is claimed. */
  readonly afterPlan?: (plan: GcPlan) => Promise<void> | void
  /** After a chunk's claim batch committed, with the hashes it actually claimed. */
  readonly afterClaim?: (claimed: readonly string[]) => Promise<void> | void
  /** Just before the bytes of `hash` are deleted. */
  readonly beforeStorageDelete?: (hash: string) => Promise<void> | void
}

/** Options of {@link gcOrphanedBlobs}. */
export interface GcOrphanedBlobsOptions {
  readonly executor: SqlExecutor
  readonly storage: BlobStorage
  /** The grace window: a blob must have been unreferenced (or, never referenced, uploaded) this long. */
  readonly minOrphanAgeMs: number
  /** Most blobs deleted per call. */
  readonly limit: number
  /** The clock, unix ms. Default `Date.now()`. */
  readonly now?: number
  /** Hashes per claim batch. Default 500 (one JSON parameter, so D1's 100-parameter cap does not bind). */
  readonly chunkSize?: number
  /**
   * How long a claim protects a running collection from other runs. A claim older than this is
   * treated as a crashed run's leftover and finished by the next run. Default one hour
   * ({@link DEFAULT_GC_LEASE_MS}): far longer than a Worker invocation may live.
   */
  readonly leaseMs?: number
  /** Interleaving seams for tests. */
  readonly hooks?: GcHooks
}

/** What one run did. */
export interface GcResult {
  /** Blobs whose bytes were deleted. */
  readonly deleted: number
  /** Collectable blobs left for later runs (over `limit`, or claims a failure left behind). */
  readonly remaining: number
}

const DEFAULT_CHUNK = 500

/** Default lease of a collector's claims: one hour. */
export const DEFAULT_GC_LEASE_MS = 3_600_000

/**
 * Collects orphaned blobs.
 *
 * @example
 * const { deleted, remaining } = await gcOrphanedBlobs({
 *   executor: fromD1(env.DB),
 *   storage: r2Storage({ bucket: env.BUCKET }),
 *   minOrphanAgeMs: 7 * 24 * 3600 * 1000,
 *   limit: 500,
 * })
 */
export async function gcOrphanedBlobs(options: GcOrphanedBlobsOptions): Promise<GcResult> {
  const { executor, storage, hooks } = options
  const started = Date.now()
  const now = options.now ?? started
  const { minOrphanAgeMs, limit } = options
  const leaseMs = options.leaseMs ?? DEFAULT_GC_LEASE_MS
  if (!Number.isFinite(minOrphanAgeMs) || minOrphanAgeMs < 0) throw new RangeError(`gcOrphanedBlobs: minOrphanAgeMs must be a finite number ≥ 0, got ${minOrphanAgeMs}`)
  if (!Number.isSafeInteger(limit) || limit < 0) throw new RangeError(`gcOrphanedBlobs: limit must be an integer ≥ 0, got ${limit}`)
  if (!Number.isSafeInteger(leaseMs) || leaseMs < 1) throw new RangeError(`gcOrphanedBlobs: leaseMs must be a positive integer, got ${leaseMs}`)
  const chunkSize = Math.max(1, options.chunkSize ?? DEFAULT_CHUNK)
  await ensureBlobGcTable(executor)
  if (limit === 0) return { deleted: 0, remaining: await countCollectable(executor, now - minOrphanAgeMs, now - leaseMs) }

  // The run's clock: `now` (which tests may move) advanced by the real time elapsed, so lease
  // renewals stamp a later time than the claim.
  const run: Run = { executor, storage, hooks, sql: blobSqlOf(executor.dialect), id: crypto.randomUUID(), clock: () => now + (Date.now() - started) }
  const cutoff = now - minOrphanAgeMs
  const plan = planGc(await readSnapshot(executor, cutoff, now - leaseMs, limit), { now, minOrphanAgeMs, limit, leaseMs })
  await hooks?.afterPlan?.(plan)

  let deleted = 0
  for (const chunk of chunks(plan.resume, chunkSize)) deleted += await deleteAndRelease(run, await takeOver(run, chunk, now - leaseMs))
  for (const chunk of chunks(plan.claim, chunkSize)) {
    const claimed = await claim(run, chunk, cutoff)
    await hooks?.afterClaim?.(claimed)
    deleted += await deleteAndRelease(run, claimed)
  }
  return { deleted, remaining: plan.remaining }
}

/** One run's identity and collaborators. */
interface Run {
  readonly executor: SqlExecutor
  readonly storage: BlobStorage
  readonly hooks: GcHooks | undefined
  /** The dialect's spelling of the few fragments SQLite and Postgres differ on. */
  readonly sql: BlobSql
  readonly id: string
  readonly clock: () => number
}

const COLLECTABLE = "b.orphaned_at IS NOT NULL AND b.orphaned_at <= ? AND NOT EXISTS (SELECT 1 FROM _plasma_blob_refs r WHERE r.hash = b.hash)"
/** A claim another run may finish: its run gave up, or its lease (claimed before the bound) ran out. */
const LEFTOVER = "(run_id IS NULL OR claimed_at <= ?)"

async function readSnapshot(executor: SqlExecutor, cutoff: number, leaseBound: number, limit: number) {
  const [claims, claimCount, candidates, candidateCount] = await batchRetryingBusy(executor, [
    { text: `SELECT hash, claimed_at, run_id FROM _plasma_blob_gc WHERE ${LEFTOVER} ORDER BY claimed_at, hash LIMIT ?`, params: [leaseBound, limit] },
    { text: `SELECT COUNT(*) AS n FROM _plasma_blob_gc WHERE ${LEFTOVER}`, params: [leaseBound] },
    { text: `SELECT b.hash, b.orphaned_at FROM _plasma_blobs b WHERE ${COLLECTABLE} ORDER BY b.orphaned_at, b.hash LIMIT ?`, params: [cutoff, limit] },
    { text: `SELECT COUNT(*) AS n FROM _plasma_blobs b WHERE ${COLLECTABLE}`, params: [cutoff] },
  ])
  return {
    claims: (claims?.rows ?? []).map((r): GcClaim => ({ hash: String(r.hash), claimedAt: Number(r.claimed_at), abandoned: r.run_id === null })),
    claimsTotal: Number(claimCount?.rows[0]?.n ?? 0),
    candidates: (candidates?.rows ?? []).map((r): GcCandidate => ({ hash: String(r.hash), orphanedAt: Number(r.orphaned_at), referenced: false })),
    candidatesTotal: Number(candidateCount?.rows[0]?.n ?? 0),
  }
}

async function countCollectable(executor: SqlExecutor, cutoff: number, leaseBound: number): Promise<number> {
  const [claims, candidates] = await batchRetryingBusy(executor, [
    { text: `SELECT COUNT(*) AS n FROM _plasma_blob_gc WHERE ${LEFTOVER}`, params: [leaseBound] },
    { text: `SELECT COUNT(*) AS n FROM _plasma_blobs b WHERE ${COLLECTABLE}`, params: [cutoff] },
  ])
  return Number(claims?.rows[0]?.n ?? 0) + Number(candidates?.rows[0]?.n ?? 0)
}

/** Step 2 for leftovers: makes the chunk's claims that are still leftovers this run's; returns those. */
async function takeOver(run: Run, hashes: readonly string[], leaseBound: number): Promise<string[]> {
  const list = JSON.stringify(hashes)
  const inList = run.sql.jsonList
  const [, owned] = await batchRetryingBusy(run.executor, [
    {
      text: `UPDATE _plasma_blob_gc SET run_id = ?, claimed_at = ? WHERE hash IN ${inList} AND ${LEFTOVER}`,
      params: [run.id, run.clock(), list, leaseBound],
    },
    { text: `SELECT hash FROM _plasma_blob_gc WHERE run_id = ? AND hash IN ${inList} ORDER BY claimed_at, hash`, params: [run.id, list] },
  ])
  return (owned?.rows ?? []).map((r) => String(r.hash))
}

/** Step 2: claims the chunk's hashes that are still collectable; returns those this run claimed. */
async function claim(run: Run, hashes: readonly string[], cutoff: number): Promise<string[]> {
  const list = JSON.stringify(hashes)
  const { jsonList: inList, intParam } = run.sql
  const [, , claimed] = await batchRetryingBusy(run.executor, [
    {
      text: run.sql.insertIgnore(
        "_plasma_blob_gc (hash, claimed_at, run_id)",
        `SELECT b.hash, ${intParam}, ? FROM _plasma_blobs b WHERE b.hash IN ${inList} AND ${COLLECTABLE}`,
      ),
      params: [run.clock(), run.id, list, cutoff],
    },
    { text: `DELETE FROM _plasma_blobs WHERE hash IN (SELECT hash FROM _plasma_blob_gc WHERE run_id = ? AND hash IN ${inList})`, params: [run.id, list] },
    { text: `SELECT hash FROM _plasma_blob_gc WHERE run_id = ? AND hash IN ${inList} ORDER BY hash`, params: [run.id, list] },
  ])
  return (claimed?.rows ?? []).map((r) => String(r.hash))
}

/** Steps 3 and 4: per hash, renews the lease (skipping hashes taken over), deletes the bytes; then releases. */
async function deleteAndRelease(run: Run, hashes: readonly string[]): Promise<number> {
  const done: string[] = []
  try {
    for (const hash of hashes) {
      await run.hooks?.beforeStorageDelete?.(hash)
      if (!(await renew(run, hash))) continue
      await run.storage.delete(hash)
      done.push(hash)
    }
  } catch (error) {
    // Give up on the rest now rather than when the lease runs out: the next run finishes them.
    await release(run, done, true).catch(() => undefined)
    throw error
  }
  await release(run, done, false)
  return done.length
}

/** Restarts this run's lease on `hash`; `false` when the claim is no longer this run's. */
async function renew(run: Run, hash: string): Promise<boolean> {
  const result = await run.executor.run({ text: "UPDATE _plasma_blob_gc SET claimed_at = ? WHERE hash = ? AND run_id = ?", params: [run.clock(), hash, run.id] })
  return result.changes === 1
}

/** Releases the claims (and upload records) of `deleted`; with `abandonRest`, marks this run's other claims abandoned. */
async function release(run: Run, deleted: readonly string[], abandonRest: boolean): Promise<void> {
  const list = JSON.stringify(deleted)
  const inList = run.sql.jsonList
  const statements = [
    { text: `DELETE FROM _plasma_blob_uploads WHERE hash IN (SELECT hash FROM _plasma_blob_gc WHERE run_id = ? AND hash IN ${inList})`, params: [run.id, list] },
    { text: `DELETE FROM _plasma_blob_gc WHERE run_id = ? AND hash IN ${inList}`, params: [run.id, list] },
  ]
  if (abandonRest) statements.push({ text: "UPDATE _plasma_blob_gc SET run_id = NULL WHERE run_id = ?", params: [run.id] })
  if (deleted.length > 0 || abandonRest) await batchRetryingBusy(run.executor, statements)
}

function* chunks<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size)
}
