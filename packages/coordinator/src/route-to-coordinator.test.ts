import { describe, expect, test } from "vitest"
import { toRoomObjectName } from "./room-object-name.js"
import { routeToCoordinator } from "./route-to-coordinator.js"
import type { CoordinatorNamespace } from "./runtime-types.js"

function fakeNamespace() {
  const calls: Array<{ room: string; url: string }> = []
  const namespace: CoordinatorNamespace<string> = {
    idFromName: (name) => `id:${name}`,
    get: (id) => ({
      fetch: async (input) => {
        calls.push({ room: id.slice(3), url: typeof input === "string" ? input : input.url })
        return new Response("from the object")
      },
    }),
  }
  return { namespace, calls }
}

describe("routeToCoordinator", () => {
  test("routes to the room's object, defaulting to global", async () => {
    const { namespace, calls } = fakeNamespace()
    const response = await routeToCoordinator(new Request("https://x/sync/coordinator?room=team-1&clientID=c"), namespace)
    expect(await response?.text()).toBe("from the object")
    await routeToCoordinator(new Request("https://x/sync/coordinator"), namespace)
    expect(calls.map((c) => c.room)).toEqual(["team-1", "global"])
    expect(calls[0]?.url).toBe("https://x/sync/coordinator?room=team-1&clientID=c")
  })

  test("returns undefined for other paths, honouring a custom path", async () => {
    const { namespace, calls } = fakeNamespace()
    expect(routeToCoordinator(new Request("https://x/sync/pull"), namespace)).toBeUndefined()
    expect(routeToCoordinator(new Request("https://x/sync/coordinator/extra"), namespace)).toBeUndefined()
    expect(routeToCoordinator(new Request("https://x/sync/coordinator"), namespace, { path: "/ws" })).toBeUndefined()
    expect(await routeToCoordinator(new Request("https://x/ws"), namespace, { path: "/ws" })).toBeDefined()
    expect(calls).toHaveLength(1)
  })

  test("any room name reaches an object: pattern names as they are, others hashed", async () => {
    const { namespace, calls } = fakeNamespace()
    const odd = "group-ünïcode/with spaces & a very long clientGroupID ".repeat(3)
    for (const room of [odd, "x".repeat(65), odd]) {
      const response = await routeToCoordinator(new Request(`https://x/sync/coordinator?room=${encodeURIComponent(room)}`), namespace)
      expect(response?.status).toBe(200)
    }
    expect(calls.map((c) => c.room)).toEqual([await toRoomObjectName(odd), await toRoomObjectName("x".repeat(65)), await toRoomObjectName(odd)])
    expect(calls[0]?.room).toMatch(/^sha256:[0-9a-f]{64}$/)
    expect(calls[1]?.room).not.toBe(calls[0]?.room)
  })

  test("an empty or over-long room is a 400 JSON error and reaches no object", async () => {
    const { namespace, calls } = fakeNamespace()
    for (const room of ["", "x".repeat(513), "é".repeat(257)]) {
      const response = await routeToCoordinator(new Request(`https://x/sync/coordinator?room=${encodeURIComponent(room)}`), namespace)
      expect(response?.status).toBe(400)
      expect(await response?.json()).toMatchObject({ error: "invalid-request" })
    }
    expect(calls).toHaveLength(0)
  })
})
