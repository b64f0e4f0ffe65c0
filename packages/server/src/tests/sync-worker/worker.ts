/**
 * @module The sync test Worker: `createSyncHandler` over `fromD1(env.DB)`, run in workerd by
 * Miniflare. Every request gets its own executor (so `x-handler` makes no difference here): two
 * requests commit concurrently without sharing the in-isolate write lock, which is how the
 * exactly-once and serializable guards get exercised on D1, as they would across isolates.
 * `GET /test/events` answers (and clears) what `onPushed`/`onError`/`onMetric` saw, after waiting
 * for every `waitUntil` promise.
 */
import { fromD1, type D1DatabaseLike } from "@plasma/executors/d1"
import { createSyncHandler, type SyncHandler } from "../../sync/create-sync-handler.js"
import { mutators, schema, SCHEMA_VERSION, testAuth } from "./app.js"

interface Env {
  readonly DB: D1DatabaseLike
}

interface WorkerContext {
  waitUntil(promise: Promise<unknown>): void
}

const events: unknown[] = []
const pending = new Set<Promise<unknown>>()

function describeError(error: unknown): unknown {
  if (error instanceof Error) return { name: error.name, message: error.message, code: (error as { code?: unknown }).code }
  return String(error)
}

// One executor and handler per request, as a Worker should: `waitUntil` belongs to the request,
// and the write path's in-isolate lock (per executor) must not be shared between requests. In
// workerd a request waiting on a promise that only another request can resolve is cancelled as
// "hung", and a cancelled holder never releases the lock (with a module-scope executor, 48 of 50
// concurrent pushes failed that way and every later push hung). Without a shared lock, concurrent
// requests are ordered by the commit guards alone, exactly as across isolates.
function handlerFor(env: Env, context: WorkerContext): SyncHandler {
  return createSyncHandler({
    schema,
    mutators,
    executor: fromD1(env.DB),
    schemaVersion: SCHEMA_VERSION,
    auth: testAuth,
    waitUntil: (promise) => {
      pending.add(promise)
      void promise.finally(() => pending.delete(promise))
      context.waitUntil(promise)
    },
    onPushed: (event) => {
      events.push({ type: "pushed", clientGroupID: event.clientGroupID, clientID: event.clientID })
      if (event.ctx.failPushed === true) throw new Error("poke failed")
    },
    onError: (event) => events.push({ type: "error", kind: event.kind, error: describeError(event.error), mutation: event.mutation }),
    onMetric: (metric) => events.push({ type: "metric", ...metric }),
  })
}

export default {
  async fetch(request: Request, env: Env, context: WorkerContext): Promise<Response> {
    const url = new URL(request.url)
    if (url.pathname === "/test/events") {
      while (pending.size > 0) await Promise.allSettled([...pending])
      const out = events.splice(0)
      return Response.json(out)
    }
    return handlerFor(env, context)(request)
  },
}
