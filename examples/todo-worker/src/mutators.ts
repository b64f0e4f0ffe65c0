/**
 * @module The app's mutators, the only way todos change. They run canonically in the Worker
 * (the page applies the same effects optimistically). `args` come from the network, so every
 * mutator checks them and throws on anything unexpected: the sync handler then drops the
 * mutation and advances its id.
 */
import { defineMutators, eq, type FileRef, type MutatorInput } from "@plasma/core"
import { schema, todos, type TodoCtx } from "./schema.js"

type Input<Args> = MutatorInput<typeof schema, TodoCtx, Args>

const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/
const HASH_PATTERN = /^[0-9a-f]{64}$/
const MAX_TITLE = 500

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value)
}

function argsOf(mutator: string, args: unknown): Record<string, unknown> {
  if (!isRecord(args)) throw new TypeError(`${mutator}: args must be an object`)
  return args
}

function todoId(mutator: string, args: Record<string, unknown>): string {
  const value = args["id"]
  if (typeof value !== "string" || !ID_PATTERN.test(value)) throw new TypeError(`${mutator}: id must be 1-64 characters of [A-Za-z0-9_-]`)
  return value
}

function timestamp(mutator: string, args: Record<string, unknown>): number {
  const value = args["updatedAt"]
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) throw new TypeError(`${mutator}: updatedAt must be a non-negative integer (unix ms)`)
  return value
}

function fileRef(mutator: string, value: unknown): FileRef {
  if (!isRecord(value)) throw new TypeError(`${mutator}: attachment must be an object`)
  const { hash, size, mime, name } = value
  if (typeof hash !== "string" || !HASH_PATTERN.test(hash)) throw new TypeError(`${mutator}: attachment.hash must be 64 lowercase hex characters`)
  if (typeof size !== "number" || !Number.isSafeInteger(size) || size <= 0) throw new TypeError(`${mutator}: attachment.size must be a positive integer`)
  if (typeof mime !== "string" || !/^image\/[A-Za-z0-9.+-]+$/.test(mime)) throw new TypeError(`${mutator}: attachment.mime must be an image type`)
  if (name !== undefined && (typeof name !== "string" || name.length > 200)) throw new TypeError(`${mutator}: attachment.name must be a string of at most 200 characters`)
  return name === undefined ? { hash, size, mime } : { hash, size, mime, name }
}

/**
 * Reads the todo or throws. Mutators on the sync path see canonical state (read predicates do not
 * filter their reads); another user's todo is protected by the table's `write` predicate, which
 * refuses the write and drops the mutation.
 */
async function existing({ db }: Input<unknown>, mutator: string, id: string) {
  const [row] = await db.select().from(todos).where(eq(todos.id, id))
  if (row === undefined) throw new Error(`${mutator}: no todo "${id}"`)
  return row
}

export const mutators = defineMutators<typeof schema, TodoCtx>()({
  /** `{ id, title, updatedAt }`: a new todo owned by the caller. */
  addTodo: async (input: Input<unknown>) => {
    const args = argsOf("addTodo", input.args)
    const title = args["title"]
    if (typeof title !== "string" || title.trim() === "" || title.length > MAX_TITLE) {
      throw new TypeError(`addTodo: title must be a non-empty string of at most ${MAX_TITLE} characters`)
    }
    await input.db.insert(todos).values({
      id: todoId("addTodo", args),
      title: title.trim(),
      ownerId: input.ctx.userId,
      updatedAt: timestamp("addTodo", args),
    })
  },

  /** `{ id, updatedAt }`: flips `done`. */
  toggleTodo: async (input: Input<unknown>) => {
    const args = argsOf("toggleTodo", input.args)
    const id = todoId("toggleTodo", args)
    const row = await existing(input, "toggleTodo", id)
    await input.db.update(todos).set({ done: !row.done, updatedAt: timestamp("toggleTodo", args) }).where(eq(todos.id, id))
  },

  /** `{ id }`: removes the todo (its attachment, if any, becomes an orphan for the blob GC). */
  deleteTodo: async (input: Input<unknown>) => {
    const id = todoId("deleteTodo", argsOf("deleteTodo", input.args))
    await existing(input, "deleteTodo", id)
    await input.db.delete(todos).where(eq(todos.id, id))
  },

  /** `{ id, attachment: { hash, size, mime, name? }, updatedAt }`: the bytes must be uploaded first. */
  attachFile: async (input: Input<unknown>) => {
    const args = argsOf("attachFile", input.args)
    const id = todoId("attachFile", args)
    const attachment = fileRef("attachFile", args["attachment"])
    await existing(input, "attachFile", id)
    await input.db.update(todos).set({ attachment, updatedAt: timestamp("attachFile", args) }).where(eq(todos.id, id))
  },

  /** `{ id, updatedAt }`: drops the attachment. */
  detachFile: async (input: Input<unknown>) => {
    const args = argsOf("detachFile", input.args)
    const id = todoId("detachFile", args)
    await existing(input, "detachFile", id)
    await input.db.update(todos).set({ attachment: null, updatedAt: timestamp("detachFile", args) }).where(eq(todos.id, id))
  },
})
