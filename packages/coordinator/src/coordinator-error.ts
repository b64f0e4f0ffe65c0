/**
 * The coordinator's one error type: a closed set of codes, one table from code to HTTP status,
 * and a JSON response body shaped like the sync handler's (`{ error, message, ...details }`).
 * Shaped like core's `PlasmaError`: `code`, `details`, `status`, `cause`, `toJSON()`.
 */

/** HTTP status for every error code. Adding a code does not compile until it has a status. */
export const COORDINATOR_ERROR_STATUS = {
  /** `pokeCoordinator` was called without a token. */
  "token-missing": 500,
  /** The Durable Object has no `PLASMA_COORDINATOR_TOKEN` secret: it refuses everyone. */
  "not-configured": 500,
  /** Wrong or missing token on a connect or poke. */
  unauthorized: 401,
  /** A bad room name or clientID. */
  "invalid-request": 400,
  /** A GET without `Upgrade: websocket`. */
  "upgrade-required": 426,
  /** The room already has `maxSockets` open sockets; the connect was refused before any upgrade. */
  "room-full": 503,
  /** Neither GET (connect) nor POST (poke). */
  "method-not-allowed": 405,
  /** The Durable Object answered a poke with a non-2xx status. */
  "poke-failed": 502,
  /** Client side: the server dropped one of our frames (`details.frameCode` says why). */
  "frame-rejected": 400,
  /** Client side: the socket reported an error (a close and a reconnect follow). */
  "socket-error": 502,
  /** Client side: the server sent something that is not a valid server message. */
  "invalid-server-message": 502,
} as const satisfies Record<string, number>

/** Every code a {@link CoordinatorError} can carry; callers branch on these, never on messages. */
export type CoordinatorErrorCode = keyof typeof COORDINATOR_ERROR_STATUS

/** Options for {@link CoordinatorError}. */
export interface CoordinatorErrorOptions {
  /** Extra JSON fields for the response body and for callers (e.g. `status` of a failed poke). */
  readonly details?: Readonly<Record<string, unknown>>
  readonly cause?: unknown
}

/**
 * An error that knows its code and its HTTP response.
 *
 * @example
 * try { await pokeCoordinator(env.COORDINATOR, { token }) }
 * catch (e) { if (e instanceof CoordinatorError && e.code === "poke-failed") retryLater() }
 */
export class CoordinatorError extends Error {
  override readonly name = "CoordinatorError"
  readonly code: CoordinatorErrorCode
  readonly details: Readonly<Record<string, unknown>>

  constructor(code: CoordinatorErrorCode, message: string, options: CoordinatorErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.details = options.details ?? {}
  }

  /** The HTTP status for this error's code. */
  get status(): number {
    return COORDINATOR_ERROR_STATUS[this.code]
  }

  /** The JSON body of the error: `{ error, message, ...details }`. */
  toJSON(): Record<string, unknown> {
    return { ...this.details, error: this.code, message: this.message }
  }

  /** A JSON response `{ error: code, message, ...details }` with the code's status. */
  toResponse(): Response {
    return Response.json(this.toJSON(), { status: this.status })
  }
}
