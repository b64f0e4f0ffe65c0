/**
 * @module The push workloads' shared parts: the schema, the two mutators, the mutations of each
 * push (100 inserts of new rows, 100 updates of rows the previous push inserted), and the
 * baseline's SQL (the same row writes AND the same change rows, written explicitly with the row
 * JSON built in JavaScript, plus the client's last_mutation_id upsert).
 *
 * Needs `pnpm -r --filter ./packages/* build` first (imports the packages' dist).
 */
import { boolean, defineMutators, defineSchema, eq, id, int, table, text, type MutatorInput } from "../packages/core/dist/index.js"
import type { SqlExecutor } from "../packages/executors/dist/index.js"
import { createSyncHandler } from "../packages/server/dist/index.js"

export const PER_PUSH = 200

export const items = table("items", { id: id(), title: text(), n: int(), done: boolean().default(false) })
export const schema = defineSchema({ items })
type In<A> = MutatorInput<typeof schema, Record<string, unknown>, A>
export const mutators = defineMutators<typeof schema, Record<string, unknown>>()({
  insertItem: async ({ db, args }: In<{ id: string; title: string; n: number }>) => {
    await db.insert(items).values({ id: args.id, title: args.title, n: args.n })
  },
  updateItem: async ({ db, args }: In<{ id: string; title: string; n: number }>) => {
    await db.update(items).set({ title: args.title, n: args.n }).where(eq(items.id, args.id))
  },
})

export interface Op {
  readonly name: "insertItem" | "updateItem"
  readonly args: { id: string; title: string; n: number }
}

/** The mutations of push `k` (0-based): inserts of batch k, updates of batch k-1. */
export function opsOf(k: number): Op[] {
  const ops: Op[] = []
  for (let i = 0; i < PER_PUSH / 2; i++) ops.push({ name: "insertItem", args: { id: `r${k}-${i}`, title: `title ${k} ${i}`, n: i } })
  for (let i = 0; i < PER_PUSH / 2; i++) ops.push({ name: "updateItem", args: { id: `r${k - 1}-${i}`, title: `updated ${k} ${i}`, n: i + 1 } })
  return ops
}

/** Push request bodies 0…total, with consecutive mutation ids. */
export function pushBodies(total: number): string[] {
  const bodies: string[] = []
  let nextId = 1
  for (let k = 0; k <= total; k++) {
    const mutations = opsOf(k).map((op) => ({ id: nextId++, name: op.name, args: op.args, timestamp: 1 }))
    bodies.push(JSON.stringify({ protocolVersion: 1, schemaVersion: "bench", clientGroupID: "g", clientID: "c", mutations }))
  }
  return bodies
}

/**
 * A sync handler over `executor` and a function that sends it the next of the pushes 0…total
 * through a real `Request`, failing loudly on anything but 200.
 */
export function createPushSender(executor: SqlExecutor, total: number): () => Promise<void> {
  const handler = createSyncHandler({
    schema,
    mutators,
    executor,
    schemaVersion: "bench",
    auth: () => ({ ok: true, clientGroupID: "g", clientID: "c", ctx: {} }),
  })
  const bodies = pushBodies(total)
  let k = 0
  return async () => {
    const body = bodies[k++]
    if (body === undefined) throw new Error(`only ${total + 1} pushes were prepared`)
    const response = await handler(new Request("http://bench/sync/push", { method: "POST", body }))
    if (response.status !== 200) throw new Error(`push answered ${response.status}: ${await response.text()}`)
    await response.text()
  }
}

/** The baseline's tables: the same shapes as plasma's, without triggers. */
export const BASELINE_DDL: readonly string[] = [
  "CREATE TABLE items (id TEXT PRIMARY KEY NOT NULL, title TEXT NOT NULL, n INTEGER NOT NULL, done INTEGER NOT NULL DEFAULT 0 CHECK (done IN (0, 1)))",
  `CREATE TABLE _plasma_changes (row_version INTEGER PRIMARY KEY AUTOINCREMENT, table_name TEXT NOT NULL, row_id TEXT NOT NULL,
      op TEXT NOT NULL CHECK (op IN ('put','del')), value TEXT, created_at INTEGER NOT NULL, client_group_id TEXT, client_id TEXT, mutation_id INTEGER)`,
  "CREATE INDEX _plasma_changes_row_idx ON _plasma_changes (table_name, row_id, row_version)",
  `CREATE TABLE _plasma_client_mutations (client_group_id TEXT NOT NULL, client_id TEXT NOT NULL, last_mutation_id INTEGER NOT NULL,
      last_pull_version INTEGER, last_seen_at INTEGER NOT NULL, PRIMARY KEY (client_group_id, client_id))`,
]

export const BASELINE_SQL = {
  insert: "INSERT INTO items (id, title, n) VALUES (?, ?, ?)",
  update: "UPDATE items SET title = ?, n = ? WHERE id = ?",
  change:
    "INSERT INTO _plasma_changes (table_name, row_id, op, value, created_at, client_group_id, client_id, mutation_id) VALUES ('items', ?, 'put', ?, ?, 'g', 'c', ?)",
  client:
    "INSERT INTO _plasma_client_mutations (client_group_id, client_id, last_mutation_id, last_seen_at) VALUES ('g', 'c', ?, ?) ON CONFLICT DO UPDATE SET last_mutation_id = excluded.last_mutation_id, last_seen_at = excluded.last_seen_at",
} as const
