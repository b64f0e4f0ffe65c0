import { describe, expect, it, vi } from "vitest"
import type { SqlExecutor } from "@plasma/executors"
import { withWriteLock } from "./commit.js"

// The lock only needs an object identity to key on; no query runs through it.
const executor = () => ({}) as SqlExecutor

describe("withWriteLock", () => {
  it("serializes transactions on one executor", async () => {
    const ex = executor()
    const order: string[] = []
    const run = (name: string, ms: number) =>
      withWriteLock(ex, async () => {
        order.push(`${name}:start`)
        await new Promise((r) => setTimeout(r, ms))
        order.push(`${name}:end`)
      })
    await Promise.all([run("a", 20), run("b", 1), run("c", 1)])
    expect(order).toEqual(["a:start", "a:end", "b:start", "b:end", "c:start", "c:end"])
  })

  it("releases the lock when the transaction throws", async () => {
    const ex = executor()
    await expect(withWriteLock(ex, async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom")
    await expect(withWriteLock(ex, async () => "next")).resolves.toBe("next")
  })

  it("goes on unlocked after a bounded wait when the holder never finishes (a cancelled request)", async () => {
    vi.useFakeTimers()
    try {
      const ex = executor()
      void withWriteLock(ex, () => new Promise(() => {})) // never settles, never releases
      let ran = false
      const waiting = withWriteLock(ex, async () => {
        ran = true
      })
      await vi.advanceTimersByTimeAsync(1_999)
      expect(ran).toBe(false)
      await vi.advanceTimersByTimeAsync(2)
      await waiting
      expect(ran).toBe(true)
      // Past the stale bound the dead holder forfeits the lock: the next caller takes it at once.
      await vi.advanceTimersByTimeAsync(30_001)
      let immediate = false
      const next = withWriteLock(ex, async () => {
        immediate = true
      })
      await Promise.resolve()
      await Promise.resolve()
      expect(immediate).toBe(true)
      await next
    } finally {
      vi.useRealTimers()
    }
  })
})
