import { describe, expect, test } from "vitest"
import { backoffDelay, DEFAULT_BACKOFF } from "./backoff.js"

describe("backoffDelay", () => {
  const options = { initialMs: 100, maxMs: 5000 }

  test("the cap doubles per attempt up to maxMs", () => {
    const top = (attempt: number) => backoffDelay(attempt, options, () => 0.999999)
    expect([0, 1, 2, 3, 4, 5, 6, 7].map(top)).toEqual([99, 199, 399, 799, 1599, 3199, 4999, 4999])
  })

  test("full jitter: the delay is uniform between 0 and the cap", () => {
    expect(backoffDelay(3, options, () => 0)).toBe(0)
    expect(backoffDelay(3, options, () => 0.5)).toBe(400)
    for (let i = 0; i < 200; i++) {
      const delay = backoffDelay(4, options)
      expect(delay).toBeGreaterThanOrEqual(0)
      expect(delay).toBeLessThan(1600)
    }
  })

  test("a long outage neither overflows nor goes negative", () => {
    expect(backoffDelay(10_000, DEFAULT_BACKOFF, () => 0.5)).toBe(15_000)
    expect(backoffDelay(-3, options, () => 0.5)).toBe(50)
  })
})
