/**
 * Retries of pushes, pulls and uploads. Rules:
 * - retried: network errors, 5xx and 429 (`SyncClientError.retryable`);
 * - not retried: every other failure, reported at once;
 * - delay before retry n (0-based): full jitter, `random() * min(maxDelayMs, initialDelayMs * 2^n)`,
 *   except that a `Retry-After` the server sent (503, 429) is honoured as a floor, capped at maxDelayMs;
 * - after `maxAttempts` attempts the last error is thrown; the caller reports it and polling goes on.
 */
import { backoffDelay } from "@plasma/coordinator/client"
import type { RetryOptions } from "../plasma-client.js"
import { isSyncClientError } from "../sync-client-error.js"

export const DEFAULT_RETRY: RetryOptions = { maxAttempts: 5, initialDelayMs: 500, maxDelayMs: 30_000 }

/** The delay before retry `attempt` (0-based), honouring a server's `retryAfterMs`. Pure. */
export function retryDelay(attempt: number, options: RetryOptions, random: () => number, retryAfterMs?: number): number {
  const jittered = backoffDelay(attempt, { initialMs: options.initialDelayMs, maxMs: options.maxDelayMs }, random)
  if (retryAfterMs === undefined) return jittered
  return Math.min(options.maxDelayMs, Math.max(jittered, retryAfterMs))
}

/** Parses `Retry-After` (seconds or an HTTP date) into milliseconds from `now`. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null || value.trim() === "") return undefined
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000
  const at = Date.parse(value)
  return Number.isNaN(at) ? undefined : Math.max(0, at - now)
}

export interface RetryDeps {
  readonly options: RetryOptions
  readonly random: () => number
  readonly sleep: (ms: number) => Promise<void>
  /** Stop retrying (the client closed or stopped). */
  readonly cancelled: () => boolean
}

/** Runs `op` with the rules above. */
export async function withRetry<T>(deps: RetryDeps, op: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await op()
    } catch (error) {
      const retryable = isSyncClientError(error) && error.retryable
      if (!retryable || attempt + 1 >= deps.options.maxAttempts || deps.cancelled()) throw error
      const retryAfter = isSyncClientError(error) ? (error.details.retryAfterMs as number | undefined) : undefined
      await deps.sleep(retryDelay(attempt, deps.options, deps.random, retryAfter))
      if (deps.cancelled()) throw error
    }
  }
}
