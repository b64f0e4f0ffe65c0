import { describe, expect, it } from "vitest"
import { SyncLoop } from "./sync-loop.js"

/** A manual clock: timers fire only when the test advances time. */
function manualClock() {
  let now = 0
  const timers = new Map<number, { at: number; fn: () => void }>()
  let next = 0
  return {
    now: () => now,
    random: () => 0.5,
    setTimeout: (fn: () => void, ms: number) => (timers.set(++next, { at: now + ms, fn }), next),
    clearTimeout: (h: unknown) => void timers.delete(h as number),
    advance(ms: number) {
      now += ms
      for (const [h, t] of [...timers]) if (t.at <= now) (timers.delete(h), t.fn())
    },
    pending: () => timers.size,
  }
}
const flushMicrotasks = () => new Promise((r) => setTimeout(r, 0))

describe("SyncLoop", () => {
  it("syncs on start, on every poll tick and on pokes; coalesces requests; leaves no timer after stop", async () => {
    const clock = manualClock()
    const calls: string[] = []
    let poke: () => void = () => {}
    let unsubscribed = false
    const loop = new SyncLoop({
      clock,
      pollIntervalMs: 1000,
      subscribe: (onPoke) => ((poke = onPoke), () => void (unsubscribed = true)),
      ready: Promise.resolve(),
      push: async () => void calls.push("push"),
      pull: async () => void calls.push("pull"),
      hasPending: () => false,
    })
    loop.start()
    loop.schedule(true, true) // coalesced with start's request
    await flushMicrotasks()
    expect(calls).toEqual(["push", "pull"])
    clock.advance(1000)
    await flushMicrotasks()
    expect(calls).toEqual(["push", "pull", "pull"]) // nothing pending: a poll only pulls
    poke()
    await flushMicrotasks()
    expect(calls.at(-1)).toBe("pull")
    loop.stop()
    expect(clock.pending()).toBe(0)
    expect(unsubscribed).toBe(true)
  })

  it("a failing push or pull does not stop the loop", async () => {
    const clock = manualClock()
    let pulls = 0
    const loop = new SyncLoop({
      clock,
      pollIntervalMs: 10,
      subscribe: undefined,
      ready: Promise.resolve(),
      push: () => Promise.reject(new Error("down")),
      pull: () => (pulls++, Promise.reject(new Error("down"))),
      hasPending: () => true,
    })
    loop.start()
    await flushMicrotasks()
    clock.advance(10)
    await flushMicrotasks()
    expect(pulls).toBe(2)
    loop.close()
  })
})
