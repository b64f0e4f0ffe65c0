/**
 * The presence pacing rules on a fake clock (`vi.useFakeTimers` drives `Date.now` and timers), over
 * the real connection manager and a fake `DurableObjectState`. The workerd half is in
 * sync-coordinator.limits.test.ts.
 */
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest"
import { createHibernatingConnectionManager } from "./connection-manager.js"
import { PresenceFanout, type PresenceFanoutOptions } from "./presence-fanout.js"
import { PRESENCE_MAX_JOIN_DELAY_MS } from "./room-limits.js"
import type { CoordinatorState, HibernatableWebSocket } from "./runtime-types.js"

class FakeSocket implements HibernatableWebSocket {
  readyState = 1
  readonly frames: string[] = []
  #attachment = "null"
  send(frame: string): void {
    this.frames.push(frame)
  }
  close(): void {
    this.readyState = 3
  }
  serializeAttachment(value: unknown): void {
    this.#attachment = JSON.stringify(value)
  }
  deserializeAttachment(): unknown {
    return JSON.parse(this.#attachment)
  }
}

function room(options: PresenceFanoutOptions) {
  const sockets: FakeSocket[] = []
  const state: CoordinatorState = { acceptWebSocket: (ws) => void sockets.push(ws as FakeSocket), getWebSockets: () => sockets, setWebSocketAutoResponse: () => {} }
  const connections = createHibernatingConnectionManager(state)
  let bytes = 0
  const fanout = new PresenceFanout(connections, options, (ws, frame) => {
    bytes += Buffer.byteLength(frame)
    ws.send(frame)
    return true
  })
  return {
    sockets,
    bytes: () => bytes,
    join(clientID: string, userInfo: unknown = null): FakeSocket {
      const ws = new FakeSocket()
      connections.accept(ws, clientID, Date.now())
      connections.setUserInfo(ws, userInfo as never)
      fanout.joined(clientID)
      return ws
    },
    update(ws: FakeSocket, userInfo: unknown): void {
      const connection = connections.setUserInfo(ws, userInfo as never)
      if (connection !== undefined) fanout.changed(connection.clientID)
    },
  }
}

const OPTIONS: PresenceFanoutOptions = { presenceCoalesceMs: 5, presenceMinIntervalMs: 100, presenceBytesPerSecond: 100_000, presenceDiffMinBytes: 4096 }

beforeEach(() => void vi.useFakeTimers())
afterEach(() => void vi.useRealTimers())

describe("PresenceFanout", () => {
  test("bytes per second stay within the budget when every socket updates at 10 Hz", async () => {
    const r = room(OPTIONS)
    const sockets = Array.from({ length: 50 }, (_, i) => r.join(`c${String(i).padStart(2, "0")}`))
    await vi.advanceTimersByTimeAsync(5_000) // the joins settle
    const start = r.bytes()
    const seconds = 10
    for (let tick = 0; tick < seconds * 10; tick++) {
      for (const [i, ws] of sockets.entries()) r.update(ws, { i, tick, pad: "p".repeat(40) })
      await vi.advanceTimersByTimeAsync(100)
    }
    const sent = r.bytes() - start
    // Unpaced, that is 50 sockets × 10 Hz × 50 recipients × ~80 bytes ≈ 2 MB/s.
    const oneFanout = 50 * 50 * 100
    expect(sent).toBeLessThanOrEqual(OPTIONS.presenceBytesPerSecond * seconds + oneFanout)
    // And it does keep sending: the latest state still goes out, just less often.
    expect(sent).toBeGreaterThan(OPTIONS.presenceBytesPerSecond * seconds * 0.5)
  })

  test("steady join churn does not starve an update: joins push the next fan-out back by at most PRESENCE_MAX_JOIN_DELAY_MS", async () => {
    // ~25 KB snapshots at 1 MB/s: each join is charged 25 ms, and one joins every 20 ms.
    const r = room({ ...OPTIONS, presenceBytesPerSecond: 1_000_000 })
    const big = "u".repeat(200)
    const [watcher, writer] = [r.join("watcher", big), r.join("writer", big)]
    for (let i = 0; i < 100; i++) r.join(`idle-${i}`, big)
    await vi.advanceTimersByTimeAsync(60_000) // let the initial fan-outs drain
    // A new joiner every 20 ms: more budget than there is, so uncapped charges would starve "news".
    let joined = 0
    for (; joined < 100; joined++) {
      r.join(`churn-${joined}`, big)
      await vi.advanceTimersByTimeAsync(20)
    }
    const from = watcher.frames.length
    r.update(writer, "news")
    joined = 0
    const deadline = Date.now() + 10_000
    while (Date.now() < deadline && !watcher.frames.slice(from).some((f) => f.includes('"news"'))) {
      r.join(`churn-more-${joined++}`, big)
      await vi.advanceTimersByTimeAsync(20)
    }
    expect(watcher.frames.slice(from).some((f) => f.includes('"news"'))).toBe(true)
    // Bounded by the pause of the last fan-out (its own bytes: ~2.5 s here) plus the join cap, not by the churn.
    expect(joined * 20).toBeLessThan(PRESENCE_MAX_JOIN_DELAY_MS + 4_000)
  })

  test("a joiner's first frame is a snapshot even while the room's fan-out waits", async () => {
    const r = room({ ...OPTIONS, presenceDiffMinBytes: 0 })
    const [a] = ["a", "c", "d", "e"].map((id) => r.join(id))
    if (a === undefined) throw new Error("unreachable")
    await vi.advanceTimersByTimeAsync(10)
    r.update(a, 1) // the room's next fan-out is now about 100 ms away
    const b = r.join("b")
    await vi.advanceTimersByTimeAsync(10)
    const idle = ["c", "d", "e"].map((clientID) => ({ clientID, userInfo: null }))
    expect(b.frames.map((f) => JSON.parse(f) as unknown)).toEqual([{ type: "presence", entries: [{ clientID: "a", userInfo: 1 }, { clientID: "b", userInfo: null }, ...idle] }])
    await vi.advanceTimersByTimeAsync(200)
    const diff = { type: "presence-diff", updated: [{ clientID: "a", userInfo: 1 }, { clientID: "b", userInfo: null }], left: [] }
    expect(JSON.parse(a.frames.at(-1) ?? "null")).toEqual(diff)
    // b already has both in its snapshot; the same diff applied again is harmless.
    expect(JSON.parse(b.frames.at(-1) ?? "null")).toEqual(diff)
  })
})
