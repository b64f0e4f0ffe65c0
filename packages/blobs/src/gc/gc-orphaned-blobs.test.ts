import { mkdir, mkdtemp, readdir, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fsStorage } from "../storage/fs-storage.js"
import { memoryStorage } from "../storage/memory-storage.js"
import { r2Storage } from "../storage/r2-storage.js"
import { createMiniflareD1R2, createSqliteDb, resetDatabase } from "../testing/blob-fixtures.js"
import { ensureBlobGcTable } from "./blob-gc-table.js"
import { describeGc } from "./gc-orphaned-blobs.case.js"

describeGc("better-sqlite3 + memoryStorage", async () => {
  const db = await createSqliteDb()
  await ensureBlobGcTable(db.executor)
  const storage = memoryStorage()
  return {
    executor: db.executor,
    storage,
    storedHashes: async () => [...storage.hashes()],
    reset: async () => {
      await resetDatabase(db.executor)
      for (const hash of storage.hashes()) await storage.delete(hash)
    },
    dispose: async () => db.dispose(),
  }
})

describeGc("better-sqlite3 + fsStorage", async () => {
  const db = await createSqliteDb()
  await ensureBlobGcTable(db.executor)
  const directory = await mkdtemp(join(tmpdir(), "plasma-gc-"))
  const storedHashes = async (): Promise<string[]> => {
    const out: string[] = []
    for (const shard of await readdir(directory)) for (const name of await readdir(join(directory, shard))) if (/^[0-9a-f]{64}$/.test(name)) out.push(name)
    return out.sort()
  }
  return {
    executor: db.executor,
    storage: fsStorage({ directory }),
    storedHashes,
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
})

describeGc("D1 + R2 (workerd via Miniflare)", async () => {
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
    reset: async () => {
      await resetDatabase(env.executor)
      for (const key of await keys()) await env.bucket.delete(key)
    },
    dispose: () => env.dispose(),
  }
})
