/**
 * A per-socket token bucket: `capacity` frames in a burst, refilled at `refillPerSecond`.
 *
 * Buckets live in memory only. After hibernation a socket starts with a full bucket again; that
 * is deliberate, because persisting a counter on every frame would cost a storage write per
 * message to defend a limit that only has to be roughly right.
 */

/** Burst size and sustained rate of a {@link TokenBucket}. */
export interface TokenBucketOptions {
  readonly capacity: number
  readonly refillPerSecond: number
}

/** Default per-socket limit: bursts of 40 frames, 20 frames per second sustained. */
export const DEFAULT_RATE_LIMIT: TokenBucketOptions = { capacity: 40, refillPerSecond: 20 }

/**
 * Token bucket with an injectable clock so it can be tested without waiting.
 *
 * @example
 * const bucket = new TokenBucket(DEFAULT_RATE_LIMIT)
 * if (!bucket.take()) dropFrame()
 */
export class TokenBucket {
  readonly #options: TokenBucketOptions
  readonly #now: () => number
  #tokens: number
  #updatedAt: number

  constructor(options: TokenBucketOptions, now: () => number = Date.now) {
    if (!(options.capacity >= 1) || !(options.refillPerSecond > 0)) {
      throw new RangeError(`token bucket needs capacity >= 1 and refillPerSecond > 0, got ${JSON.stringify(options)}`)
    }
    this.#options = options
    this.#now = now
    this.#tokens = options.capacity
    this.#updatedAt = now()
  }

  /** Takes one token; false (and nothing taken) when the bucket is empty. */
  take(): boolean {
    const now = this.#now()
    const elapsedSeconds = Math.max(0, now - this.#updatedAt) / 1000
    this.#tokens = Math.min(this.#options.capacity, this.#tokens + elapsedSeconds * this.#options.refillPerSecond)
    this.#updatedAt = now
    if (this.#tokens < 1) return false
    this.#tokens -= 1
    return true
  }
}
