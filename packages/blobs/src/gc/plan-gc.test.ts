import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { isCollectable, isLeftoverClaim, planGc, type GcCandidate, type GcClaim, type GcSnapshot } from "./plan-gc.js"

const hashArb = fc.stringMatching(/^[0-9a-f]{64}$/)
const candidateArb: fc.Arbitrary<GcCandidate> = fc.record({
  hash: hashArb,
  orphanedAt: fc.option(fc.integer({ min: 0, max: 2_000 }), { nil: null }),
  referenced: fc.boolean(),
})
const claimArb: fc.Arbitrary<GcClaim> = fc.record({ hash: hashArb, claimedAt: fc.integer({ min: 0, max: 2_000 }), abandoned: fc.boolean() })
const optionsArb = fc.record({
  now: fc.integer({ min: 0, max: 3_000 }),
  minOrphanAgeMs: fc.integer({ min: 0, max: 1_500 }),
  limit: fc.integer({ min: 0, max: 12 }),
  leaseMs: fc.integer({ min: 0, max: 2_000 }),
})

/** A complete snapshot: the lists are everything, with unique hashes across both. */
const snapshotArb: fc.Arbitrary<GcSnapshot> = fc
  .tuple(fc.uniqueArray(claimArb, { selector: (c) => c.hash, maxLength: 8 }), fc.uniqueArray(candidateArb, { selector: (c) => c.hash, maxLength: 20 }))
  .map(([claims, candidates]) => {
    const claimed = new Set(claims.map((c) => c.hash))
    const rest = candidates.filter((c) => !claimed.has(c.hash))
    // claimsTotal is filled in per run (it depends on the clock and lease), see `withTotals`.
    return { claims, claimsTotal: claims.length, candidates: rest, candidatesTotal: rest.length }
  })

/** The totals the database reports for these options: leftover claims and collectable orphans only. */
function withTotals(snapshot: GcSnapshot, options: { now: number; minOrphanAgeMs: number; leaseMs: number }): GcSnapshot {
  return {
    ...snapshot,
    claimsTotal: snapshot.claims.filter((c) => isLeftoverClaim(c, options.now, options.leaseMs)).length,
    candidatesTotal: snapshot.candidates.filter((c) => isCollectable(c, options.now, options.minOrphanAgeMs)).length,
  }
}

