/** useMutation against a real client on a real sync handler. */
import { act, cleanup, renderHook, waitFor } from "@testing-library/react"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { createTestLoop, providerFor, type TestClient, type TestLoop } from "./tests/harness.js"
import { todos } from "./tests/fixture.js"
import "./tests/register.js"
import { useMutation } from "./use-mutation.js"

describe("useMutation", () => {
  let loop: TestLoop
  let client: TestClient

  beforeEach(() => {
    loop = createTestLoop()
    client = loop.client()
  })
  afterEach(async () => {
    cleanup()
    await loop.dispose()
  })

  it("runs the mutator locally, then calls onSuccess and onSettled; mutate keeps its identity", async () => {
    const calls: string[] = []
    const { result, rerender } = renderHook(
      () =>
        useMutation("addTodo", {
          onSuccess: (args) => calls.push(`success:${args.id}`),
          onError: () => calls.push("error"),
          onSettled: (error, args) => calls.push(`settled:${args.id}:${String(error)}`),
        }),
      { wrapper: providerFor(client) },
    )
    const first = result.current.mutate
    expect(result.current.isPending).toBe(false)

    let pending: Promise<boolean> | undefined
    act(() => {
      pending = result.current.mutate({ id: "t1", title: "milk", updatedAt: 1 })
    })
    expect(result.current.isPending).toBe(true)
    await act(async () => expect(await pending).toBe(true))
    expect(result.current.isPending).toBe(false)
    expect(result.current.error).toBeNull()
    expect(calls).toEqual(["success:t1", "settled:t1:null"])
    // The callbacks ran after the local run: the row is in the optimistic view.
    expect((await client.db.select().from(todos)).map((row) => row.title)).toEqual(["milk"])
    rerender()
    expect(result.current.mutate).toBe(first)
    expect(result.current.reset).toBe(result.current.reset)
  })

  it("a mutator that throws locally sets error, calls onError, queues nothing; reset clears it", async () => {
    const calls: string[] = []
    const { result } = renderHook(() => useMutation("addTodo", { onError: (error) => calls.push(`error:${(error as Error).message}`) }), { wrapper: providerFor(client) })
    let ok: boolean | undefined
    await act(async () => {
      ok = await result.current.mutate({ id: "t1", title: "   ", updatedAt: 1 })
    })
    expect(ok).toBe(false)
    expect(result.current.error).toBeInstanceOf(TypeError)
    expect(calls).toEqual(["error:addTodo: title must not be empty"])
    expect(client.status.get().outboxDepth).toBe(0)
    act(() => result.current.reset())
    expect(result.current.error).toBeNull()
    expect(result.current.isPending).toBe(false)
  })

  it("a successful call after a failure clears the error; pushes reach the server", async () => {
    const { result } = renderHook(() => useMutation("addTodo"), { wrapper: providerFor(client) })
    await act(() => result.current.mutate({ id: "bad", title: "", updatedAt: 1 }))
    expect(result.current.error).not.toBeNull()
    await act(() => result.current.mutate({ id: "t2", title: "eggs", updatedAt: 2 }))
    expect(result.current.error).toBeNull()
    await client.flush()
    await waitFor(() => expect(client.status.get().outboxDepth).toBe(0))
  })
})
