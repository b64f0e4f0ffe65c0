/**
 * The app the sync tests run, in-process and inside workerd alike: a schema with a read/write
 * predicate table, a counter and a plain table; mutators for each scenario; and a header-driven
 * `auth` (`x-group`, `x-client`, `x-user`; `x-auth: deny|throw` refuses; `x-fail-pushed: 1` makes
 * `onPushed` throw for that request).
 */
import { boolean, defineMutators, defineSchema, eq, id, int, table, text, type MutatorInput } from "@plasma/core"
import type { SyncAuthResult } from "../../sync/create-sync-handler.js"

export interface TestCtx {
  readonly [key: string]: unknown
  readonly userId: string
  readonly failPushed: boolean
}

export const todos = table(
  "todos",
  { id: id(), title: text(), ownerId: text(), shared: boolean().default(false) },
  {
    auth: {
      read: (ctx, row) => row.ownerId === ctx.userId || row.shared,
      write: (ctx, row) => row.ownerId === ctx.userId,
    },
  },
)
export const counters = table("counters", { id: id(), value: int() })
export const notes = table("notes", { id: id(), body: text() })
export const scratch = table("scratch", { id: id(), v: int() }, { changeLogSuppressed: true })

export const schema = defineSchema({ todos, counters, notes, scratch })
export type TestSchema = typeof schema
export const SCHEMA_VERSION = "sync-test-v1"

type In<Args> = MutatorInput<TestSchema, TestCtx, Args>

export const mutators = defineMutators<TestSchema, TestCtx>()({
  addTodo: async ({ db, args }: In<{ id: string; title: string; ownerId: string; shared?: boolean }>) => {
    await db.insert(todos).values({ id: args.id, title: args.title, ownerId: args.ownerId, shared: args.shared ?? false })
  },
  shareTodo: async ({ db, args }: In<{ id: string; shared: boolean }>) => {
    await db.update(todos).set({ shared: args.shared }).where(eq(todos.id, args.id))
  },
  deleteTodo: async ({ db, args }: In<{ id: string }>) => {
    await db.delete(todos).where(eq(todos.id, args.id))
  },
  addNote: async ({ db, args }: In<{ id: string; body: string }>) => {
    await db.insert(notes).values({ id: args.id, body: args.body })
  },
  editNote: async ({ db, args }: In<{ id: string; body: string }>) => {
    await db.update(notes).set({ body: args.body }).where(eq(notes.id, args.id))
  },
  increment: async ({ db, args }: In<{ id: string }>) => {
    const [row] = await db.select().from(counters).where(eq(counters.id, args.id))
    if (row === undefined) await db.insert(counters).values({ id: args.id, value: 1 })
    else await db.update(counters).set({ value: row.value + 1 }).where(eq(counters.id, args.id))
  },
  boom: async ({ db, args }: In<{ id: string }>) => {
    await db.insert(notes).values({ id: args.id, body: "written before the throw" })
    throw new Error("boom")
  },
})

/** Header-driven auth for tests. */
export function testAuth(request: Request): SyncAuthResult<TestCtx> {
  const mode = request.headers.get("x-auth")
  if (mode === "throw") throw new Error("auth backend down")
  if (mode === "deny") return { ok: false, reason: "token refused" }
  const clientGroupID = request.headers.get("x-group")
  const clientID = request.headers.get("x-client")
  const userId = request.headers.get("x-user")
  if (clientGroupID === null || clientID === null || userId === null) return { ok: false, reason: "missing identity headers" }
  return { ok: true, clientGroupID, clientID, ctx: { userId, failPushed: request.headers.get("x-fail-pushed") === "1" } }
}
