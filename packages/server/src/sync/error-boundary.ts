/**
 * The sync handler's one error boundary: whatever a route throws becomes the right JSON answer
 * (`http.ts`'s `errorResponse`: the code's status, a bare body for every 5xx) and, when it is
 * something the host should hear of, an `onError` event.
 *
 * Which `onError` kind a failure is reported as:
 * - `unauthorized`, `protocol-mismatch`, `schema-mismatch`: as themselves;
 * - `not-found`, `method-not-allowed`: not reported (a stray request is not a fault);
 * - `conflict-retry`: not reported (serializable retries ran out under load; `onMetric` shows
 *   it, and the client retries after `Retry-After`);
 * - any other 4xx code: `invalid-request`;
 * - anything else (5xx codes, and errors that are not `PlasmaError`s): `internal`, the whole
 *   error attached, since the answer carries none of it.
 *
 * A transient executor error that reaches the boundary (a read outside the push's retry loop,
 * such as the client-group owner check) is the database's side, never the request's: it is
 * answered as `unavailable` (503 with `Retry-After`), so clients keep their work and retry.
 */
import { PlasmaError } from "@plasma/core"
import { isTransientExecutorError } from "@plasma/executors"
import { unavailableError } from "../write/commit.js"
import type { SyncErrorKind } from "./events.js"
import { errorResponse } from "./http.js"
import type { SyncHooks } from "./sync-hooks.js"

/** The `onError` kind of a failure, or `null` when it is not reported. */
export function errorKindOf(error: unknown): SyncErrorKind | null {
  if (!(error instanceof PlasmaError)) return "internal"
  switch (error.code) {
    case "unauthorized":
    case "protocol-mismatch":
    case "schema-mismatch":
      return error.code
    case "not-found":
    case "method-not-allowed":
    case "conflict-retry":
      return null
    default:
      return error.status >= 500 ? "internal" : "invalid-request"
  }
}

/**
 * Runs `work`; anything it throws is reported (see the rules above) and answered.
 * @example
 * const response = await withErrorBoundary(hooks, () => route.handle(request))
 */
export async function withErrorBoundary<Ctx>(hooks: SyncHooks<Ctx>, work: () => Promise<Response>): Promise<Response> {
  try {
    return await work()
  } catch (thrown) {
    const error = isTransientExecutorError(thrown) ? unavailableError(thrown) : thrown
    const kind = errorKindOf(error)
    if (kind !== null) hooks.report({ kind, error })
    return errorResponse(error)
  }
}
