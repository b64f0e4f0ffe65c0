/**
 * @module Workload `push-200`: pushes of 200 mutations (100 inserts of new rows, 100 updates of
 * rows inserted by the previous push) through `createSyncHandler`, as in-process `Request`s on an
 * in-memory better-sqlite3 database. Baseline: raw better-sqlite3 on an identical in-memory
 * database doing the same row writes AND the same change rows (explicit INSERTs into an identical
 * `_plasma_changes`, the row JSON built in JavaScript) plus the client's last_mutation_id upsert,
 * with prepared statements in one transaction. ratio = plasma median / baseline median.
 *
 * Needs `pnpm -r --filter ./packages/* build` first (imports the packages' dist).
 */
import Database from "better-sqlite3"
import { defineMutators, defineSchema, eq, id, int, table, text, boolean, type MutatorInput } from "../../packages/core/dist/index.js"
import { fromBetterSqlite3 } from "../../packages/executors/dist/better-sqlite3.js"
import { applyPush, createSyncHandler, ensureSchema } from "../../packages/server/dist/index.js"
import { medianMs, round, type BenchResult } from "../lib.js"

const PER_PUSH = 200
const ITERATIONS = 25
const WARMUP = 10

const items = table("items", { id: id(), title: text(), n: int(), done: boolean().default(false) })
const schema = defineSchema({ items })
type In<A> = MutatorInput<typeof schema, Record<string, unknown>, A>
const mutators = defineMutators<typeof schema, Record<string, unknown>>()({
  insertItem: async ({ db, args }: In<{ id: string; title: string; n: number }>) => {
    await db.insert(items).values({ id: args.id, title: args.title, n: args.n })
  },
  updateItem: async ({ db, args }: In<{ id: string; title: string; n: number }>) => {
    await db.update(items).set({ title: args.title, n: args.n }).where(eq(items.id, args.id))
  },
})

interface Op {
  readonly name: "insertItem" | "updateItem"
  readonly args: { id: string; title: string; n: number }
}

/** The mutations of push `k` (0-based): inserts of batch k, updates of batch k-1. */
function opsOf(k: number): Op[] {
  const ops: Op[] = []
  for (let i = 0; i < PER_PUSH / 2; i++) ops.push({ name: "insertItem", args: { id: `r${k}-${i}`, title: `title ${k} ${i}`, n: i } })
  for (let i = 0; i < PER_PUSH / 2; i++) ops.push({ name: "updateItem", args: { id: `r${k - 1}-${i}`, title: `updated ${k} ${i}`, n: i + 1 } })
  return ops
}

async function plasmaSide(total: number): Promise<number> {
  const database = new Database(":memory:")
  const handler = createSyncHandler({
    schema,
    mutators,
    executor: fromBetterSqlite3(database),
    schemaVersion: "bench",
    auth: () => ({ ok: true, clientGroupID: "g", clientID: "c", ctx: {} }),
  })
  const bodies: string[] = []
  let nextId = 1
  for (let k = 0; k <= total; k++) {
    const mutations = opsOf(k).map((op) => ({ id: nextId++, name: op.name, args: op.args, timestamp: 1 }))
    bodies.push(JSON.stringify({ protocolVersion: 1, schemaVersion: "bench", clientGroupID: "g", clientID: "c", mutations }))
  }
  let k = 0
  const pushOnce = async () => {
    const response = await handler(new Request("http://bench/sync/push", { method: "POST", body: bodies[k++] }))
    if (response.status !== 200) throw new Error(`push answered ${response.status}: ${await response.text()}`)
    await response.text()
  }
  await pushOnce() // push 0: inserts only (no previous batch); also creates the schema
  const ms = await medianMs(pushOnce, ITERATIONS, WARMUP)
  const changes = (database.prepare("SELECT COUNT(*) AS n FROM _plasma_changes").get() as { n: number }).n
  if (changes !== PER_PUSH / 2 + (ITERATIONS + WARMUP) * PER_PUSH) throw new Error(`unexpected change count ${changes}`)
  database.close()
  return ms
}

