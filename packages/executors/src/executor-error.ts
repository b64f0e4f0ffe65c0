/**
 * Errors raised by executors. Anything a driver throws is wrapped into an `ExecutorError` at the
 * executor boundary, so callers branch on `code` (and `constraint`) and never on driver classes
 * or message text: every match on a driver's message lives in this file.
 *
 * The driver's own message is kept verbatim in `message` (with the driver error as `cause`).
 * SQLite names a failing named CHECK constraint there (`CHECK constraint failed: plasma_guard`);
 * it is parsed once here into `constraint`, which the write path uses to tell a deliberate guard
 * abort from any other failure.
 *
 * Codes fall in two families a caller retries differently:
 * - transient (`busy`, `unavailable`): the database could not serve the call; the same call
 *   later may succeed. See {@link isTransientExecutorError}.
 * - refusals (`constraint-violation`, `invalid-parameter`, `query-failed`, …): the database
 *   served the call and said no; the same call again gets the same answer.
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
  /**
   * The database could not be reached or the call was lost on the way (a dropped connection, a
   * reset storage object, an I/O error); retrying later may succeed.
   */
  | "unavailable"
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
  unavailable: 503,
  "invalid-parameter": 500,
  "transaction-closed": 500,
})

/** Options for {@link ExecutorError}. */
export interface ExecutorErrorOptions {
  readonly cause?: unknown
  /** Extra JSON-safe fields for callers (never sent to clients: executor errors answer 5xx or are poison). */
  readonly details?: Readonly<Record<string, unknown>>
  /** For `constraint-violation`: the name of the CHECK constraint that failed, when it has one. */
  readonly constraint?: string | null
}

/** The one error type every executor throws. */
export class ExecutorError extends Error {
  override readonly name = "ExecutorError"
  readonly code: ExecutorErrorCode
  /**
   * For `constraint-violation`: the name of the failing CHECK constraint when SQLite reports one
   * (`CONSTRAINT plasma_guard CHECK (...)` → `"plasma_guard"`), else `null`.
   */
  readonly constraint: string | null
  readonly details: Readonly<Record<string, unknown>>

  constructor(code: ExecutorErrorCode, message: string, options?: ExecutorErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.constraint = options?.constraint ?? null
    this.details = options?.details ?? {}
  }

  /** The HTTP status that best describes this error (the field name every plasma error uses). */
  get status(): number {
    return EXECUTOR_ERROR_HTTP_STATUS[this.code]
  }

  /** @deprecated Use {@link ExecutorError.status}. */
  get httpStatus(): number {
    return this.status
  }

  /** `{ error, message, ...details }`, like core's `PlasmaError` (plus `constraint` when set). */
  toJSON(): Record<string, unknown> {
    return { ...this.details, ...(this.constraint === null ? {} : { constraint: this.constraint }), error: this.code, message: this.message }
  }
}

/** `true` when `value` is an {@link ExecutorError}, optionally with the given `code`. */
export function isExecutorError(value: unknown, code?: ExecutorErrorCode): value is ExecutorError {
  return value instanceof ExecutorError && (code === undefined || value.code === code)
}

/**
 * `true` for an error that says the database could not serve the call (`busy`, `unavailable`):
 * the same call later may succeed. Anything else an executor throws is the database's answer.
 */
export function isTransientExecutorError(value: unknown): value is ExecutorError {
  return isExecutorError(value) && (value.code === "busy" || value.code === "unavailable")
}

/** The named CHECK constraint in a SQLite message (`CHECK constraint failed: plasma_guard`). */
function checkConstraintOf(message: string): string | null {
  return /CHECK constraint failed: ([A-Za-z_][A-Za-z0-9_]*)/.exec(message)?.[1] ?? null
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
    return new ExecutorError("constraint-violation", message, { cause: error, constraint: checkConstraintOf(message) })
  }
  if (sqliteCode.startsWith("SQLITE_BUSY") || sqliteCode.startsWith("SQLITE_LOCKED")) {
    return new ExecutorError("busy", message, { cause: error })
  }
  // The file or the disk failed under the statement, not the statement itself.
  if (/^SQLITE_(IOERR|CANTOPEN|INTERRUPT|PROTOCOL|NOMEM)/.test(sqliteCode)) {
    return new ExecutorError("unavailable", message, { cause: error })
  }
  return new ExecutorError("query-failed", message, { cause: error })
}

/**
 * D1's messages for a call the database never served, as its documentation lists them (a lost
 * connection, a storage object reset or moved, an internal error, a timeout, a transient
 * resolution failure). Matched only here, so callers see the code `unavailable`.
 */
const D1_UNAVAILABLE =
  /Network connection lost|storage caused object to be reset|object to be reset|Cannot resolve D1 DB due to transient issue|exceeded timeout|timed out|internal error; reference|D1_ERROR: Internal error|SQLITE_IOERR|SQLITE_CANTOPEN|SQLITE_INTERRUPT|Durable Object reset|ECONNRESET/i

/**
 * Wraps a D1 error. D1 only gives text, for example
 * `D1_ERROR: CHECK constraint failed: plasma_guard: SQLITE_CONSTRAINT (extended: SQLITE_CONSTRAINT_CHECK)`
 * or `D1_ERROR: UNIQUE constraint failed: u.x: SQLITE_CONSTRAINT (...)`.
 */
export function toExecutorErrorFromD1(error: unknown): ExecutorError {
  if (error instanceof ExecutorError) return error
  const message = messageOf(error)
  if (/constraint failed|SQLITE_CONSTRAINT/i.test(message)) {
    return new ExecutorError("constraint-violation", message, { cause: error, constraint: checkConstraintOf(message) })
  }
  if (/SQLITE_BUSY|SQLITE_LOCKED|overloaded/i.test(message)) {
    return new ExecutorError("busy", message, { cause: error })
  }
  if (D1_UNAVAILABLE.test(message)) {
    return new ExecutorError("unavailable", message, { cause: error })
  }
  if (message.includes("D1_TYPE_ERROR")) {
    return new ExecutorError("invalid-parameter", message, { cause: error })
  }
  return new ExecutorError("query-failed", message, { cause: error })
}
