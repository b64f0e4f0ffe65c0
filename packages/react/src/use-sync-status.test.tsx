/** useSyncStatus follows the real client's status store. */
import { act, cleanup, renderHook, waitFor } from "@testing-library/react"
import { afterEach, describe, expect, it } from "vitest"
import { createTestLoop } from "./tests/harness.js"
import { providerFor } from "./tests/harness.js"
import "./tests/register.js"
import { useSyncStatus } from "./use-sync-status.js"

describe("useSyncStatus", () => {
  const loop = createTestLoop()
  afterEach(async () => {
    cleanup()
  })

  it("shows the outbox growing with local mutations and emptying after a flush, with a stable object in between", async () => {
    const client = loop.client()
    const { result, rerender } = renderHook(() => useSyncStatus(), { wrapper: providerFor(client) })
    expect(result.current.outboxDepth).toBe(0)
    const before = result.current
    rerender()
    expect(result.current).toBe(before)
    await act(() => client.mutate("addTodo", { id: "s1", title: "milk", updatedAt: 1 }))
    expect(result.current.outboxDepth).toBe(1)
    await act(() => client.flush())
    await waitFor(() => expect(result.current.outboxDepth).toBe(0))
    expect(result.current.lastSyncedAt).not.toBeNull()
    expect(result.current.online).toBe(true)
    await loop.dispose()
  })
})
