/**
 * The client helper: end to end against real workerd, and with a fake socket for the timing rules.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from "vitest"
import { WebSocket } from "ws"
import { connectCoordinator, toCoordinatorUrl, type CoordinatorConnection, type WebSocketLike } from "./connect-coordinator.js"
import type { CoordinatorError } from "./coordinator-error.js"
import type { PresenceEntry } from "./protocol.js"
import { sleep, startHarness, TEST_TOKEN, type Harness } from "./tests/harness.js"

describe("against workerd", () => {
  let h: Harness
  const connections: CoordinatorConnection[] = []

  beforeAll(async () => {
    h = await startHarness()
  })
  afterAll(async () => {
    for (const connection of connections) connection.close()
    await h.dispose()
  })

  function connect(room: string, clientID: string, extra: { userInfo?: { name: string } } = {}, path = "/sync/coordinator") {
    const events = { pokes: 0, presence: [] as PresenceEntry[][], broadcasts: [] as Array<[string, unknown]>, errors: [] as CoordinatorError[] }
    const connection = connectCoordinator({
      url: new URL(path, h.url).toString(),
      room,
      token: TEST_TOKEN,
      clientID,
      ...extra,
      WebSocket,
      backoff: { initialMs: 20, maxMs: 100 },
      onPoke: () => events.pokes++,
      onPresence: (entries) => events.presence.push(entries),
      onBroadcast: (from, data) => events.broadcasts.push([from, data]),
      onError: (error) => events.errors.push(error),
    })
    connections.push(connection)
    return { connection, events }
  }

  const poke = async (room: string): Promise<number> => {
    const response = await fetch(new URL(`/sync/coordinator?room=${room}`, h.url), { method: "POST", headers: { Authorization: `Bearer ${TEST_TOKEN}` } })
    return ((await response.json()) as { sockets: number }).sockets
  }
  const lastPresence = (events: { presence: PresenceEntry[][] }) => events.presence.at(-1)

  test("pokes, presence, broadcasts and rejected frames reach the callbacks", async () => {
    const ada = connect("client", "ada", { userInfo: { name: "Ada" } })
    const bo = connect("client", "bo")
    const both = [{ clientID: "ada", userInfo: { name: "Ada" } }, { clientID: "bo", userInfo: null }]
    await expect.poll(() => lastPresence(bo.events)).toEqual(both)
    // Every (re)connect counts as one poke, so a client catches up on what it missed.
    expect([ada.events.pokes, bo.events.pokes]).toEqual([1, 1])

    expect(await poke("client")).toBe(2)
    await expect.poll(() => [ada.events.pokes, bo.events.pokes]).toEqual([2, 2])

    bo.connection.updatePresence({ name: "Bo" })
    await expect.poll(() => lastPresence(ada.events)?.[1]).toEqual({ clientID: "bo", userInfo: { name: "Bo" } })

    expect(ada.connection.broadcast({ cursor: 7 })).toBe(true)
    await expect.poll(() => bo.events.broadcasts).toEqual([["ada", { cursor: 7 }]])
    expect(ada.events.broadcasts).toEqual([])

    ada.connection.broadcast("x".repeat(70_000))
    await expect.poll(() => ada.events.errors.map((e) => [e.code, e.details.frameCode])).toEqual([["frame-rejected", "message-too-large"]])
  })

  test("presence diffs are applied: onPresence always gets the whole room", async () => {
    // `/limited/coordinator` sends diffs whenever they are smaller than the snapshot.
    const ids = ["d1", "d2", "d3"]
    const [one, two, three] = ids.map((id) => connect("diffs", id, {}, "/limited/coordinator"))
    if (one === undefined || two === undefined || three === undefined) throw new Error("unreachable")
    const room = (names: Array<string | null>) => ids.map((clientID, k) => ({ clientID, userInfo: names[k] === null ? null : { name: names[k] } }))
    await expect.poll(() => lastPresence(one.events)).toEqual(room([null, null, null]))
    two.connection.updatePresence({ name: "Two" })
    await expect.poll(() => lastPresence(one.events)).toEqual(room([null, "Two", null]))
    three.connection.close()
    await expect.poll(() => lastPresence(one.events)).toEqual(room([null, "Two", null]).slice(0, 2))
    expect(one.events.errors).toEqual([])
  })

  test("reconnects after the server closes the socket, and re-sends its userInfo", async () => {
    const cy = connect("reconnect", "cy", { userInfo: { name: "Cy" } })
    await expect.poll(() => lastPresence(cy.events)).toEqual([{ clientID: "cy", userInfo: { name: "Cy" } }])
    const joinsBefore = cy.events.presence.length
    expect(cy.events.pokes).toBe(1) // the connect itself

    const closed = await fetch(new URL("/__test/close-all?room=reconnect", h.url))
    expect(await closed.json()).toEqual({ closed: 1 })
    await expect.poll(() => cy.connection.connected).toBe(false)

    // Back within the backoff bound, with the same identity and userInfo.
    await expect.poll(() => cy.events.presence.length > joinsBefore && cy.connection.connected, { timeout: 3000 }).toBe(true)
    await expect.poll(() => lastPresence(cy.events)).toEqual([{ clientID: "cy", userInfo: { name: "Cy" } }])
    // The reconnect poked once (pokes sent while down are lost), then a real poke arrives.
    expect(cy.events.pokes).toBe(2)
    expect(await poke("reconnect")).toBe(1)
    await expect.poll(() => cy.events.pokes).toBe(3)
  })

  test("close() is final: no reconnect follows", async () => {
    const di = connect("closing", "di")
    await expect.poll(() => di.connection.connected).toBe(true)
    di.connection.close()
    di.connection.close() // idempotent
    expect(di.connection.connected).toBe(false)
    await sleep(300) // several backoff periods
    expect(await poke("closing")).toBe(0)
    expect(di.connection.broadcast("late")).toBe(false)
  })
})

/** A scriptable stand-in for a WebSocket: the test opens, speaks and closes it by hand. */
class FakeSocket implements WebSocketLike {
  static instances: FakeSocket[] = []
  readyState = 0
  readonly sent: string[] = []
  onopen: ((event: never) => void) | null = null
  onmessage: ((event: never) => void) | null = null
  onclose: ((event: never) => void) | null = null
  onerror: ((event: never) => void) | null = null

