import { createBetterSqlite3 } from "@plasma/executors/testing"
import { ExecutorError, type SqlExecutor } from "@plasma/executors"
import { describe, expect, it, vi } from "vitest"
import { mutators, schema, SCHEMA_VERSION, testAuth } from "../tests/sync-worker/app.js"
import { BASE_URL, identityHeaders, pullRequest, pushBody, pushRequest, ScriptedClient } from "../tests/sync-worker/scripted-client.js"
import { describeSyncScenarios, type HookEvent, type SyncSubject } from "../tests/sync-worker/sync-scenarios.js"
import type { SyncBlobHandler } from "./blob-handler.js"
import { createSyncHandler, type SyncHandlerOptions } from "./create-sync-handler.js"

function describeError(error: unknown): unknown {
  return error instanceof Error ? { name: error.name, message: error.message, code: (error as { code?: unknown }).code } : String(error)
}

/** The handler in-process on better-sqlite3: two handlers over two executors on one connection. */
async function betterSqlite3Subject(): Promise<SyncSubject> {
  const { default: BetterSqlite3 } = await import("better-sqlite3")
  const { fromBetterSqlite3 } = await import("@plasma/executors/better-sqlite3")
  const database = new BetterSqlite3(":memory:")
  const events: HookEvent[] = []
  const make = (executor: SqlExecutor) =>
    createSyncHandler({
      schema,
      mutators,
      executor,
      schemaVersion: SCHEMA_VERSION,
      auth: testAuth,
      onPushed: (event) => {
        events.push({ type: "pushed", clientGroupID: event.clientGroupID, clientID: event.clientID })
        if (event.ctx.failPushed === true) throw new Error("poke failed")
      },
      onError: (event) => events.push({ type: "error", kind: event.kind, error: describeError(event.error), mutation: event.mutation }),
      onMetric: (metric) => events.push({ type: "metric", ...metric }),
    })
  const executorA = fromBetterSqlite3(database)
  const handlers = { a: make(executorA), b: make(fromBetterSqlite3(database)) }
  return {
    send: (request) => (request.headers.get("x-handler") === "b" ? handlers.b : handlers.a)(request),
    rawQuery: async (sql, params = []) => {
      const statement = database.prepare(sql)
      if (statement.reader) return statement.all(...params) as Record<string, unknown>[]
      statement.run(...params)
      return []
    },
    events: async () => events.splice(0),
    dispose: async () => void database.close(),
  }
}

describeSyncScenarios("better-sqlite3 (in-process)", betterSqlite3Subject)

