/**
 * @module Workload `client-mutate`: `mutate` → live-query callback in @plasma/client, with 10,000
 * rows in the table and 20 live queries open on it (varied where / orderBy / limit / offset
 * shapes, see QUERY_SPECS in ../client-bench-kit.ts). Each mutation (two updates of a random row
 * for every insert) carries the newest `updatedAt`, so the first query ("recent 50") changes
 * every time; one sample is the time from calling `mutate` to that query's callback. The client
 * runs on its memory storage with its loop stopped (nothing is pushed).
 *
 * The peer, in the same run: Replicache 15 (memory kv store, `TEST_LICENSE_KEY`) doing the same
 * app-level work: the same rows, mutations and 20 results kept live through `rep.subscribe`
 * (index scans where a query filters one owner or status, prefix scans otherwise; JavaScript
 * filters, sorts and slices, as a Replicache app does). ratio = plasma p50 / Replicache p50
 * (goal ≤ 1.0); `p99Ratio` likewise; the absolute goal is plasma p99 ≤ 16 ms (one frame). The
 * peer runs fewer samples (each costs it ~0.2 s); both report how many they ran. After the last
 * mutation both must hold identical results for all 20 queries (`resultsAgree`).
 *
 * Needs `pnpm --filter @plasma/core --filter @plasma/client build` first (`pnpm bench` does it).
 */
import { percentile, round, type BenchResult } from "../lib.js"
import { createPlasmaSubject, createReplicacheSubject, mutationSequence, QUERY_SPECS, ROWS, sameResults, seedItems, type BenchMutation, type BenchSubject } from "../client-bench-kit.js"

const WARMUP = 20
const PLASMA_SAMPLES = 400
const PEER_SAMPLES = 150
const SENTINEL = 0

async function measure(subject: BenchSubject, sequence: readonly BenchMutation[]): Promise<number[]> {
  const times: number[] = []
  for (const [i, m] of sequence.entries()) {
    const start = performance.now()
    const seen = subject.resultWhere(SENTINEL, (rows) => rows[0]?.updatedAt === m.args.updatedAt)
    await subject.mutate(m)
    await seen
    if (i >= WARMUP) times.push(performance.now() - start)
    // Let anything the mutation scheduled settle before the next sample starts.
    await new Promise((resolve) => setImmediate(resolve))
  }
  return times
}

export async function run(): Promise<BenchResult[]> {
  const rows = seedItems()
  const sequence = mutationSequence(WARMUP + PLASMA_SAMPLES)

  const plasma = await createPlasmaSubject(rows)
  await plasma.openQueries()
  const plasmaTimes = await measure(plasma, sequence)

  const peer = await createReplicacheSubject(rows)
  await peer.openQueries()
  const peerTimes = await measure(peer, sequence.slice(0, WARMUP + PEER_SAMPLES))
  // Bring the peer to the same end state (unmeasured) and compare all 20 results.
  for (const m of sequence.slice(WARMUP + PEER_SAMPLES)) await peer.mutate(m)
  await peer.resultWhere(SENTINEL, (r) => r[0]?.updatedAt === sequence.at(-1)?.args.updatedAt)
  const agree = sameResults(plasma, peer)
  await Promise.all([plasma.close(), peer.close()])

  const p50 = percentile(plasmaTimes, 50)
  const p99 = percentile(plasmaTimes, 99)
  const peerP50 = percentile(peerTimes, 50)
  const peerP99 = percentile(peerTimes, 99)
  return [
    {
      workload: "client-mutate",
      ratio: Number((p50 / peerP50).toPrecision(3)),
      ratioAgainst: "Replicache 15.3.0 (mem kv store) doing the same mutations with the same 20 subscriptions; ratio = plasma p50 / peer p50",
      p99Ratio: Number((p99 / peerP99).toPrecision(3)),
      rows: ROWS,
      liveQueries: QUERY_SPECS.length,
      plasmaSamples: plasmaTimes.length,
      plasmaP50Ms: round(p50, 3),
      plasmaP99Ms: round(p99, 3),
      plasmaMaxMs: round(Math.max(...plasmaTimes), 3),
      goalP99Ms: 16,
      p99GoalMet: p99 <= 16,
      peerSamples: peerTimes.length,
      peerP50Ms: round(peerP50, 2),
      peerP99Ms: round(peerP99, 2),
      resultsAgree: agree,
    },
  ]
}
