/**
 * The simulated app: the schema and mutators every client and the server run.
 *
 * Every mutator that writes a row stamps it with the mutation's `tag` (unique per issued
 * mutation, chosen by the simulation), so the server's change log says which issued mutation
 * produced each version. That is what lets the checkers prove exactly-once and explain every
 * state a client observed.
 *
 * - `items`: readable by the owner, and by everyone while `shared`; writable by the owner (or a
 *   server-side `system` ctx). Carries a file column.
 * - `notes`: children of an item (`onDelete: "cascade"`), readable by their owner.
 * - `counters`: global, read-modify-write increments from every user.
 * - `poisonItem`: runs locally, throws on the server (the client's optimistic row must vanish).
 */
import { boolean, defineMutators, defineSchema, eq, file, id, int, ref, table, text, type FileRef, type MutatorInput } from "@plasma/core"

/** The `ctx` of mutators: the client's is `{ userId }`; the server's auth adds `server: true`. */
export type SimCtx = {
  readonly userId: string
  /** Set by the server's auth: the mutator runs on the server. */
  readonly server?: boolean
  /** Server-side code (`invokeMutator` with `createServerDb`): may write any row. */
  readonly system?: boolean
}

/** Files must be text/plain and at most this size. */
export const MAX_FILE_SIZE = 4096

export const items = table(
  "items",
  {
    id: id(),
    ownerId: text(),
    title: text(),
    shared: boolean().default(false),
    attachment: file({ maxSize: MAX_FILE_SIZE, mimeAllowList: ["text/plain"] }).nullable(),
    tag: text(),
  },
  {
    auth: {
      read: (ctx, row) => row.ownerId === ctx.userId || row.shared === true,
      write: (ctx, row) => ctx.system === true || row.ownerId === ctx.userId,
    },
  },
)

export const notes = table(
  "notes",
  { id: id(), itemId: ref(() => items.id, { onDelete: "cascade" }), ownerId: text(), body: text(), tag: text() },
  { auth: { read: (ctx, row) => row.ownerId === ctx.userId, write: (ctx, row) => ctx.system === true || row.ownerId === ctx.userId } },
)

export const counters = table("counters", { id: id(), value: int(), tag: text() })

export const schema = defineSchema({ items, notes, counters })

/** The synced tables by name (the checkers walk them all). */
export const TABLES = { items, notes, counters } as const
export type TableName = keyof typeof TABLES
export type SimSchema = typeof schema
type In<A> = MutatorInput<SimSchema, SimCtx, A>

export const mutators = defineMutators<SimSchema, SimCtx>()({
  addItem: async ({ db, args, ctx }: In<{ id: string; title: string; tag: string }>) => {
    await db.insert(items).values({ id: args.id, ownerId: ctx.userId, title: args.title, tag: args.tag })
  },
  renameItem: async ({ db, args }: In<{ id: string; title: string; tag: string }>) => {
    await db.update(items).set({ title: args.title, tag: args.tag }).where(eq(items.id, args.id))
  },
  shareItem: async ({ db, args }: In<{ id: string; shared: boolean; tag: string }>) => {
    await db.update(items).set({ shared: args.shared, tag: args.tag }).where(eq(items.id, args.id))
  },
  deleteItem: async ({ db, args }: In<{ id: string; tag: string }>) => {
    await db.delete(items).where(eq(items.id, args.id))
  },
  attachFile: async ({ db, args }: In<{ id: string; file: FileRef | null; tag: string }>) => {
    await db.update(items).set({ attachment: args.file, tag: args.tag }).where(eq(items.id, args.id))
  },
  addNote: async ({ db, args, ctx }: In<{ id: string; itemId: string; body: string; tag: string }>) => {
    await db.insert(notes).values({ id: args.id, itemId: args.itemId, ownerId: ctx.userId, body: args.body, tag: args.tag })
  },
  /** Read-modify-write: the value a concurrent commit changed must be re-read (SPEC §7.4). */
  increment: async ({ db, args }: In<{ id: string; by: number; tag: string }>) => {
    const [row] = await db.select().from(counters).where(eq(counters.id, args.id))
    if (row === undefined) await db.insert(counters).values({ id: args.id, value: args.by, tag: args.tag })
    else await db.update(counters).set({ value: row.value + args.by, tag: args.tag }).where(eq(counters.id, args.id))
  },
  /** Accepted locally, refused by the server: a dropped "poison" mutation. */
  poisonItem: async ({ db, args, ctx }: In<{ id: string; tag: string }>) => {
    if (ctx.server === true) throw new Error("the server refuses poisonItem")
    await db.insert(items).values({ id: args.id, ownerId: ctx.userId, title: "poison", tag: args.tag })
  },
})

/** The counters every client watches live. */
export const COUNTER_IDS = ["c0", "c1"] as const
