/**
 * @module Workload `client-rebase`: one pull of 1,000 changes (800 updates of existing rows,
 * 100 new rows, 100 deletes) into @plasma/client holding 10,000 rows, with 100 pending
 * mutations (two updates for every insert) and the same 20 live queries open as `client-mutate`.
 * The measured part is the client's own work: from the moment the in-process fetcher hands over
 * the (pre-serialized) pull answer to the first live query's callback showing the pulled state,
 * i.e. parse + apply to the base + drop confirmed entries (none here) + replay the 100 pending
 * mutations + notify the 20 queries. Goal ≤ 50 ms. Every round starts from a fresh client (memory
 * storage, loop stopped, hydrated through its own pulls); the median of the rounds is reported.
 *
 * The peer, in the same run: Replicache 15 (memory kv store, `TEST_LICENSE_KEY`), hydrated
 * through its puller, with the same 100 mutations pending (its one push never
 * settles), the same 20 subscriptions, and its puller handing over the same 1,000-op patch
 * as JSON text; the same two instants are measured. The two run back to back in each round, and
 * ratio = the median over rounds of plasma / peer (goal ≤ 1.0), so one noisy moment of a shared
 * machine does not decide it. After each round both must hold identical results for all 20 queries (`resultsAgree`)
 * and still hold their 100 pending mutations.
 *
 * Needs `pnpm --filter @plasma/core --filter @plasma/client build` first (`pnpm bench` does it).
 */
import { round, type BenchResult } from "../lib.js"
import {
  createPlasmaSubject,
  createRandom,
  createReplicacheSubject,
  itemId,
  mutationSequence,
  QUERY_SPECS,
  ROWS,
  sameResults,
  seedItem,
  seedItems,
  type BenchPatchOp,
  type BenchSubject,
  type Item,
} from "../client-bench-kit.js"

const ROUNDS = 5
const PENDING = 100
const SENTINEL = 0
const NEWEST_ID = "s99"

/**
 * The pulled changes. Pending updates touch rows below 5,000; the pulled updates (every 12th
 * row) overlap them, so the replay really runs on changed rows; deletes hit odd rows above
 * 5,000, which no pulled update touches. The 100 new rows are the newest, so the sentinel's
 * first row becomes `s99`.
 */
function pulledPatch(): BenchPatchOp[] {
  const random = createRandom(2024)
  const ops: BenchPatchOp[] = []
  for (let i = 0; i < 800; i++) ops.push({ op: "put", row: { ...seedItem(i * 12, random), updatedAt: 6_500_000 + i } })
  for (let i = 0; i < 100; i++) ops.push({ op: "put", row: { ...seedItem(ROWS + 1000 + i, random), id: `s${i}`, updatedAt: 7_000_000 + i } })
  for (let i = 0; i < 100; i++) ops.push({ op: "del", id: itemId(5001 + i * 48) })
  return ops
}

async function measureRound(create: (rows: readonly Item[]) => Promise<BenchSubject>, rows: readonly Item[], patch: readonly BenchPatchOp[]): Promise<{ ms: number; subject: BenchSubject }> {
  const subject = await create(rows)
  for (const m of mutationSequence(PENDING, { seed: 99, firstUpdatedAt: 6_000_000, idPrefix: "p", updateIdsBelow: 5000 })) await subject.mutate(m)
  await subject.openQueries()
  const shown = subject.resultWhere(SENTINEL, (r) => r[0]?.id === NEWEST_ID)
  const handedOver = await subject.pullPatch(patch)
  await shown
  const ms = performance.now() - handedOver
  if (subject.pending() !== PENDING) throw new Error(`expected ${PENDING} pending mutations after the pull, found ${subject.pending()}`)
  return { ms, subject }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN
}

export async function run(): Promise<BenchResult[]> {
  const rows = seedItems()
  const patch = pulledPatch()
  const plasmaTimes: number[] = []
  const peerTimes: number[] = []
  let agree = true
  for (let i = 0; i < ROUNDS; i++) {
    const plasma = await measureRound(createPlasmaSubject, rows, patch)
    const peer = await measureRound(createReplicacheSubject, rows, patch)
    plasmaTimes.push(plasma.ms)
    peerTimes.push(peer.ms)
    agree &&= sameResults(plasma.subject, peer.subject)
    await Promise.all([plasma.subject.close(), peer.subject.close()])
  }
  const plasmaMs = median(plasmaTimes)
  const peerMs = median(peerTimes)
  return [
    {
      workload: "client-rebase",
      ratio: Number(median(plasmaTimes.map((ms, i) => ms / (peerTimes[i] ?? Number.NaN))).toPrecision(3)),
      ratioAgainst: "Replicache 15.3.0 (mem kv store): same rows, pending mutations, subscriptions and patch; ratio = median over rounds of plasma ms / peer ms",
      rows: ROWS,
      pulledChanges: patch.length,
      pendingMutations: PENDING,
      liveQueries: QUERY_SPECS.length,
      rounds: ROUNDS,
      plasmaMedianMs: round(plasmaMs, 2),
      plasmaMaxMs: round(Math.max(...plasmaTimes), 2),
      goalMs: 50,
      goalMet: plasmaMs <= 50,
      peerMedianMs: round(peerMs, 2),
      peerMaxMs: round(Math.max(...peerTimes), 2),
      resultsAgree: agree,
    },
  ]
}
