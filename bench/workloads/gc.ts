/**
 * @module Workload `gc-10k`: `gcOrphanedBlobs` collecting 10,000 orphaned blobs in one call
 * (limit 10,000) on better-sqlite3, once with `memoryStorage` and once with the filesystem
 * storage (a temp folder). Reports blobs/s and the database work per blob (statements and round
 * trips, counted by wrapping the executor).
 *
 * ratio = plasma's time / the baseline's time, where the baseline does the minimum the same
 * outcome needs: one raw better-sqlite3 `DELETE` of those 10k `_plasma_blobs` rows (in one
 * transaction) plus the same storage adapter's `delete` called for each hash in a loop. The
 * difference is the price of the race-safe protocol (claim table, re-checks, chunked batches).
 *
 * Setup (not timed): a fresh in-memory database with the schema, 10k `_plasma_blobs` rows
 * orphaned long ago, and the bytes in storage (the filesystem layout is written directly, without
 * fsync, to keep setup short). Needs `pnpm --filter @plasma/blobs build` (and its deps) first.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { createHash } from "node:crypto"
import BetterSqlite3 from "better-sqlite3"
import { defineSchema, file, id, table } from "../../packages/core/dist/index.js"
import { fromBetterSqlite3 } from "../../packages/executors/dist/better-sqlite3.js"
import type { SqlExecutor } from "../../packages/executors/dist/index.js"
import { ensureSchema } from "../../packages/server/dist/index.js"
import { gcOrphanedBlobs, memoryStorage, type BlobStorage } from "../../packages/blobs/dist/index.js"
import { fsStorage } from "../../packages/blobs/dist/fs.js"
import { round, type BenchResult } from "../lib.js"

const BLOBS = 10_000
const ROUNDS = 3
const schema = defineSchema({ files: table("files", { id: id(), body: file() }) })

interface Counts {
  roundTrips: number
  statements: number
}

/** Counts every call and every statement that reaches the database. */
function counting(inner: SqlExecutor, counts: Counts): SqlExecutor {
  return {
    dialect: inner.dialect,
    capabilities: inner.capabilities,
    get kysely() {
      return inner.kysely
    },
    all: (q) => (counts.roundTrips++, counts.statements++, inner.all(q)),
    run: (q) => (counts.roundTrips++, counts.statements++, inner.run(q)),
    batch: (qs) => (counts.roundTrips++, (counts.statements += qs.length), inner.batch(qs)),
    transaction: (fn) => (counts.roundTrips++, inner.transaction(fn)),
  } as SqlExecutor
}

const hashes = Array.from({ length: BLOBS }, (_, i) => createHash("sha256").update(`blob ${i}`).digest("hex"))
const bytesOf = (i: number): Uint8Array => new TextEncoder().encode(`blob ${i}`)

interface Fixture {
  readonly database: BetterSqlite3.Database
  readonly executor: SqlExecutor
  readonly storage: BlobStorage
  dispose(): void
}

async function setup(kind: "memory" | "fs"): Promise<Fixture> {
  const database = new BetterSqlite3(":memory:")
  const executor = fromBetterSqlite3(database)
  await ensureSchema({ schema, executor })
  const insert = database.prepare("INSERT INTO _plasma_blobs (hash, size, mime, uploaded_at, orphaned_at) VALUES (?, ?, 'text/plain', 1, 1)")
  database.transaction(() => hashes.forEach((h, i) => insert.run(h, bytesOf(i).byteLength)))()
  if (kind === "memory") {
    const storage = memoryStorage()
    for (let i = 0; i < BLOBS; i++) await storage.put(hashes[i]!, bytesOf(i), "text/plain")
    return { database, executor, storage, dispose: () => database.close() }
  }
  const directory = mkdtempSync(join(tmpdir(), "plasma-bench-gc-"))
  for (let i = 0; i < BLOBS; i++) {
    const hash = hashes[i]!
    const shard = join(directory, hash.slice(0, 2))
    mkdirSync(shard, { recursive: true })
    writeFileSync(join(shard, `${hash}.json`), '{"mime":"text/plain"}')
    writeFileSync(join(shard, hash), bytesOf(i))
  }
  return {
    database,
    executor,
    storage: fsStorage({ directory }),
    dispose: () => {
      database.close()
      rmSync(directory, { recursive: true, force: true })
    },
  }
}

async function measure(kind: "memory" | "fs"): Promise<BenchResult> {
  const plasmaMs: number[] = []
  const baselineMs: number[] = []
  let counts: Counts = { roundTrips: 0, statements: 0 }
  for (let round_ = 0; round_ < ROUNDS; round_++) {
    {
      const fixture = await setup(kind)
      counts = { roundTrips: 0, statements: 0 }
      const executor = counting(fixture.executor, counts)
      const start = performance.now()
      const result = await gcOrphanedBlobs({ executor, storage: fixture.storage, minOrphanAgeMs: 1000, limit: BLOBS, now: 1_000_000 })
      plasmaMs.push(performance.now() - start)
      if (result.deleted !== BLOBS || result.remaining !== 0) throw new Error(`gc-10k: expected ${BLOBS} deleted, got ${JSON.stringify(result)}`)
      fixture.dispose()
    }
    {
      const fixture = await setup(kind)
      const start = performance.now()
      const remove = fixture.database.prepare("DELETE FROM _plasma_blobs WHERE hash = ?")
      fixture.database.transaction(() => hashes.forEach((h) => remove.run(h)))()
      for (const hash of hashes) await fixture.storage.delete(hash)
      baselineMs.push(performance.now() - start)
      fixture.dispose()
    }
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN
  const plasma = median(plasmaMs)
  const baseline = median(baselineMs)
  return {
    workload: `gc-10k-${kind}`,
    ratio: round(plasma / baseline),
    ratioAgainst: "raw better-sqlite3 DELETE of the 10k rows (one transaction) + the same storage's delete in a loop",
    storage: kind === "memory" ? "memoryStorage" : "fsStorage (temp dir)",
    blobs: BLOBS,
    rounds: ROUNDS,
    plasmaMs: round(plasma),
    baselineMs: round(baseline),
    blobsPerSecond: Math.round(BLOBS / (plasma / 1000)),
    baselineBlobsPerSecond: Math.round(BLOBS / (baseline / 1000)),
    dbStatementsPerBlob: round(counts.statements / BLOBS, 4),
    dbRoundTripsPerBlob: round(counts.roundTrips / BLOBS, 4),
    dbStatements: counts.statements,
    dbRoundTrips: counts.roundTrips,
  }
}

export async function run(): Promise<BenchResult[]> {
  return [await measure("memory"), await measure("fs")]
}
