/**
 * Per-room limits in real workerd: the socket cap, the room-wide broadcast budget, and paced,
 * coalesced presence diffs. `LimitedCoordinator` (tests/worker.ts) shrinks the limits so three
 * sockets show them; the default values are checked against their named constants.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { WebSocket } from "ws"
import { COORDINATOR_ERROR_STATUS } from "./coordinator-error.js"
import {
  MAX_SOCKETS_PER_ROOM,
  PRESENCE_BYTES_PER_SECOND,
  PRESENCE_COALESCE_MS,
  PRESENCE_DIFF_MIN_BYTES,
  PRESENCE_MIN_INTERVAL_MS,
  ROOM_BROADCAST_BUDGET,
} from "./room-limits.js"
import { DEFAULT_SYNC_COORDINATOR_OPTIONS } from "./sync-coordinator.js"
import { sleep, startHarness, TEST_TOKEN, TestSocket, type Harness } from "./tests/harness.js"
import { LIMITED_OPTIONS } from "./tests/worker.js"

const LIMITED_PATH = "/limited/coordinator"
let h: Harness
const opened: TestSocket[] = []

beforeAll(async () => {
  h = await startHarness()
})

afterAll(async () => {
  for (const socket of opened) socket.ws.terminate()
  await h.dispose()
})

async function join(room: string, clientID: string): Promise<TestSocket> {
  const socket = await TestSocket.open(h.joinUrl(room, clientID, TEST_TOKEN, LIMITED_PATH))
  opened.push(socket)
  return socket
}

/** Status and body of a refused upgrade, as a `ws` client sees it. */
function refused(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url)
    ws.once("open", () => {
      ws.terminate()
      reject(new Error("the upgrade was accepted"))
    })
    ws.once("unexpected-response", (_req, res) => {
      let body = ""
      res.on("data", (chunk: Buffer) => (body += chunk.toString()))
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }))
    })
    ws.once("error", () => {})
  })
}

test("the defaults are the named constants", () => {
  expect(DEFAULT_SYNC_COORDINATOR_OPTIONS).toMatchObject({
    maxSockets: MAX_SOCKETS_PER_ROOM,
    broadcastBudget: ROOM_BROADCAST_BUDGET,
    presenceCoalesceMs: PRESENCE_COALESCE_MS,
    presenceMinIntervalMs: PRESENCE_MIN_INTERVAL_MS,
    presenceBytesPerSecond: PRESENCE_BYTES_PER_SECOND,
    presenceDiffMinBytes: PRESENCE_DIFF_MIN_BYTES,
  })
  expect(COORDINATOR_ERROR_STATUS["room-full"]).toBe(503)
})

describe("socket cap", () => {
  test("the socket after maxSockets gets 503 room-full before any upgrade; a leave frees a place", async () => {
    const room = "cap"
    const sockets = await Promise.all(["c1", "c2", "c3"].map((id) => join(room, id)))
    expect(sockets).toHaveLength(LIMITED_OPTIONS.maxSockets)
    const full = await refused(h.joinUrl(room, "c4", TEST_TOKEN, LIMITED_PATH))
    expect(full.status).toBe(503)
    expect(JSON.parse(full.body)).toMatchObject({ error: "room-full", maxSockets: 3, message: expect.stringMatching(/maximum of 3 sockets/) })
    // The refusal did not disturb the room.
    await sockets[0]?.waitForPresence({ c1: null, c2: null, c3: null })

    await sockets[2]?.close()
    await expect.poll(async () => (await TestSocket.open(h.joinUrl(room, "c4", TEST_TOKEN, LIMITED_PATH)).catch(() => undefined))?.ws.readyState).toBe(WebSocket.OPEN)
    // Another room has its own cap.
    opened.push(await join("cap-other", "o1"))
  })
})

