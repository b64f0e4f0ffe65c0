import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { SyncClientError } from "../sync-client-error.js"
import { parseRetryAfter, retryDelay, withRetry } from "./retry.js"

const options = { maxAttempts: 4, initialDelayMs: 100, maxDelayMs: 1000 }

describe("retry", () => {
  it("property: delays stay within [0, min(max, initial·2^n)] and honour Retry-After up to the cap", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 60 }), fc.double({ min: 0, max: 0.999, noNaN: true }), fc.option(fc.integer({ min: 0, max: 5000 }), { nil: undefined }), (attempt, r, after) => {
        const delay = retryDelay(attempt, options, () => r, after)
        const cap = Math.min(1000, 100 * 2 ** Math.min(attempt, 30))
        if (after === undefined) expect(delay).toBeLessThanOrEqual(cap)
        else expect(delay).toBe(Math.min(1000, Math.max(Math.floor(r * cap), after)))
        expect(delay).toBeGreaterThanOrEqual(0)
      }),
    )
  })

  it("retries network, 5xx and 429 up to maxAttempts, then throws the last error; other 4xx at once", async () => {
    const slept: number[] = []
    const deps = { options, random: () => 0.5, sleep: async (ms: number) => void slept.push(ms), cancelled: () => false }
    let calls = 0
    await expect(
      withRetry(deps, async () => {
        calls++
        throw new SyncClientError("push-http", "503", { status: 503, details: { retryAfterMs: 700 } })
      }),
    ).rejects.toMatchObject({ status: 503 })
    expect(calls).toBe(4)
    expect(slept).toEqual([700, 700, 700])
    calls = 0
    await expect(
      withRetry(deps, async () => {
        calls++
        throw new SyncClientError("push-http", "401", { status: 401 })
      }),
    ).rejects.toMatchObject({ status: 401 })
    expect(calls).toBe(1)
    calls = 0
    await expect(withRetry(deps, async () => (++calls < 3 ? Promise.reject(new SyncClientError("network", "down")) : "ok"))).resolves.toBe("ok")
  })

  it("parses Retry-After as seconds or an HTTP date", () => {
    expect(parseRetryAfter("3", 0)).toBe(3000)
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4000)).toBe(6000)
    expect(parseRetryAfter(null, 0)).toBeUndefined()
    expect(parseRetryAfter("soon", 0)).toBeUndefined()
  })
})
