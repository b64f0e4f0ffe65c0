/**
 * usePresence against a REAL SyncCoordinator in workerd (Miniflare), over real WebSockets (`ws`,
 * which sends the token in a header as a server-side client does).
 */
import { act, cleanup, renderHook, waitFor } from "@testing-library/react"
import { WebSocket } from "ws"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { COORDINATOR_TOKEN, startCoordinator } from "./tests/coordinator.js"
import { createTestLoop, providerFor, type TestLoop } from "./tests/harness.js"
import "./tests/register.js"
import { usePresence, type UsePresenceOptions } from "./use-presence.js"
import type { WebSocketConstructor } from "@plasma/coordinator/client"

describe("usePresence", () => {
  let coordinator: Awaited<ReturnType<typeof startCoordinator>>
  let loop: TestLoop

  beforeAll(async () => {
    coordinator = await startCoordinator()
    loop = createTestLoop()
  }, 60_000)
  afterEach(() => cleanup())
  afterAll(async () => {
    await loop.dispose()
    await coordinator.dispose()
  })

  const options = (room: string, extra: Partial<UsePresenceOptions> = {}): UsePresenceOptions => ({
    url: new URL("/sync/coordinator", coordinator.url).toString(),
    room,
    token: COORDINATOR_TOKEN,
    WebSocket: WebSocket as unknown as WebSocketConstructor,
    ...extra,
  })

  it("shows me and my peers, follows userInfo changes and a peer leaving", async () => {
    const [ann, bob] = [loop.client(), loop.client()]
    const first = renderHook((props: { label: string }) => usePresence(options("room-a", { userInfo: { label: props.label } })), {
      wrapper: providerFor(ann),
      initialProps: { label: "ann" },
    })
    expect(first.result.current.connecting).toBe(true)
    await waitFor(() => expect(first.result.current.me).toEqual({ clientID: ann.clientID, userInfo: { label: "ann" } }))
    expect(first.result.current.peers).toEqual([])

    const second = renderHook(() => usePresence(options("room-a", { userInfo: { label: "bob" } })), { wrapper: providerFor(bob) })
    await waitFor(() => expect(first.result.current.peers).toEqual([{ clientID: bob.clientID, userInfo: { label: "bob" } }]))
    await waitFor(() => expect(second.result.current.peers.map((p) => p.clientID)).toEqual([ann.clientID]))
    expect(first.result.current.all).toHaveLength(2)
    expect(first.result.current.connecting).toBe(false)

    // A new userInfo goes out on the open socket.
    first.rerender({ label: "ann (typing)" })
    await waitFor(() => expect(second.result.current.peers).toEqual([{ clientID: ann.clientID, userInfo: { label: "ann (typing)" } }]))

    // Unmounting closes the socket: the others see the leave.
    act(() => second.unmount())
    await waitFor(() => expect(first.result.current.peers).toEqual([]))
  })

  it("a wrong token never connects and reports the error; rooms are separate", async () => {
    const client = loop.client()
    const refused = renderHook(() => usePresence(options("room-b", { token: "wrong" })), { wrapper: providerFor(client) })
    await waitFor(() => expect(refused.result.current.error).not.toBeNull())
    expect(refused.result.current.connecting).toBe(true)
    expect(refused.result.current.all).toEqual([])

    const other = renderHook(() => usePresence(options("room-c")), { wrapper: providerFor(client) })
    await waitFor(() => expect(other.result.current.all.map((p) => p.clientID)).toEqual([client.clientID]))
  })
})
