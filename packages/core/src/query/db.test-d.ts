import { describe, expectTypeOf, it } from "vitest"
import { boolean, id, int, ref, text } from "../schema/column.js"
import { defineSchema } from "../schema/define-schema.js"
import { table } from "../schema/table.js"
import type { WriteResult } from "./ast.js"
import { createDb, type QueryEngine } from "./db.js"
import { avg, count, eq, max, min, sum } from "./operators.js"

const users = table("users", { id: id(), name: text(), age: int().nullable() })
const todos = table("todos", { id: id(), title: text(), done: boolean().default(false), ownerId: ref(() => users.id).nullable() })
const schema = defineSchema({ users, todos })
declare const engine: QueryEngine
const db = createDb(schema, engine)

type User = { id: string; name: string; age: number | null }
type Todo = { id: string; title: string; done: boolean; ownerId: string | null }

describe("Db", () => {
  it("select() returns the table's rows", async () => {
    expectTypeOf(await db.select().from(todos)).toEqualTypeOf<Todo[]>()
    expectTypeOf(await db.select().from(todos).where(eq(todos.done, true)).limit(1)).toEqualTypeOf<Todo[]>()
  })
  it("a projection returns its aliases", async () => {
    const rows = await db.select({ title: todos.title, owner: todos.ownerId, n: count(), s: sum(users.age), a: avg(users.age), lo: min(users.name), hi: max(todos.done) }).from(todos)
    expectTypeOf(rows).toEqualTypeOf<{ title: string; owner: string | null; n: number; s: number | null; a: number | null; lo: string | null; hi: boolean | null }[]>()
  })
  it("joins nest rows by table name; a left join may be null", async () => {
    expectTypeOf(await db.select().from(todos).innerJoin(users, eq(todos.ownerId, users.id))).toEqualTypeOf<{ todos: Todo; users: User }[]>()
    expectTypeOf(await db.select().from(todos).leftJoin(users, eq(todos.ownerId, users.id))).toEqualTypeOf<{ todos: Todo; users: User | null }[]>()
  })
  it("writes take the insert and patch shapes", async () => {
    expectTypeOf(await db.insert(todos).values({ id: "t", title: "x" })).toEqualTypeOf<WriteResult>()
    expectTypeOf(db.insert(todos).values).parameter(0).toExtend<object>()
    // @ts-expect-error title is required
    db.insert(todos).values({ id: "t" })
    // @ts-expect-error done is a boolean
    db.update(todos).set({ done: "yes" })
    // @ts-expect-error not a column of todos
    db.insert(todos).values({ id: "t", title: "x", nope: 1 })
    expectTypeOf(await db.delete(todos).where(eq(todos.id, "t"))).toEqualTypeOf<WriteResult>()
  })
})
