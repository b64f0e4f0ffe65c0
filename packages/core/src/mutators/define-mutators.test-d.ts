import { describe, expectTypeOf, it } from "vitest"
import { conformanceSchema } from "../testing/conformance-schema.js"
import { defineMutators, invokeMutator, type MutatorArgs, type MutatorInput, type MutatorMap } from "./define-mutators.js"
import type { Db } from "../query/db.js"

type S = typeof conformanceSchema
type Ctx = { userId: string }
const mutators = defineMutators<S, Ctx>()({
  rename: async ({ args }: MutatorInput<S, Ctx, { id: string; slug: string }>) => {
    expectTypeOf(args.slug).toEqualTypeOf<string>()
  },
  noArgs: async ({ ctx }) => {
    expectTypeOf(ctx).toEqualTypeOf<Ctx>()
  },
})

describe("mutator types", () => {
  it("an app's mutators are a MutatorMap and keep their args", () => {
    expectTypeOf(mutators).toExtend<MutatorMap>()
    expectTypeOf<MutatorArgs<typeof mutators, "rename">>().toEqualTypeOf<{ id: string; slug: string }>()
  })
  it("invokeMutator checks the input of the named mutator", async () => {
    const db = {} as Db<S>
    await invokeMutator(mutators, "rename", { db, args: { id: "g", slug: "s" }, ctx: { userId: "u" }, clientID: "c", mutationID: 1 })
    // @ts-expect-error args of the wrong shape
    await invokeMutator(mutators, "rename", { db, args: { id: 1 }, ctx: { userId: "u" }, clientID: "c", mutationID: 1 })
  })
})
