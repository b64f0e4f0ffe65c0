/**
 * The app the browser tests sync: one `notes` table owned by users, and its mutators. The page
 * bundles this module and the test's server imports it, so the mutators run on both sides from
 * one source, as in a real plasma app.
 */
import { defineMutators, defineSchema, eq, id, int, table, text, type AuthContext, type MutatorInput } from "@plasma/core"

/** The context of every run: the demo user from the `Authorization` header. */
export interface NoteCtx extends AuthContext {
  readonly userId: string
}

const ownsRow = (ctx: AuthContext, row: { readonly ownerId: string }): boolean => row.ownerId === ctx["userId"]

export const notes = table(
  "notes",
  { id: id(), title: text(), ownerId: text(), edits: int().default(0), updatedAt: int() },
  { auth: { read: ownsRow, write: ownsRow } },
)

export const schema = defineSchema({ notes })

/** Sent with every request; the server answers 409 to any other. */
export const SCHEMA_VERSION = "browser-test-v1"

type Input<Args> = MutatorInput<typeof schema, NoteCtx, Args>

export const mutators = defineMutators<typeof schema, NoteCtx>()({
  /** `{ id, title, updatedAt }`: a note owned by the caller. */
  addNote: async ({ db, args, ctx }: Input<{ id: string; title: string; updatedAt: number }>) => {
    if (args.title.trim() === "") throw new TypeError("addNote: title must not be empty")
    await db.insert(notes).values({ id: args.id, title: args.title, ownerId: ctx.userId, updatedAt: args.updatedAt })
  },
  /** `{ id, title, updatedAt }`: renames a note and counts the edit. */
  renameNote: async ({ db, args }: Input<{ id: string; title: string; updatedAt: number }>) => {
    const [row] = await db.select().from(notes).where(eq(notes.id, args.id))
    if (row === undefined) throw new Error(`renameNote: no note "${args.id}"`)
    await db.update(notes).set({ title: args.title, edits: row.edits + 1, updatedAt: args.updatedAt }).where(eq(notes.id, args.id))
  },
})
