/**
 * One pending mutation, as queued locally and pushed. Keyed `[clientID, mutationID]`; ids of one
 * client are consecutive from 1, and the server applies them in that order exactly once.
 */

export interface OutboxEntry {
  readonly clientID: string
  readonly mutationID: number
  readonly name: string
  /** The args with every `Blob` already replaced by its `FileRef`. */
  readonly args: unknown
  readonly timestamp: number
  /** Hashes of blobs hashed from this call's args: the entry is pushed only once they are uploaded. */
  readonly blobDeps: readonly string[]
}

/** The IndexedDB key of an entry. */
export function outboxKeyOf(entry: Pick<OutboxEntry, "clientID" | "mutationID">): [string, number] {
  return [entry.clientID, entry.mutationID]
}
