/**
 * The schema and seed of the query conformance suite. Every engine runs the same queries over
 * these rows, and the expectations in the suite are worked out by hand from them.
 */
import { boolean, id, int, json, real, ref, text } from "../schema/column.js"
import { defineSchema } from "../schema/define-schema.js"
import { table } from "../schema/table.js"

export const users = table("users", {
  id: id(),
  name: text(),
  email: text().nullable(),
  age: int().nullable(),
})

export const todos = table("todos", {
  id: id(),
  title: text(),
  priority: int(),
  score: real().nullable(),
  done: boolean().default(false),
  meta: json<unknown>().nullable(),
  note: text().nullable(),
  ownerId: ref(() => users.id, { onDelete: "cascade" }),
})

/** `todoId` is cleared when its todo goes. */
export const comments = table("comments", {
  id: id(),
  body: text(),
  todoId: ref(() => todos.id, { onDelete: "setNull" }).nullable(),
})

/** A unique column and defaults. */
export const tags = table("tags", {
  id: id(),
  slug: text().unique(),
  color: text().default("gray"),
  weight: int().default(1),
})

/** A tag cannot go while a link uses it; a link goes with its todo. */
export const tagLinks = table("tagLinks", {
  id: id(),
  tagId: ref(() => tags.id, { onDelete: "restrict" }),
  todoId: ref(() => todos.id, { onDelete: "cascade" }),
})

/** The schema every engine under the query conformance suite is created with. */
export const conformanceSchema = defineSchema({ users, todos, comments, tags, tagLinks })

export type ConformanceSchema = typeof conformanceSchema

/** Seeded users, as stored. */
export const seedUsers = [
  { id: "u1", name: "Alice", email: "alice@example.com", age: 30 },
  { id: "u2", name: "bob", email: null, age: 25 },
  { id: "u3", name: "Çelik", email: "c@example.com", age: null },
  { id: "u4", name: "Zoë", email: null, age: 41 },
] as const

/** Seeded todos, as stored (the suite inserts some with `done` and nullable columns left out). */
export const seedTodos = [
  { id: "t1", title: "Buy milk", priority: 2, score: 1.5, done: false, meta: { tags: ["home"] }, note: null, ownerId: "u1" },
  { id: "t2", title: "buy eggs", priority: 1, score: -0.25, done: true, meta: null, note: "urgent", ownerId: "u1" },
  { id: "t3", title: "Write report", priority: 3, score: null, done: false, meta: { tags: ["work", "q3"] }, note: "Büro", ownerId: "u2" },
  { id: "t4", title: "Éclair recipe", priority: 2, score: 10, done: true, meta: null, note: null, ownerId: "u2" },
  { id: "t5", title: "walk dog", priority: -1, score: 2.75, done: false, meta: { tags: [] }, note: "ÉTÉ", ownerId: "u3" },
  { id: "t6", title: "BUY BREAD", priority: 2, score: 1.5, done: false, meta: null, note: "été", ownerId: "u1" },
] as const

export const seedComments = [
  { id: "c1", body: "nice", todoId: "t1" },
  { id: "c2", body: "ok", todoId: "t3" },
  { id: "c3", body: "orphan", todoId: null },
] as const

export const seedTags = [
  { id: "g1", slug: "home", color: "gray", weight: 1 },
  { id: "g2", slug: "work", color: "blue", weight: 5 },
] as const

export const seedTagLinks = [{ id: "l1", tagId: "g1", todoId: "t1" }] as const
