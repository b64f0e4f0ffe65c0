import { describe, expect, test } from "vitest"
import { routeToCoordinator, toRoomName } from "./route-to-coordinator.js"
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
    expect(routeToCoordinator(new Request("https://x/ws"), namespace, { path: "/ws" })).toBeDefined()
    expect(calls).toHaveLength(1)
  })

  test("a bad room is a 400 JSON error and reaches no object", async () => {
    const { namespace, calls } = fakeNamespace()
    for (const room of ["", "a b", "x".repeat(65), "ünïcode", "a/b"]) {
      const response = await routeToCoordinator(new Request(`https://x/sync/coordinator?room=${encodeURIComponent(room)}`), namespace)
      expect(response?.status).toBe(400)
      expect(await response?.json()).toMatchObject({ error: "invalid-request" })
    }
    expect(calls).toHaveLength(0)
  })
})

test("toRoomName accepts the documented charset up to 64 characters", () => {
  expect(toRoomName(undefined)).toBe("global")
  expect(toRoomName("Org_1.team:a-b")).toBe("Org_1.team:a-b")
  expect(toRoomName("x".repeat(64))).toHaveLength(64)
  expect(() => toRoomName("x".repeat(65))).toThrow(/invalid room/)
})
