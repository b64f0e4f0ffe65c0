/**
 * Uploads the blobs the next pushes need. Rules: entries are visited in queue order; per
 * clientID, the first entry whose upload fails (after retries) blocks that client's later
 * entries (a push never skips ahead, so their blobs can wait); bytes this store does not hold,
 * or that are already on the server, count as uploaded (the server judges the mutation); an
 * upload the server refuses for good (a non-retryable 4xx: too large, MIME type not allowed) is
 * not retried forever: the hash goes to `refused` and its mutation is pushed, to be dropped as
 * poison by the server (SPEC §10) instead of wedging the queue.
 */
import type { LocalStore } from "../store/local-store.js"
import { isSyncClientError } from "../sync-client-error.js"
import type { OutboxEntry } from "../sync/outbox-entry.js"

export interface UploadDueBlobsInput {
  readonly store: LocalStore
  readonly pending: readonly OutboxEntry[]
  /** The last mutationID of a client the server has (confirmed or pushed). */
  readonly floorOf: (clientID: string) => number
  readonly uploaded: Set<string>
  readonly refused: Set<string>
  /** PUTs the bytes (with retries); throws a `SyncClientError` when it gives up. */
  readonly upload: (clientID: string, hash: string, bytes: Uint8Array, mime: string) => Promise<void>
}

export async function uploadDueBlobs(input: UploadDueBlobsInput): Promise<void> {
  const { store, uploaded, refused } = input
  const blockedClients = new Set<string>()
  for (const entry of input.pending) {
    if (blockedClients.has(entry.clientID) || entry.mutationID <= input.floorOf(entry.clientID)) continue
    for (const hash of entry.blobDeps) {
      if (uploaded.has(hash) || refused.has(hash)) continue
      const record = await store.getBlob(hash)
      if (record === undefined || record.state === "uploaded" || record.state === "fetched") {
        uploaded.add(hash)
        continue
      }
      try {
        if (record.state === "local") await store.setBlobState(hash, "uploading")
        await input.upload(entry.clientID, hash, record.bytes, record.mime)
        await store.setBlobState(hash, "uploaded")
        uploaded.add(hash)
      } catch (error) {
        if (isSyncClientError(error) && error.kind === "blob-upload-failed" && !error.retryable) {
          refused.add(hash)
          continue
        }
        blockedClients.add(entry.clientID)
        break
      }
    }
  }
}
