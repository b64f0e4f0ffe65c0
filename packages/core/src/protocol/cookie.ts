/**
 * The pull cookie: `"c1:" + base64(JSON.stringify({ "0": "<row_version>" }))` (SPEC §8), or,
 * while a client walks a reset, `"c1:" + base64(JSON.stringify({ "0": "<row_version>",
 * "resetting": true }))`.
 *
 * Clients treat it as opaque and send back what they were given. The server decodes it strictly:
 * only the exact text `encodeCookie` produces for some safe integer ≥ 0 (and resetting flag) is
 * accepted, and anything else (a wrong prefix, a non-base64 or non-canonical body, JSON of another
 * shape, an unknown key, `"resetting"` other than `true`, a version that is negative, fractional,
 * padded with zeros or past 2^53 − 1) is a `PlasmaError` with code `invalid-request`, which the
 * sync handler answers with 400. A malformed cookie is never read as "no cookie": that would
 * silently turn a client bug into a full resync. The `"0"` key leaves room for more positions (one
 * per shard) without a new prefix.
 *
 * Resetting: a reset is a walk of the log from version 0, page by page (SPEC §8). Every cookie
 * handed out during the walk carries `"resetting": true`, so the server keeps answering
 * `reset: true` pages from that position and never starts the walk over because the position is
 * below a floor; the last page of the walk hands out a plain cookie.
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

/** A decoded pull cookie: a position in the change log, and whether a reset walk is under way. */
export interface PullCookie {
  /** The `row_version` the next page starts after. */
  readonly version: number
  /** The client is walking a reset: pages answer `reset: true` until the walk reaches the head. */
  readonly resetting: boolean
}

/** Options of {@link encodeCookie}. */
export interface EncodeCookieOptions {
  /** Marks a cookie handed out in the middle of a reset walk. Default false. */
  readonly resetting?: boolean
}

/**
 * Encodes a `row_version` as a pull cookie.
 * @example
 * encodeCookie(0) // "c1:eyIwIjoiMCJ9"
 * encodeCookie(40, { resetting: true }) // a cookie of a reset walk at version 40
 */
export function encodeCookie(version: number, options: EncodeCookieOptions = {}): string {
  if (!Number.isSafeInteger(version) || version < 0) {
    throw new PlasmaError("internal", `a cookie needs a row_version that is a safe integer ≥ 0, got ${String(version)}`)
  }
  const body = options.resetting === true ? { "0": String(version), resetting: true } : { "0": String(version) }
  return COOKIE_PREFIX + btoa(JSON.stringify(body))
}

/**
 * Decodes a pull cookie to its `row_version` (the position, whether or not a reset walk is under
 * way). Throws like {@link decodePullCookie}.
 * @example
 * decodeCookie(encodeCookie(42)) // 42
 */
export function decodeCookie(cookie: string): number {
  return decodePullCookie(cookie).version
}

/**
 * Decodes a pull cookie. Throws `PlasmaError` (`invalid-request`, "malformed cookie", the reason
 * in `details.reason`) for anything `encodeCookie` could not have produced; never throws
 * anything else.
 * @example
 * decodePullCookie(encodeCookie(42, { resetting: true })) // { version: 42, resetting: true }
 */
export function decodePullCookie(cookie: string): PullCookie {
  if (typeof cookie !== "string") throw malformed("not a string")
  if (!cookie.startsWith(COOKIE_PREFIX)) throw malformed(`does not start with "${COOKIE_PREFIX}"`)
  const body = cookie.slice(COOKIE_PREFIX.length)
  if (body.length === 0 || body.length > 96 || !BASE64.test(body)) throw malformed("not base64")
  let parsed: unknown
  try {
    parsed = JSON.parse(atob(body))
  } catch {
    throw malformed("not JSON")
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw malformed("not a JSON object")
  const keys = Object.keys(parsed)
  const resetting = keys.length === 2 && keys[1] === "resetting"
  if (keys[0] !== "0" || !(keys.length === 1 || resetting)) throw malformed('the object must have the key "0" and at most "resetting"')
  if (resetting && (parsed as Record<string, unknown>).resetting !== true) throw malformed('"resetting" must be true')
  const value = (parsed as Record<string, unknown>)["0"]
  if (typeof value !== "string" || !DECIMAL.test(value)) throw malformed("the version is not a decimal string")
  const version = Number(value)
  if (!Number.isSafeInteger(version)) throw malformed("the version is not a safe integer")
  // Canonical form only (no whitespace in the JSON, no alternative base64 of the same bytes).
  if (encodeCookie(version, { resetting }) !== cookie) throw malformed("not in canonical form")
  return { version, resetting }
}
