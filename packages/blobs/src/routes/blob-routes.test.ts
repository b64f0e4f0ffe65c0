import { mkdir, mkdtemp, readdir, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { ensureBlobGcTable } from "../gc/blob-gc-table.js"
import { fsStorage } from "../storage/fs-storage.js"
import { memoryStorage } from "../storage/memory-storage.js"
import { r2Storage } from "../storage/r2-storage.js"
import { countR2Keys, createMiniflareD1R2, createSqliteDb, resetDatabase } from "../testing/blob-fixtures.js"
import { describeBlobRoutes } from "./blob-routes.case.js"

describeBlobRoutes("better-sqlite3 + memoryStorage", async () => {
  const db = await createSqliteDb()
  await ensureBlobGcTable(db.executor)
  const storage = memoryStorage()
  return {
    executor: db.executor,
    storage,
    countObjects: async () => storage.hashes().length,
    reset: async () => {
      await resetDatabase(db.executor)
      for (const hash of storage.hashes()) await storage.delete(hash)
    },
    dispose: async () => db.dispose(),
  }
})

describeBlobRoutes("better-sqlite3 + fsStorage", async () => {
  const db = await createSqliteDb()
  await ensureBlobGcTable(db.executor)
  const directory = await mkdtemp(join(tmpdir(), "plasma-blob-routes-"))
  const storage = fsStorage({ directory })
  const countFiles = async (dir: string): Promise<number> => {
    let n = 0
    for (const entry of await readdir(dir, { withFileTypes: true })) n += entry.isDirectory() ? await countFiles(join(dir, entry.name)) : 1
    return n
  }
  return {
    executor: db.executor,
    storage,
    // Every file counts (sidecars and temp files too): nothing at all may be left behind.
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
})

describeBlobRoutes("D1 + R2 (workerd via Miniflare)", async () => {
  const env = await createMiniflareD1R2()
  await ensureBlobGcTable(env.executor)
  return {
    executor: env.executor,
    storage: r2Storage({ bucket: env.bucket }),
    countObjects: () => countR2Keys(env.bucket),
    reset: async () => {
      await resetDatabase(env.executor)
      const keys: string[] = []
      let cursor: string | undefined
      do {
        const page = await env.bucket.list(cursor === undefined ? {} : { cursor })
        keys.push(...page.objects.map((o) => o.key))
        cursor = page.truncated ? page.cursor : undefined
      } while (cursor !== undefined)
      for (const key of keys) await env.bucket.delete(key)
    },
    dispose: () => env.dispose(),
  }
})
