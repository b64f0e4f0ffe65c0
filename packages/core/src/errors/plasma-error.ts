/**
 * The one error type of plasma. Every failure a caller may branch on carries a `code` from the
 * closed set below; `httpStatusOf` maps each code to the HTTP status the sync handler answers
 * with. Messages are for people; code is for programs.
 *
 * Every other error class of plasma (`ExecutorError`, `BlobStorageError`, `CoordinatorError`,
 * the client's errors) follows this one: the fields `code` (a closed set), `details`, `status`,
 * `cause` and `toJSON()`, and the same status for the same meaning (a constraint violation is
 * 409 everywhere, "retry later" is 503 everywhere).
 */

/** Every error code plasma produces, with the HTTP status it maps to. */
export const PLASMA_ERROR_STATUS = {
  /** A schema definition is wrong (two ids, reserved prefix, …). */
  "invalid-schema": 500,
  /** A query names something the schema does not have, or is malformed. */
  "invalid-query": 400,
  /** A value does not fit its column (wrong kind, NULL into NOT NULL, unknown column). */
  "invalid-value": 400,
  /** A write would break a constraint (duplicate id, foreign key, unique): it conflicts with what is stored. */
  "constraint-violation": 409,
  /** A table's `write` predicate refused a row. */
  "write-denied": 403,
  /** A mutator name is not defined. */
  "unknown-mutator": 400,
  /** A request body or query string is malformed. */
  "invalid-request": 400,
  /** The protocol version is not one this server speaks. */
  "protocol-mismatch": 400,
  /** The client's ids disagree with what `auth` returned. */
  "client-id-mismatch": 400,
  /** A push skips a mutation id. */
  "mutation-id-gap": 400,
  /** `auth` refused the request. */
  unauthorized: 401,
  /** The request is authenticated but may not do this (a client group owned by another user, bytes it may not attach). */
  forbidden: 403,
  /** Nothing at this route. */
  "not-found": 404,
  /** The route exists but not for this method. */
  "method-not-allowed": 405,
  /** The client was built against another schema version. */
  "schema-mismatch": 409,
  /** Too many mutations, or a body over the byte limit. */
  "payload-too-large": 413,
  /** A cookie points below the compaction floor (snapshots). */
  "version-compacted": 410,
  /** A serializable mutation kept conflicting; retry later. */
  "conflict-retry": 503,
  /** The database kept failing (unreachable, overloaded, lost calls); nothing was lost, retry later. */
  unavailable: 503,
  /** A blob is missing, malformed or refused. */
  "blob-invalid": 400,
  /** Something we did not expect. Never carries internals over the wire. */
  internal: 500,
} as const satisfies Record<string, number>

export type PlasmaErrorCode = keyof typeof PLASMA_ERROR_STATUS

export interface PlasmaErrorOptions {
  readonly cause?: unknown
  /** Extra JSON-safe fields sent with the error body (for example `expected`). */
  readonly details?: Readonly<Record<string, unknown>>
}

/** An error with a machine-readable `code`. */
export class PlasmaError extends Error {
  override readonly name = "PlasmaError"
  readonly code: PlasmaErrorCode
  readonly details: Readonly<Record<string, unknown>>

  constructor(code: PlasmaErrorCode, message: string, options: PlasmaErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.details = options.details ?? {}
  }

  /** The HTTP status this error answers with. */
  get status(): number {
    return PLASMA_ERROR_STATUS[this.code]
  }

  /** The JSON body of the error response: `{ error, message, ...details }`. */
  toJSON(): Record<string, unknown> {
    return { ...this.details, error: this.code, message: this.message }
  }
}

/** `true` when `value` is a PlasmaError (optionally with the given code). */
export function isPlasmaError(value: unknown, code?: PlasmaErrorCode): value is PlasmaError {
  return value instanceof PlasmaError && (code === undefined || value.code === code)
}

/** The HTTP status for a code. */
export function httpStatusOf(code: PlasmaErrorCode): number {
  return PLASMA_ERROR_STATUS[code]
}
