/**
 * Test fixtures shared by the blob tests (not part of the published entry points): a schema
 * with file columns and auth, mutators that attach and detach files, databases (better-sqlite3,
 * and D1 + R2 in workerd through Miniflare), and a hand-built `BlobRequestContext`.
 */
import { defineMutators, defineSchema, eq, file, id, ref, table, text, type AuthContext, type MutatorInput } from "@plasma/core"
import type { SqlExecutor } from "@plasma/executors"
import { fromD1 } from "@plasma/executors/d1"
import { createBetterSqlite3 } from "@plasma/executors/testing"
import { applyPush, ensureSchema, type BlobRequestContext, type PushResult, type SyncErrorEvent, type SyncMetric } from "@plasma/server"
import { sha256Hex } from "../hash.js"
import type { R2BucketLike } from "../storage/r2-bucket.js"

export const todos = table(
  "todos",
  {
    id: id(),
    title: text(),
    ownerId: text(),
    attachment: file({ maxSize: 1_000, mimeAllowList: ["image/*", "text/plain"] }).nullable(),
  },
  {
    auth: {
      read: (ctx, row) => row.ownerId === ctx.userId,
      write: (ctx, row) => row.ownerId === ctx.userId,
    },
  },
)

export const docs = table("docs", {
  id: id(),
  todoId: ref(() => todos.id, { onDelete: "cascade" }),
  body: file({ maxSize: 5_000, mimeAllowList: ["application/pdf"] }),
  cover: file({ maxSize: 2_000 }).nullable(),
}, {
  auth: { read: (ctx, row) => ctx.userId === "doc-reader" && typeof row.todoId === "string" },
})

export const schema = defineSchema({ todos, docs })
export type TestSchema = typeof schema

/** A schema without file columns (blob routes have nothing to serve). */
export const plainSchema = defineSchema({ notes: table("notes", { id: id(), body: text() }) })

export interface FileRefValue {
  readonly hash: string
  readonly size: number
  readonly mime: string
}

type Ctx = AuthContext
type In<A> = MutatorInput<TestSchema, Ctx, A>

export const mutators = defineMutators<TestSchema, Ctx>()({
  createTodo: async ({ db, args }: In<{ id: string; ownerId: string; attachment: FileRefValue | null }>) => {
    await db.insert(todos).values({ id: args.id, title: `todo ${args.id}`, ownerId: args.ownerId, attachment: args.attachment })
  },
  attach: async ({ db, args }: In<{ id: string; attachment: FileRefValue | null }>) => {
    await db.update(todos).set({ attachment: args.attachment }).where(eq(todos.id, args.id))
  },
  removeTodo: async ({ db, args }: In<{ id: string }>) => {
    await db.delete(todos).where(eq(todos.id, args.id))
  },
})

/** A blob's bytes with its FileRef. */
export async function makeBlob(content: string, mime = "text/plain"): Promise<{ bytes: Uint8Array; ref: FileRefValue }> {
  const bytes = new TextEncoder().encode(content)
  return { bytes, ref: { hash: await sha256Hex(bytes), size: bytes.byteLength, mime } }
}

/**
 * Pushes one mutation at a time through `applyPush`, as client `c-<userId>` of group "g". The
 * next mutation id is read from the database, so several pushers may share a client.
 */
export function createPusher(executor: SqlExecutor, ctx: AuthContext = { userId: "alice" }) {
  const clientID = `c-${String(ctx.userId)}`
  return async (name: keyof typeof mutators, args: unknown): Promise<PushResult> => {
    const rows = await executor.all<{ m: number }>({
      text: "SELECT last_mutation_id AS m FROM _plasma_client_mutations WHERE client_group_id = 'g' AND client_id = ?",
      params: [clientID],
    })
    const id = Number(rows[0]?.m ?? 0) + 1
    return applyPush({ schema, mutators, executor, ctx, clientGroupID: "g", clientID, mutations: [{ id, name, args }] })
  }
}

/** Empties the user tables and plasma's bookkeeping (the collector's claims included). */
export async function resetDatabase(executor: SqlExecutor): Promise<void> {
  await executor.batch(
    ["docs", "todos", "_plasma_blob_refs", "_plasma_blobs", "_plasma_blob_gc", "_plasma_blob_uploads", "_plasma_changes", "_plasma_client_mutations"].map((t) => ({
      text: `DELETE FROM ${t}`,
      params: [],
    })),
  )
}

/** A better-sqlite3 database with the test schema in place. */
export async function createSqliteDb() {
  const fixture = await createBetterSqlite3()
  await ensureSchema({ schema, executor: fixture.executor })
  return fixture
}

