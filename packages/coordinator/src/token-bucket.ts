/**
 * A token bucket: `capacity` tokens in a burst, refilled at `refillPerSecond`. The coordinator uses
 * one per socket (frames) and one per room (broadcast bytes).
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

  /**
   * Takes `cost` tokens (default 1); false (and nothing taken) when there are not enough. A cost
   * above the capacity is taken from a full bucket and leaves it in debt, so a single large item
   * can pass while the sustained rate still holds.
   */
  take(cost = 1): boolean {
    const now = this.#now()
    const elapsedSeconds = Math.max(0, now - this.#updatedAt) / 1000
    this.#tokens = Math.min(this.#options.capacity, this.#tokens + elapsedSeconds * this.#options.refillPerSecond)
    this.#updatedAt = now
    if (this.#tokens < Math.min(cost, this.#options.capacity)) return false
    this.#tokens -= cost
    return true
  }
}
