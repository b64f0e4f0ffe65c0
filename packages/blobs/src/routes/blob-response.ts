/**
 * Responses of the blob routes. Errors are `PlasmaError`s answered as JSON
 * `{ error, message, ...details }` with the status from core's code table; anything else thrown
 * becomes a bare `internal` 500 (its message stays in `onError`, never on the wire).
 */
import { PlasmaError, isPlasmaError } from "@plasma/core"

/** The error a route answers with, plus headers such as `Retry-After`. */
export function errorResponse(error: PlasmaError, headers: Readonly<Record<string, string>> = {}): Response {
  return new Response(JSON.stringify(error.toJSON()), {
    status: error.status,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", ...headers },
  })
}

/** Wraps anything thrown into a `PlasmaError` (unknown failures become `internal`). */
export function toPlasmaError(error: unknown, message: string): PlasmaError {
  return isPlasmaError(error) ? error : new PlasmaError("internal", message, { cause: error })
}

/** A small JSON success body. */
export function jsonResponse(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" },
  })
}
