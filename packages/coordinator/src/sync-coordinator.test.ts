/**
 * The Durable Object in real workerd (Miniflare), spoken to over real WebSockets from Node.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { WebSocket } from "ws"
import { pokeCoordinator } from "./poke-coordinator.js"
import { CoordinatorError } from "./coordinator-error.js"
import type { CoordinatorNamespace } from "./runtime-types.js"
import { sleep, startHarness, TEST_TOKEN, TestSocket, type Harness } from "./tests/harness.js"

let h: Harness
let namespace: CoordinatorNamespace
const opened: TestSocket[] = []

beforeAll(async () => {
  h = await startHarness()
  // Miniflare's Node-side proxy of the real binding: pokeCoordinator runs against workerd itself.
  namespace = (await h.mf.getDurableObjectNamespace("COORDINATOR")) as unknown as CoordinatorNamespace
})

afterAll(async () => {
  for (const socket of opened) socket.ws.terminate()
  await h.dispose()
})

async function join(room: string, clientID: string): Promise<TestSocket> {
  const socket = await TestSocket.open(h.joinUrl(room, clientID))
  opened.push(socket)
  return socket
}

interface RequestInitLite {
  readonly method?: string
  readonly headers?: Record<string, string>
}

/**
 * Status and JSON body of an HTTP request to the Worker. Through `dispatchFetch` because Node's
 * fetch refuses an `Upgrade` header; a refused upgrade must come back as a plain response.
 */
async function request(path: string, init: RequestInitLite = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await h.mf.dispatchFetch(new URL(path, h.url), init)
  if (response.webSocket) throw new Error(`${path} was upgraded`)
  const text = await response.text()
  return { status: response.status, body: text.startsWith("{") ? (JSON.parse(text) as Record<string, unknown>) : { text } }
}

/** What a `ws` client sees when the upgrade is refused. */
function refusedStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url)
    ws.once("open", () => {
      ws.terminate()
      reject(new Error("the upgrade was accepted"))
    })
    ws.once("unexpected-response", (_req, res) => {
      resolve(res.statusCode ?? 0)
      res.destroy()
    })
    ws.once("error", () => {})
  })
}

describe("authentication and routing", () => {
  test("a wrong token gets 401 JSON and no upgrade", async () => {
    const { status, body } = await request("/sync/coordinator?room=auth&clientID=x&token=wrong", { headers: { Upgrade: "websocket" } })
    expect(status).toBe(401)
    expect(body).toMatchObject({ error: "unauthorized", message: "invalid coordinator token" })
    expect(await refusedStatus(h.joinUrl("auth", "x", "wrong"))).toBe(401)
    // A token that shares a prefix and differs only in length is refused too.
    expect(await refusedStatus(h.joinUrl("auth", "x", TEST_TOKEN.slice(0, -1)))).toBe(401)
  })

  test("the token is taken from the Authorization header (the documented way)", async () => {
    const path = "/sync/coordinator?room=auth-header&clientID=hx"
    const wrong = await request(path, { headers: { Upgrade: "websocket", Authorization: "Bearer wrong" } })
    expect(wrong).toMatchObject({ status: 401, body: { error: "unauthorized", message: "invalid coordinator token" } })
    const url = new URL(path, h.url)
    url.protocol = "ws:"
    const socket = await new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(url, { headers: { Authorization: `Bearer ${TEST_TOKEN}` } })
      ws.once("open", () => resolve(ws))
      ws.once("unexpected-response", (_req, res) => reject(new Error(`refused ${res.statusCode}`)))
      ws.once("error", reject)
    })
    socket.terminate()
    // A wrong header is not rescued by a right query token: the header wins.
    const mixed = await request(`/sync/coordinator?room=auth&clientID=x&token=${TEST_TOKEN}`, { headers: { Upgrade: "websocket", Authorization: "Bearer wrong" } })
    expect(mixed.status).toBe(401)
  })

  test("a missing token gets 401", async () => {
    const { status, body } = await request("/sync/coordinator?room=auth&clientID=x", { headers: { Upgrade: "websocket" } })
    expect(status).toBe(401)
    expect(body).toMatchObject({ error: "unauthorized", message: "missing coordinator token" })
  })

  test("a GET without Upgrade gets 426, other methods 405", async () => {
    expect(await request(`/sync/coordinator?room=auth&clientID=x&token=${TEST_TOKEN}`)).toMatchObject({ status: 426, body: { error: "upgrade-required" } })
    expect(await request(`/sync/coordinator?room=auth`, { method: "PUT", headers: { Authorization: `Bearer ${TEST_TOKEN}` } })).toMatchObject({
      status: 405,
      body: { error: "method-not-allowed" },
    })
  })

  test("bad room names and clientIDs get 400; other paths fall through", async () => {
    const emptyRoom = await request(`/sync/coordinator?room=&clientID=x&token=${TEST_TOKEN}`, { headers: { Upgrade: "websocket" } })
    expect(emptyRoom).toMatchObject({ status: 400, body: { error: "invalid-request" } })
    expect(await request(`/sync/coordinator?room=${"r".repeat(513)}`)).toMatchObject({ status: 400 })
    expect(await refusedStatus(h.joinUrl("auth", "bad/id"))).toBe(400)
    expect(await request("/sync/push")).toMatchObject({ status: 404, body: { text: "not found" } })
  })

  test("a poke with a wrong bearer is refused, and pokeCoordinator reports the status", async () => {
    expect(await request("/sync/coordinator?room=auth", { method: "POST", headers: { Authorization: "Bearer nope" } })).toMatchObject({
      status: 401,
      body: { error: "unauthorized" },
    })
    // The token in the query string is not accepted for pokes.
    expect(await request(`/sync/coordinator?room=auth&token=${TEST_TOKEN}`, { method: "POST" })).toMatchObject({ status: 401 })
    const error = await pokeCoordinator(namespace, { room: "auth", token: "nope" }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(CoordinatorError)
    expect(error).toMatchObject({ code: "poke-failed", details: { status: 401, reason: "unauthorized" } })
  })
})

