/**
 * Test harness for the client's Node suites: a REAL `createSyncHandler` (with real blob routes
 * over memory storage) on better-sqlite3 or on D1 inside workerd (Miniflare), reached through
 * the client's `fetcher`. The one fake is the network itself (`Network`): it wraps the real
 * handler to go offline or lose a response AFTER the server applied the request, failures that
 * cannot be produced in-process otherwise.
 */
import "fake-indexeddb/auto"
import { blobRoutes, memoryStorage } from "@plasma/blobs"
import { boolean, defineMutators, defineSchema, eq, file, id, int, table, text, type FileRef, type MutatorInput } from "@plasma/core"
import type { SqlExecutor } from "@plasma/executors"
import { fromD1 } from "@plasma/executors/d1"
import { createBetterSqlite3 } from "@plasma/executors/testing"
import { afterAll } from "vitest"
import { createSyncHandler } from "@plasma/server"
import { createPlasmaClient, CLIENT_GROUP_HEADER, CLIENT_HEADER, type PlasmaClientOptions } from "../index.js"

export interface Ctx {
  readonly userId: string
  readonly server?: boolean
}

export const todos = table(
  "todos",
  {
    id: id(),
    title: text(),
    done: boolean().default(false),
    ownerId: text(),
    attachment: file({ maxSize: 100_000, mimeAllowList: ["image/*", "text/plain"] }).nullable(),
    updatedAt: int().default(0),
  },
  { auth: { read: (ctx, row) => row.ownerId === ctx.userId, write: (ctx, row) => row.ownerId === ctx.userId } },
)
export const counters = table("counters", { id: id(), value: int() })
export const schema = defineSchema({ todos, counters })
type S = typeof schema
type In<A> = MutatorInput<S, Ctx, A>

export const mutators = defineMutators<S, Ctx>()({
  addTodo: async ({ db, args, ctx }: In<{ id: string; title: string; attachment?: FileRef | null }>) => {
    await db.insert(todos).values({ id: args.id, title: args.title, ownerId: ctx.userId, attachment: args.attachment ?? null })
  },
  setDone: async ({ db, args }: In<{ id: string; done: boolean }>) => {
    await db.update(todos).set({ done: args.done }).where(eq(todos.id, args.id))
  },
  increment: async ({ db, args }: In<{ id: string; by?: number }>) => {
    const [row] = await db.select().from(counters).where(eq(counters.id, args.id))
    if (row === undefined) await db.insert(counters).values({ id: args.id, value: args.by ?? 1 })
    else await db.update(counters).set({ value: row.value + (args.by ?? 1) }).where(eq(counters.id, args.id))
  },
  /** Accepted locally, refused by the server: the optimistic row disappears after the next pull. */
  serverRefuses: async ({ db, args, ctx }: In<{ id: string }>) => {
    if (ctx.server === true) throw new Error("the server says no")
    await db.insert(todos).values({ id: args.id, title: "refused", ownerId: ctx.userId })
  },
  /** Throws everywhere. */
  alwaysThrows: async ({ args }: In<{ message: string }>) => {
    throw new Error(args.message)
  },
})

export type EngineName = "better-sqlite3" | "d1"
export const ENGINES: readonly EngineName[] = ["better-sqlite3", "d1"]

/** The in-process network between clients and the handler. */
export class Network {
  offline = false
  /** Requests whose answer is lost after the handler ran (the server applied them). */
  loseResponses: ((request: Request) => boolean) | null = null
  readonly requests: { method: string; path: string; clientID: string | null; group: string | null; body?: unknown }[] = []
  /** Answers this status instead of calling the handler, while > 0 times left. */
  failNext: { status: number; times: number; retryAfter?: string; path?: string } | null = null

  constructor(readonly handler: (request: Request) => Promise<Response>) {}

  readonly fetcher = async (request: Request): Promise<Response> => {
    const url = new URL(request.url)
    const logged: (typeof this.requests)[number] = {
      method: request.method,
      path: url.pathname,
      clientID: request.headers.get(CLIENT_HEADER),
      group: request.headers.get(CLIENT_GROUP_HEADER),
    }
    if (request.method === "POST") logged.body = await request.clone().json()
    this.requests.push(logged)
    if (this.offline) throw new TypeError("fetch failed (offline)")
    const fail = this.failNext
    if (fail !== null && fail.times > 0 && (fail.path === undefined || url.pathname.endsWith(fail.path))) {
      fail.times--
      const headers: Record<string, string> = { "content-type": "application/json" }
      if (fail.retryAfter !== undefined) headers["retry-after"] = fail.retryAfter
      return new Response(JSON.stringify({ error: "internal", message: "injected" }), { status: fail.status, headers })
    }
    const response = await this.handler(request)
    if (process.env.PLASMA_DEBUG !== undefined) console.error(request.method, url.pathname + url.search.slice(0, 200), response.status, request.method === "GET" ? await response.clone().text() : "")
    if (this.loseResponses?.(request) === true) {
      await response.body?.cancel()
      throw new TypeError("fetch failed (response lost)")
    }
    return response
  }
}

