/**
 * The three storage setups the route and GC suites run on — better-sqlite3 with memory or
 * filesystem storage, and D1 with R2 inside workerd — built once here. Each subject lists the
 * stored hashes through its backend itself (never through the storage under test) and resets
 * both the database and the storage between tests.
 */
import { mkdir, mkdtemp, readdir, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { SqlExecutor } from "@plasma/executors"
import { ensureBlobGcTable } from "../gc/blob-gc-table.js"
import type { BlobStorage } from "../storage/blob-storage.js"
import { fsStorage } from "../storage/fs-storage.js"
import { memoryStorage } from "../storage/memory-storage.js"
import { r2Storage } from "../storage/r2-storage.js"
import { createMiniflareD1R2, createSqliteDb, resetDatabase } from "./blob-fixtures.js"

export interface StorageSubject {
  readonly executor: SqlExecutor
  readonly storage: BlobStorage
  /** The hashes whose bytes the backend holds, sorted. */
  storedHashes(): Promise<string[]>
  /** Every object the backend holds, metadata files included: proves nothing was left behind. */
  countObjects(): Promise<number>
  reset(): Promise<void>
  dispose(): Promise<void>
}

export async function memorySubject(): Promise<StorageSubject> {
  const db = await createSqliteDb()
  await ensureBlobGcTable(db.executor)
  const storage = memoryStorage()
  return {
    executor: db.executor,
    storage,
    storedHashes: async () => [...storage.hashes()].sort(),
    countObjects: async () => storage.hashes().length,
    reset: async () => {
      await resetDatabase(db.executor)
      for (const hash of storage.hashes()) await storage.delete(hash)
    },
    dispose: async () => db.dispose(),
  }
}

async function countFiles(dir: string): Promise<number> {
  let n = 0
  for (const entry of await readdir(dir, { withFileTypes: true })) n += entry.isDirectory() ? await countFiles(join(dir, entry.name)) : 1
  return n
}

export async function fsSubject(): Promise<StorageSubject> {
  const db = await createSqliteDb()
  await ensureBlobGcTable(db.executor)
  const directory = await mkdtemp(join(tmpdir(), "plasma-blobs-"))
  return {
    executor: db.executor,
    storage: fsStorage({ directory }),
    storedHashes: async () => {
      const out: string[] = []
      for (const shard of await readdir(directory)) for (const name of await readdir(join(directory, shard))) if (/^[0-9a-f]{64}$/.test(name)) out.push(name)
      return out.sort()
    },
    // Every file counts (sidecars and temp files too); each blob is its bytes plus a sidecar.
    countObjects: async () => (await countFiles(directory)) / 2,
    reset: async () => {
      await resetDatabase(db.executor)
      await rm(directory, { recursive: true, force: true })
      await mkdir(directory)
    },
    dispose: async () => {
      db.dispose()
      await rm(directory, { recursive: true, force: true })
    },
  }
}

export async function d1R2Subject(): Promise<StorageSubject> {
  const env = await createMiniflareD1R2()
  await ensureBlobGcTable(env.executor)
  const keys = async (): Promise<string[]> => {
    const out: string[] = []
    let cursor: string | undefined
    do {
      const page = await env.bucket.list(cursor === undefined ? {} : { cursor })
      out.push(...page.objects.map((o) => o.key))
      cursor = page.truncated ? page.cursor : undefined
    } while (cursor !== undefined)
    return out
  }
  return {
    executor: env.executor,
    storage: r2Storage({ bucket: env.bucket }),
    storedHashes: async () => (await keys()).map((k) => k.replace(/^blobs\//, "")).sort(),
    countObjects: async () => (await keys()).length,
    reset: async () => {
      await resetDatabase(env.executor)
      for (const key of await keys()) await env.bucket.delete(key)
    },
    dispose: async () => env.dispose(),
  }
}