  constructor(
    readonly url: string,
    readonly init?: unknown,
  ) {
    FakeSocket.instances.push(this)
  }
  send(data: string): void {
    this.sent.push(data)
  }
  close(): void {
    this.readyState = 3
  }
  serverOpen(): void {
    this.readyState = 1
    ;(this.onopen as ((event: unknown) => void) | null)?.({})
  }
  serverSend(message: unknown): void {
    ;(this.onmessage as ((event: { data: string }) => void) | null)?.({ data: JSON.stringify(message) })
  }
  serverClose(): void {
    this.readyState = 3
    ;(this.onclose as ((event: unknown) => void) | null)?.({ code: 1006, reason: "" })
  }
}

describe("timing (fake socket, fake timers)", () => {
  afterEach(() => {
    vi.useRealTimers()
    FakeSocket.instances = []
  })

  const start = (overrides: { heartbeatMs?: number } = {}) =>
    connectCoordinator({
      url: "https://app.example/sync/coordinator",
      token: "t",
      clientID: "c",
      userInfo: { n: 1 },
      WebSocket: FakeSocket,
      onPoke: () => {},
      backoff: { initialMs: 100, maxMs: 1000 },
      random: () => 0.5,
      heartbeatMs: 0,
      ...overrides,
    })

  test("backs off exponentially with jitter and resets once the server speaks", () => {
    vi.useFakeTimers()
    const connection = start()
    const first = FakeSocket.instances[0]
    // The token rides in a header, never in the URL.
    expect(first?.url).toBe("wss://app.example/sync/coordinator?room=global&clientID=c")
    expect(first?.init).toEqual({ headers: { Authorization: "Bearer t" } })
    first?.serverClose()
    // attempt 0: 0.5 * min(1000, 100) = 50 ms
    vi.advanceTimersByTime(49)
    expect(FakeSocket.instances).toHaveLength(1)
    vi.advanceTimersByTime(1)
    expect(FakeSocket.instances).toHaveLength(2)
    FakeSocket.instances[1]?.serverClose()
    // attempt 1: 0.5 * 200 = 100 ms
    vi.advanceTimersByTime(99)
    expect(FakeSocket.instances).toHaveLength(2)
    vi.advanceTimersByTime(1)
    const third = FakeSocket.instances[2]
    third?.serverOpen()
    expect(third?.sent).toEqual([JSON.stringify({ type: "presence", userInfo: { n: 1 } })])
    third?.serverSend({ type: "presence", entries: [] })
    third?.serverClose()
    // the server spoke, so the counter is back to attempt 0: 50 ms
    vi.advanceTimersByTime(50)
    expect(FakeSocket.instances).toHaveLength(4)
    connection.close()
  })

  test("close() leaves no timers behind, even with a reconnect pending and a heartbeat running", () => {
    vi.useFakeTimers()
    const connection = start({ heartbeatMs: 1000 })
    FakeSocket.instances[0]?.serverOpen()
    expect(vi.getTimerCount()).toBe(1) // the heartbeat
    FakeSocket.instances[0]?.serverClose()
    expect(vi.getTimerCount()).toBe(1) // the pending reconnect
    connection.close()
    expect(vi.getTimerCount()).toBe(0)
    vi.advanceTimersByTime(10_000)
    expect(FakeSocket.instances).toHaveLength(1)
  })

  test("a socket silent for two heartbeats is replaced", () => {
    vi.useFakeTimers()
    const connection = start({ heartbeatMs: 1000 })
    const first = FakeSocket.instances[0]
    first?.serverOpen()
    vi.advanceTimersByTime(1000)
    expect(first?.sent.at(-1)).toBe("ping")
    vi.advanceTimersByTime(2000) // nothing heard for 3 s > 2 intervals
    expect(first?.readyState).toBe(3)
    vi.advanceTimersByTime(50)
    expect(FakeSocket.instances).toHaveLength(2)
    connection.close()
  })
})

