import { describe, expect, test } from "vitest"
import { TokenBucket } from "./token-bucket.js"

describe("TokenBucket", () => {
  test("allows a burst of `capacity`, then refills at the given rate", () => {
    let now = 0
    const bucket = new TokenBucket({ capacity: 3, refillPerSecond: 2 }, () => now)
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, true, false])
    now += 499
    expect(bucket.take()).toBe(false) // 0.998 tokens
    now += 1
    expect(bucket.take()).toBe(true)
    expect(bucket.take()).toBe(false)
    now += 60_000 // never more than capacity
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, true, false])
  })

  test("a clock that goes backwards does not mint tokens", () => {
    let now = 1000
    const bucket = new TokenBucket({ capacity: 1, refillPerSecond: 1 }, () => now)
    expect(bucket.take()).toBe(true)
    now = 0
    expect(bucket.take()).toBe(false)
  })

  test("takes a cost in tokens; a cost above the capacity needs a full bucket and leaves it in debt", () => {
    let now = 0
    const bucket = new TokenBucket({ capacity: 100, refillPerSecond: 100 }, () => now)
    expect(bucket.take(60)).toBe(true)
    expect(bucket.take(60)).toBe(false) // 40 left: nothing taken
    expect(bucket.take(40)).toBe(true)
    now += 1000 // full again
    expect(bucket.take(250)).toBe(true) // -150
    now += 1000
    expect(bucket.take(1)).toBe(false) // -50: still in debt
    now += 1510
    expect(bucket.take(100)).toBe(true)
    expect(bucket.take(0)).toBe(true)
  })

  test("rejects nonsense options", () => {
    expect(() => new TokenBucket({ capacity: 0, refillPerSecond: 1 })).toThrow(RangeError)
    expect(() => new TokenBucket({ capacity: 1, refillPerSecond: 0 })).toThrow(RangeError)
  })
})
