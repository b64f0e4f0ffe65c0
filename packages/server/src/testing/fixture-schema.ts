/**
 * The schema the server's write-path tests run against: a parent/child/grandchild chain with
 * cascades and set-nulls, a file column, a counter, one table with every column kind, and a
 * table guarded by auth predicates.
 */
import { bigint, blob, boolean, defineSchema, file, id, int, json, real, ref, table, text, type FileRef } from "@plasma/core"

export const users = table("users", {
  id: id(),
  name: text(),
})

export const todos = table("todos", {
  id: id(),
  title: text(),
  done: boolean().default(false),
  ownerId: ref(() => users.id, { onDelete: "cascade" }),
  attachment: file({ maxSize: 5_000_000 }).nullable(),
  updatedAt: int().default(0),
})

export const comments = table("comments", {
  id: id(),
  body: text(),
  todoId: ref(() => todos.id, { onDelete: "cascade" }),
})

/** Grandchildren of todos, through comments. */
export const replies = table("replies", {
  id: id(),
  body: text(),
  commentId: ref(() => comments.id, { onDelete: "cascade" }),
})

/** Set to NULL when their todo goes. */
export const labels = table("labels", {
  id: id(),
  name: text(),
  todoId: ref(() => todos.id, { onDelete: "setNull" }).nullable(),
})

export const counters = table("counters", {
  id: id(),
  value: int(),
})

/** One column of every kind. */
export const kinds = table("kinds", {
  id: id(),
  t: text(),
  i: int(),
  r: real(),
  big: bigint(),
  flag: boolean(),
  doc: json<unknown>(),
  bytes: blob(),
  doc2: file().nullable(),
  maybe: text().nullable(),
})

/** Rows belong to `ownerId`; only that user reads or writes them. */
export const secrets = table(
  "secrets",
  { id: id(), ownerId: text(), body: text() },
  {
    auth: {
      read: (ctx, row) => row.ownerId === ctx.userId,
      write: (ctx, row) => row.ownerId === ctx.userId,
    },
  },
)

export const schema = defineSchema({ users, todos, comments, replies, labels, counters, kinds, secrets })
export type FixtureSchema = typeof schema

/** The user tables of the fixture, in an order where parents come first. */
export const USER_TABLES = schema.tableList.map((t) => t.$name)

/** A FileRef with a deterministic hash (`n` repeated to 64 hex chars). */
export function fileRef(n: number, size = 10, mime = "image/png"): FileRef {
  const hex = n.toString(16).padStart(2, "0")
  return { hash: hex.repeat(32).slice(0, 64), size, mime }
}