test("toCoordinatorUrl converts the scheme and sets the query; the token only with tokenTransport: query", () => {
  expect(toCoordinatorUrl({ url: "http://localhost:8787/sync/coordinator", room: "r 1", token: "a&b", clientID: "c" })).toBe(
    "ws://localhost:8787/sync/coordinator?room=r+1&clientID=c",
  )
  expect(toCoordinatorUrl({ url: "http://localhost:8787/sync/coordinator", room: "r 1", token: "a&b", clientID: "c", tokenTransport: "query" })).toBe(
    "ws://localhost:8787/sync/coordinator?room=r+1&token=a%26b&clientID=c",
  )
})

describe("token transport (fake socket)", () => {
  afterEach(() => {
    FakeSocket.instances = []
  })
  const base = { url: "https://app.example/sync/coordinator", clientID: "c", onPoke: () => {}, heartbeatMs: 0 } as const

  test("no token: a bare URL and no constructor options (what a browser page behind a Worker route does)", () => {
    const connection = connectCoordinator({ ...base, WebSocket: FakeSocket })
    expect(FakeSocket.instances[0]?.url).toBe("wss://app.example/sync/coordinator?room=global&clientID=c")
    expect(FakeSocket.instances[0]?.init).toBeUndefined()
    connection.close()
  })

  test("tokenTransport: query puts it in the URL and sends no header", () => {
    const connection = connectCoordinator({ ...base, token: "t", tokenTransport: "query", WebSocket: FakeSocket })
    expect(FakeSocket.instances[0]?.url).toBe("wss://app.example/sync/coordinator?room=global&token=t&clientID=c")
    expect(FakeSocket.instances[0]?.init).toBeUndefined()
    connection.close()
  })

  test("an implementation that refuses { headers } (a browser) is reported once and not retried", () => {
    vi.useFakeTimers()
    let constructed = 0
    class BrowserLikeSocket extends FakeSocket {
      constructor(url: string, protocols?: unknown) {
        constructed++
        if (protocols !== undefined) throw Object.assign(new Error("invalid sub-protocol"), { name: "SyntaxError" })
        super(url)
      }
    }
    const errors: CoordinatorError[] = []
    const connection = connectCoordinator({ ...base, token: "t", WebSocket: BrowserLikeSocket, onError: (e) => errors.push(e) })
    vi.advanceTimersByTime(60_000)
    expect(constructed).toBe(1)
    expect(errors.map((e) => e.message)).toEqual([expect.stringContaining("cannot send headers")])
    connection.close()
    vi.useRealTimers()
  })
})
