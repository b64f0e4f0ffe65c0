/**
 * `gcOrphanedBlobs`: delete the bytes of blobs no row references, once they have been orphaned
 * for longer than the grace window. The planning is `planGc` (pure); this file is the loop.
 *
 * Protocol (its invariant: no committed row ever points at deleted bytes):
 * 1. Read: leftover claims, the oldest collectable orphans, and their totals (one batch).
 * 2. Claim, per chunk, in ONE atomic batch: copy into `_plasma_blob_gc` the chunk's hashes that
 *    are STILL orphaned past the grace and unreferenced, then delete exactly those from
 *    `_plasma_blobs`. A commit that writes a FileRef needs that `_plasma_blobs` row (its blob
 *    guard runs in the same atomic batch as its writes). So a mutation re-attaching a hash
 *    either commits before the claim — then the hash has a ref, the claim skips it and its
 *    bytes stay — or after it — then the guard finds no row and the mutation is refused as
 *    poison. Either way nothing committed names bytes about to be deleted.
 * 3. Delete the claimed bytes from storage, one call per blob (the storage has no bulk delete).
 * 4. Release the chunk's claims (one statement).
 *
 * If storage fails midway, the claims of the blobs not yet deleted stay; the database is
 * consistent (those hashes have no `_plasma_blobs` row, so attaching them is refused and PUT
 * answers 503) and the next run finishes them first. The error is rethrown after the claims of
 * the blobs that were deleted have been released.
 */
import type { SqlExecutor } from "@plasma/executors"
import type { BlobStorage } from "../storage/blob-storage.js"
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
  const now = options.now ?? Date.now()
  const { minOrphanAgeMs, limit } = options
  if (!Number.isFinite(minOrphanAgeMs) || minOrphanAgeMs < 0) throw new RangeError(`gcOrphanedBlobs: minOrphanAgeMs must be a finite number ≥ 0, got ${minOrphanAgeMs}`)
  if (!Number.isSafeInteger(limit) || limit < 0) throw new RangeError(`gcOrphanedBlobs: limit must be an integer ≥ 0, got ${limit}`)
  const chunkSize = Math.max(1, options.chunkSize ?? DEFAULT_CHUNK)
  if (limit === 0) return { deleted: 0, remaining: await countCollectable(executor, now - minOrphanAgeMs) }

  await ensureBlobGcTable(executor)
  const cutoff = now - minOrphanAgeMs
  const plan = planGc(await readSnapshot(executor, cutoff, limit), { now, minOrphanAgeMs, limit })
  await hooks?.afterPlan?.(plan)

  let deleted = 0
  for (const chunk of chunks(plan.resume, chunkSize)) deleted += await deleteAndRelease(executor, storage, chunk, hooks)
  for (const chunk of chunks(plan.claim, chunkSize)) {
    const claimed = await claim(executor, chunk, cutoff, now)
    await hooks?.afterClaim?.(claimed)
    deleted += await deleteAndRelease(executor, storage, claimed, hooks)
  }
  return { deleted, remaining: plan.remaining }
}

const COLLECTABLE = "b.orphaned_at IS NOT NULL AND b.orphaned_at <= ? AND NOT EXISTS (SELECT 1 FROM _plasma_blob_refs r WHERE r.hash = b.hash)"

async function readSnapshot(executor: SqlExecutor, cutoff: number, limit: number) {
  const [claims, claimCount, candidates, candidateCount] = await executor.batch([
    { text: "SELECT hash, claimed_at FROM _plasma_blob_gc ORDER BY claimed_at, hash LIMIT ?", params: [limit] },
    { text: "SELECT COUNT(*) AS n FROM _plasma_blob_gc", params: [] },
    { text: `SELECT b.hash, b.orphaned_at FROM _plasma_blobs b WHERE ${COLLECTABLE} ORDER BY b.orphaned_at, b.hash LIMIT ?`, params: [cutoff, limit] },
    { text: `SELECT COUNT(*) AS n FROM _plasma_blobs b WHERE ${COLLECTABLE}`, params: [cutoff] },
  ])
  return {
    claims: (claims?.rows ?? []).map((r): GcClaim => ({ hash: String(r.hash), claimedAt: Number(r.claimed_at) })),
    claimsTotal: Number(claimCount?.rows[0]?.n ?? 0),
    candidates: (candidates?.rows ?? []).map((r): GcCandidate => ({ hash: String(r.hash), orphanedAt: Number(r.orphaned_at), referenced: false })),
    candidatesTotal: Number(candidateCount?.rows[0]?.n ?? 0),
  }
}

async function countCollectable(executor: SqlExecutor, cutoff: number): Promise<number> {
  const rows = await executor.all<{ n: number }>({ text: `SELECT COUNT(*) AS n FROM _plasma_blobs b WHERE ${COLLECTABLE}`, params: [cutoff] })
  return Number(rows[0]?.n ?? 0)
}

/** Step 2: claims the chunk's hashes that are still collectable; returns those it claimed. */
async function claim(executor: SqlExecutor, hashes: readonly string[], cutoff: number, now: number): Promise<string[]> {
  const list = JSON.stringify(hashes)
  const [, , claimed] = await executor.batch([
    {
      text:
        `INSERT OR IGNORE INTO _plasma_blob_gc (hash, claimed_at) SELECT b.hash, ? FROM _plasma_blobs b ` +
        `WHERE b.hash IN (SELECT value FROM json_each(?)) AND ${COLLECTABLE}`,
      params: [now, list, cutoff],
    },
    { text: "DELETE FROM _plasma_blobs WHERE hash IN (SELECT hash FROM _plasma_blob_gc WHERE hash IN (SELECT value FROM json_each(?)))", params: [list] },
    { text: "SELECT hash FROM _plasma_blob_gc WHERE hash IN (SELECT value FROM json_each(?)) ORDER BY hash", params: [list] },
  ])
  return (claimed?.rows ?? []).map((r) => String(r.hash))
}

/** Steps 3 and 4: deletes the bytes, then releases the claims of what was deleted. */
async function deleteAndRelease(executor: SqlExecutor, storage: BlobStorage, hashes: readonly string[], hooks: GcHooks | undefined): Promise<number> {
  const done: string[] = []
  try {
    for (const hash of hashes) {
      await hooks?.beforeStorageDelete?.(hash)
      await storage.delete(hash)
      done.push(hash)
    }
  } finally {
    if (done.length > 0) await release(executor, done)
  }
  return done.length
}

async function release(executor: SqlExecutor, hashes: readonly string[]): Promise<void> {
  await executor.run({ text: "DELETE FROM _plasma_blob_gc WHERE hash IN (SELECT value FROM json_each(?))", params: [JSON.stringify(hashes)] })
}

function* chunks<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size)
}