describe("room names", () => {
  test("any clientGroupID makes a room: the guide's group-${clientGroupID} with a long, unusual id", async () => {
    const clientGroupID = `Ünïcode group/${"0123456789".repeat(8)} & spaces`
    const room = `group-${clientGroupID}`
    const [one, two] = await Promise.all(["one", "two"].map((id) => join(room, id)))
    await one?.waitForPresence({ one: null, two: null })
    // A room whose name differs in one character is another object.
    const other = await join(`${room}!`, "elsewhere")
    await other.waitForPresence({ elsewhere: null })
    expect(await pokeCoordinator(namespace, { room, token: TEST_TOKEN })).toEqual({ sockets: 2 })
    await Promise.all([one, two].map((socket) => socket?.waitFor((frame) => frame.type === "poke")))
    await sleep(100)
    expect(other.ofType("poke")).toHaveLength(0)
  })
})

describe("pokes", () => {
  test("a poke reaches every socket of its room and none of another", async () => {
    const a = await Promise.all(["a1", "a2", "a3"].map((id) => join("poke-a", id)))
    const b = await Promise.all(["b1", "b2"].map((id) => join("poke-b", id)))
    await a[0]?.waitForPresence({ a1: null, a2: null, a3: null })
    await b[0]?.waitForPresence({ b1: null, b2: null })

    expect(await pokeCoordinator(namespace, { room: "poke-a", token: TEST_TOKEN })).toEqual({ sockets: 3 })
    await Promise.all(a.map((socket) => socket.waitFor((frame) => frame.type === "poke")))
    await sleep(150)
    for (const socket of b) expect(socket.ofType("poke")).toHaveLength(0)

    // The same over plain HTTP, as a webhook would send it.
    expect(await request("/sync/coordinator?room=poke-b", { method: "POST", headers: { Authorization: `Bearer ${TEST_TOKEN}` } })).toEqual({
      status: 200,
      body: { ok: true, sockets: 2 },
    })
    await Promise.all(b.map((socket) => socket.waitFor((frame) => frame.type === "poke")))
    for (const socket of a) expect(socket.ofType("poke")).toHaveLength(1)
  })

  test("a room with no sockets answers sockets: 0", async () => {
    expect(await pokeCoordinator(namespace, { room: "empty-room", token: TEST_TOKEN })).toEqual({ sockets: 0 })
  })
})

