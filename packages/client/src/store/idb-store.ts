/**
 * The IndexedDB store (through `idb`). One database per `dbName`, version 1, four object stores:
 * `rows` (key `[table, id]`; one store for every table, so a schema that adds a table needs no
 * IndexedDB upgrade), `outbox` (key `[clientID, mutationID]`), `meta` (cookie, schemaVersion) and
 * `blobs` (key hash). See `local-store.ts` for the transaction rules.
 */
import { wrap, type DBSchema, type IDBPDatabase } from "idb"
import { compareOutboxKeys, type BlobRecord, type LocalStore, type PullCommit, type StoredState } from "./local-store.js"
import type { OutboxEntry } from "../sync/outbox-entry.js"
import type { Row } from "../view/row-layer.js"

interface ClientDbSchema extends DBSchema {
  rows: { key: [string, string]; value: { table: string; row: Row } }
  outbox: { key: [string, number]; value: OutboxEntry }
  meta: { key: string; value: unknown }
  blobs: { key: string; value: BlobRecord }
}

const VERSION = 1

/** Opens (creating when needed) the client database `dbName` on `factory`. */
export async function createIdbStore(dbName: string, factory: IDBFactory): Promise<LocalStore> {
  // Opened on `factory` directly (not idb's openDB, which reads the global factory), then wrapped.
  const raw = await new Promise<IDBDatabase>((resolve, reject) => {
    const request = factory.open(dbName, VERSION)
    request.onupgradeneeded = () => {
      const database = request.result
      database.createObjectStore("rows")
      database.createObjectStore("outbox", { keyPath: ["clientID", "mutationID"] })
      database.createObjectStore("meta")
      database.createObjectStore("blobs", { keyPath: "hash" })
    }
    request.onsuccess = () => resolve(request.result)
    request.onerror = () => reject(request.error)
  })
  // Another tab upgrading (a future version) must not be blocked by us.
  raw.onversionchange = () => raw.close()
  const db = wrap(raw) as unknown as IDBPDatabase<ClientDbSchema>
  return {
    async load(): Promise<StoredState> {
      const tx = db.transaction(["rows", "outbox", "meta"], "readonly")
      const [rows, outbox, cookie, schemaVersion] = await Promise.all([
        tx.objectStore("rows").getAll(),
        tx.objectStore("outbox").getAll(),
        tx.objectStore("meta").get("cookie"),
        tx.objectStore("meta").get("schemaVersion"),
      ])
      await tx.done
      return {
        rows,
        outbox: outbox.sort(compareOutboxKeys),
        cookie: typeof cookie === "string" ? cookie : null,
        schemaVersion: typeof schemaVersion === "string" ? schemaVersion : null,
      }
    },
    async addOutbox(entry) {
      await db.put("outbox", entry)
    },
    async replaceOutbox(remove, add) {
      const tx = db.transaction("outbox", "readwrite")
      const present = await Promise.all(remove.map((key) => tx.store.getKey([key[0], key[1]])))
      const replace = present.every((key) => key !== undefined)
      if (replace) {
        for (const key of remove) void tx.store.delete([key[0], key[1]])
        for (const entry of add) void tx.store.put(entry)
      }
      await tx.done
      return replace
    },
    async readOutbox() {
      return (await db.getAll("outbox")).sort(compareOutboxKeys)
    },
    async commitPull(commit: PullCommit) {
      const tx = db.transaction(["rows", "outbox", "meta"], "readwrite")
      const outbox = tx.objectStore("outbox")
      for (const key of commit.deleteOutbox) void outbox.delete([key[0], key[1]])
      const meta = tx.objectStore("meta")
      const stored = (await meta.get("cookie")) ?? null
      let written = false
      if (stored === commit.expectCookie) {
        const rows = tx.objectStore("rows")
        if (commit.reset) void rows.clear()
        for (const change of commit.changes) {
          if (change.value === null) void rows.delete([change.table, change.id])
          else void rows.put({ table: change.table, row: change.value as Row }, [change.table, change.id])
        }
        void meta.put(commit.cookie, "cookie")
        void meta.put(commit.schemaVersion, "schemaVersion")
        written = true
      }
      await tx.done
      return written
    },
    async writeRows(changes) {
      const tx = db.transaction("rows", "readwrite")
      for (const change of changes) {
        if (change.value === null) void tx.store.delete([change.table, change.id])
        else void tx.store.put({ table: change.table, row: change.value as Row }, [change.table, change.id])
      }
      await tx.done
    },
    async putBlob(record) {
      await db.put("blobs", record)
    },
    async getBlob(hash) {
      return db.get("blobs", hash)
    },
    async setBlobState(hash, state) {
      const tx = db.transaction("blobs", "readwrite")
      const record = await tx.store.get(hash)
      if (record !== undefined) await tx.store.put({ ...record, state })
      await tx.done
    },
    async wipe() {
      const tx = db.transaction(["rows", "outbox", "meta", "blobs"], "readwrite")
      await Promise.all([tx.objectStore("rows").clear(), tx.objectStore("outbox").clear(), tx.objectStore("meta").clear(), tx.objectStore("blobs").clear(), tx.done])
    },
    close() {
      db.close()
    },
  }
}
