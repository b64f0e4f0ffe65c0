/**
 * Test support for the server-side operations (not exported): the guide's schema (`todos` with
 * `userId`, `users`, a `markDone` mutator), databases on better-sqlite3 and D1, raw-SQL writes
 * whose change rows the capture triggers produce, and readers of the log and of client state.
 */
import { boolean, decodePullCookie, defineMutators, defineSchema, eq, id, int, text, table, type MutatorInput } from "@plasma/core"
import type { SqlExecutor } from "@plasma/executors"
import { fromBetterSqlite3 } from "@plasma/executors/better-sqlite3"
import { createMiniflareD1, createPostgres } from "@plasma/executors/testing"
import Database from "better-sqlite3"
import fc from "fast-check"
import { ensureSchema } from "../schema/migrations.js"
import { pullChanges } from "../sync/pull.js"
import type { ChangeEntry } from "./change-log-reducer.js"

export const todos = table("todos", {
  id: id(),
  title: text(),
  done: boolean().default(false),
  userId: text(),
  updatedAt: int(),
})
export const users = table("users", { id: id(), name: text() })
/** A local-only table: never logged, so never in a snapshot. */
export const drafts = table("drafts", { id: id(), body: text() }, { changeLogSuppressed: true })
export const schema = defineSchema({ todos, users, drafts })
export type Ctx = { readonly userId: string }

export const mutators = defineMutators<typeof schema, Ctx>()({
  markDone: async ({ db, args }: MutatorInput<typeof schema, Ctx, { id: string; updatedAt: number }>) => {
    await db.update(todos).set({ done: true, updatedAt: args.updatedAt }).where(eq(todos.id, args.id))
  },
})

/** A fresh in-memory better-sqlite3 database with the schema in place. */
export async function openSqlite(path = ":memory:"): Promise<{ executor: SqlExecutor; database: Database.Database }> {
  const database = new Database(path)
  const executor = fromBetterSqlite3(database)
  await ensureSchema({ schema, executor })
  return { executor, database }
}

/** A D1 database in workerd with the schema in place, and a way to wipe it between runs. */
export async function openD1(): Promise<{ executor: SqlExecutor; env: { DB: Awaited<ReturnType<typeof createMiniflareD1>>["d1"] }; wipe(): Promise<void>; dispose(): Promise<void> }> {
  const d1 = await createMiniflareD1()
  await ensureSchema({ schema, executor: d1.executor })
  return {
    executor: d1.executor,
    env: { DB: d1.d1 },
    async wipe() {
      await d1.executor.batch(
        ["DELETE FROM todos", "DELETE FROM users", "DELETE FROM _plasma_changes", "DELETE FROM _plasma_client_mutations", `DELETE FROM _plasma_meta WHERE key <> 'schema_fingerprint'`].map((t) => ({ text: t, params: [] })),
      )
    },
    dispose: () => d1.dispose(),
  }
}

/** A fresh schema on the Postgres test server (`PLASMA_PG_URL`) with the guide's schema in place. */
export async function openPostgres(): Promise<{ executor: SqlExecutor; wipe(): Promise<void>; dispose(): Promise<void> }> {
  const fixture = await createPostgres()
  await ensureSchema({ schema, executor: fixture.executor })
  return {
    executor: fixture.executor,
    async wipe() {
      // TRUNCATE … RESTART IDENTITY: versions start from 1 again, as in a fresh database.
      await fixture.executor.batch(
        [
          "TRUNCATE todos, users, _plasma_changes, _plasma_client_mutations RESTART IDENTITY",
          `DELETE FROM _plasma_meta WHERE key <> 'schema_fingerprint'`,
        ].map((t) => ({ text: t, params: [] })),
      )
    },
    dispose: () => fixture.dispose(),
  }
}

/** One write of a random history. */
export type HistoryOp =
  | { readonly kind: "put"; readonly table: "todos" | "users"; readonly id: string; readonly n: number }
  | { readonly kind: "del"; readonly table: "todos" | "users"; readonly id: string }

/** JS form of a row a history writes. */
export function rowOf(op: Extract<HistoryOp, { kind: "put" }>): Record<string, unknown> {
  return op.table === "todos"
    ? { id: op.id, title: `title ${op.n}`, done: op.n % 2 === 0, userId: `u${op.n % 3}`, updatedAt: op.n }
    : { id: op.id, name: `name ${op.n}` }
}

/** Applies one op with raw SQL (upsert or delete); the triggers log it. */
export async function applyOp(executor: SqlExecutor, op: HistoryOp): Promise<void> {
  if (op.kind === "del") {
    await executor.run({ text: `DELETE FROM ${op.table} WHERE id = ?`, params: [op.id] })
    return
  }
  const row = rowOf(op)
  if (op.table === "todos") {
    await executor.run({
      text:
        // Quoted: Postgres folds unquoted names to lower case (the columns are "userId", "updatedAt").
        'INSERT INTO todos (id, title, done, "userId", "updatedAt") VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET ' +
        'title = excluded.title, done = excluded.done, "userId" = excluded."userId", "updatedAt" = excluded."updatedAt"',
      params: [row.id, row.title, row.done === true ? 1 : 0, row.userId, row.updatedAt],
    })
  } else {
    await executor.run({ text: "INSERT INTO users (id, name) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET name = excluded.name", params: [row.id, row.name] })
  }
}

/** Table → id → JS row. */
export type TableState = Map<string, Map<string, Record<string, unknown>>>

export function emptyState(): TableState {
  return new Map([
    ["todos", new Map()],
    ["users", new Map()],
  ])
}