/** The write path alone (`applyPush` with parsed mutations): splits handler cost from write-path cost. */
async function applyPushSide(total: number): Promise<number> {
  const database = new Database(":memory:")
  const executor = fromBetterSqlite3(database)
  await ensureSchema({ schema, executor })
  let nextId = 1
  const pushes = Array.from({ length: total + 1 }, (_, k) => opsOf(k).map((op) => ({ id: nextId++, name: op.name, args: op.args, timestamp: 1 })))
  let k = 0
  const pushOnce = () => applyPush({ schema, mutators, executor, ctx: {}, clientGroupID: "g", clientID: "c", mutations: pushes[k++] ?? [] })
  await pushOnce()
  const ms = await medianMs(pushOnce, ITERATIONS, WARMUP)
  database.close()
  return ms
}

async function baselineSide(total: number): Promise<number> {
  const database = new Database(":memory:")
  database.exec(`CREATE TABLE items (id TEXT PRIMARY KEY NOT NULL, title TEXT NOT NULL, n INTEGER NOT NULL, done INTEGER NOT NULL DEFAULT 0 CHECK (done IN (0, 1)));
    CREATE TABLE _plasma_changes (row_version INTEGER PRIMARY KEY AUTOINCREMENT, table_name TEXT NOT NULL, row_id TEXT NOT NULL,
      op TEXT NOT NULL CHECK (op IN ('put','del')), value TEXT, created_at INTEGER NOT NULL, client_group_id TEXT, client_id TEXT, mutation_id INTEGER);
    CREATE INDEX _plasma_changes_row_idx ON _plasma_changes (table_name, row_id, row_version);
    CREATE TABLE _plasma_client_mutations (client_group_id TEXT NOT NULL, client_id TEXT NOT NULL, last_mutation_id INTEGER NOT NULL,
      last_pull_version INTEGER, last_seen_at INTEGER NOT NULL, PRIMARY KEY (client_group_id, client_id));`)
  const insert = database.prepare("INSERT INTO items (id, title, n) VALUES (?, ?, ?)")
  const update = database.prepare("UPDATE items SET title = ?, n = ? WHERE id = ?")
  const change = database.prepare("INSERT INTO _plasma_changes (table_name, row_id, op, value, created_at, client_group_id, client_id, mutation_id) VALUES ('items', ?, 'put', ?, ?, 'g', 'c', ?)")
  const client = database.prepare(
    "INSERT INTO _plasma_client_mutations (client_group_id, client_id, last_mutation_id, last_seen_at) VALUES ('g', 'c', ?, ?) ON CONFLICT DO UPDATE SET last_mutation_id = excluded.last_mutation_id, last_seen_at = excluded.last_seen_at",
  )
  const pushes = Array.from({ length: total + 1 }, (_, k) => opsOf(k))
  let nextId = 1
  const apply = database.transaction((ops: Op[]) => {
    const now = Date.now()
    for (const op of ops) {
      const { id: rowId, title, n } = op.args
      if (op.name === "insertItem") insert.run(rowId, title, n)
      else update.run(title, n, rowId)
      change.run(rowId, JSON.stringify({ id: rowId, title, n, done: false }), now, nextId++)
    }
    client.run(nextId - 1, now)
  })
  let k = 0
  const pushOnce = () => apply(pushes[k++] as Op[])
  pushOnce()
  const ms = await medianMs(pushOnce, ITERATIONS, WARMUP)
  database.close()
  return ms
}

export async function run(): Promise<BenchResult[]> {
  const total = ITERATIONS + WARMUP
  // A discarded round first: whichever side ran first would otherwise pay the JIT warm-up of
  // core and server alone (measured: 2-3x slower).
  await plasmaSide(total)
  const plasmaMs = await plasmaSide(total)
  const applyPushMs = await applyPushSide(total)
  const baselineMs = await baselineSide(total)
  return [
    {
      workload: "push-200",
      ratio: round(plasmaMs / baselineMs, 2),
      ratioAgainst: "raw better-sqlite3: same row writes + explicit _plasma_changes INSERTs + last_mutation_id upsert, prepared, one transaction",
      goal: 2.0,
      mutationsPerPush: PER_PUSH,
      iterations: ITERATIONS,
      warmup: WARMUP,
      plasmaMs: round(plasmaMs),
      baselineMs: round(baselineMs),
      applyPushOnlyMs: round(applyPushMs),
      handlerOverheadMs: round(plasmaMs - applyPushMs),
      database: "better-sqlite3 :memory:",
    },
  ]
}
