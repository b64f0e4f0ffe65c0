/**
 * A collector scheduled by cron may run on a fresh deploy, before any request has called
 * `ensureSchema`: it must find nothing to do instead of failing on a missing table.
 */
import type { SqlExecutor } from "@plasma/executors"
import { createBetterSqlite3, createMiniflareD1 } from "@plasma/executors/testing"
import { describe, expect, it } from "vitest"
import { memoryStorage } from "../storage/memory-storage.js"
import { gcOrphanedBlobs } from "./gc-orphaned-blobs.js"

const engines: ReadonlyArray<readonly [string, () => Promise<{ executor: SqlExecutor; dispose(): Promise<void> | void }>]> = [
  ["better-sqlite3", () => createBetterSqlite3()],
  ["D1 (workerd via Miniflare)", () => createMiniflareD1()],
]

describe.each(engines)("gcOrphanedBlobs on a database no request has touched (%s)", (_name, open) => {
  it("finds nothing to collect, then runs again as usual", async () => {
    const { executor, dispose } = await open()
    try {
      const run = () => gcOrphanedBlobs({ executor, storage: memoryStorage(), minOrphanAgeMs: 0, limit: 10 })
      expect(await run()).toEqual({ deleted: 0, remaining: 0 })
      expect(await run()).toEqual({ deleted: 0, remaining: 0 })
      const tables = await executor.all<{ name: string }>({ text: "SELECT name FROM sqlite_master WHERE type = 'table' AND name = '_plasma_blobs'", params: [] })
      expect(tables).toHaveLength(1)
    } finally {
      await dispose()
    }
  })
})