describe("createSyncHandler details", () => {
  const id = { group: "g", client: "c", user: "u" }
  async function handlerWith(overrides: Partial<SyncHandlerOptions<typeof schema, any>> = {}) {
    const { executor } = await createBetterSqlite3()
    const errors: { kind: string; error: unknown }[] = []
    const handler = createSyncHandler({
      schema,
      mutators,
      executor,
      schemaVersion: SCHEMA_VERSION,
      auth: testAuth,
      onError: (event) => errors.push(event),
      ...(overrides as object),
    })
    return { handler, executor, errors }
  }

  it("runs onPushed through waitUntil after answering", async () => {
    const scheduled: Promise<unknown>[] = []
    let pushed = 0
    const { handler } = await handlerWith({
      waitUntil: (p) => void scheduled.push(p),
      onPushed: async () => {
        await new Promise((resolve) => setTimeout(resolve, 20))
        pushed++
      },
    })
    const client = new ScriptedClient(handler, id)
    await client.push([{ name: "addNote", args: { id: "n1", body: "x" } }])
    expect(scheduled).toHaveLength(1)
    expect(pushed).toBe(0)
    await Promise.all(scheduled)
    expect(pushed).toBe(1)
  })

  it("answers a bare 500 for unexpected failures and gives onError the full error", async () => {
    const { handler, errors } = await handlerWith({
      auth: () => ({ ok: true, clientGroupID: "g", clientID: "c", ctx: {} }),
      executor: {
        ...(await createBetterSqlite3()).executor,
        batch: () => Promise.reject(new Error("disk I/O error at /var/secret/path")),
        all: () => Promise.reject(new Error("disk I/O error at /var/secret/path")),
      } as SqlExecutor,
    })
    const response = await handler(pullRequest(id))
    expect(response.status).toBe(500)
    expect(await response.json()).toEqual({ error: "internal", message: "internal error" })
    expect(errors).toHaveLength(1)
    expect(errors[0]?.kind).toBe("internal")
    expect(String((errors[0]?.error as Error).message)).toContain("/var/secret/path")
  })

  it("never sends the message or details of a 5xx PlasmaError (schema drift names tables and columns)", async () => {
    const { PlasmaError } = await import("@plasma/core")
    const { errorResponse } = await import("./http.js")
    const drift = new PlasmaError("invalid-schema", "drop-column todos.secret_ssn_column", { details: { refused: [{ table: "todos", column: "secret_ssn_column" }] } })
    const response = errorResponse(drift)
    expect(response.status).toBe(500)
    expect(await response.text()).toBe('{"error":"internal","message":"internal error"}')
  })

  it("treats an auth result without ids as an internal error, not as a client's", async () => {
    const { handler, errors } = await handlerWith({ auth: () => ({ ok: true, clientGroupID: "", clientID: "c", ctx: {} }) })
    const response = await handler(pullRequest(id))
    expect(response.status).toBe(500)
    expect(errors.map((e) => e.kind)).toEqual(["internal"])
  })

  it("survives onError and onMetric that throw", async () => {
    const { handler } = await handlerWith({
      onError: () => {
        throw new Error("logger down")
      },
      onMetric: () => {
        throw new Error("metrics down")
      },
    })
    expect((await handler(pullRequest(id, {}, { "x-auth": "deny" }))).status).toBe(401)
    expect((await handler(pullRequest(id))).status).toBe(200)
  })

  it("honours basePath and the configured limits", async () => {
    const { handler } = await handlerWith({ basePath: "/api/sync/", maxMutationsPerPush: 2, maxPayloadBytes: 600, maxPullLimit: 5, defaultPullLimit: 2 })
    const at = (path: string, init: RequestInit = {}) => new Request(`http://sync.test/api/sync${path}`, { ...init, headers: identityHeaders(id) })
    const body = (n: number) => JSON.stringify(pushBody(id, Array.from({ length: n }, (_, i) => ({ id: i + 1, name: "addNote", args: { id: `n${i}`, body: "b" } }))))
    expect((await handler(at("/push", { method: "POST", body: body(3) }))).status).toBe(413)
    expect((await handler(at("/push", { method: "POST", body: body(2) }))).status).toBe(200)
    expect((await handler(at("/push", { method: "POST", body: body(2) + " ".repeat(600) }))).status).toBe(413)
    const pull = await handler(at("/pull?protocolVersion=1&schemaVersion=" + SCHEMA_VERSION + "&clientGroupID=g&clientID=c"))
    expect(((await pull.json()) as { patch: unknown[] }).patch).toHaveLength(2)
    expect((await handler(at("/pull?protocolVersion=1&schemaVersion=" + SCHEMA_VERSION + "&clientGroupID=g&clientID=c&limit=6"))).status).toBe(400)
    expect((await handler(new Request(`${BASE_URL}/push`, { method: "POST", headers: identityHeaders(id), body: body(1) }))).status).toBe(404)
  })

  it("refuses a declared Content-Length over the limit without reading the body", async () => {
    const { handler } = await handlerWith({ maxPayloadBytes: 100 })
    let pulled = 0
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++
        controller.enqueue(new Uint8Array(64))
      },
    })
    const request = new Request(`${BASE_URL}/push`, { method: "POST", headers: identityHeaders(id), body: stream, duplex: "half" } as RequestInit)
    // An endless stream: only the byte count can stop it.
    const response = await handler(request)
    expect(response.status).toBe(413)
    expect(pulled).toBeLessThan(10)
  })

  it("cancels a request body it answered without reading", async () => {
    const { handler } = await handlerWith()
    let cancelled = false
    const body = new ReadableStream<Uint8Array>({
      pull: (controller) => controller.enqueue(new Uint8Array(1024)),
      cancel: () => {
        cancelled = true
      },
    })
    const request = new Request(`${BASE_URL}/push`, { method: "POST", headers: identityHeaders(id, { "x-auth": "deny" }), body, duplex: "half" } as RequestInit)
    expect((await handler(request)).status).toBe(401)
    expect(cancelled).toBe(true)
  })

  it("hands blob routes to the blob handler after auth, and 404s them without one", async () => {
    const seen: { method: string; hash: string; clientID: string }[] = []
    const blobs: SyncBlobHandler = {
      handle: async (request, context) => {
        seen.push({ method: request.method, hash: context.hash, clientID: context.clientID })
        // On a fresh database too: the handler creates the tables before handing the request on.
        await context.executor.all({ text: "SELECT 1 FROM _plasma_blobs LIMIT 1", params: [] })
        return new Response("bytes")
      },
    }
    const withBlobs = await handlerWith({ blobs })
    const hash = "a".repeat(64)
    const get = (h: string, headers: Record<string, string> = {}) => new Request(`${BASE_URL}/blob/${h}`, { headers: identityHeaders(id, headers) })
    expect((await withBlobs.handler(get(hash))).status).toBe(200)
    expect(seen).toEqual([{ method: "GET", hash, clientID: "c" }])
    expect((await withBlobs.handler(get(hash, { "x-auth": "deny" }))).status).toBe(401)
    expect(seen).toHaveLength(1)
    const del = await withBlobs.handler(new Request(`${BASE_URL}/blob/${hash}`, { method: "DELETE", headers: identityHeaders(id) }))
    expect(del.status).toBe(405)
    expect(del.headers.get("allow")).toBe("GET, PUT")
    expect((await withBlobs.handler(get(`${hash}/extra`))).status).toBe(404)
    const without = await handlerWith()
    expect((await without.handler(get(hash))).status).toBe(404)
  })

  it("answers 503 with Retry-After when serializable retries run out", async () => {
    const { executor } = await createBetterSqlite3()
    // What the real executor raises when a guard fires: its code and constraint, not its text, count.
    const guardFailure = new ExecutorError("constraint-violation", "CHECK constraint failed: plasma_guard", { constraint: "plasma_guard" })
    let writes = 0
    const flaky: SqlExecutor = {
      dialect: executor.dialect,
      capabilities: executor.capabilities,
      kysely: executor.kysely,
      all: (query) => executor.all(query),
      run: (query) => executor.run(query),
      transaction: (fn) => executor.transaction(fn),
      batch: async (queries: Parameters<SqlExecutor["batch"]>[0]) => {
        if (queries.some((q) => q.text.startsWith("INSERT INTO _plasma_guard"))) {
          writes++
          throw guardFailure
        }
        return executor.batch(queries)
      },
    }
    const handler = createSyncHandler({ schema, mutators, executor: flaky, schemaVersion: SCHEMA_VERSION, auth: testAuth })
    let response: Response
    // The write path backs off (seconds) between its retries: let fake timers run them.
    vi.useFakeTimers({ toFake: ["setTimeout"] })
    try {
      let settled = false
      const answer = handler(pushRequest(id, pushBody(id, [{ id: 1, name: "increment", args: { id: "k" } }]))).finally(() => (settled = true))
      while (!settled) await vi.advanceTimersByTimeAsync(3000)
      response = await answer
    } finally {
      vi.useRealTimers()
    }
    expect(response.status).toBe(503)
    expect(response.headers.get("retry-after")).toBe("1")
    expect(await response.json()).toMatchObject({ error: "conflict-retry" })
    expect(writes).toBeGreaterThan(1)
  }, 20_000)

  it("refuses bad options at creation", async () => {
    const { executor } = await createBetterSqlite3()
    const base = { schema, mutators, executor, schemaVersion: SCHEMA_VERSION, auth: testAuth }
    expect(() => createSyncHandler({ ...base, maxPullLimit: 0 })).toThrow(/maxPullLimit/)
    expect(() => createSyncHandler({ ...base, defaultPullLimit: 20_000 })).toThrow(/defaultPullLimit/)
    expect(() => createSyncHandler({ ...base, schemaVersion: "" })).toThrow(/schemaVersion/)
  })
})
