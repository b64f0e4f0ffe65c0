/**
 * Reconnect delays: exponential backoff with "full jitter" (a uniform draw between 0 and the
 * exponential cap). Full jitter spreads a room's worth of clients that lost their sockets at the
 * same moment (a deploy, a restart) so they do not reconnect in lockstep.
 */

/** Reconnect delay bounds, in milliseconds. */
export interface BackoffOptions {
  /** Cap of the first retry's delay. */
  readonly initialMs: number
  /** Upper bound of every delay. */
  readonly maxMs: number
}

/** Defaults: first retry within 250 ms, never more than 30 s apart. */
export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 250, maxMs: 30_000 }

/**
 * The delay before retry number `attempt` (0 for the first retry):
 * `random() * min(maxMs, initialMs * 2 ** attempt)`.
 *
 * @example
 * setTimeout(connect, backoffDelay(failures++, DEFAULT_BACKOFF))
 */
export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  // Clamp the exponent so a long outage cannot overflow to Infinity.
  const cap = Math.min(options.maxMs, options.initialMs * 2 ** Math.min(Math.max(0, attempt), 30))
  return Math.floor(random() * cap)
}
