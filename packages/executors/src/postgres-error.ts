/**
 * Wraps what node-postgres throws into an `ExecutorError`. Postgres reports a SQLSTATE
 * (`error.code`) and, for constraint failures, the constraint's name (`error.constraint`), so
 * this mapping reads codes, never message text (except node-postgres's own connection errors,
 * which carry no SQLSTATE).
 *
 * - class 23 (integrity constraint violation: 23505 unique, 23503 foreign key, 23514 check,
 *   23502 not null, …) → `constraint-violation`, with `constraint` set to the constraint's name;
 * - 40001 (serialization failure), 40P01 (deadlock), 55P03 (lock not available), 53300 (too
 *   many connections), 57014 (statement timeout / cancelled) → `busy`: the same call may succeed
 *   when retried, which is how the write path treats them (never poison);
 * - class 08 (connection exception), 57P01–57P03 (server shutting down / cannot connect now),
 *   and socket errors → `unavailable`;
 * - 22P02 / 22021 / 22003 (a value that does not fit its type) and a driver TypeError →
 *   `invalid-parameter`;
 * - anything else → `query-failed`.
 */
import { ExecutorError } from "./executor-error.js"

const BUSY_STATES = new Set(["40001", "40P01", "55P03", "53300", "57014"])
const UNAVAILABLE_STATES = new Set(["57P01", "57P02", "57P03", "58000", "58030", "XX000"])
const INVALID_PARAMETER_STATES = new Set(["22P02", "22021", "22003", "22007", "22008"])
/** Socket-level failures (Node `code`s) and node-postgres's messages for a lost connection. */
const SOCKET_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH"])
const CONNECTION_LOST = /Connection terminated|Client has encountered a connection error|timeout exceeded when trying to connect|Connection ended/i

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/** `true` for a SQLSTATE node-postgres attached (five characters, class then subclass). */
function sqlStateOf(error: unknown): string | null {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) ? code : null
}

/** Wraps one error thrown by node-postgres (or by the pool) into an `ExecutorError`. */
export function toExecutorErrorFromPostgres(error: unknown): ExecutorError {
  if (error instanceof ExecutorError) return error
  const message = messageOf(error)
  const state = sqlStateOf(error)
  const details = state === null ? undefined : { sqlState: state }
  if (state !== null) {
    if (state.startsWith("23")) {
      const constraint = (error as { constraint?: unknown }).constraint
      return new ExecutorError("constraint-violation", message, {
        cause: error,
        details: { sqlState: state },
        constraint: typeof constraint === "string" ? constraint : null,
      })
    }
    if (BUSY_STATES.has(state)) return new ExecutorError("busy", message, { cause: error, details: { sqlState: state } })
    if (state.startsWith("08") || UNAVAILABLE_STATES.has(state)) {
      return new ExecutorError("unavailable", message, { cause: error, details: { sqlState: state } })
    }
    if (INVALID_PARAMETER_STATES.has(state)) {
      return new ExecutorError("invalid-parameter", message, { cause: error, details: { sqlState: state } })
    }
    return new ExecutorError("query-failed", message, { cause: error, details: { sqlState: state } })
  }
  const code = (error as { code?: unknown } | null)?.code
  if ((typeof code === "string" && SOCKET_CODES.has(code)) || CONNECTION_LOST.test(message)) {
    return new ExecutorError("unavailable", message, { cause: error })
  }
  // node-postgres throws a TypeError for values it cannot serialise (a Symbol, a function).
  if (error instanceof TypeError) return new ExecutorError("invalid-parameter", message, { cause: error })
  return new ExecutorError("query-failed", message, { cause: error, ...(details === undefined ? {} : { details }) })
}
