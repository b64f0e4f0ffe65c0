/**
 * Answering one pull: one page of the change log after a cookie, filtered by read predicates.
 *
 * Consistency: everything is read in ONE `executor.batch` (one atomic snapshot; one round trip on
 * D1): the floors and the head version, the page, the previous entries of its rows (tables with a
 * `read` predicate only), the group's `lastMutationIDs`, and the upsert recording this client's
 * position. Because `row_version` is commit order (SPEC §7.5), a page ending at version v never
 * misses a change that commits later with a version ≤ v.
 *
 * Paging: at most `limit` log entries after the start, whatever the cookie (none, old, reset);
 * `hasMore` when more exist. The new cookie is the version of the last entry examined (entries
 * filtered out by a predicate count), or, for an empty page, the start.
 *
 * Where the page starts: see `pull-start.ts`. A cookie below the compaction floor is served like
 * any other (compaction keeps the newest entry of every row, tombstones included). A cookie below
 * the tombstone floor or past the head starts a reset walk: pages of the log from version 0, each
 * with `reset: true`, their cookies marked "resetting" so the walk goes on to the head and never
 * starts over; the page with `hasMore: false` ends the walk (plain cookie), and the client swaps
 * the staged pages in then. The walk needs no snapshot query: after compaction the log is the
 * newest entry per row, and replaying it from empty gives the current state.
 *
 * Position: `last_pull_version` records the cookie handed out (a walk's position included), so
 * `computeSafeCursor` protects a client from its first pull on: compaction and tombstone
 * pruning up to it never cut into what the client still has to read.
 *
 * Read predicates (`change-visibility.ts`): a change the client may not read is not sent, not
 * even as a `del`; a `del` goes out when the row was readable before the change (its previous
 * entry in the log) and is not after. A predicate that throws denies, so one bad row cannot wedge
 * every pull past it. Entries of tables without a predicate are never parsed: their stored JSON
 * (SQLite's `json_object` in the capture triggers, so valid JSON) is spliced into the answer.
 */
import { encodeCookie, PlasmaError, rowFromChangeJson, syncedTables, type AnySchema, type AnyTable, type AuthContext, type PatchOperation, type PullCookie, type PullResponse } from "@plasma/core"
import type { SqlExecutor, SqlQuery } from "@plasma/executors"
import { FLOOR_SQL, TOMBSTONE_FLOOR_KEY } from "../ops/change-log-meta.js"
import { toDialectStatements } from "../dialect/postgres-statements.js"
import { META_KEYS } from "../schema/internal-tables.js"
import { visibleOperation, type PreviousEntry } from "./change-visibility.js"
import { planPullStart, pullStartParams, pullStartSql } from "./pull-start.js"

export interface PullChangesOptions<Ctx = AuthContext> {
  readonly schema: AnySchema
  readonly executor: SqlExecutor
  /** What `auth` returned; the `read` predicates see it. */
  readonly ctx: Ctx
  readonly clientGroupID: string
  readonly clientID: string
  /**
   * The decoded incoming cookie (`decodePullCookie`); a number is a plain cookie at that
   * version; `null` pulls from the start.
   */
  readonly cookie: PullCookie | number | null
  /** Most log entries in the page. */
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
  /** Set on every page of a reset walk; the page with `hasMore: false` is the walk's last. */
  readonly reset?: true
  /** Number of entries in `patch`. */
  readonly changes: number
  /** The version the new cookie encodes. */
  readonly version: number
  /** The JSON text of the pull answer (`PullResponse`). */
  readonly body: string
  toJSON(): PullResponse
}

type ReadPredicate = (ctx: unknown, row: Record<string, unknown>) => boolean

interface TablePlan {
  /** `"table":"<name>"` with the name JSON-escaped, ready to splice. */
  readonly tableField: string
  readonly table: AnyTable
  readonly read: ReadPredicate | undefined
}

interface SchemaPlan {
  readonly tables: ReadonlyMap<string, TablePlan>
  /** JSON list of the tables with a `read` predicate (bound into the previous-entry query). */
  readonly guarded: string
  readonly hasGuarded: boolean
}

const plans = new WeakMap<AnySchema, SchemaPlan>()

