/**
 * Reading and checking the coordinator token: the pieces `SyncCoordinator.authorize` is made of,
 * exported so a subclass that replaces `authorize` can reuse them.
 */
import { constantTimeEqual } from "./constant-time-equal.js"
import { CoordinatorError } from "./coordinator-error.js"

/** What a request to a room asks for: a WebSocket join or a poke. */
export type CoordinatorRequestKind = "connect" | "poke"

/** The token of `Authorization: Bearer <token>`, or undefined. */
export function readBearerToken(request: Request): string | undefined {
  const header = request.headers.get("Authorization")
  const match = header === null ? null : /^Bearer\s+(.+)$/i.exec(header.trim())
  return match?.[1]
}

/**
 * The token a request carries: the bearer header, and for a connect the legacy `?token=` when
 * there is no header (pokes take the header only: query strings end up in access logs).
 *
 * @example
 * const token = readCoordinatorToken(request, "poke")
 */
export function readCoordinatorToken(request: Request, kind: CoordinatorRequestKind): string | undefined {
  const bearer = readBearerToken(request)
  if (bearer !== undefined || kind === "poke") return bearer
  return new URL(request.url).searchParams.get("token") ?? undefined
}

/**
 * Throws unless `token` equals `expected` (constant time over UTF-8 bytes).
 *
 * @throws CoordinatorError `not-configured` when `expected` is missing or empty (fail closed: a
 *   missing secret never means "no auth"), `unauthorized` for a missing or wrong token.
 * @example
 * verifyCoordinatorToken(readCoordinatorToken(request, "poke"), env.POKE_TOKEN, "POKE_TOKEN")
 */
export function verifyCoordinatorToken(token: string | undefined, expected: string | undefined, secretName = "PLASMA_COORDINATOR_TOKEN"): void {
  if (expected === undefined || expected === "") {
    throw new CoordinatorError("not-configured", `the coordinator has no ${secretName} secret`)
  }
  if (token === undefined || token === "" || !constantTimeEqual(token, expected)) {
    throw new CoordinatorError("unauthorized", token ? "invalid coordinator token" : "missing coordinator token")
  }
}
