/**
 * The error a live query rejects `whenReady()` with. One code for now; callers branch on `code`.
 */

/** Every live query error code, with what it means. */
export const LIVE_QUERY_ERROR_CODES = {
  /** The client (and its live query registry) closed before the query's first delivery. */
  closed: "closed",
} as const satisfies Record<string, string>

export type LiveQueryErrorCode = keyof typeof LIVE_QUERY_ERROR_CODES

/** A live query could not deliver. */
export class LiveQueryError extends Error {
  override readonly name = "LiveQueryError"
  readonly code: LiveQueryErrorCode

  constructor(code: LiveQueryErrorCode, message: string) {
    super(message)
    this.code = code
  }
}