/** Per schema, once: which table names are sent, and how. */
function planOf(schema: AnySchema): SchemaPlan {
  let plan = plans.get(schema)
  if (plan === undefined) {
    const tables = new Map<string, TablePlan>()
    const guarded: string[] = []
    for (const table of syncedTables(schema)) {
      const read = table.$options.auth?.read as ReadPredicate | undefined
      if (read !== undefined) guarded.push(table.$name)
      tables.set(table.$name, { tableField: `"table":${JSON.stringify(table.$name)}`, table, read })
    }
    plan = { tables, guarded: JSON.stringify(guarded), hasGuarded: guarded.length > 0 }
    plans.set(schema, plan)
  }
  return plan
}

const HEAD_SQL = "(SELECT COALESCE(MAX(row_version), 0) FROM _plasma_changes)"
const START_SQL = pullStartSql(HEAD_SQL, FLOOR_SQL)
/** Parameters of START_SQL: the cookie's four, the tombstone floor's key after the third. */
const startParams = (cookie: PullCookie | null): unknown[] => {
  const [v, r, v2, v3] = pullStartParams(cookie)
  return [v, r, v2, TOMBSTONE_FLOOR_KEY, v3]
}

const BOUNDS_QUERY = `SELECT ${FLOOR_SQL} AS floor, ${FLOOR_SQL} AS tombstones, ${HEAD_SQL} AS head`
const PAGE_SQL = `SELECT row_version, table_name, row_id, op, value FROM _plasma_changes WHERE row_version > ${START_SQL} ORDER BY row_version LIMIT ?`
/** Per page entry of a guarded table: its row's previous entry (absent when it has none). */
const PREVIOUS_SQL =
  `SELECT c.row_version AS v, p.op AS op, p.value AS value FROM (SELECT row_version, table_name, row_id FROM _plasma_changes ` +
  `WHERE row_version > ${START_SQL} ORDER BY row_version LIMIT ?) c ` +
  "JOIN _plasma_changes p ON p.row_version = (SELECT MAX(q.row_version) FROM _plasma_changes q " +
  "WHERE q.table_name = c.table_name AND q.row_id = c.row_id AND q.row_version < c.row_version) " +
  "WHERE c.table_name IN (SELECT value FROM json_each(?))"
const CLIENTS_SQL = "SELECT client_id, last_mutation_id FROM _plasma_client_mutations WHERE client_group_id = ?"
/** Records the cookie handed out: the last entry of the page (at most `limit`), else the start. */
const POSITION_SQL =
  "INSERT INTO _plasma_client_mutations (client_group_id, client_id, last_mutation_id, last_pull_version, last_seen_at) " +
  `SELECT ?, ?, 0, COALESCE((SELECT MAX(row_version) FROM (SELECT row_version FROM _plasma_changes WHERE row_version > ${START_SQL} ORDER BY row_version LIMIT ?)), ${START_SQL}), ? ` +
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

/** Whether `read` admits the stored change JSON `value`; a throwing predicate denies. */
function readable(table: TablePlan, ctx: unknown, value: string | null): boolean {
  if (table.read === undefined || value === null) return value !== null
  try {
    return table.read(ctx, rowFromChangeJson(table.table, JSON.parse(value) as Record<string, unknown>)) === true
  } catch {
    return false
  }
}

interface PatchContext {
  readonly tables: ReadonlyMap<string, TablePlan>
  readonly ctx: unknown
  /** Previous entry per page version (guarded tables only; absent: none in the log). */
  readonly previous: ReadonlyMap<number, { readonly op: string; readonly value: string | null }>
  /** Entries at or below this version may have lost their previous entries to compaction. */
  readonly compactionFloor: number
  /** The client may hold rows from before the page (a cookie > 0, not a reset walk). */
  readonly holdsEarlierState: boolean
}

