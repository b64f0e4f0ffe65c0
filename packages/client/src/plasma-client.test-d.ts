import { boolean, defineMutators, defineSchema, eq, file, id, int, table, text, type FileRef, type MutatorInput } from "@plasma/core"
import { describe, expectTypeOf, it } from "vitest"
import { createPlasmaClient, type LiveDelta, type LiveQuery, type SyncStatus } from "./index.js"

const todos = table("todos", { id: id(), title: text(), done: boolean().default(false), attachment: file().nullable(), updatedAt: int() })
const schema = defineSchema({ todos })
type Ctx = { userId: string }
const mutators = defineMutators<typeof schema, Ctx>()({
  addTodo: async ({ db, args }: MutatorInput<typeof schema, Ctx, { id: string; title: string; attachment: FileRef | null; updatedAt: number }>) => {
    await db.insert(todos).values(args)
  },
  markDone: async ({ db, args }: MutatorInput<typeof schema, Ctx, { id: string }>) => {
    await db.update(todos).set({ done: true }).where(eq(todos.id, args.id))
  },
})

describe("client types", () => {
  const plasma = createPlasmaClient({ schema, mutators, schemaVersion: "v1", dbName: "d", endpoint: "/sync", clientGroupID: "g", getContext: () => ({ userId: "u" }) })

  it("mutate takes each mutator's args, with Blob/File where a FileRef goes", () => {
    expectTypeOf(plasma.mutate("markDone", { id: "t1" })).toEqualTypeOf<Promise<void>>()
    void plasma.mutate("addTodo", { id: "t1", title: "x", attachment: new Blob([]), updatedAt: 1 })
    void plasma.mutate("addTodo", { id: "t1", title: "x", attachment: new File([], "a.png"), updatedAt: 1 })
    void plasma.mutate("addTodo", { id: "t1", title: "x", attachment: null, updatedAt: 1 })
    // @ts-expect-error: unknown mutator
    void plasma.mutate("nope", {})
    // @ts-expect-error: wrong args
    void plasma.mutate("markDone", { id: 1 })
  })

  it("selects have .live() with the row type through every builder call", () => {
    const live = plasma.db.select().from(todos).where(eq(todos.done, false)).orderBy(todos.updatedAt).limit(10).live()
    expectTypeOf(live).toEqualTypeOf<LiveQuery<{ id: string; title: string; done: boolean; attachment: FileRef | null; updatedAt: number }>>()
    const projected = plasma.db.select({ t: todos.title }).from(todos).live()
    expectTypeOf(projected.subscribeDelta).parameter(0).parameter(0).toEqualTypeOf<LiveDelta<{ t: string }>>()
  })

  it("status is a subscribable SyncStatus", () => {
    expectTypeOf(plasma.status.get()).toEqualTypeOf<SyncStatus>()
    expectTypeOf(plasma.status.subscribe).returns.toEqualTypeOf<() => void>()
  })
})
