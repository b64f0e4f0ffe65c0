/**
 * Answering one pull: the change log after a cookie, filtered by read predicates, one page.
 *
 * Consistency: everything is read in ONE `executor.batch` (one atomic snapshot; one round trip on
 * D1): the compaction floor and the head version, the page, the group's `lastMutationIDs`, and the
 * upsert recording this client's pull position. Because `row_version` is commit order (SPEC §7.5),
 * a page ending at version v never misses a change that commits later with a version ≤ v.
 *
 * Paging: at most `limit` entries after the cookie, `hasMore` when more exist. The new cookie is
 * the version of the last entry examined (entries filtered out by a predicate count), or, for an
 * empty page, the incoming cookie.
 *
 * Reset: when the cookie is below the compaction floor, compaction may have discarded entries the
 * client needs, so the answer says `reset: true` and starts from version 0: after compaction the
 * log up to the floor holds the newest entry of every row, i.e. a full snapshot, and the client
 * replaces its state with it. That first page is not cut at `limit` before the floor: it carries
 * the whole compacted prefix. Otherwise a reset drained in pages would hand out cookies that are
 * themselves below the floor, and the next page would reset again, forever. A pull without a
 * cookie is extended to the floor likewise (without `reset`: the client has nothing to replace).
 * So after compaction, no cookie below the floor is ever issued again.
 *
 * Failure handling: a cookie above the head version was not issued by this database (tampered,
 * or from another deployment) and is `invalid-request`; its position is not recorded.
 *
 * Read predicates: entries of tables without a `read` predicate are never parsed; their stored
 * JSON (produced by SQLite's `json_object` in the capture triggers, so valid JSON) is spliced into
 * the response text as is. Only entries of tables with a predicate are parsed, to run it; a put
 * that fails it goes out as a `del` (the client may hold an older, readable version), and
 * deletes always go out.
 */
import { encodeCookie, PlasmaError, rowFromChangeJson, syncedTables, type AnySchema, type AnyTable, type AuthContext, type PatchOperation, type PullResponse } from "@plasma/core"
import type { SqlExecutor, SqlQuery } from "@plasma/executors"
import { META_KEYS } from "../schema/internal-tables.js"

export interface PullChangesOptions {
  readonly schema: AnySchema
  readonly executor: SqlExecutor
  /** What `auth` returned; the `read` predicates see it. */
  readonly ctx: AuthContext
  readonly clientGroupID: string
  readonly clientID: string
  /** The decoded incoming cookie; `null` pulls from the start. */
  readonly cookie: number | null
  /** Most entries in the page (the compacted prefix of a reset page excepted). */
  readonly limit: number
  /** Unix ms recorded as the client's `last_seen_at`. Default `Date.now()`. */
  readonly now?: number
}

/** One page of changes. `body` is the response JSON, built without parsing stored rows. */
export interface PullChanges {
  readonly cookie: string
  /** The patch, parsed from `body` on first access. */
  readonly patch: readonly PatchOperation[]
  readonly lastMutationIDs: Readonly<Record<string, number>>
  readonly hasMore: boolean
  readonly reset?: true
  /** Number of entries in `patch`. */
  readonly changes: number
  /** The version the new cookie encodes. */
  readonly version: number
  /** The JSON text of the pull answer (`PullResponse`). */
  readonly body: string
  toJSON(): PullResponse
}

interface TablePlan {
  /** `"table":"<name>"` with the name JSON-escaped, ready to splice. */
  readonly tableField: string
  readonly table: AnyTable
  readonly read: ((ctx: AuthContext, row: Record<string, unknown>) => boolean) | undefined
}

const plans = new WeakMap<AnySchema, Map<string, TablePlan>>()

/** Per schema, once: which table names are sent, and how. */
function planOf(schema: AnySchema): Map<string, TablePlan> {
  let plan = plans.get(schema)
  if (plan === undefined) {
    plan = new Map()
    for (const table of syncedTables(schema)) {
      const read = table.$options.auth?.read as TablePlan["read"]
      plan.set(table.$name, { tableField: `"table":${JSON.stringify(table.$name)}`, table, read })
    }
    plans.set(schema, plan)
  }
  return plan
}

/** The compaction floor, 0 when nothing was ever compacted. */
const FLOOR_SQL = "COALESCE((SELECT CAST(value AS INTEGER) FROM _plasma_meta WHERE key = ?), 0)"
const HEAD_SQL = "(SELECT COALESCE(MAX(row_version), 0) FROM _plasma_changes)"
const COLUMNS = "row_version, table_name, row_id, op, value"

const HEAD_QUERY = `SELECT ${FLOOR_SQL} AS floor, ${HEAD_SQL} AS head`
// The compacted prefix: from 0 up to the floor, only when the pull starts below the floor.
const PREFIX_QUERY = `SELECT ${COLUMNS} FROM _plasma_changes WHERE ? < ${FLOOR_SQL} AND row_version <= ${FLOOR_SQL} ORDER BY row_version`
// The page proper: after the cookie, or after the floor when the prefix covered up to it.
const PAGE_QUERY = `SELECT ${COLUMNS} FROM _plasma_changes WHERE row_version > MAX(?, ${FLOOR_SQL}) ORDER BY row_version LIMIT ?`
const CLIENTS_QUERY = "SELECT client_id, last_mutation_id FROM _plasma_client_mutations WHERE client_group_id = ?"
// Records what the client provably holds (the incoming cookie), unless the cookie is foreign.
const POSITION_QUERY =
  "INSERT INTO _plasma_client_mutations (client_group_id, client_id, last_mutation_id, last_pull_version, last_seen_at) " +
  `SELECT ?, ?, 0, ?, ? WHERE ? <= ${HEAD_SQL} ` +
  "ON CONFLICT (client_group_id, client_id) DO UPDATE SET last_pull_version = excluded.last_pull_version, last_seen_at = excluded.last_seen_at"