/** The patch entries of `rows`, as JSON text, and their count. */
function patchOf(rows: readonly ChangeRow[], context: PatchContext): { text: string; count: number } {
  const parts: string[] = []
  for (const row of rows) {
    const table = context.tables.get(row.table_name)
    if (table === undefined) continue // a table the schema no longer has, or a local-only one
    const op = row.op === "put" && row.value !== null ? "put" : "del"
    let sent: "put" | "del" | null = op
    if (table.read !== undefined) {
      const version = Number(row.row_version)
      const before = context.previous.get(version)
      let previous: PreviousEntry
      if (before !== undefined) previous = { readable: before.op === "put" && readable(table, context.ctx, before.value) }
      else previous = context.holdsEarlierState && version <= context.compactionFloor ? "compacted" : "none"
      sent = visibleOperation({ op, readable: op === "put" && readable(table, context.ctx, row.value), previous })
    }
    if (sent === null) continue
    const id = JSON.stringify(row.row_id)
    parts.push(sent === "put" ? `{"op":"put",${table.tableField},"id":${id},"value":${row.value as string}}` : `{"op":"del",${table.tableField},"id":${id}}`)
  }
  return { text: parts.join(","), count: parts.length }
}

function toPullCookie(cookie: PullCookie | number | null): PullCookie | null {
  if (cookie === null || typeof cookie === "object") return cookie
  return { version: cookie, resetting: false }
}

/**
 * Reads one page of changes for a client and records its pull position.
 * @example
 * const page = await pullChanges({ schema, executor, ctx, clientGroupID: "g", clientID: "c", cookie: null, limit: 1000 })
 * return new Response(page.body, { headers: { "content-type": "application/json" } })
 */
export async function pullChanges<Ctx = AuthContext>(options: PullChangesOptions<Ctx>): Promise<PullChanges> {
  const { schema, executor, ctx, clientGroupID, clientID, limit } = options
  if (!Number.isSafeInteger(limit) || limit < 1) throw new PlasmaError("invalid-request", `pull limit must be a positive integer, got ${String(limit)}`)
  const cookie = toPullCookie(options.cookie)
  if (cookie !== null && (!Number.isSafeInteger(cookie.version) || cookie.version < 0)) {
    throw new PlasmaError("invalid-request", `a cookie's version must be a safe integer ≥ 0, got ${String(cookie.version)}`)
  }
  const plan = planOf(schema)
  const start = startParams(cookie)
  const queries: SqlQuery[] = [
    { text: BOUNDS_QUERY, params: [META_KEYS.compactionFloor, TOMBSTONE_FLOOR_KEY] },
    { text: PAGE_SQL, params: [...start, limit + 1] },
    { text: CLIENTS_SQL, params: [clientGroupID] },
    { text: POSITION_SQL, params: [clientGroupID, clientID, ...start, limit, ...start, options.now ?? Date.now()] },
  ]
  if (plan.hasGuarded) queries.push({ text: PREVIOUS_SQL, params: [...start, limit, plan.guarded] })
  const [boundsResult, pageResult, clientsResult, , previousResult] = await executor.batch(toDialectStatements(executor.dialect, queries))
  const bounds = boundsResult?.rows[0]
  const compactionFloor = Number(bounds?.floor ?? 0)
  const { from, resetting } = planPullStart(cookie, { head: Number(bounds?.head ?? 0), tombstoneFloor: Number(bounds?.tombstones ?? 0) })

  let page = (pageResult?.rows ?? []) as unknown as readonly ChangeRow[]
  const hasMore = page.length > limit
  if (hasMore) page = page.slice(0, limit)
  const previous = new Map<number, { op: string; value: string | null }>()
  for (const row of previousResult?.rows ?? []) previous.set(Number(row.v), { op: String(row.op), value: row.value === null ? null : String(row.value) })
  const patch = patchOf(page, { tables: plan.tables, ctx, previous, compactionFloor, holdsEarlierState: !resetting && from > 0 })

  const last = page[page.length - 1]
  const version = last === undefined ? from : Number(last.row_version)
  const lastMutationIDs: Record<string, number> = Object.create(null) as Record<string, number>
  for (const row of clientsResult?.rows ?? []) lastMutationIDs[String(row.client_id)] = Number(row.last_mutation_id)

  // Inside a walk every cookie but the last says "resetting"; the last page's plain cookie ends it.
  const newCookie = encodeCookie(version, { resetting: resetting && hasMore })
  const body =
    `{"cookie":"${newCookie}","patch":[${patch.text}],"lastMutationIDs":${JSON.stringify(lastMutationIDs)},"hasMore":${hasMore}` +
    (resetting ? `,"reset":true}` : "}")
  return new PullPage({ cookie: newCookie, lastMutationIDs, hasMore, reset: resetting, changes: patch.count, version, body })
}