describe("presence and broadcast", () => {
  test("presence follows join, update, clean leave and abrupt disconnect", async () => {
    const a = await join("presence", "alice")
    await a.waitForPresence({ alice: null })
    const b = await join("presence", "bob")
    await Promise.all([a.waitForPresence({ alice: null, bob: null }), b.waitForPresence({ alice: null, bob: null })])

    a.send({ type: "presence", userInfo: { name: "Alice", cursor: 3 } })
    await b.waitForPresence({ alice: { name: "Alice", cursor: 3 }, bob: null })

    await b.close()
    await a.waitForPresence({ alice: { name: "Alice", cursor: 3 } })

    const c = await join("presence", "carol")
    await a.waitForPresence({ alice: { name: "Alice", cursor: 3 }, carol: null })
    const before = a.frames.length
    c.ws.terminate() // no close frame: the TCP connection just drops
    await a.waitFor((frame) => frame.type === "presence" && a.frames.indexOf(frame) >= before && JSON.stringify(frame.entries) === JSON.stringify([{ clientID: "alice", userInfo: { name: "Alice", cursor: 3 } }]))
  })

  test("a clientID with two sockets appears once", async () => {
    const first = await join("dupes", "same")
    await first.waitForPresence({ same: null })
    const second = await join("dupes", "same")
    // The second join's snapshot reaches both sockets; it still lists the clientID once.
    await expect.poll(() => first.ofType("presence").length).toBe(2)
    expect(first.ofType("presence").at(-1)?.entries).toEqual([{ clientID: "same", userInfo: null }])
    expect((await second.waitFor((frame) => frame.type === "presence")).entries).toEqual([{ clientID: "same", userInfo: null }])
  })

  test("a broadcast reaches the others with its sender and is not echoed", async () => {
    const [x, y, z] = await Promise.all(["x", "y", "z"].map((id) => join("broadcast", id)))
    await x?.waitForPresence({ x: null, y: null, z: null })
    x?.send({ type: "broadcast", data: { hello: [1, 2, 3] } })
    for (const other of [y, z]) {
      expect(await other?.waitFor((frame) => frame.type === "broadcast")).toEqual({ type: "broadcast", from: "x", data: { hello: [1, 2, 3] } })
    }
    await sleep(100)
    expect(x?.ofType("broadcast")).toHaveLength(0)
  })

  test("the runtime answers the ping keepalive", async () => {
    const socket = await join("keepalive", "k")
    socket.send("ping")
    await expect.poll(() => socket.raw.includes("pong")).toBe(true)
  })
})

describe("bad frames", () => {
  test("oversized, malformed, binary and unknown frames get error frames and the room keeps working", async () => {
    const bad = await join("bad-frames", "bad")
    const good = await join("bad-frames", "good")
    await good.waitForPresence({ bad: null, good: null })

    const cases: Array<[frame: string | Buffer, code: string]> = [
      [JSON.stringify({ type: "broadcast", data: "x".repeat(64 * 1024) }), "message-too-large"],
      ["{not json", "malformed-message"],
      [JSON.stringify([1, 2]), "malformed-message"],
      [JSON.stringify({ type: "broadcast" }), "malformed-message"],
      [JSON.stringify({ type: "dance" }), "unknown-message-type"],
      [JSON.stringify({ type: "presence", userInfo: "u".repeat(2000) }), "user-info-too-large"],
      [Buffer.from([1, 2, 3]), "malformed-message"],
    ]
    for (const [frame, code] of cases) {
      const before = bad.ofType("error").length
      bad.ws.send(frame)
      const error = await bad.waitFor(() => bad.ofType("error").length > before, 3000, `error ${code}`)
      expect(bad.ofType("error").at(-1)).toMatchObject({ type: "error", code })
      expect(error).toBeDefined()
    }
    // Nothing leaked to the other socket, and the room still relays and tracks presence.
    expect(good.ofType("broadcast")).toHaveLength(0)
    expect(good.ofType("error")).toHaveLength(0)
    bad.send({ type: "broadcast", data: "still here" })
    expect(await good.waitFor((frame) => frame.type === "broadcast")).toEqual({ type: "broadcast", from: "bad", data: "still here" })
    bad.send({ type: "presence", userInfo: { ok: true } })
    await good.waitForPresence({ bad: { ok: true }, good: null })
  })

  test("a socket over its rate limit has frames dropped with rate-limited", async () => {
    const noisy = await join("rate", "noisy")
    const quiet = await join("rate", "quiet")
    await quiet.waitForPresence({ noisy: null, quiet: null })
    for (let i = 0; i < 80; i++) noisy.send({ type: "broadcast", data: i })
    await noisy.waitFor((frame) => frame.type === "error" && frame.code === "rate-limited")
    // Every frame is either relayed or answered with an error, none silently lost.
    await expect.poll(() => quiet.ofType("broadcast").length + noisy.ofType("error").length).toBe(80)
    const relayed = quiet.ofType("broadcast").length
    // Burst capacity 40 (+ a few refilled while the frames arrive); well short of 80.
    expect(relayed).toBeGreaterThanOrEqual(40)
    expect(relayed).toBeLessThan(60)
    expect(noisy.ofType("error").length).toBe(80 - relayed)
  })
})
