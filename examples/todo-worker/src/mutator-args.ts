/**
 * @module The `args` schema of every mutator (zod). `args` arrive from the network, so each
 * mutator parses them first; a parse failure throws, and the sync handler then drops the mutation
 * and advances its id. The page's calls are typed from the same schemas (`z.input`), so the two
 * cannot drift.
 */
import type { FileRef } from "@plasma/core"
import { z } from "zod"

const todoId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "id must be 1-64 characters of [A-Za-z0-9_-]")
const updatedAt = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).describe("unix ms")

/** A `FileRef` for the `attachment` column: an image of at most the column's size. */
const fileRef = z.strictObject({
  hash: z.string().regex(/^[0-9a-f]{64}$/, "hash must be 64 lowercase hex characters"),
  size: z.number().int().positive().max(5_000_000),
  mime: z.string().regex(/^image\/[A-Za-z0-9.+-]+$/, "mime must be an image type"),
  name: z.string().max(200).optional(),
})

/** `args` of each mutator, by mutator name. */
export const mutatorArgs = {
  addTodo: z.strictObject({ id: todoId, title: z.string().trim().min(1, "title must not be empty").max(500), updatedAt }),
  toggleTodo: z.strictObject({ id: todoId, updatedAt }),
  deleteTodo: z.strictObject({ id: todoId }),
  attachFile: z.strictObject({ id: todoId, attachment: fileRef, updatedAt }),
  detachFile: z.strictObject({ id: todoId, updatedAt }),
} as const

/**
 * What a caller passes to a mutator (before parsing): zod's input type, with file fields typed as
 * core's `FileRef` so the client accepts a `File` there (it hashes, stores and uploads it).
 */
export type MutatorArgsInput<Name extends keyof typeof mutatorArgs> = {
  [K in keyof z.input<(typeof mutatorArgs)[Name]>]: z.input<(typeof mutatorArgs)[Name]>[K] extends z.input<typeof fileRef> ? FileRef : z.input<(typeof mutatorArgs)[Name]>[K]
}

/**
 * Parses `args` for `mutator`, or throws a `TypeError` that names the mutator and every problem
 * (`addTodo: args.title: title must not be empty`).
 */
export function parseArgs<Name extends keyof typeof mutatorArgs>(mutator: Name, args: unknown): z.output<(typeof mutatorArgs)[Name]> {
  const result = mutatorArgs[mutator].safeParse(args)
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `args${issue.path.map((key) => `.${String(key)}`).join("")}: ${issue.message}`)
    throw new TypeError(`${mutator}: ${problems.join("; ")}`)
  }
  return result.data as z.output<(typeof mutatorArgs)[Name]>
}

/** A parsed attachment as the column's `FileRef` (no `name: undefined` key). */
export function toFileRef(value: z.output<typeof fileRef>): FileRef {
  return value.name === undefined ? { hash: value.hash, size: value.size, mime: value.mime } : { hash: value.hash, size: value.size, mime: value.mime, name: value.name }
}
