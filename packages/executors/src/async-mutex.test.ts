import { describe, expect, it } from "vitest"
import { AsyncMutex } from "./async-mutex.js"

describe("AsyncMutex", () => {
  it("takes a free lock synchronously", () => {
    const mutex = new AsyncMutex()
    expect(mutex.acquire()).toBeUndefined()
    expect(mutex.held).toBe(true)
    mutex.release()
    expect(mutex.held).toBe(false)
  })

  it("hands the lock to waiters in FIFO order", async () => {
    const mutex = new AsyncMutex()
    const order: number[] = []
    expect(mutex.acquire()).toBeUndefined()
    const waits = [1, 2, 3].map(async (n) => {
      await mutex.acquire()
      order.push(n)
      mutex.release()
    })
    expect(order).toEqual([])
    mutex.release()
    await Promise.all(waits)
    expect(order).toEqual([1, 2, 3])
    expect(mutex.held).toBe(false)
  })
})
