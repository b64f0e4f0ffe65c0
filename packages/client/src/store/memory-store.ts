/** The memory twin of the IndexedDB store: same semantics, nothing persisted. */
import { compareOutboxKeys, type BlobRecord, type LocalStore, type PullCommit, type StoredState } from "./local-store.js"
import type { OutboxEntry } from "../sync/outbox-entry.js"
import type { Row } from "../view/row-layer.js"

const key = (clientID: string, mutationID: number): string => `${clientID}\u0000${mutationID}`

/** Creates an empty memory store. */
export function createMemoryStore(): LocalStore {
  const rows = new Map<string, { table: string; row: Readonly<Row> }>()
  const outbox = new Map<string, OutboxEntry>()
  const blobs = new Map<string, BlobRecord>()
  let cookie: string | null = null
  let schemaVersion: string | null = null
  return {
    async load(): Promise<StoredState> {
      return { rows: [...rows.values()], outbox: [...outbox.values()].sort(compareOutboxKeys), cookie, schemaVersion }
    },
    async addOutbox(entry) {
      outbox.set(key(entry.clientID, entry.mutationID), entry)
    },
    async replaceOutbox(remove, add) {
      if (!remove.every(([c, m]) => outbox.has(key(c, m)))) return false
      for (const [c, m] of remove) outbox.delete(key(c, m))
      for (const entry of add) outbox.set(key(entry.clientID, entry.mutationID), entry)
      return true
    },
    async readOutbox() {
      return [...outbox.values()].sort(compareOutboxKeys)
    },
    async commitPull(commit: PullCommit) {
      for (const [c, m] of commit.deleteOutbox) outbox.delete(key(c, m))
      if (cookie !== commit.expectCookie) return false
      if (commit.reset) rows.clear()
      for (const change of commit.changes) {
        const k = `${change.table}\u0000${change.id}`
        if (change.value === null) rows.delete(k)
        else rows.set(k, { table: change.table, row: change.value })
      }
      cookie = commit.cookie
      schemaVersion = commit.schemaVersion
      return true
    },
    async writeRows(changes) {
      for (const change of changes) {
        const k = `${change.table}\u0000${change.id}`
        if (change.value === null) rows.delete(k)
        else rows.set(k, { table: change.table, row: change.value })
      }
    },
    async putBlob(record) {
      blobs.set(record.hash, record)
    },
    async getBlob(hash) {
      return blobs.get(hash)
    },
    async setBlobState(hash, state) {
      const record = blobs.get(hash)
      if (record !== undefined) blobs.set(hash, { ...record, state })
    },
    async wipe() {
      rows.clear()
      outbox.clear()
      blobs.clear()
      cookie = null
      schemaVersion = null
    },
    close() {},
  }
}
