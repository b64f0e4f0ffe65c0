/**
 * The continuation cursors of `rowHistory` and `diffSnapshots`: `"<kind>." + base64url(JSON of
 * an array of fields)`, e.g. `"rh1.WyJ0b2RvcyIsInQxIiw0Ml0"` for `["todos", "t1", 42]`.
 *
 * Callers treat a cursor as opaque and hand back what they were given. Decoding is strict: only
 * the exact text {@link encodeHistoryCursor} produces for the same kind is accepted (the decoded
 * fields are re-encoded and compared), so a truncated, padded, hand-edited or foreign cursor is a
 * `PlasmaError` `invalid-request` naming the option, never a page that silently starts elsewhere.
 * Which fields make sense (a version ≥ 0, the same table as the request) is checked by the
 * operation that owns the kind.
 *
 * UTF-8 through `TextEncoder` and `btoa`/`atob`: runs unchanged in Workers, browsers and Node.
 */
import { PlasmaError } from "@plasma/core"

/** A cursor field: JSON text or a number (safe integers only survive the round trip checks). */
export type CursorField = string | number | null | readonly string[]

const BASE64URL = /^[A-Za-z0-9_-]*$/
/** Longest cursor accepted: a table name, a row id and a few versions fit many times over. */
const MAX_CURSOR_LENGTH = 4096

function toBase64Url(text: string): string {
  let binary = ""
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte)
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "")
}

function fromBase64Url(body: string): string {
  const binary = atob(body.replace(/-/g, "+").replace(/_/g, "/"))
  return new TextDecoder("utf-8", { fatal: true }).decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)))
}

/**
 * The cursor text for `fields` under `kind` (a short tag with a version digit, like `"rh1"`).
 * @example
 * encodeHistoryCursor("rh1", ["todos", "t1", 42]) // "rh1.WyJ0b2RvcyIsInQxIiw0Ml0"
 */
export function encodeHistoryCursor(kind: string, fields: readonly CursorField[]): string {
  return `${kind}.${toBase64Url(JSON.stringify(fields))}`
}

/**
 * The fields of a cursor of `kind`, or a `PlasmaError` `invalid-request` whose message names
 * `what` (the option it came in) when `cursor` is not exactly what {@link encodeHistoryCursor}
 * produced for `kind` with `arity` fields.
 * @example
 * decodeHistoryCursor("rh1", "rh1.WyJ0b2RvcyIsInQxIiw0Ml0", 3, "before") // ["todos", "t1", 42]
 */
export function decodeHistoryCursor(kind: string, cursor: unknown, arity: number, what: string): unknown[] {
  const refuse = (reason: string): PlasmaError =>
    new PlasmaError("invalid-request", `${what} is not a cursor this operation handed out (${reason}); pass back the cursor exactly as it was returned`, {
      details: { [what]: typeof cursor === "string" ? cursor.slice(0, 80) : typeof cursor, reason },
    })
  if (typeof cursor !== "string") throw refuse(`a ${typeof cursor}, not a string`)
  if (cursor.length > MAX_CURSOR_LENGTH) throw refuse(`longer than ${MAX_CURSOR_LENGTH} characters`)
  const prefix = `${kind}.`
  if (!cursor.startsWith(prefix)) throw refuse(`it does not start with "${prefix}"`)
  const body = cursor.slice(prefix.length)
  if (!BASE64URL.test(body) || body.length % 4 === 1) throw refuse("its body is not base64url")
  let fields: unknown
  try {
    fields = JSON.parse(fromBase64Url(body))
  } catch {
    throw refuse("its body does not decode to JSON")
  }
  if (!Array.isArray(fields) || fields.length !== arity) throw refuse(`it does not hold ${arity} fields`)
  if (encodeHistoryCursor(kind, fields as CursorField[]) !== cursor) throw refuse("it is not in canonical form")
  return fields
}

/** `true` when `value` is a safe integer ≥ 0 (a `row_version` or a version bound). */
export function isVersion(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0
}
