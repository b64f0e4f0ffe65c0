/**
 * Turning what admin code passes as a point in the change log into a `row_version`: a number, a
 * numeric string (`"12345"`), or a pull cookie (`"c1:…"`, decoded by core's `decodeCookie`).
 * Anything else — negative, fractional, NaN, past 2^53 − 1, text — is `invalid-request`: a
 * garbled bound must never turn into "everything" or "nothing" silently.
 */
import { COOKIE_PREFIX, decodeCookie, describeValueKind, PlasmaError } from "@plasma/core"

const DECIMAL = /^(?:0|[1-9][0-9]*)$/

/**
 * The `row_version` that `cookie` names. `what` names the option in error messages.
 * @example
 * toRowVersion("12345") // 12345
 * toRowVersion(encodeCookie(7)) // 7
 */
export function toRowVersion(cookie: unknown, what = "cookie"): number {
  if (typeof cookie === "number") {
    if (Number.isSafeInteger(cookie) && cookie >= 0) return cookie
    throw new PlasmaError("invalid-request", `${what} must be a row_version (a safe integer ≥ 0), got ${String(cookie)}`, { details: { [what]: String(cookie) } })
  }
  if (typeof cookie === "string") {
    if (cookie.startsWith(COOKIE_PREFIX)) return decodeCookie(cookie)
    const text = cookie.trim()
    if (DECIMAL.test(text) && Number.isSafeInteger(Number(text))) return Number(text)
    throw new PlasmaError("invalid-request", `${what} must be a row_version as a number, a decimal string such as "12345", or a pull cookie ("c1:…"); got ${JSON.stringify(cookie.slice(0, 40))}`, {
      details: { [what]: cookie.slice(0, 40) },
    })
  }
  throw new PlasmaError("invalid-request", `${what} must be a number, a numeric string or a pull cookie, got ${describeValueKind(cookie)}`)
}
