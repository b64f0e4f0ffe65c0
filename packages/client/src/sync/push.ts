/**
 * The push path (leader only; one at a time): upload the blobs the next entries need
 * (`files/upload-due-blobs.ts`), then push the longest ready prefix of every clientID's queue
 * (`plan-push.ts`), one request per clientID, at most `maxMutationsPerPush` each; a successful
 * push asks for a pull. A `mutation-id-gap` renumbers that clientID's entries (`rotate-client.ts`).
 */
import { requireStore, type ClientState } from "../client-state.js"
import { uploadDueBlobs } from "../files/upload-due-blobs.js"
import { isSyncClientError } from "../sync-client-error.js"
import type { OutboxEntry } from "./outbox-entry.js"
import { planPush } from "./plan-push.js"
import { rotateClient } from "./rotate-client.js"
import { syncRequest } from "./sync-request.js"

/** Mutations one push request carries at most, unless `maxMutationsPerPush` says otherwise. */
const DEFAULT_MAX_MUTATIONS_PER_PUSH = 200

/** One `pushOnce`: blobs first, then one request per clientID with entries ready to go. */
export async function push(state: ClientState): Promise<void> {
  await state.ready
  if (!state.leader || state.closed) return
  const maxPerPush = state.options.maxMutationsPerPush ?? DEFAULT_MAX_MUTATIONS_PER_PUSH
  await uploadDueBlobs({
    store: requireStore(state),
    pending: state.pending,
    floorOf: (clientID) => Math.max(state.confirmed.get(clientID) ?? 0, state.pushed.get(clientID) ?? 0),
    uploaded: state.uploaded,
    refused: state.refusedBlobs,
    upload: (clientID, hash, bytes, mime) => syncRequest(state, "upload", () => state.http.putBlob(clientID, hash, bytes, mime)),
  })
  const plan = planPush(state.pending, {
    confirmed: state.confirmed,
    pushed: state.pushed,
    isUploaded: (hash) => state.uploaded.has(hash) || state.refusedBlobs.has(hash),
    maxPerPush,
  })
  let pushedAny = false
  for (const batch of plan.batches) {
    try {
      await syncRequest(state, "push", () => state.http.push(batch.clientID, batch.entries))
    } catch (error) {
      if (isSyncClientError(error) && error.code === "mutation-id-gap") {
        await rotateClient(state, batch.clientID)
        continue
      }
      throw error
    }
    pushedAny = true
    const last = batch.entries[batch.entries.length - 1] as OutboxEntry
    state.pushed.set(batch.clientID, Math.max(state.pushed.get(batch.clientID) ?? 0, last.mutationID))
  }
  // A full batch means more may be waiting: push again at once.
  if (pushedAny && state.loopStarted()) state.schedule(plan.batches.some((b) => b.entries.length >= maxPerPush), true)
}
