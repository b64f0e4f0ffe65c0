import { describe, expectTypeOf, it } from "vitest"
import { bigint, blob, boolean, file, id, int, json, real, ref, text, type FileRef } from "./column.js"
import { defineSchema } from "./define-schema.js"
import { table, type AnyTable, type AuthContext, type InferInsert, type InferRow } from "./table.js"

const users = table("users", { id: id(), name: text() })
const todos = table("todos", {
  id: id(),
  title: text(),
  status: text<"open" | "closed">(),
  done: boolean().default(false),
  priority: int(),
  score: real().nullable(),
  big: bigint(),
  meta: json<{ tags: string[] }>().nullable(),
  anything: json(),
  bytes: blob().nullable(),
  attachment: file().nullable(),
  ownerId: ref(() => users.id, { onDelete: "cascade" }),
  nick: text().nullable().default("x"),
})

describe("InferRow", () => {
  it("maps each kind to its JS type, nullable to T | null", () => {
    expectTypeOf<InferRow<typeof todos>>().toEqualTypeOf<{
      id: string
      title: string
      status: "open" | "closed"
      done: boolean
      priority: number
      score: number | null
      big: bigint
      meta: { tags: string[] } | null
      anything: unknown
      bytes: Uint8Array | null
      attachment: FileRef | null
      ownerId: string
      nick: string | null
    }>()
  })
})

describe("InferInsert", () => {
  it("makes nullable and defaulted columns optional", () => {
    type Insert = InferInsert<typeof todos>
    expectTypeOf<Insert["title"]>().toEqualTypeOf<string>()
    expectTypeOf<Insert>().toHaveProperty("done")
    expectTypeOf<{ id: string; title: string; status: "open"; priority: number; big: bigint; anything: null; ownerId: string }>().toExtend<Insert>()
    expectTypeOf<{ id: string; title: string }>().not.toExtend<Insert>()
    expectTypeOf<Pick<Insert, "done" | "score" | "nick">>().toEqualTypeOf<{ done?: boolean; score?: number | null; nick?: string | null }>()
  })
})

describe("tables and schemas", () => {
  it("declared tables are AnyTable and keep their names", () => {
    expectTypeOf(todos).toExtend<AnyTable>()
    expectTypeOf(todos.$name).toEqualTypeOf<"todos">()
    const schema = defineSchema({ users, todos })
    expectTypeOf(schema.tables.todos).toEqualTypeOf(todos)
  })
})

describe("auth predicates keep the app's context type", () => {
  type TodoCtx = { readonly userId: string; readonly role: "admin" | "user" }
  interface ExtendedCtx extends AuthContext {
    readonly userId: string
  }
  const owned = table("owned", { id: id(), ownerId: text() }, {
    auth: {
      read: (ctx: TodoCtx, row) => {
        expectTypeOf(row.ownerId).toEqualTypeOf<string>()
        return ctx.role === "admin" || row.ownerId === ctx.userId
      },
      write: (ctx: TodoCtx, row) => row.ownerId === ctx.userId,
    },
  })
  const viaInterface = table("viaInterface", { id: id(), ownerId: text() }, { auth: { read: (ctx: ExtendedCtx, row) => row.ownerId === ctx.userId } })

  it("infers Ctx from the annotation, with no cast in the predicate", () => {
    expectTypeOf(owned.$options.auth?.read).parameter(0).toEqualTypeOf<TodoCtx>()
    expectTypeOf(viaInterface.$options.auth?.read).parameter(0).toEqualTypeOf<ExtendedCtx>()
  })

  it("typed tables are still AnyTable and make a schema", () => {
    expectTypeOf(owned).toExtend<AnyTable>()
    const schema = defineSchema({ owned, viaInterface, users })
    expectTypeOf(schema.tables.owned).toEqualTypeOf(owned)
  })

  it("untyped predicates keep compiling with AuthContext", () => {
    const plain = table("plain", { id: id(), ownerId: text() }, { auth: { read: (ctx, row) => row.ownerId === ctx.userId } })
    expectTypeOf(plain.$options.auth?.read).parameter(0).toEqualTypeOf<AuthContext>()
  })
})
