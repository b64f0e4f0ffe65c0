/**
 * The simulated server: a REAL `createSyncHandler` (with real blob routes over `memoryStorage`)
 * on better-sqlite3 ("sqlite") or on D1 inside workerd through Miniflare ("d1").
 *
 * D1 databases come from one Miniflare instance with a pool of bindings; each run takes a fresh,
 * empty binding, and a new instance replaces the old one when the pool is used up.
 */
import Database from "better-sqlite3"
import { blobRoutes, memoryStorage, type MemoryBlobStorage } from "@plasma/blobs"
import type { SqlExecutor } from "@plasma/executors"
import { fromBetterSqlite3 } from "@plasma/executors/better-sqlite3"
import { fromD1 } from "@plasma/executors/d1"
import { createSyncHandler, ensureSchema, type SyncAuthResult } from "@plasma/server"
import { mutators, schema, type SimCtx } from "./world-schema.js"

export type EngineMode = "sqlite" | "d1"
export const ENGINE_MODES: readonly EngineMode[] = ["sqlite", "d1"]

export const ENDPOINT = "http://plasma.sim/sync"
export const SCHEMA_VERSION = "sim-v1"
export const USER_HEADER = "x-sim-user"

export interface SimServer {
  readonly mode: EngineMode
  readonly executor: SqlExecutor
  readonly storage: MemoryBlobStorage
  readonly handler: (request: Request) => Promise<Response>
  /** The handler's `onError` events of kind `mutation-error` (poison): the count, and how many per mutator and error code. */
  readonly poisoned: { count: number; readonly reasons: Map<string, number> }
  close(): Promise<void>
}

const D1_BINDINGS = Array.from({ length: 32 }, (_, i) => `DB${i}`)
let miniflare: Promise<import("miniflare").Miniflare> | null = null
let nextBinding = 0

async function nextD1(): Promise<SqlExecutor> {
  if (miniflare === null || nextBinding >= D1_BINDINGS.length) {
    const previous = miniflare
    nextBinding = 0
    miniflare = import("miniflare").then(async ({ Miniflare }) => {
      const mf = new Miniflare({ modules: true, script: "export default { fetch() { return new Response('ok') } }", compatibilityDate: "2026-04-20", d1Databases: D1_BINDINGS, cf: false })
      await mf.ready
      return mf
    })
    if (previous !== null) await (await previous).dispose()
  }
  const mf = await miniflare
  try {
    return fromD1(await mf.getD1Database(D1_BINDINGS[nextBinding++] as string))
  } catch {
    // Miniflare's synchronous Node proxy can fail an internal assertion ("false == true") and
    // stay broken for the instance's life: start a fresh instance.
    await disposeSimEngines()
    return nextD1()
  }
}

/** Disposes the shared Miniflare instance (end of a run set). */
export async function disposeSimEngines(): Promise<void> {
  const mf = miniflare
  miniflare = null
  if (mf !== null) await (await mf).dispose().catch(() => undefined)
}

/** Starts a fresh server on `mode`. */
export async function startSimServer(mode: EngineMode): Promise<SimServer> {
  const sqlite = mode === "sqlite" ? new Database(":memory:") : null
  const executor = sqlite === null ? await nextD1() : fromBetterSqlite3(sqlite)
  // A deployed app: its tables exist before any cron job runs (`gcOrphanedBlobs` requires
  // `_plasma_blobs`, and on a database no request has touched yet it fails "no such table").
  await ensureSchema({ schema, executor })
  const storage = memoryStorage()
  const poisoned = { count: 0, reasons: new Map<string, number>() }
  const handler = createSyncHandler<typeof schema, SimCtx>({
    schema,
    mutators,
    executor,
    schemaVersion: SCHEMA_VERSION,
    blobs: blobRoutes({ storage, cache: null }),
    onError: (event) => {
      if (event.kind !== "mutation-error") return
      poisoned.count++
      const code = (event.error as { code?: unknown } | null)?.code
      const reason = `${event.mutation?.name ?? "?"}: ${typeof code === "string" ? code : event.error instanceof Error ? event.error.message.slice(0, 60) : "?"}`
      poisoned.reasons.set(reason, (poisoned.reasons.get(reason) ?? 0) + 1)
    },
    auth: (request) => {
      const user = request.headers.get(USER_HEADER)
      const clientGroupID = request.headers.get("x-plasma-client-group")
      const clientID = request.headers.get("x-plasma-client")
      if (user === null || clientGroupID === null || clientID === null) return { ok: false, reason: "who are you" }
      // `userID` binds a group to its user (SPEC §8); a variable, so servers built before the
      // field existed still accept the object.
      const result: SyncAuthResult<SimCtx> & { userID?: string } = { ok: true, clientGroupID, clientID, ctx: { userId: user, server: true }, userID: user }
      return result
    },
  })
  return {
    mode,
    executor,
    storage,
    handler,
    poisoned,
    close: async () => {
      sqlite?.close()
    },
  }
}
