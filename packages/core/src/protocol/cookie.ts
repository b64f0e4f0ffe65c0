/**
 * The pull cookie: `"c1:" + base64(JSON.stringify({ "0": "<row_version>" }))` (SPEC §8).
 *
 * Clients treat it as opaque and send back what they were given. The server decodes it strictly:
 * only the exact text `encodeCookie` produces for some safe integer ≥ 0 is accepted, and anything
 * else (a wrong prefix, a non-base64 or non-canonical body, JSON of another shape, a version that
 * is negative, fractional, padded with zeros or past 2^53 − 1) is a `PlasmaError` with code
 * `invalid-request`, which the sync handler answers with 400. A malformed cookie is never read as
 * "no cookie": that would silently turn a client bug into a full resync. The `"0"` key leaves room
 * for more positions (one per shard) without a new prefix.
 *
 * Uses `btoa`/`atob` only, so it runs unchanged in browsers, Workers and Node.
 */
import { PlasmaError } from "../errors/plasma-error.js"

/** The prefix of every cookie of this format. */
export const COOKIE_PREFIX = "c1:"

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/
const DECIMAL = /^(?:0|[1-9][0-9]*)$/

function malformed(reason: string): PlasmaError {
  return new PlasmaError("invalid-request", "malformed cookie", { details: { reason } })
}

/**
 * Encodes a `row_version` as a pull cookie.
 * @example
 * encodeCookie(0) // "c1:eyIwIjoiMCJ9"
 */
export function encodeCookie(version: number): string {
  if (!Number.isSafeInteger(version) || version < 0) {
    throw new PlasmaError("internal", `a cookie needs a row_version that is a safe integer ≥ 0, got ${String(version)}`)
  }
  return COOKIE_PREFIX + btoa(JSON.stringify({ "0": String(version) }))
}

/**
 * Decodes a pull cookie to its `row_version`. Throws `PlasmaError` (`invalid-request`,
 * "malformed cookie", the reason in `details.reason`) for anything `encodeCookie` could not have
 * produced; never throws anything else.
 * @example
 * decodeCookie(encodeCookie(42)) // 42
 */
export function decodeCookie(cookie: string): number {
  if (typeof cookie !== "string") throw malformed("not a string")
  if (!cookie.startsWith(COOKIE_PREFIX)) throw malformed(`does not start with "${COOKIE_PREFIX}"`)
  const body = cookie.slice(COOKIE_PREFIX.length)
  if (body.length === 0 || body.length > 64 || !BASE64.test(body)) throw malformed("not base64")
  let parsed: unknown
  try {
    parsed = JSON.parse(atob(body))
  } catch {
    throw malformed("not JSON")
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw malformed("not a JSON object")
  const keys = Object.keys(parsed)
  if (keys.length !== 1 || keys[0] !== "0") throw malformed('the object must have exactly the key "0"')
  const value = (parsed as Record<string, unknown>)["0"]
  if (typeof value !== "string" || !DECIMAL.test(value)) throw malformed("the version is not a decimal string")
  const version = Number(value)
  if (!Number.isSafeInteger(version)) throw malformed("the version is not a safe integer")
  // Canonical form only (no whitespace in the JSON, no alternative base64 of the same bytes).
  if (encodeCookie(version) !== cookie) throw malformed("not in canonical form")
  return version
}