describe("planGc", () => {
  it("never resumes a claim whose lease is live and not abandoned (another run is on it)", () => {
    fc.assert(
      fc.property(snapshotArb, optionsArb, (listed, options) => {
        const snapshot = withTotals(listed, options)
        const plan = planGc(snapshot, options)
        const byHash = new Map(snapshot.claims.map((c) => [c.hash, c]))
        for (const hash of [...plan.resume, ...plan.claim]) {
          const claim = byHash.get(hash)
          if (claim !== undefined) expect(claim.abandoned || claim.claimedAt <= options.now - options.leaseMs).toBe(true)
        }
      }),
    )
  })

  it("a live claim is left alone; the same claim past its lease, or abandoned, is resumed", () => {
    const hash = "c".repeat(64)
    const snapshot = (claim: GcClaim): GcSnapshot => ({ claims: [claim], claimsTotal: 1, candidates: [], candidatesTotal: 0 })
    const options = { now: 10_000, minOrphanAgeMs: 0, limit: 10, leaseMs: 1_000 }
    expect(planGc({ ...snapshot({ hash, claimedAt: 9_500, abandoned: false }), claimsTotal: 0 }, options)).toEqual({ resume: [], claim: [], remaining: 0, skippedInvalid: [] })
    expect(planGc(snapshot({ hash, claimedAt: 9_000, abandoned: false }), options).resume).toEqual([hash])
    expect(planGc(snapshot({ hash, claimedAt: 9_999, abandoned: true }), options).resume).toEqual([hash])
  })

  it("never plans more than `limit`, never the same hash twice", () => {
    fc.assert(
      fc.property(snapshotArb, optionsArb, (snapshot, options) => {
        const plan = planGc(snapshot, options)
        const all = [...plan.resume, ...plan.claim]
        expect(all.length).toBeLessThanOrEqual(options.limit)
        expect(new Set(all).size).toBe(all.length)
      }),
    )
  })

  it("only claims unreferenced blobs orphaned at or before now - grace", () => {
    fc.assert(
      fc.property(snapshotArb, optionsArb, (snapshot, options) => {
        const plan = planGc(snapshot, options)
        const byHash = new Map(snapshot.candidates.map((c) => [c.hash, c]))
        for (const hash of plan.claim) {
          const candidate = byHash.get(hash)
          expect(candidate).toBeDefined()
          expect(candidate?.referenced).toBe(false)
          expect(candidate?.orphanedAt).not.toBeNull()
          expect(candidate?.orphanedAt ?? Infinity).toBeLessThanOrEqual(options.now - options.minOrphanAgeMs)
        }
      }),
    )
  })

  it("finishes leftover claims first, oldest first, then claims the oldest orphans", () => {
    fc.assert(
      fc.property(snapshotArb, optionsArb, (listed, options) => {
        const snapshot = withTotals(listed, options)
        const plan = planGc(snapshot, options)
        const claims = snapshot.claims.filter((c) => isLeftoverClaim(c, options.now, options.leaseMs)).sort((a, b) => a.claimedAt - b.claimedAt || (a.hash < b.hash ? -1 : 1)).map((c) => c.hash)
        expect(plan.resume).toEqual(claims.slice(0, options.limit))
        if (plan.claim.length > 0) expect(plan.resume).toEqual(claims)
        const collectable = snapshot.candidates
          .filter((c) => isCollectable(c, options.now, options.minOrphanAgeMs))
          .sort((a, b) => (a.orphanedAt ?? 0) - (b.orphanedAt ?? 0) || (a.hash < b.hash ? -1 : 1))
          .map((c) => c.hash)
        expect(plan.claim).toEqual(collectable.slice(0, Math.max(0, options.limit - plan.resume.length)))
      }),
    )
  })

  it("accounts for every collectable blob: planned + remaining = claims + collectable", () => {
    fc.assert(
      fc.property(snapshotArb, optionsArb, (listed, options) => {
        // The database's total counts collectable orphans only, as the SQL filter does.
        const snapshot = withTotals(listed, options)
        const plan = planGc(snapshot, options)
        expect(plan.resume.length + plan.claim.length + plan.remaining).toBe(snapshot.claimsTotal + snapshot.candidatesTotal)
      }),
    )
  })

  it("counts what the snapshot did not list (totals beyond the page) as remaining", () => {
    const hash = "a".repeat(64)
    const plan = planGc(
      { claims: [], claimsTotal: 3, candidates: [{ hash, orphanedAt: 0, referenced: false }], candidatesTotal: 40 },
      { now: 100, minOrphanAgeMs: 10, limit: 1, leaseMs: 50 },
    )
    expect(plan).toEqual({ resume: [], claim: [hash], remaining: 42, skippedInvalid: [] })
  })

  it("skips hashes no storage adapter would accept, and does not touch its input", () => {
    const snapshot: GcSnapshot = Object.freeze({
      claims: Object.freeze([Object.freeze({ hash: "../etc/passwd", claimedAt: 0, abandoned: false })]),
      claimsTotal: 1,
      candidates: Object.freeze([Object.freeze({ hash: "ABC", orphanedAt: 0, referenced: false }), Object.freeze({ hash: "b".repeat(64), orphanedAt: 5, referenced: false })]),
      candidatesTotal: 2,
    })
    const plan = planGc(snapshot, { now: 100, minOrphanAgeMs: 0, limit: 10, leaseMs: 50 })
    expect(plan.resume).toEqual([])
    expect(plan.claim).toEqual(["b".repeat(64)])
    expect(plan.skippedInvalid).toEqual(["../etc/passwd", "ABC"])
  })

  it("a grace window is inclusive at its edge", () => {
    expect(isCollectable({ hash: "h", orphanedAt: 90, referenced: false }, 100, 10)).toBe(true)
    expect(isCollectable({ hash: "h", orphanedAt: 91, referenced: false }, 100, 10)).toBe(false)
    expect(isCollectable({ hash: "h", orphanedAt: 0, referenced: true }, 100, 10)).toBe(false)
    expect(isCollectable({ hash: "h", orphanedAt: null, referenced: false }, 100, 10)).toBe(false)
  })
})
