/**
 * @module Admin routes, guarded by `ADMIN_TOKEN` (constant-time compare). They bypass the row
 * auth predicates, so they must never be reachable without the token.
 *
 * - `GET /admin/events`: server-sent events fed by `serverLiveSelect` (admin-events.ts): todo
 *   counts per user, re-sent whenever `todos` changes, with backpressure; stops when the client
 *   goes away or stalls.
 * - `GET /admin/snapshot?version=N`: `snapshotAsOf` at version N ("time travel").
 * - `GET /admin/diff?from=N` and `GET /admin/history?id=…`: "what changed since version N"
 *   (`diffSnapshots`) and one todo's history (`rowHistory`), see admin-history.ts.
 * - `GET /admin/stats`: change-log size and bounds, `_plasma_meta`, blob rows, open streams and
 *   the last maintenance report (what the e2e tests and the page look at).
 * - `GET /admin/blob/<hash>`: whether the bytes are still in R2 (HEAD through the storage).
 *
 * EventSource cannot send headers, so the token is also accepted as `?token=`. The dev token
 * (`.dev.vars.example`) is refused unless the request's host is localhost / 127.0.0.1.
 */
import { r2Storage } from "@plasma/blobs"
import { constantTimeEqual } from "@plasma/coordinator"
import { isPlasmaError } from "@plasma/core"
import type { SqlExecutor } from "@plasma/executors"
import { ensureSchema, snapshotAsOf } from "@plasma/server"
import { createAdminEventStream } from "./admin-events.js"
import { diffRoute, historyRoute } from "./admin-history.js"
import { DEV_ADMIN_TOKEN, type Env } from "./env.js"
import type { MaintenanceReport } from "./maintenance.js"
import { schema } from "./schema.js"

export interface AdminState {
  lastMaintenance: MaintenanceReport | null
  openStreams: number
}

function errorResponse(status: number, error: string, message: string): Response {
  return Response.json({ error, message }, { status })
}

const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"])

/**
 * `undefined` when the request carries the admin token, else the refusal. The dev token from
 * `.dev.vars.example` is public, so it only counts on a local host: a deployment that was given it
 * by mistake does not open its admin routes to the world.
 */
function adminRefusal(request: Request, url: URL, env: Env): Response | undefined {
  const expected = env.ADMIN_TOKEN
  if (typeof expected !== "string" || expected === "") return errorResponse(401, "unauthorized", "admin routes are disabled: no ADMIN_TOKEN is configured")
  const header = request.headers.get("authorization")
  const token = header?.startsWith("Bearer ") ? header.slice("Bearer ".length) : url.searchParams.get("token")
  if (token === null || !constantTimeEqual(token, expected)) {
    return errorResponse(401, "unauthorized", "admin routes need the admin token (Authorization: Bearer <token> or ?token=)")
  }
  if (expected === DEV_ADMIN_TOKEN && !LOCAL_HOSTS.has(url.hostname)) {
    return errorResponse(403, "dev-token-refused", `the dev admin token is accepted on localhost only, not on ${url.hostname}; set a real ADMIN_TOKEN secret`)
  }
  return undefined
}

async function latestVersion(executor: SqlExecutor): Promise<number> {
  const [row] = await executor.all<{ v: number | null }>({ text: "SELECT MAX(row_version) AS v FROM _plasma_changes", params: [] })
  return row?.v ?? 0
}

function events(request: Request, executor: SqlExecutor, state: AdminState): Response {
  return new Response(createAdminEventStream({ executor, state, signal: request.signal }), {
    headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-store", "x-accel-buffering": "no" },
  })
}

async function snapshot(url: URL, executor: SqlExecutor): Promise<Response> {
  const version = url.searchParams.get("version") ?? ""
  if (!/^\d{1,15}$/.test(version)) return errorResponse(400, "invalid-request", "version must be a non-negative integer (a row_version)")
  try {
    const tables = await snapshotAsOf({ schema, executor, cookie: version })
    const out: Record<string, unknown[]> = {}
    for (const [table, rows] of tables) out[table] = [...rows.values()]
    return Response.json({ version: Number(version), latestVersion: await latestVersion(executor), tables: out })
  } catch (error) {
    if (isPlasmaError(error)) return errorResponse(error.status, error.code, error.message)
    throw error
  }
}

async function stats(executor: SqlExecutor, state: AdminState): Promise<Response> {
  const [changes, meta, blobs] = await executor.batch([
    { text: "SELECT COUNT(*) AS entries, MIN(row_version) AS oldest, MAX(row_version) AS latest FROM _plasma_changes", params: [] },
    { text: "SELECT key, value FROM _plasma_meta ORDER BY key", params: [] },
    { text: "SELECT hash, size, mime, uploaded_at, orphaned_at FROM _plasma_blobs ORDER BY uploaded_at", params: [] },
  ]).then((results) => results.map((result) => result.rows))
  return Response.json({ changes: changes?.[0], meta, blobs, openStreams: state.openStreams, lastMaintenance: state.lastMaintenance })
}

/** Answers `/admin/*`, or `undefined` for other paths. */
export async function handleAdmin(request: Request, env: Env, executor: SqlExecutor, state: AdminState): Promise<Response | undefined> {
  const url = new URL(request.url)
  if (!url.pathname.startsWith("/admin/")) return undefined
  const refusal = adminRefusal(request, url, env)
  if (refusal !== undefined) return refusal
  if (request.method !== "GET") return errorResponse(405, "method-not-allowed", "admin routes are GET only")
  await ensureSchema({ schema, executor })
  if (url.pathname === "/admin/events") return events(request, executor, state)
  if (url.pathname === "/admin/snapshot") return snapshot(url, executor)
  if (url.pathname === "/admin/stats") return stats(executor, state)
  if (url.pathname === "/admin/diff") return diffRoute(url, executor)
  if (url.pathname === "/admin/history") return historyRoute(url, executor)
  const blob = /^\/admin\/blob\/([^/]+)$/.exec(url.pathname)
  if (blob) {
    const hash = blob[1] ?? ""
    if (!/^[0-9a-f]{64}$/.test(hash)) return errorResponse(400, "invalid-request", "hash must be 64 lowercase hex characters")
    const head = await r2Storage({ bucket: env.BUCKET }).head(hash)
    return head === null ? errorResponse(404, "not-found", `no bytes stored for ${hash}`) : Response.json({ hash, ...head })
  }
  return errorResponse(404, "not-found", `no admin route ${url.pathname}`)
}
