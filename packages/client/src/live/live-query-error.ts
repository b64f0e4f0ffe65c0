/**
 * The error a live query rejects `whenReady()` with, shaped like core's `PlasmaError`: `code`
 * (a closed set), `details`, `cause` and `toJSON()`. No `status`: a live query never answers
 * HTTP. Callers branch on `code`, never on message text.
 */

/** Every live query error code, with what it means. */
export const LIVE_QUERY_ERROR_CODES = {
  /** The client (and its live query registry) closed before the query's first delivery. */
  closed: "closed",
} as const satisfies Record<string, string>

export type LiveQueryErrorCode = keyof typeof LIVE_QUERY_ERROR_CODES

/** Options for {@link LiveQueryError}. */
export interface LiveQueryErrorOptions {
  readonly cause?: unknown
  /** Extra JSON-safe fields (for example the query's `table`). */
  readonly details?: Readonly<Record<string, unknown>>
}

/**
 * A live query could not deliver.
 * @example
 * await live.whenReady().catch((e) => { if (e instanceof LiveQueryError && e.code === "closed") return })
 */
export class LiveQueryError extends Error {
  override readonly name = "LiveQueryError"
  readonly code: LiveQueryErrorCode
  readonly details: Readonly<Record<string, unknown>>

  constructor(code: LiveQueryErrorCode, message: string, options: LiveQueryErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.details = options.details ?? {}
  }

  /** `{ error, message, ...details }`, like `PlasmaError`'s body. */
  toJSON(): Record<string, unknown> {
    return { ...this.details, error: this.code, message: this.message }
  }
}
