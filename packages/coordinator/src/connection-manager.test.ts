/**
 * The registry over a fake `DurableObjectState`. The "fresh manager" test is the unit-level half
 * of the hibernation guarantee (the workerd half is sync-coordinator.hibernation.test.ts): a
 * manager built later over the same sockets knows exactly what the first one knew.
 */
import { describe, expect, test } from "vitest"
import { createHibernatingConnectionManager, toPresenceEntries } from "./connection-manager.js"
import type { CoordinatorState, HibernatableWebSocket } from "./runtime-types.js"

class FakeSocket implements HibernatableWebSocket {
  readyState = 1
  #attachment: string | null = null
  send(): void {}
  close(): void {
    this.readyState = 3
  }
  // Structured clone in the runtime; a JSON round trip is the same for our JSON-only attachments.
  serializeAttachment(value: unknown): void {
    this.#attachment = JSON.stringify(value)
  }
  deserializeAttachment(): unknown {
    return this.#attachment === null ? null : JSON.parse(this.#attachment)
  }
}

function fakeState(): CoordinatorState & { sockets: FakeSocket[] } {
  const sockets: FakeSocket[] = []
  return {
    sockets,
    acceptWebSocket: (ws) => void sockets.push(ws as FakeSocket),
    getWebSockets: () => sockets,
    setWebSocketAutoResponse: () => {},
  }
}

describe("createHibernatingConnectionManager", () => {
  test("a fresh manager over the same sockets rebuilds the room from attachments only", () => {
    const state = fakeState()
    const first = createHibernatingConnectionManager(state)
    const [a, b, c] = [new FakeSocket(), new FakeSocket(), new FakeSocket()]
    first.accept(a, "alice", 1)
    first.accept(b, "bob", 2)
    first.accept(c, "carol", 3)
    first.setUserInfo(a, { name: "Alice" })
    c.close()

    const afterWake = createHibernatingConnectionManager(state)
    expect(toPresenceEntries(afterWake.all())).toEqual([
      { clientID: "alice", userInfo: { name: "Alice" } },
      { clientID: "bob", userInfo: null },
    ])
    expect(afterWake.get(b)?.clientID).toBe("bob")
  })

  test("departed sockets and sockets without a valid attachment are left out", () => {
    const state = fakeState()
    const manager = createHibernatingConnectionManager(state)
    const [a, b, stranger] = [new FakeSocket(), new FakeSocket(), new FakeSocket()]
    manager.accept(a, "alice", 1)
    manager.accept(b, "bob", 2)
    stranger.serializeAttachment({ v: 0, id: "old shape" })
    state.sockets.push(stranger)
    manager.markDeparted(b) // still OPEN as far as the runtime says
    expect(manager.all().map((c) => c.clientID)).toEqual(["alice"])
    expect(manager.get(stranger)).toBeUndefined()
    expect(manager.setUserInfo(stranger, 1)).toBeUndefined()
  })
})

test("toPresenceEntries keeps the newest socket per clientID and sorts by clientID", () => {
  expect(
    toPresenceEntries([
      { v: 1, clientID: "b", userInfo: "old", joinedAt: 1 },
      { v: 1, clientID: "a", userInfo: null, joinedAt: 5 },
      { v: 1, clientID: "b", userInfo: "new", joinedAt: 2 },
    ]),
  ).toEqual([
    { clientID: "a", userInfo: null },
    { clientID: "b", userInfo: "new" },
  ])
})