export function cloneState(state: TableState): TableState {
  return new Map([...state].map(([t, rows]) => [t, new Map(rows)]))
}

/** The JS model of one op (independent of the change log). */
export function applyToModel(state: TableState, op: HistoryOp): void {
  const rows = state.get(op.table) as Map<string, Record<string, unknown>>
  if (op.kind === "del") rows.delete(op.id)
  else rows.set(op.id, rowOf(op))
}

/** Plain nested objects sorted by key, for deep equality of maps. */
export function plain(state: ReadonlyMap<string, ReadonlyMap<string, unknown>>): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {}
  for (const [t, rows] of [...state].sort(([a], [b]) => (a < b ? -1 : 1))) {
    out[t] = Object.fromEntries([...rows].sort(([a], [b]) => (a < b ? -1 : 1)))
  }
  return out
}

export async function headVersion(executor: SqlExecutor): Promise<number> {
  const rows = await executor.all<{ v: number | null }>({ text: "SELECT MAX(row_version) AS v FROM _plasma_changes", params: [] })
  return Number(rows[0]?.v ?? 0)
}

/** The whole change log, ascending. */
export async function readLog(executor: SqlExecutor): Promise<ChangeEntry[]> {
  const rows = await executor.all<{ row_version: number; table_name: string; row_id: string; op: "put" | "del"; value: string | null }>({
    text: "SELECT row_version, table_name, row_id, op, value FROM _plasma_changes ORDER BY row_version",
    params: [],
  })
  return rows.map((r) => ({ rowVersion: Number(r.row_version), tableName: r.table_name, rowId: r.row_id, op: r.op, value: r.value }))
}

/** A client's state in wire form: table → id → the JSON value it was sent. */
export type WireState = Map<string, Map<string, unknown>>

/**
 * Pulls with `pullChanges` from `cookie` until `hasMore` is false, applying patches to `state`
 * like a client: `reset: true` pages are staged from empty and swapped in after the last page.
 */
export async function pullToEnd(executor: SqlExecutor, state: WireState, cookie: string | null, limit: number, clientID = "c"): Promise<{ state: WireState; resets: number; cookie: string }> {
  let current = cookie
  let resets = 0
  let s = state
  let staged: WireState | null = null
  for (let guard = 0; guard < 10_000; guard++) {
    const page = await pullChanges({ schema, executor, ctx: {}, clientGroupID: "g", clientID, cookie: current === null ? null : decodePullCookie(current), limit })
    if (page.reset === true && staged === null) {
      resets++
      staged = new Map()
    }
    const target = staged ?? s
    for (const op of page.patch) {
      let rows = target.get(op.table)
      if (rows === undefined) target.set(op.table, (rows = new Map()))
      if (op.op === "put") rows.set(op.id, op.value)
      else rows.delete(op.id)
    }
    current = page.cookie
    if (!page.hasMore) {
      if (staged !== null) s = staged
      return { state: s, resets, cookie: current }
    }
  }
  throw new Error("pull did not finish")
}

/** Drops empty tables, so states compare by their rows only. */
export function nonEmpty(state: ReadonlyMap<string, ReadonlyMap<string, unknown>>): Map<string, ReadonlyMap<string, unknown>> {
  return new Map([...state].filter(([, rows]) => rows.size > 0))
}

/** Random logs over a few tables and rows, versions ascending from 1. */
export const changeLogArb = fc
  .array(fc.record({ tableName: fc.constantFrom("a", "b"), rowId: fc.constantFrom("r1", "r2", "r3"), op: fc.constantFrom("put" as const, "del" as const), n: fc.nat(99) }), { maxLength: 40 })
  .map((items): ChangeEntry[] => items.map((x, i) => ({ rowVersion: i + 1, tableName: x.tableName, rowId: x.rowId, op: x.op, value: x.op === "put" ? JSON.stringify({ n: x.n }) : null })))


/** Random histories: puts and deletes on a few rows of both tables. */
export const historyArb = (maxLength = 30): fc.Arbitrary<HistoryOp[]> =>
  fc.array(
    fc.oneof(
      { weight: 3, arbitrary: fc.record({ kind: fc.constant("put" as const), table: fc.constantFrom("todos" as const, "users" as const), id: fc.constantFrom("a", "b", "c", "d"), n: fc.nat(999) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant("del" as const), table: fc.constantFrom("todos" as const, "users" as const), id: fc.constantFrom("a", "b", "c", "d") }) },
    ),
    { maxLength },
  )

/** The model's state after each version: `versions[i]` is the head after which `states[i]` holds. */
export interface RecordedHistory {
  readonly versions: number[]
  readonly states: TableState[]
  /** The model state at `v`: the newest recorded state at or below it. */
  at(v: number): TableState
}

/** Applies `ops` to the database and the model, recording the state at every new head. */
export async function runHistory(executor: SqlExecutor, ops: readonly HistoryOp[], start?: { history: RecordedHistory; state: TableState }): Promise<{ history: RecordedHistory; state: TableState }> {
  const versions = start === undefined ? [await headVersion(executor)] : [...start.history.versions]
  const states = start === undefined ? [emptyState()] : [...start.history.states]
  const state = start === undefined ? emptyState() : cloneState(start.state)
  for (const op of ops) {
    await applyOp(executor, op)
    applyToModel(state, op)
    const head = await headVersion(executor)
    if (head !== versions[versions.length - 1]) {
      versions.push(head)
      states.push(cloneState(state))
    }
  }
  const at = (v: number): TableState => {
    let i = 0
    while (i + 1 < versions.length && (versions[i + 1] as number) <= v) i++
    return states[i] as TableState
  }
  return { history: { versions, states, at }, state }
}
