/**
 * Which pending mutations a push sends. Pure. Rules, per clientID of the group:
 * - only entries above what the server is known to have (`confirmed`, from pulls, and
 *   `pushed`, from successful pushes since) are candidates, in mutationID order;
 * - the batch is the longest prefix of the candidates whose blob dependencies are all uploaded:
 *   never skip ahead within one client's queue (the server would answer mutation-id-gap);
 * - at most `maxPerPush` entries per request; one request per clientID.
 * @example
 * planPush(pending, { confirmed, pushed, uploaded: (h) => states.get(h) === "uploaded", maxPerPush: 200 })
 */
import type { OutboxEntry } from "./outbox-entry.js"

export interface PushPlanInput {
  /** Last mutationID the server confirmed per clientID (pulls' `lastMutationIDs`). */
  readonly confirmed: ReadonlyMap<string, number>
  /** Last mutationID sent in a successful push per clientID. */
  readonly pushed: ReadonlyMap<string, number>
  readonly isUploaded: (hash: string) => boolean
  readonly maxPerPush: number
}

export interface PushBatch {
  readonly clientID: string
  readonly entries: readonly OutboxEntry[]
}

export interface PushPlan {
  readonly batches: readonly PushBatch[]
  /** Blob hashes the first blocked entry of each client waits for. */
  readonly blockedOn: readonly string[]
}

export function planPush(pending: readonly OutboxEntry[], input: PushPlanInput): PushPlan {
  const byClient = new Map<string, OutboxEntry[]>()
  for (const entry of pending) {
    const floor = Math.max(input.confirmed.get(entry.clientID) ?? 0, input.pushed.get(entry.clientID) ?? 0)
    if (entry.mutationID <= floor) continue
    let list = byClient.get(entry.clientID)
    if (list === undefined) byClient.set(entry.clientID, (list = []))
    list.push(entry)
  }
  const batches: PushBatch[] = []
  const blockedOn: string[] = []
  for (const [clientID, list] of byClient) {
    list.sort((a, b) => a.mutationID - b.mutationID)
    const entries: OutboxEntry[] = []
    for (const entry of list) {
      if (entries.length >= input.maxPerPush) break
      const missing = entry.blobDeps.filter((hash) => !input.isUploaded(hash))
      if (missing.length > 0) {
        blockedOn.push(...missing)
        break
      }
      entries.push(entry)
    }
    if (entries.length > 0) batches.push({ clientID, entries })
  }
  return { batches, blockedOn }
}
