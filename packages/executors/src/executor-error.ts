/**
 * Errors raised by executors. Anything a driver throws is wrapped into an `ExecutorError` at the
 * executor boundary, so callers branch on `code` and never on driver classes or message text.
 *
 * The driver's own message is kept verbatim in `message` (with the driver error as `cause`):
 * SQLite names the failing CHECK constraint there (`CHECK constraint failed: plasma_guard`), and
 * the write path relies on that name to tell a deliberate guard abort from any other failure.
 */

/** The closed set of executor error codes. */
export type ExecutorErrorCode =
  /** The executor cannot do this at all (for example `transaction()` on D1). */
  | "unsupported"
  /** The statement failed for any reason not covered by a more specific code. */
  | "query-failed"
  /** A UNIQUE, CHECK, NOT NULL, FOREIGN KEY or PRIMARY KEY constraint rejected the write. */
  | "constraint-violation"
  /** The database was locked or overloaded; retrying later may succeed. */
  | "busy"
  /** A bound parameter cannot be represented by the driver (for example an unsafe bigint on D1). */
  | "invalid-parameter"
  /** A transaction handle was used after its transaction had committed or rolled back. */
  | "transaction-closed"

/** HTTP status for each code, for handlers that surface executor failures. */
export const EXECUTOR_ERROR_HTTP_STATUS: Readonly<Record<ExecutorErrorCode, number>> = Object.freeze({
  unsupported: 501,
  "query-failed": 500,
  "constraint-violation": 409,
  busy: 503,
  "invalid-parameter": 500,
  "transaction-closed": 500,
})

/** Options for {@link ExecutorError}. */
export interface ExecutorErrorOptions {
  readonly cause?: unknown
}

/** The one error type every executor throws. */
export class ExecutorError extends Error {
  override readonly name = "ExecutorError"
  readonly code: ExecutorErrorCode

  constructor(code: ExecutorErrorCode, message: string, options?: ExecutorErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
  }

  /** The HTTP status that best describes this error. */
  get httpStatus(): number {
    return EXECUTOR_ERROR_HTTP_STATUS[this.code]
  }
}

/** `true` when `value` is an {@link ExecutorError}, optionally with the given `code`. */
export function isExecutorError(value: unknown, code?: ExecutorErrorCode): value is ExecutorError {
  return value instanceof ExecutorError && (code === undefined || value.code === code)
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message
  return String(error)
}

/**
 * Wraps a better-sqlite3 error. `SqliteError.code` carries the extended result code
 * (`SQLITE_CONSTRAINT_CHECK`, `SQLITE_BUSY`, ...).
 */
export function toExecutorErrorFromSqlite(error: unknown): ExecutorError {
  if (error instanceof ExecutorError) return error
  const code = (error as { code?: unknown } | null)?.code
  const sqliteCode = typeof code === "string" ? code : ""
  const message = messageOf(error)
  // better-sqlite3 throws a plain TypeError for values it cannot bind (objects, booleans, ...).
  if (error instanceof TypeError) {
    return new ExecutorError("invalid-parameter", message, { cause: error })
  }
  if (sqliteCode.startsWith("SQLITE_CONSTRAINT")) {
    return new ExecutorError("constraint-violation", message, { cause: error })
  }
  if (sqliteCode.startsWith("SQLITE_BUSY") || sqliteCode.startsWith("SQLITE_LOCKED")) {
    return new ExecutorError("busy", message, { cause: error })
  }
  return new ExecutorError("query-failed", message, { cause: error })
}

/**
 * Wraps a D1 error. D1 only gives text, for example
 * `D1_ERROR: CHECK constraint failed: plasma_guard: SQLITE_CONSTRAINT (extended: SQLITE_CONSTRAINT_CHECK)`
 * or `D1_ERROR: UNIQUE constraint failed: u.x: SQLITE_CONSTRAINT (...)`.
 */
export function toExecutorErrorFromD1(error: unknown): ExecutorError {
  if (error instanceof ExecutorError) return error
  const message = messageOf(error)
  if (/constraint failed|SQLITE_CONSTRAINT/i.test(message)) {
    return new ExecutorError("constraint-violation", message, { cause: error })
  }
  if (/SQLITE_BUSY|SQLITE_LOCKED|overloaded/i.test(message)) {
    return new ExecutorError("busy", message, { cause: error })
  }
  if (message.includes("D1_TYPE_ERROR")) {
    return new ExecutorError("invalid-parameter", message, { cause: error })
  }
  return new ExecutorError("query-failed", message, { cause: error })
}
