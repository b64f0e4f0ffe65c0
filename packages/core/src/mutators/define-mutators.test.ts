import { describe, expect, it } from "vitest"
import { isPlasmaError } from "../errors/plasma-error.js"
import { createMemoryEngine } from "../memory/memory-engine.js"
import { eq } from "../query/operators.js"
import { conformanceSchema, tags } from "../testing/conformance-schema.js"
import { defineMutators, invokeMutator, mutatorOf, type MutatorInput } from "./define-mutators.js"

type S = typeof conformanceSchema
const mutators = defineMutators<S, { userId: string }>()({
  addTag: async ({ db, args }: MutatorInput<S, { userId: string }, { id: string; slug: string }>) => {
    await db.insert(tags).values({ id: args.id, slug: args.slug })
  },
  renameTag: async ({ db, args }: MutatorInput<S, { userId: string }, { id: string; slug: string }>) => {
    await db.update(tags).set({ slug: args.slug }).where(eq(tags.id, args.id))
  },
})

describe("mutators", () => {
  it("invokeMutator runs a mutator against any Db", async () => {
    const { db, rows } = createMemoryEngine(conformanceSchema)
    await invokeMutator(mutators, "addTag", { db, args: { id: "g1", slug: "a" }, ctx: { userId: "u" }, clientID: "system", mutationID: 0 })
    await invokeMutator(mutators, "renameTag", { db, args: { id: "g1", slug: "b" }, ctx: { userId: "u" }, clientID: "system", mutationID: 1 })
    expect(rows("tags")).toEqual([{ id: "g1", slug: "b", color: "gray", weight: 1 }])
  })

  it("an unknown name throws unknown-mutator listing the known ones", async () => {
    const { db } = createMemoryEngine(conformanceSchema)
    const input = { db, args: {}, ctx: { userId: "u" }, clientID: "c", mutationID: 1 }
    for (const name of ["nope", "constructor", "__proto__", "toString", "hasOwnProperty"]) {
      let caught: unknown
      try {
        await invokeMutator(mutators, name as never, input as never)
      } catch (error) {
        caught = error
      }
      expect(isPlasmaError(caught, "unknown-mutator"), name).toBe(true)
      expect((caught as Error).message).toContain("addTag, renameTag")
      expect((caught as Error).message).toContain(`"${name}"`)
    }
    expect(() => mutatorOf({}, "x")).toThrow(/\(none\)/)
  })

  it("defineMutators refuses non-functions and freezes the map", () => {
    expect(() => defineMutators<S>()({ bad: 1 as never })).toThrow(/"bad"/)
    expect(Object.isFrozen(mutators)).toBe(true)
  })
})
