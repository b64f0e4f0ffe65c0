import { defineMutators, defineSchema, id, table, text, type AuthContext, type MutatorInput } from "@plasma/core"
import type { SqlExecutor } from "@plasma/executors"
import { describe, expectTypeOf, it } from "vitest"
import { createSyncHandler, type SyncAuthResult } from "./create-sync-handler.js"
import type { PushedEvent, SyncErrorEvent } from "./events.js"

type TodoCtx = { readonly userId: string; readonly role: "admin" | "user" }
const todos = table("todos", { id: id(), ownerId: text() }, { auth: { read: (ctx: TodoCtx, row) => row.ownerId === ctx.userId } })
const schema = defineSchema({ todos })
type S = typeof schema
const mutators = defineMutators<S, TodoCtx>()({
  add: async ({ db, args, ctx }: MutatorInput<S, TodoCtx, { id: string }>) => {
    await db.insert(todos).values({ id: args.id, ownerId: ctx.userId })
  },
})
const executor = {} as SqlExecutor
const auth = (_request: Request): SyncAuthResult<TodoCtx> => ({ ok: true, clientGroupID: "g", clientID: "c", ctx: { userId: "u", role: "user" } })

describe("createSyncHandler keeps the app's Ctx", () => {
  it("flows from auth to onPushed and onError without casts", () => {
    createSyncHandler({
      schema,
      mutators,
      executor,
      schemaVersion: "v1",
      auth,
      onPushed: ({ ctx }) => {
        expectTypeOf(ctx).toEqualTypeOf<TodoCtx>()
        expectTypeOf(ctx.userId).toEqualTypeOf<string>()
      },
      onError: (event) => {
        expectTypeOf(event).toEqualTypeOf<SyncErrorEvent<TodoCtx>>()
        expectTypeOf(event.ctx).toEqualTypeOf<TodoCtx | undefined>()
      },
    })
  })

  it("infers Ctx from an inline async auth", () => {
    createSyncHandler({
      schema,
      mutators: defineMutators<S>()({}),
      executor,
      schemaVersion: "v1",
      auth: async () => ({ ok: true as const, clientGroupID: "g", clientID: "c", ctx: { userId: "u", tenant: 7 } }),
      onPushed: (event) => {
        expectTypeOf(event).toEqualTypeOf<PushedEvent<{ userId: string; tenant: number }>>()
      },
    })
  })

  it("refuses mutators that need a context auth does not give", () => {
    type TenantCtx = { readonly tenant: string }
    const needsTenant = defineMutators<S, TenantCtx>()({
      scoped: async ({ ctx }: MutatorInput<S, TenantCtx, unknown>) => {
        void ctx.tenant
      },
    })
    createSyncHandler({
      schema,
      // @ts-expect-error the mutators expect `tenant`, which auth's ctx lacks
      mutators: needsTenant,
      executor,
      schemaVersion: "v1",
      auth,
    })
  })

  it("keeps the untyped usage compiling: ctx is AuthContext", () => {
    const untypedAuth = (_request: Request) => ({ ok: true as const, clientGroupID: "g", clientID: "c", ctx: {} as AuthContext })
    createSyncHandler({
      schema,
      mutators: defineMutators<S>()({}),
      executor,
      schemaVersion: "v1",
      auth: untypedAuth,
      onPushed: ({ ctx }) => {
        expectTypeOf(ctx).toEqualTypeOf<AuthContext>()
      },
    })
  })
})

describe("userID and the poke option", () => {
  it("lets auth return a userID, and gives poke's room the app's Ctx", () => {
    const namespace = {
      idFromName: (name: string) => ({ name }),
      get: (_id: { name: string }) => ({ fetch: async (_input: string, _init?: RequestInit) => new Response("{}") }),
    }
    createSyncHandler({
      schema,
      mutators,
      executor,
      schemaVersion: "v1",
      auth: async () => ({ ok: true as const, clientGroupID: "g", clientID: "c", ctx: { userId: "u", role: "user" as const }, userID: "u" }),
      poke: {
        namespace,
        token: "secret",
        room: (who) => {
          expectTypeOf(who.ctx).toEqualTypeOf<{ userId: string; role: "user" }>()
          return `user-${who.ctx.userId}`
        },
      },
    })
  })

  it("refuses a userID that is not a string", () => {
    // @ts-expect-error userID must be a string
    const wrong: SyncAuthResult<TodoCtx> = { ok: true, clientGroupID: "g", clientID: "c", ctx: { userId: "u", role: "user" }, userID: 42 }
    void wrong
  })
})
