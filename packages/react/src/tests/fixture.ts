/** The schema and mutators the React tests use: todos, plus an unrelated `notes` table. */
import { boolean, defineMutators, defineSchema, eq, file, id, int, table, text, type MutatorInput } from "@plasma/core"

export interface TestCtx {
  readonly userId: string
  readonly [key: string]: unknown
}

export const todos = table("todos", {
  id: id(),
  title: text(),
  done: boolean().default(false),
  attachment: file({ maxSize: 1_000_000 }).nullable(),
  updatedAt: int(),
})
export const notes = table("notes", { id: id(), body: text() })
export const schema = defineSchema({ todos, notes })

type Input<Args> = MutatorInput<typeof schema, TestCtx, Args>

export const mutators = defineMutators<typeof schema, TestCtx>()({
  addTodo: async ({ db, args }: Input<{ id: string; title: string; updatedAt: number }>) => {
    if (args.title.trim() === "") throw new TypeError("addTodo: title must not be empty")
    await db.insert(todos).values({ id: args.id, title: args.title, updatedAt: args.updatedAt })
  },
  toggleTodo: async ({ db, args }: Input<{ id: string }>) => {
    const [row] = await db.select().from(todos).where(eq(todos.id, args.id))
    if (row === undefined) throw new Error(`toggleTodo: no todo ${args.id}`)
    await db.update(todos).set({ done: !row.done }).where(eq(todos.id, args.id))
  },
  attach: async ({ db, args }: Input<{ id: string; attachment: { hash: string; size: number; mime: string; name?: string } }>) => {
    await db.update(todos).set({ attachment: args.attachment }).where(eq(todos.id, args.id))
  },
  addNote: async ({ db, args }: Input<{ id: string; body: string }>) => {
    await db.insert(notes).values({ id: args.id, body: args.body })
  },
})

export const SCHEMA_VERSION = "react-test-v1"