/** A D1 database and an R2 bucket in one workerd, both reachable from Node. */
export interface MiniflareD1R2 {
  /** The bindings as a Worker's `env` would hold them. */
  readonly env: { readonly DB: Parameters<typeof fromD1>[0]; readonly BUCKET: MiniflareD1R2["bucket"] }
  readonly executor: SqlExecutor
  readonly bucket: R2BucketLike & { list(options?: { prefix?: string; cursor?: string }): Promise<{ objects: { key: string }[]; truncated: boolean; cursor?: string }> }
  dispose(): Promise<void>
}

/** Starts Miniflare with `DB` (D1) and `BUCKET` (R2); the schema is ensured. */
export async function createMiniflareD1R2(): Promise<MiniflareD1R2> {
  const { Miniflare } = await import("miniflare")
  const mf = new Miniflare({
    modules: true,
    script: "export default { fetch() { return new Response('ok') } }",
    compatibilityDate: "2026-04-20",
    d1Databases: ["DB"],
    r2Buckets: ["BUCKET"],
    cf: false,
  })
  try {
    const DB = await mf.getD1Database("DB")
    const executor = fromD1(DB)
    const bucket = (await mf.getR2Bucket("BUCKET")) as unknown as MiniflareD1R2["bucket"]
    await ensureSchema({ schema, executor })
    return { env: { DB, BUCKET: bucket }, executor, bucket, dispose: () => mf.dispose() }
  } catch (error) {
    await mf.dispose()
    throw error
  }
}

/** What a hand-built context recorded. */
export interface ContextRecorder {
  readonly metrics: SyncMetric[]
  readonly errors: SyncErrorEvent[]
  readonly waited: Promise<unknown>[]
}

/** A `BlobRequestContext` as the sync handler would build it after `auth`. */
export function blobContext(
  executor: SqlExecutor,
  hash: string,
  options: { ctx?: AuthContext; schema?: BlobRequestContext["schema"]; recorder?: ContextRecorder; userID?: string | null; clientGroupID?: string } = {},
): BlobRequestContext {
  const recorder = options.recorder
  return {
    schema: options.schema ?? schema,
    executor,
    ctx: options.ctx ?? { userId: "alice" },
    userID: options.userID ?? null,
    clientGroupID: options.clientGroupID ?? "g",
    clientID: "c1",
    hash,
    waitUntil: (p) => void recorder?.waited.push(p),
    onMetric: (m) => void recorder?.metrics.push(m),
    onError: (e) => void recorder?.errors.push(e),
  }
}

export function createRecorder(): ContextRecorder {
  return { metrics: [], errors: [], waited: [] }
}

/** A PUT request for `hash` with `body`. */
export function putRequest(hash: string, body: Uint8Array | null, headers: Record<string, string> = {}): Request {
  return new Request(`https://app.test/sync/blob/${hash}`, {
    method: "PUT",
    headers: { ...(body === null ? {} : { "content-length": String(body.byteLength) }), ...headers },
    ...(body === null ? {} : { body }),
  })
}

export function getRequest(hash: string, headers: Record<string, string> = {}): Request {
  return new Request(`https://app.test/sync/blob/${hash}`, { headers })
}

/** The `_plasma_blobs` rows, by hash. */
export async function blobRows(executor: SqlExecutor): Promise<Map<string, { size: number; mime: string; uploaded_at: number; orphaned_at: number | null }>> {
  const rows = await executor.all<{ hash: string; size: number; mime: string; uploaded_at: number; orphaned_at: number | null }>({
    text: "SELECT hash, size, mime, uploaded_at, orphaned_at FROM _plasma_blobs ORDER BY hash",
    params: [],
  })
  return new Map(rows.map(({ hash, ...rest }) => [hash, { ...rest, size: Number(rest.size), uploaded_at: Number(rest.uploaded_at), orphaned_at: rest.orphaned_at === null ? null : Number(rest.orphaned_at) }]))
}

/** The `_plasma_blob_refs` rows as sorted strings `hash|table|row|column`. */
export async function refRows(executor: SqlExecutor): Promise<string[]> {
  const rows = await executor.all<{ hash: string; table_name: string; row_id: string; column_name: string }>({
    text: "SELECT hash, table_name, row_id, column_name FROM _plasma_blob_refs",
    params: [],
  })
  return rows.map((r) => `${r.hash}|${r.table_name}|${r.row_id}|${r.column_name}`).sort()
}

/** What the refs should be: every non-NULL file value of the user tables, as `refRows` formats them. */
export async function expectedRefRows(executor: SqlExecutor): Promise<string[]> {
  const out: string[] = []
  for (const table of schema.tableList) {
    for (const [name, column] of Object.entries(table.$columns)) {
      if (column.config.kind !== "file") continue
      const rows = await executor.all<{ id: string; v: string | null }>({ text: `SELECT id, "${name}" AS v FROM "${table.$name}"`, params: [] })
      for (const row of rows) if (row.v !== null) out.push(`${(JSON.parse(row.v) as { hash: string }).hash}|${table.$name}|${row.id}|${name}`)
    }
  }
  return out.sort()
}
