/** The hooks infer row types from the schema and `args` types from the mutators (registered client). */
import type { SyncStatus } from "@plasma/client"
import { eq } from "@plasma/core"
import { describe, expectTypeOf, test } from "vitest"
import { useLiveQuery } from "./use-live-query.js"
import { useMutation } from "./use-mutation.js"
import { usePlasmaFile, type UsePlasmaFileResult } from "./use-plasma-file.js"
import { usePlasma } from "./plasma-provider.js"
import { useSyncStatus } from "./use-sync-status.js"
import { todos, notes } from "./tests/fixture.js"
import "./tests/register.js"

describe("hook inference", () => {
  test("useLiveQuery rows come from the table", () => {
    const rows = useLiveQuery((db) => db.select().from(todos).where(eq(todos.done, false)), [])
    expectTypeOf(rows).toEqualTypeOf<
      readonly { id: string; title: string; done: boolean; attachment: { readonly hash: string; readonly size: number; readonly mime: string; readonly name?: string } | null; updatedAt: number }[] | undefined
    >()
    const projected = useLiveQuery((db) => db.select({ body: notes.body }).from(notes), [])
    expectTypeOf(projected).toEqualTypeOf<readonly { body: string }[] | undefined>()
  })

  test("useMutation names and args come from the mutators", () => {
    const add = useMutation("addTodo")
    expectTypeOf(add.mutate).parameter(0).toEqualTypeOf<{ id: string; title: string; updatedAt: number }>()
    expectTypeOf(add.mutate).returns.toEqualTypeOf<Promise<boolean>>()
    expectTypeOf(add.isPending).toEqualTypeOf<boolean>()
    // FileRef fields also take a Blob/File (the client hashes and uploads it).
    const attach = useMutation("attach", { onSuccess: (args) => expectTypeOf(args.id).toEqualTypeOf<string>() })
    expectTypeOf<File>().toMatchTypeOf<Parameters<typeof attach.mutate>[0]["attachment"]>()
    // @ts-expect-error an unknown mutator name does not compile
    useMutation("noSuchMutator")
    // @ts-expect-error wrong args do not compile
    void add.mutate({ id: "a", title: 1, updatedAt: 0 })
  })

  test("usePlasma is the registered client; the other hooks have their documented shapes", () => {
    const plasma = usePlasma()
    expectTypeOf(plasma.mutate).parameter(0).toEqualTypeOf<"addTodo" | "toggleTodo" | "attach" | "addNote">()
    expectTypeOf(useSyncStatus()).toEqualTypeOf<SyncStatus>()
    expectTypeOf(usePlasmaFile(null)).toEqualTypeOf<UsePlasmaFileResult | null>()
  })
})
