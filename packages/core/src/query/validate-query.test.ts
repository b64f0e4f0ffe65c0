import { describe, expect, it } from "vitest"
import { isPlasmaError } from "../errors/plasma-error.js"
import { comments, conformanceSchema as schema, tags, todos, users } from "../testing/conformance-schema.js"
import type { ExprNode, QueryNode, SelectNode } from "./ast.js"
import { createDb, type QueryEngine } from "./db.js"
import { and, asc, avg, count, eq, gt, inArray, isNull, like, max, min, sum } from "./operators.js"
import { validateQuery } from "./validate-query.js"

const never: QueryEngine = {
  select: () => Promise.reject(new Error("not run")),
  write: () => Promise.reject(new Error("not run")),
}
const db = createDb(schema, never)

function failure(node: QueryNode): { code: string; message: string } {
  try {
    validateQuery(schema, node)
  } catch (error) {
    if (isPlasmaError(error)) return { code: error.code, message: error.message }
    throw error
  }
  throw new Error("expected validateQuery to throw")
}

function select(patch: Partial<SelectNode>): SelectNode {
  return { ...db.select().from(todos).toNode(), ...patch }
}

describe("validateQuery", () => {
  it("refuses aggregate functions and comparison operators outside the known sets (they reach SQL text)", () => {
    const projection = [{ alias: "x", expr: { kind: "aggregate", fn: "(SELECT group_concat(name) FROM sqlite_master) || max", operand: { kind: "column", table: "todos", column: "id" } } }]
    const injectedFn = failure(select({ projection } as unknown as Partial<SelectNode>))
    expect(injectedFn.code).toBe("invalid-query")
    expect(injectedFn.message).toContain("unknown aggregate function")
    const where = { kind: "compare", op: "; DROP TABLE todos; --", left: { kind: "column", table: "todos", column: "id" }, right: { kind: "value", value: "t1" } }
    const injectedOp = failure(select({ where } as unknown as Partial<SelectNode>))
    expect(injectedOp.code).toBe("invalid-query")
    expect(injectedOp.message).toContain("unknown comparison operator")
  })

  it("accepts well-formed queries", () => {
    const ok: QueryNode[] = [
      db.select().from(todos).where(and(eq(todos.done, true), inArray(todos.note, ["a", null]), like(todos.title, "%x"))).orderBy(todos.score).limit(3).toNode(),
      db.select({ owner: todos.ownerId, n: count(), s: sum(todos.priority) }).from(todos).groupBy(todos.ownerId).having(gt(count(), 1)).orderBy(max(todos.score)).toNode(),
      db.select({ n: count(), a: avg(todos.score), m: min(todos.title) }).from(todos).toNode(),
      db.select().from(todos).innerJoin(users, eq(todos.ownerId, users.id)).where(gt(users.age, todos.priority)).toNode(),
      db.select({ m: max(todos.done) }).from(todos).having(eq(max(todos.done), true)).toNode(),
      db.insert(tags).values({ id: "x", slug: "y" }).toNode(),
      db.update(todos).set({ done: true }).where(eq(todos.id, "")).toNode(),
      db.delete(todos).where(isNull(todos.note)).toNode(),
    ]
    for (const node of ok) expect(() => validateQuery(schema, node)).not.toThrow()
  })

  it("refuses unknown tables and columns, naming them", () => {
    expect(failure(select({ from: "nope" }))).toMatchObject({ code: "invalid-query", message: expect.stringContaining('"nope"') })
    const badColumn: ExprNode = { kind: "isNull", operand: { kind: "column", table: "todos", column: "bogus" } }
    const f = failure(select({ where: badColumn }))
    expect(f.code).toBe("invalid-query")
    expect(f.message).toContain("todos")
    expect(f.message).toContain("bogus")
    expect(failure({ kind: "delete", table: "ghosts", where: null }).code).toBe("invalid-query")
  })

  it("refuses columns of tables not in scope", () => {
    const f = failure(db.select().from(todos).where(eq(users.name, "x")).toNode())
    expect(f.code).toBe("invalid-query")
    expect(f.message).toContain("users")
    // A join's `on` sees only the tables joined so far.
    expect(failure(db.select().from(todos).innerJoin(users, eq(comments.todoId, todos.id)).innerJoin(comments, eq(comments.todoId, todos.id)).toNode()).code).toBe("invalid-query")
    expect(failure(db.select().from(todos).innerJoin(todos, eq(todos.id, todos.id)).toNode()).code).toBe("invalid-query")
  })

  it("refuses values that do not fit the compared column, naming table and column", () => {
    for (const node of [
      db.select().from(todos).where(eq(todos.priority, "2" as never)).toNode(),
      db.select().from(todos).where(inArray(todos.done, [1 as never])).toNode(),
      db.select().from(todos).where(gt(todos.priority, 1.5)).toNode(),
      db.select({ n: count() }).from(todos).having(eq(min(todos.done), "x" as never)).toNode(),
    ]) {
      const f = failure(node)
      expect(f.code).toBe("invalid-value")
      expect(f.message).toContain("todos")
      expect(f.message).toMatch(/priority|done/)
    }
    expect(failure(db.select({ n: count() }).from(todos).having(gt(count(), "3" as never)).toNode()).code).toBe("invalid-value")
    // NULL fits every column in a comparison.
    expect(() => validateQuery(schema, db.select().from(todos).where(inArray(todos.priority, [null as never])).toNode())).not.toThrow()
  })

  it("refuses comparing columns of different storage families", () => {
    expect(failure(db.select().from(todos).where(eq(todos.priority, todos.title as never)).toNode()).code).toBe("invalid-query")
  })

  it("refuses non-conditions where a condition is expected", () => {
    expect(failure(select({ where: { kind: "column", table: "todos", column: "done" } })).code).toBe("invalid-query")
    expect(failure(select({ where: { kind: "value", value: true } })).code).toBe("invalid-query")
    expect(failure(select({ where: { kind: "and", operands: [{ kind: "value", value: 1 }] } })).code).toBe("invalid-query")
    expect(failure(select({ where: { kind: "compare", op: "eq", left: eq(todos.done, true).node, right: { kind: "value", value: 1 } } })).code).toBe("invalid-query")
  })

  it("checks aggregate selects", () => {
    // A plain column outside GROUP BY in the projection, the order or having.
    expect(failure(db.select({ t: todos.title, n: count() }).from(todos).toNode()).code).toBe("invalid-query")
    expect(failure(db.select({ o: todos.ownerId, n: count() }).from(todos).groupBy(todos.ownerId).orderBy(todos.title).toNode()).code).toBe("invalid-query")
    expect(failure(db.select({ o: todos.ownerId, n: count() }).from(todos).groupBy(todos.ownerId).having(eq(todos.done, true)).toNode()).code).toBe("invalid-query")
    // having without aggregation; aggregates in where; an aggregate select without projection.
    expect(failure(db.select().from(todos).having(gt(count(), 1)).toNode()).code).toBe("invalid-query")
    expect(failure(db.select({ n: count() }).from(todos).where(gt(count(), 1)).toNode()).code).toBe("invalid-query")
    expect(failure(db.select().from(todos).groupBy(todos.ownerId).toNode()).code).toBe("invalid-query")
    expect(failure(db.select().from(todos).orderBy(count()).toNode()).code).toBe("invalid-query")
    // sum/avg need numbers.
    expect(failure(db.select({ s: sum(todos.title as never) }).from(todos).toNode()).code).toBe("invalid-query")
  })

  it("checks like", () => {
    expect(failure(db.select().from(todos).where(like(todos.priority as never, "1%")).toNode()).code).toBe("invalid-query")
    expect(failure(db.select().from(todos).where(like("abc", "a%")).toNode()).code).toBe("invalid-query")
    const node = select({ where: { kind: "like", operand: { kind: "column", table: "todos", column: "title" }, pattern: { kind: "value", value: 5 } } })
    expect(failure(node).message).toContain("title")
  })

  it("checks order terms, limit and offset", () => {
    expect(failure(select({ orderBy: [{ expr: { kind: "value", value: 1 }, direction: "asc" }] })).code).toBe("invalid-query")
    expect(failure(select({ orderBy: [{ ...asc(todos.id).order, direction: "up" as never }] })).code).toBe("invalid-query")
    expect(failure(select({ limit: -1 })).code).toBe("invalid-query")
    expect(failure(select({ offset: 1.5 })).code).toBe("invalid-query")
  })

  it("checks write nodes", () => {
    expect(failure({ kind: "insert", table: "tags", rows: [] }).code).toBe("invalid-query")
    expect(failure({ kind: "insert", table: "tags", rows: [null as never] }).code).toBe("invalid-value")
    expect(failure({ kind: "update", table: "tags", set: {}, where: null }).code).toBe("invalid-query")
    expect(failure({ kind: "update", table: "tags", set: { slug: "x" }, where: eq(todos.id, "x").node }).code).toBe("invalid-query")
  })
})
