/**
 * The persisted half of the client, behind one interface with two implementations: IndexedDB
 * (`createIdbStore`) and memory (`createMemoryStore`, same behaviour, nothing survives).
 *
 * What it holds: base rows keyed `[table, id]`, the outbox keyed `[clientID, mutationID]`, meta
 * (cookie, schemaVersion) and blobs (bytes + upload state) keyed by hash.
 *
 * Consistency: `commitPull` writes the patch (or the whole reset base), the cookie and the outbox
 * deletions in ONE transaction, and only when the stored cookie is still `expectCookie`
 * (compare-and-set): with several clients leading themselves over one store (no Web Locks), a
 * slower pull can never write an older state over a newer one. A store that failed the check
 * still deletes the confirmed outbox entries.
 */
import type { Row } from "../view/row-layer.js"
import type { OutboxEntry } from "../sync/outbox-entry.js"

/** Where a blob's bytes stand. */
export type BlobState = "local" | "uploading" | "uploaded" | "fetched"

export interface BlobRecord {
  readonly hash: string
  readonly bytes: Uint8Array
  readonly mime: string
  readonly name?: string
  readonly state: BlobState
}

/** Everything loaded at start. */
export interface StoredState {
  readonly rows: readonly { readonly table: string; readonly row: Readonly<Row> }[]
  readonly outbox: readonly OutboxEntry[]
  readonly cookie: string | null
  readonly schemaVersion: string | null
}

export interface PullCommit {
  /** The cookie the pull started from; the base is written only if the store still holds it. */
  readonly expectCookie: string | null
  readonly cookie: string
  readonly schemaVersion: string
  /** Rows to put (`value`) or delete (`null`). */
  readonly changes: readonly { readonly table: string; readonly id: string; readonly value: Readonly<Row> | null }[]
  /** A reset: clear every base row first. */
  readonly reset: boolean
  readonly deleteOutbox: readonly (readonly [string, number])[]
}

export interface LocalStore {
  load(): Promise<StoredState>
  addOutbox(entry: OutboxEntry): Promise<void>
  /**
   * Removes `remove` and adds `add` in one transaction (a clientID rotation), only if every entry
   * of `remove` is still stored: a compare-and-set, so two tabs rotating the same entries cannot
   * both re-queue them (they would be applied twice). Returns whether it wrote.
   */
  replaceOutbox(remove: readonly (readonly [string, number])[], add: readonly OutboxEntry[]): Promise<boolean>
  readOutbox(): Promise<OutboxEntry[]>
  /** Returns whether the base and cookie were written (see the compare-and-set above). */
  commitPull(commit: PullCommit): Promise<boolean>
  /** Writes base rows directly, without cookie or outbox (the bare `createIdbEngine`). */
  writeRows(changes: PullCommit["changes"]): Promise<void>
  putBlob(record: BlobRecord): Promise<void>
  getBlob(hash: string): Promise<BlobRecord | undefined>
  setBlobState(hash: string, state: BlobState): Promise<void>
  /** Deletes everything. */
  wipe(): Promise<void>
  close(): void
}

/** Compares `[clientID, mutationID]` keys in IndexedDB order. */
export function compareOutboxKeys(a: OutboxEntry, b: OutboxEntry): number {
  if (a.clientID !== b.clientID) return a.clientID < b.clientID ? -1 : 1
  return a.mutationID - b.mutationID
}