describe("broadcast budget", () => {
  test("the room's budget is shared by all senders; over it, broadcasts are dropped with an error frame", async () => {
    const [a, b, c] = await Promise.all(["a", "b", "c"].map((id) => join("budget", id)))
    if (a === undefined || b === undefined || c === undefined) throw new Error("unreachable")
    await c.waitForPresence({ a: null, b: null, c: null })
    // ~540-byte frames to 2 recipients ≈ 1,080 bytes each: three fit in the 4,000-byte budget.
    const data = "x".repeat(500)
    for (let i = 0; i < 3; i++) a.send({ type: "broadcast", data })
    await expect.poll(() => c.ofType("broadcast").length).toBe(3)
    a.send({ type: "broadcast", data })
    expect(await a.waitFor((frame) => frame.type === "error")).toMatchObject({ code: "broadcast-budget-exceeded" })
    // Another sender is over budget too: the budget is the room's, not a socket's.
    b.send({ type: "broadcast", data })
    expect(await b.waitFor((frame) => frame.type === "error")).toMatchObject({ code: "broadcast-budget-exceeded" })
    await sleep(100)
    expect(c.ofType("broadcast")).toHaveLength(3)
    expect(b.ofType("broadcast")).toHaveLength(3)
    // Presence and pokes are not broadcasts: the room still works.
    b.send({ type: "presence", userInfo: "still here" })
    await c.waitForPresence({ a: null, b: "still here", c: null })
  })
})

describe("presence fan-out", () => {
  test("a joiner's first frame is a snapshot, later ones diffs; updates are coalesced and paced by the byte budget", async () => {
    const room = "pacing"
    const [a, b, c] = await Promise.all(["a", "b", "c"].map((id) => join(room, id)))
    if (a === undefined || b === undefined || c === undefined) throw new Error("unreachable")
    await c.waitForPresence({ a: null, b: null, c: null })
    await b.waitForPresence({ a: null, b: null, c: null })
    // Let the joins' own paced fan-out go out first (a few hundred bytes at 1,000 B/s).
    await sleep(1000)
    const start = Date.now()
    const framesBefore = [b, c].map((socket) => socket.frames.length)
    const rawBefore = [b, c].map((socket) => socket.raw.length)
    // 30 updates from one socket, one every 20 ms (within its frame rate limit).
    const updates = 30
    for (let i = 1; i <= updates; i++) {
      a.send({ type: "presence", userInfo: { i } })
      await sleep(20)
    }
    // Coalescing keeps the latest state: it arrives, whatever was skipped on the way.
    await Promise.all([b, c].map((socket) => socket.waitForPresence({ a: { i: updates }, b: null, c: null }, 10_000)))
    await sleep(300)
    const elapsedSeconds = (Date.now() - start) / 1000

    let bytes = 0
    for (const [k, socket] of [b, c].entries()) {
      const first = socket.frames.findIndex((frame) => frame.type === "presence")
      const firstDiff = socket.frames.findIndex((frame) => frame.type === "presence-diff")
      expect(first).toBeGreaterThanOrEqual(0)
      expect(first).toBeLessThan(firstDiff)
      const later = socket.frames.slice(framesBefore[k]).filter((frame) => frame.type === "presence" || frame.type === "presence-diff")
      // Without coalescing each socket would get one frame per update.
      expect(later.length).toBeLessThan(updates / 2)
      // Only a's entry changed, so every later frame is a one-entry diff, not the room.
      expect(later.every((frame) => frame.type === "presence-diff" && (frame["updated"] as unknown[]).length === 1)).toBe(true)
      bytes += socket.raw.slice(rawBefore[k]).filter((r) => r.startsWith('{"type":"presence')).reduce((n, r) => n + Buffer.byteLength(r), 0)
    }
    bytes += a.raw.filter((r) => r.startsWith('{"type":"presence-diff')).reduce((n, r) => n + Buffer.byteLength(r), 0)
    // The room's presence bytes stay within its budget (+ one fan-out of slack): the bound that
    // keeps a big busy room from costing n² bytes per second. A slower machine only sends less.
    expect(bytes).toBeLessThanOrEqual(LIMITED_OPTIONS.presenceBytesPerSecond * elapsedSeconds + 300)
  })

  test("a room below presenceDiffMinBytes keeps sending SPEC snapshots", async () => {
    const a = await TestSocket.open(h.joinUrl("small-room", "a"))
    const b = await TestSocket.open(h.joinUrl("small-room", "b"))
    opened.push(a, b)
    b.send({ type: "presence", userInfo: { typing: true } })
    await a.waitForPresence({ a: null, b: { typing: true } })
    await b.close()
    await expect.poll(() => a.ofType("presence").at(-1)).toEqual({ type: "presence", entries: [{ clientID: "a", userInfo: null }] })
    expect(a.ofType("presence-diff")).toHaveLength(0)
  })
})
