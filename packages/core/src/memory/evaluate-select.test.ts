import { describe, expect, it } from "vitest"
import { createDb, type QueryEngine } from "../query/db.js"
import { count, eq, gt, max } from "../query/operators.js"
import { validateQuery } from "../query/validate-query.js"
import { conformanceSchema as schema, todos, users } from "../testing/conformance-schema.js"
import { evaluateSelect } from "./evaluate-select.js"

const build = createDb(schema, {} as QueryEngine)
const rows: Record<string, Record<string, unknown>[]> = {
  users: [
    { id: "u2", name: "b", email: null, age: null },
    { id: "u1", name: "a", email: null, age: 3 },
  ],
  todos: [
    { id: "t2", title: "y", priority: 1, score: null, done: true, meta: { k: [1] }, note: null, ownerId: "u1" },
    { id: "t1", title: "x", priority: 2, score: 0.5, done: false, meta: null, note: null, ownerId: "u1" },
  ],
}
const rowsOf = (table: string) => rows[table] ?? []

describe("evaluateSelect", () => {
  it("runs over any row source (the server's overlay), in orderingOf order", () => {
    const node = build.select().from(todos).toNode()
    validateQuery(schema, node)
    expect(evaluateSelect(schema, node, rowsOf).map((r) => r.id)).toEqual(["t1", "t2"])
  })
  it("decodes results into fresh JS values", () => {
    const [row] = evaluateSelect(schema, build.select().from(todos).where(eq(todos.id, "t2")).toNode(), rowsOf)
    expect(row).toEqual(rows.todos?.[0])
    expect(row?.meta).not.toBe(rows.todos?.[0]?.meta)
  })
  it("aggregates over joins and groups", () => {
    const node = build.select({ owner: users.name, n: count(todos.id), top: max(todos.done) }).from(users).leftJoin(todos, eq(todos.ownerId, users.id)).groupBy(users.name).having(gt(count(), 0)).toNode()
    validateQuery(schema, node)
    expect(evaluateSelect(schema, node, rowsOf)).toEqual([
      { owner: "a", n: 2, top: true },
      { owner: "b", n: 0, top: null },
    ])
  })
})
