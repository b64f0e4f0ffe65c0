/**
 * The blob suites' Postgres setup: a fresh schema on the real server `PLASMA_PG_URL` names
 * (`createPostgres`), the test schema ensured, and memory storage for the bytes (the storage
 * side is the same code on every database; the database side is what Postgres changes).
 *
 * Locally the Postgres runs skip with one message when no server is configured (start one:
 * `export PLASMA_PG_URL=$(bash scripts/postgres.sh start)`); under CI `postgresTestUrl` throws
 * instead, so they never skip there.
 */
import { createPostgres, postgresTestUrl, POSTGRES_SKIP_MESSAGE } from "@plasma/executors/testing"
import { ensureSchema } from "@plasma/server"
import { ensureBlobGcTable } from "../gc/blob-gc-table.js"
import { memoryStorage } from "../storage/memory-storage.js"
import { resetDatabase, schema } from "./blob-fixtures.js"
import type { StorageSubject } from "./storage-subjects.js"

/** Whether a Postgres server is configured (read once; throws under CI when it is not). */
export const postgresConfigured: boolean = postgresTestUrl() !== null
if (!postgresConfigured) console.warn(POSTGRES_SKIP_MESSAGE)

/** Postgres with the test schema in a fresh schema of its own, and an executor over it. */
export async function createPostgresDb() {
  const fixture = await createPostgres()
  try {
    await ensureSchema({ schema, executor: fixture.executor })
    return { executor: fixture.executor, dispose: () => fixture.dispose() }
  } catch (error) {
    await fixture.dispose()
    throw error
  }
}

/** Postgres for the rows and the blob bookkeeping, memory storage for the bytes. */
export async function postgresSubject(): Promise<StorageSubject> {
  const db = await createPostgresDb()
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
    dispose: () => db.dispose(),
  }
}
