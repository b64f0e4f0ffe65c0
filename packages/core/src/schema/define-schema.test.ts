import { describe, expect, it } from "vitest"
import { isPlasmaError } from "../errors/plasma-error.js"
import { id, int, ref, text } from "./column.js"
import { columnOf, defineSchema, fileColumnsOf, syncedTables, tableOf } from "./define-schema.js"
import { table } from "./table.js"

function schemaError(define: () => unknown): string {
  try {
    define()
  } catch (error) {
    expect(isPlasmaError(error, "invalid-schema")).toBe(true)
    return (error as Error).message
  }
  throw new Error("expected defineSchema to throw")
}

describe("defineSchema", () => {
  it("accepts a valid schema and keeps declaration order", () => {
    const users = table("users", { id: id(), name: text() })
    const posts = table("posts", { id: id(), author: ref(() => users.id, { onDelete: "cascade" }) })
    const local = table("drafts", { id: id() }, { changeLogSuppressed: true })
    const schema = defineSchema({ users, posts, drafts: local })
    expect(schema.tableList.map((t) => t.$name)).toEqual(["users", "posts", "drafts"])
    expect(syncedTables(schema).map((t) => t.$name)).toEqual(["users", "posts"])
    expect(tableOf(schema, "posts")).toBe(posts)
    expect(columnOf(users, "name").config.kind).toBe("text")
    expect(fileColumnsOf(users)).toEqual([])
  })

  it("refuses two ids, naming the table and the columns", () => {
    const message = schemaError(() => defineSchema({ t: table("t", { id: id(), other: id() }) }))
    expect(message).toContain('"t"')
    expect(message).toContain('"other"')
  })

  it("refuses an id column not named id, and an id named column that is not id()", () => {
    const m1 = schemaError(() => defineSchema({ t: table("t", { key: id() }) }))
    expect(m1).toContain('table "t", column "key"')
    const m2 = schemaError(() => defineSchema({ t: table("t", { id: id(), key: id() }) }))
    expect(m2).toContain('"key"')
    const m3 = schemaError(() => defineSchema({ t: table("t", { id: text(), key: id() }) }))
    expect(m3).toContain('table "t", column "id"')
  })

  it("refuses a key that differs from the table name", () => {
    const message = schemaError(() => defineSchema({ todo: table("todos", { id: id() }) }))
    expect(message).toContain('"todos"')
    expect(message).toContain('"todo"')
  })

  it("refuses the reserved _plasma_ prefix on tables and columns", () => {
    expect(schemaError(() => defineSchema({ _plasma_x: table("_plasma_x", { id: id() }) }))).toContain('"_plasma_x"')
    const message = schemaError(() => defineSchema({ t: table("t", { id: id(), _plasma_col: int() }) }))
    expect(message).toContain('table "t"')
    expect(message).toContain('"_plasma_col"')
  })

  it("refuses a ref to a table outside the schema, and setNull on a NOT NULL ref", () => {
    const users = table("users", { id: id() })
    expect(schemaError(() => defineSchema({ posts: table("posts", { id: id(), author: ref(() => users.id) }) }))).toContain('"author"')
    expect(schemaError(() => defineSchema({ users, posts: table("posts", { id: id(), author: ref(() => users.id, { onDelete: "setNull" }) }) }))).toContain("setNull")
  })

  it("checks defaults against their column", () => {
    expect(schemaError(() => defineSchema({ t: table("t", { id: id(), n: int().default(1.5) }) }))).toContain('column "n"')
  })

  it("tableOf names the known tables", () => {
    const schema = defineSchema({ users: table("users", { id: id() }) })
    expect(() => tableOf(schema, "nope")).toThrow(/"users"/)
  })
})
