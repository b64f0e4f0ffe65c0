/**
 * @module The admin history routes (token-checked by admin.ts before they run):
 *
 * - `GET /admin/diff?from=N[&to=M][&cursor=…][&limit=K]`: what changed in `todos` since version
 *   N (to M, default now), from `diffSnapshots`: `{ from, to, added, removed, changed, next }`.
 *   `next` (when not null) is passed back as `cursor` with the same `from` and `to`.
 * - `GET /admin/history?id=<todo id>[&before=…][&limit=K]`: one todo's change-log entries, newest
 *   first, from `rowHistory`: who (client group, client, mutation), when, and the row after each
 *   entry; `folded: true` marks entries compaction may have merged several edits into.
 *
 * Versions, limits and cursors are handed to the operations as given: they validate strictly and
 * their `PlasmaError` becomes a 4xx JSON answer naming the problem (400 for malformed input, 410
 * for a version below the compaction floor).
 */
import { isPlasmaError } from "@plasma/core"
import type { SqlExecutor } from "@plasma/executors"
import { diffSnapshots, rowHistory } from "@plasma/server"
import { schema } from "./schema.js"

const MAX_ID_LENGTH = 200
/** Rows per diff page unless `limit` says otherwise: enough for a screen, small for a Worker. */
const DEFAULT_DIFF_LIMIT = 200

function errorResponse(status: number, error: string, message: string): Response {
  return Response.json({ error, message }, { status })
}

/** `undefined` stays "not given"; anything else is passed on as a number for the operation to check. */
function optionalNumber(url: URL, name: string): number | undefined {
  const raw = url.searchParams.get(name)
  return raw === null ? undefined : raw.trim() === "" ? Number.NaN : Number(raw)
}

async function answer(run: () => Promise<unknown>): Promise<Response> {
  try {
    return Response.json(await run())
  } catch (error) {
    if (isPlasmaError(error)) return errorResponse(error.status, error.code, error.message)
    throw error
  }
}

/** `GET /admin/diff`. */
export function diffRoute(url: URL, executor: SqlExecutor): Promise<Response> | Response {
  const from = url.searchParams.get("from")
  if (from === null) return errorResponse(400, "invalid-request", "from is required: the row_version to diff from (?from=N)")
  // No `to`: now. The largest version is clamped to the newest change, the same on every page.
  const to = url.searchParams.get("to") ?? Number.MAX_SAFE_INTEGER
  const cursor = url.searchParams.get("cursor")
  const limit = optionalNumber(url, "limit") ?? DEFAULT_DIFF_LIMIT
  return answer(async () => {
    const page = await diffSnapshots({ schema, executor, from, to, tables: ["todos"], limit, ...(cursor === null ? {} : { cursor }) })
    const todos = page.tables.get("todos")
    return { from: page.from, to: page.to, added: todos?.added ?? [], removed: todos?.removed ?? [], changed: todos?.changed ?? [], next: page.next }
  })
}

/** `GET /admin/history`. */
export function historyRoute(url: URL, executor: SqlExecutor): Promise<Response> | Response {
  const id = url.searchParams.get("id")
  if (id === null || id === "" || id.length > MAX_ID_LENGTH) return errorResponse(400, "invalid-request", `id is required: a todo id of 1 to ${MAX_ID_LENGTH} characters (?id=…)`)
  const before = url.searchParams.get("before")
  const limit = optionalNumber(url, "limit")
  return answer(() => rowHistory({ schema, executor, table: "todos", id, ...(limit === undefined ? {} : { limit }), ...(before === null ? {} : { before }) }))
}
