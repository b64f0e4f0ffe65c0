/**
 * @module The app's mutators, the only way todos change. The Worker runs them canonically and the
 * page (through `@plasma/client`) runs the very same functions optimistically. `args` come from
 * the network, so every mutator parses them with its zod schema (src/mutator-args.ts) and throws
 * on anything unexpected: the sync handler then drops the mutation and advances its id.
 */
import { defineMutators, eq, type MutatorInput } from "@plasma/core"
import { parseArgs, toFileRef, type MutatorArgsInput } from "./mutator-args.js"
import { schema, todos, type TodoCtx } from "./schema.js"

type Input<Name extends Parameters<typeof parseArgs>[0]> = MutatorInput<typeof schema, TodoCtx, MutatorArgsInput<Name>>

/**
 * Reads the todo or throws. Mutators on the sync path see canonical state (read predicates do not
 * filter their reads); another user's todo is protected by the table's `write` predicate, which
 * refuses the write and drops the mutation.
 */
async function existing({ db }: Pick<Input<"toggleTodo">, "db">, mutator: string, id: string) {
  const [row] = await db.select().from(todos).where(eq(todos.id, id))
  if (row === undefined) throw new Error(`${mutator}: no todo "${id}"`)
  return row
}

export const mutators = defineMutators<typeof schema, TodoCtx>()({
  /** `{ id, title, updatedAt }`: a new todo owned by the caller. */
  addTodo: async (input: Input<"addTodo">) => {
    const args = parseArgs("addTodo", input.args)
    await input.db.insert(todos).values({ id: args.id, title: args.title, ownerId: input.ctx.userId, updatedAt: args.updatedAt })
  },

  /** `{ id, updatedAt }`: flips `done`. */
  toggleTodo: async (input: Input<"toggleTodo">) => {
    const args = parseArgs("toggleTodo", input.args)
    const row = await existing(input, "toggleTodo", args.id)
    await input.db.update(todos).set({ done: !row.done, updatedAt: args.updatedAt }).where(eq(todos.id, args.id))
  },

  /** `{ id }`: removes the todo (its attachment, if any, becomes an orphan for the blob GC). */
  deleteTodo: async (input: Input<"deleteTodo">) => {
    const args = parseArgs("deleteTodo", input.args)
    await existing(input, "deleteTodo", args.id)
    await input.db.delete(todos).where(eq(todos.id, args.id))
  },

  /**
   * `{ id, attachment: { hash, size, mime, name? }, updatedAt }`: the bytes must be uploaded first
   * (the client does that before it pushes; the server refuses a ref to missing bytes).
   */
  attachFile: async (input: Input<"attachFile">) => {
    const args = parseArgs("attachFile", input.args)
    await existing(input, "attachFile", args.id)
    await input.db.update(todos).set({ attachment: toFileRef(args.attachment), updatedAt: args.updatedAt }).where(eq(todos.id, args.id))
  },

  /** `{ id, updatedAt }`: drops the attachment. */
  detachFile: async (input: Input<"detachFile">) => {
    const args = parseArgs("detachFile", input.args)
    await existing(input, "detachFile", args.id)
    await input.db.update(todos).set({ attachment: null, updatedAt: args.updatedAt }).where(eq(todos.id, args.id))
  },
})