interface ChangeRow {
  readonly row_version: number
  readonly table_name: string
  readonly row_id: string
  readonly op: string
  readonly value: string | null
}

class PullPage implements PullChanges {
  readonly cookie: string
  readonly lastMutationIDs: Readonly<Record<string, number>>
  readonly hasMore: boolean
  readonly reset?: true
  readonly changes: number
  readonly version: number
  readonly body: string
  #patch: readonly PatchOperation[] | undefined

  constructor(fields: Omit<PullChanges, "patch" | "toJSON" | "reset"> & { readonly reset: boolean }) {
    this.cookie = fields.cookie
    this.lastMutationIDs = fields.lastMutationIDs
    this.hasMore = fields.hasMore
    if (fields.reset) this.reset = true
    this.changes = fields.changes
    this.version = fields.version
    this.body = fields.body
  }

  get patch(): readonly PatchOperation[] {
    this.#patch ??= (JSON.parse(this.body) as PullResponse).patch
    return this.#patch
  }

  toJSON(): PullResponse {
    return JSON.parse(this.body) as PullResponse
  }
}

/** Appends the patch entries of `rows` to `out`; returns the new text and the count. */
function appendRows(rows: readonly ChangeRow[], plan: Map<string, TablePlan>, ctx: AuthContext, out: string, first: boolean): { text: string; count: number } {
  let text = out
  let count = 0
  let needComma = !first
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i] as ChangeRow
    const table = plan.get(row.table_name)
    if (table === undefined) continue // a table the schema no longer has, or a local-only one
    let entry: string
    if (row.op === "put" && row.value !== null) {
      let readable = true
      if (table.read !== undefined) {
        // A predicate that throws denies: one bad row must not wedge every pull past it.
        try {
          const value = JSON.parse(row.value) as Record<string, unknown>
          readable = table.read(ctx, rowFromChangeJson(table.table, value)) === true
        } catch {
          readable = false
        }
      }
      entry = readable
        ? `{"op":"put",${table.tableField},"id":${JSON.stringify(row.row_id)},"value":${row.value}}`
        : `{"op":"del",${table.tableField},"id":${JSON.stringify(row.row_id)}}`
    } else {
      entry = `{"op":"del",${table.tableField},"id":${JSON.stringify(row.row_id)}}`
    }
    text += needComma ? "," + entry : entry
    needComma = true
    count++
  }
  return { text, count }
}

/**
 * Reads one page of changes for a client and records its pull position.
 * Throws `invalid-request` for a cookie above the newest `row_version`.
 * @example
 * const page = await pullChanges({ schema, executor, ctx, clientGroupID: "g", clientID: "c", cookie: null, limit: 1000 })
 * return new Response(page.body, { headers: { "content-type": "application/json" } })
 */
export async function pullChanges(options: PullChangesOptions): Promise<PullChanges> {
  const { schema, executor, ctx, clientGroupID, clientID, cookie, limit } = options
  if (!Number.isSafeInteger(limit) || limit < 1) throw new PlasmaError("invalid-request", `pull limit must be a positive integer, got ${String(limit)}`)
  const from = cookie ?? 0
  const key = META_KEYS.compactionFloor
  const queries: SqlQuery[] = [
    { text: HEAD_QUERY, params: [key] },
    { text: PREFIX_QUERY, params: [from, key, key] },
    { text: PAGE_QUERY, params: [from, key, limit + 1] },
    { text: CLIENTS_QUERY, params: [clientGroupID] },
    { text: POSITION_QUERY, params: [clientGroupID, clientID, from, options.now ?? Date.now(), from] },
  ]
  const [headResult, prefixResult, pageResult, clientsResult] = await executor.batch(queries)
  const floor = Number(headResult?.rows[0]?.floor ?? 0)
  const head = Number(headResult?.rows[0]?.head ?? 0)
  if (from > head) {
    throw new PlasmaError("invalid-request", `the cookie points at version ${from}, past the newest change (${head}); it was not issued by this server`)
  }
  const prefix = (prefixResult?.rows ?? []) as unknown as readonly ChangeRow[]
  let page = (pageResult?.rows ?? []) as unknown as readonly ChangeRow[]
  const hasMore = page.length > limit
  if (hasMore) page = page.slice(0, limit)
  const reset = cookie !== null && cookie < floor

  const plan = planOf(schema)
  const a = appendRows(prefix, plan, ctx, "", true)
  const b = appendRows(page, plan, ctx, a.text, a.count === 0)
  const last = page[page.length - 1] ?? prefix[prefix.length - 1]
  // An empty page keeps the cookie, but never below the floor (see "Reset" above).
  const version = last === undefined ? Math.max(from, floor) : Number(last.row_version)

  const lastMutationIDs: Record<string, number> = Object.create(null) as Record<string, number>
  for (const row of clientsResult?.rows ?? []) lastMutationIDs[String(row.client_id)] = Number(row.last_mutation_id)

  const newCookie = encodeCookie(version)
  const body =
    `{"cookie":"${newCookie}","patch":[${b.text}],"lastMutationIDs":${JSON.stringify(lastMutationIDs)},"hasMore":${hasMore}` +
    (reset ? `,"reset":true}` : "}")
  return new PullPage({ cookie: newCookie, lastMutationIDs, hasMore, reset, changes: a.count + b.count, version, body })
}
