/**
 * GC planning, as a pure function: given what the database said (leftover claims, orphan
 * candidates, how many orphans there are in all), the clock and the limits, decide which hashes
 * to finish, which to claim, and how many collectable blobs this run leaves behind. It never
 * touches storage or SQL; `gcOrphanedBlobs` is the thin effectful loop around it.
 *
 * Rules:
 * - Leftover claims come first: their database side is done, only the bytes are left to
 *   delete. A claim is a leftover when its run gave up (`abandoned`: storage failed midway) or
 *   its lease ran out (`claimedAt <= now - leaseMs`: the run crashed). A younger claim belongs
 *   to a run that is still going (a cron firing twice, a manual run during the cron): it is
 *   never resumed, nor counted as remaining, since that run will finish it.
 * - A candidate is collectable when it has no reference and has been orphaned (or, never
 *   referenced, uploaded) at or before `now - minOrphanAgeMs`. The SQL already filters; the plan
 *   checks again so the rule lives in one tested place.
 * - Oldest orphan first, ties by hash, so runs are deterministic and old garbage cannot starve.
 * - At most `limit` hashes per run, finishing and claiming together; malformed hashes (only raw
 *   SQL can put one there) are skipped: no storage adapter would accept them as a key.
 */
import { isBlobHash } from "../hash.js"

/** A `_plasma_blobs` row that may be collectable. */
export interface GcCandidate {
  readonly hash: string
  /** When its last reference went (or when it was uploaded, if never referenced); `null` = referenced. */
  readonly orphanedAt: number | null
  /** `true` when `_plasma_blob_refs` has a row for it. */
  readonly referenced: boolean
}

/** A claim left in `_plasma_blob_gc` by an earlier run. */
export interface GcClaim {
  readonly hash: string
  /** When its run claimed (or last renewed) it: the start of its lease. */
  readonly claimedAt: number
  /** `true` when the run that made it gave up on it (its storage failed midway). */
  readonly abandoned: boolean
}

/** What the database reported, the input of {@link planGc}. */
export interface GcSnapshot {
  /** Claims, oldest first (at most `limit` leftovers are needed; live ones may be listed too). */
  readonly claims: readonly GcClaim[]
  /** Total leftover claims, live ones not included (may exceed the leftovers listed). */
  readonly claimsTotal: number
  /** Orphan candidates (at most `limit` are needed). */
  readonly candidates: readonly GcCandidate[]
  /** Total collectable orphans (may exceed `candidates.length`). */
  readonly candidatesTotal: number
}

/** Clock and limits of one run. */
export interface GcPlanOptions {
  readonly now: number
  readonly minOrphanAgeMs: number
  readonly limit: number
  /** How long a claim protects its run's work; an older claim is a crashed run's leftover. */
  readonly leaseMs: number
}

/** What one run should do. */
export interface GcPlan {
  /** Leftover claims whose bytes to delete (their database side is already done). */
  readonly resume: readonly string[]
  /** Orphans to claim, in order; only those the claim actually takes will be deleted. */
  readonly claim: readonly string[]
  /** Collectable blobs (claims included) this run will not get to. */
  readonly remaining: number
  /** Hashes skipped because they are not 64 lowercase hex characters. */
  readonly skippedInvalid: readonly string[]
}

/** `true` when `candidate` may be collected at `now` with the given grace. */
export function isCollectable(candidate: GcCandidate, now: number, minOrphanAgeMs: number): boolean {
  return !candidate.referenced && candidate.orphanedAt !== null && candidate.orphanedAt <= now - minOrphanAgeMs
}

/** `true` when `claim` is a leftover another run may finish: abandoned, or its lease ran out. */
export function isLeftoverClaim(claim: GcClaim, now: number, leaseMs: number): boolean {
  return claim.abandoned || claim.claimedAt <= now - leaseMs
}

/**
 * Plans one collection run.
 *
 * @example
 * planGc(
 *   { claims: [], claimsTotal: 0, candidates: [{ hash, orphanedAt: 0, referenced: false }], candidatesTotal: 1 },
 *   { now: 10_000, minOrphanAgeMs: 1_000, limit: 500, leaseMs: 3_600_000 },
 * ) // { resume: [], claim: [hash], remaining: 0, skippedInvalid: [] }
 */
export function planGc(snapshot: GcSnapshot, options: GcPlanOptions): GcPlan {
  const limit = Math.max(0, Math.floor(options.limit))
  const skippedInvalid: string[] = []
  const seen = new Set<string>()

  const claims = snapshot.claims.filter((c) => isLeftoverClaim(c, options.now, options.leaseMs)).sort((a, b) => a.claimedAt - b.claimedAt || compare(a.hash, b.hash))
  const resume: string[] = []
  // Live claims' hashes are another run's: never claimed again here either.
  for (const c of snapshot.claims) if (!isLeftoverClaim(c, options.now, options.leaseMs)) seen.add(c.hash)
  for (const { hash } of claims) {
    if (seen.has(hash)) continue
    seen.add(hash)
    if (!isBlobHash(hash)) skippedInvalid.push(hash)
    else if (resume.length < limit) resume.push(hash)
  }

  const collectable = snapshot.candidates
    .filter((c) => isCollectable(c, options.now, options.minOrphanAgeMs))
    .sort((a, b) => (a.orphanedAt ?? 0) - (b.orphanedAt ?? 0) || compare(a.hash, b.hash))
  const claim: string[] = []
  for (const { hash } of collectable) {
    if (seen.has(hash)) continue
    seen.add(hash)
    if (!isBlobHash(hash)) skippedInvalid.push(hash)
    else if (resume.length + claim.length < limit) claim.push(hash)
  }

  const claimsLeft = Math.max(0, snapshot.claimsTotal - resume.length)
  const candidatesLeft = Math.max(0, Math.max(snapshot.candidatesTotal, collectable.length) - claim.length)
  return { resume, claim, remaining: claimsLeft + candidatesLeft, skippedInvalid }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