/**
 * D1 databases come from one Miniflare instance per test file with a pool of bindings, so a test
 * does not pay for a workerd start (each binding is a fresh, empty database).
 */
const D1_BINDINGS = Array.from({ length: 24 }, (_, i) => `DB${i}`)
let miniflare: Promise<import("miniflare").Miniflare> | null = null
let nextBinding = 0
async function nextD1(): Promise<{ executor: SqlExecutor; dispose(): void }> {
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
  const d1 = await mf.getD1Database(D1_BINDINGS[nextBinding++] as string)
  return { executor: fromD1(d1), dispose() {} }
}
afterAll(async () => {
  if (miniflare !== null) await (await miniflare).dispose()
  miniflare = null
})

export interface TestServer {
  readonly executor: SqlExecutor
  readonly network: Network
  /** The handler's onError events. */
  readonly errors: unknown[]
  /** Rebuilds the handler with another schemaVersion (a deploy). */
  setSchemaVersion(version: string): void
  dispose(): Promise<void>
}

export const ENDPOINT = "http://plasma.test/sync"
export const SCHEMA_VERSION = "test-v1"

/** Starts a real sync handler on `engine`. */
export async function startServer(engine: EngineName, options: { maxMutationsPerPush?: number; defaultPullLimit?: number } = {}): Promise<TestServer> {
  const db = engine === "d1" ? await nextD1() : await createBetterSqlite3()
  const storage = memoryStorage()
  const errors: unknown[] = []
  const build = (schemaVersion: string) =>
    createSyncHandler<S, Ctx>({
      schema,
      mutators,
      executor: db.executor,
      schemaVersion,
      blobs: blobRoutes({ storage, cache: null }),
      onError: (event) => {
        errors.push(event)
        if (process.env.PLASMA_DEBUG !== undefined) console.error("server onError", event)
      },
      ...(options.maxMutationsPerPush === undefined ? {} : { maxMutationsPerPush: options.maxMutationsPerPush }),
      ...(options.defaultPullLimit === undefined ? {} : { defaultPullLimit: options.defaultPullLimit }),
      // Demo auth: who you are comes from x-user; which client from the client's identity headers.
      auth: (request) => {
        const user = request.headers.get("x-user")
        const clientGroupID = request.headers.get(CLIENT_GROUP_HEADER)
        const clientID = request.headers.get(CLIENT_HEADER)
        if (user === null || clientGroupID === null || clientID === null) return { ok: false, reason: "who are you" }
        return { ok: true, clientGroupID, clientID, ctx: { userId: user, server: true } }
      },
    })
  let handler = build(SCHEMA_VERSION)
  const network = new Network((request) => handler(request))
  return {
    executor: db.executor,
    network,
    errors,
    setSchemaVersion(version) {
      handler = build(version)
    },
    dispose: async () => void (await db.dispose()),
  }
}

let dbCounter = 0
/** A fresh IndexedDB name. */
export function freshDbName(): string {
  return `plasma-test-${process.pid}-${++dbCounter}`
}

/** A client of `server` as `user` (memory-free: fake-indexeddb unless `storage` says otherwise). */
export function clientOf(server: TestServer, options: Partial<PlasmaClientOptions<S, typeof mutators, Ctx>> & { user?: string } = {}) {
  const user = options.user ?? "alice"
  return createPlasmaClient<S, typeof mutators, Ctx>({
    schema,
    mutators,
    schemaVersion: SCHEMA_VERSION,
    dbName: freshDbName(),
    endpoint: ENDPOINT,
    clientGroupID: `g-${user}-${++dbCounter}`,
    getContext: () => ({ userId: user }),
    authHeaders: () => ({ "x-user": user }),
    fetcher: server.network.fetcher,
    retry: { maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 5 },
    pollIntervalMs: 0,
    ...options,
  })
}

/** Waits until `check` holds (polling the event loop, bounded). */
export async function until(check: () => boolean | Promise<boolean>, what = "condition", tries = 400): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await check()) return
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  throw new Error(`timed out waiting for ${what}`)
}
