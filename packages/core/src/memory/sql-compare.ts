/**
 * SQLite's comparison, in "SQL value space" (`null | number | bigint | string | Uint8Array`):
 * - storage classes order NULL < numeric (INTEGER and REAL together) < TEXT < BLOB;
 * - numbers compare numerically, `bigint` against `number` included;
 * - TEXT compares with the BINARY collation, which is memcmp over UTF-8 bytes. UTF-8 byte order
 *   is code point order, which differs from JavaScript's UTF-16 code unit order for characters
 *   above U+FFFF (an astral character sorts after U+FFFD in SQLite, before it in `<`);
 * - BLOB compares with memcmp, the shorter prefix first.
 * This is a total order, and it is the one ORDER BY, MIN/MAX, `=` and `<` use; the in-memory
 * evaluator relies on it to agree with SQLite row for row.
 */
import type { SqlValue } from "../schema/values.js"

/** 0 NULL, 1 numeric, 2 TEXT, 3 BLOB: SQLite's cross-class order. */
export function storageClassOf(value: SqlValue): 0 | 1 | 2 | 3 {
  if (value === null) return 0
  if (typeof value === "number" || typeof value === "bigint") return 1
  if (typeof value === "string") return 2
  return 3
}

// Maps a UTF-16 code unit so that plain `<` on the mapped units gives code point order at the
// first unit where two strings differ: surrogates (code points ≥ U+10000) move above U+E000–U+FFFF.
function codePointRank(unit: number): number {
  if (unit >= 0xe000) return unit - 0x800
  if (unit >= 0xd800) return unit + 0x2000
  return unit
}

/** Compares strings by Unicode code point (= UTF-8 byte order = SQLite's BINARY collation). */
export function compareText(a: string, b: string): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i)
    const y = b.charCodeAt(i)
    if (x !== y) return codePointRank(x) < codePointRank(y) ? -1 : 1
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1
}

/** memcmp, then length. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const x = a[i] as number
    const y = b[i] as number
    if (x !== y) return x < y ? -1 : 1
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1
}

/** SQLite's order of two SQL values: negative, zero or positive. NULL equals NULL here (as in ORDER BY). */
export function compareSqlValues(a: SqlValue, b: SqlValue): number {
  const ca = storageClassOf(a)
  const cb = storageClassOf(b)
  if (ca !== cb) return ca < cb ? -1 : 1
  switch (ca) {
    case 0:
      return 0
    case 1: {
      // `<` and `>` compare bigint with number exactly, without rounding the bigint.
      const x = a as number | bigint
      const y = b as number | bigint
      return x < y ? -1 : x > y ? 1 : 0
    }
    case 2:
      return compareText(a as string, b as string)
    case 3:
      return compareBytes(a as Uint8Array, b as Uint8Array)
  }
}

/**
 * A value in SQL space without a column to encode it: booleans become 0/1, bigints that fit a
 * number become numbers (as SQLite hands them back). Anything else is not a SQL value.
 */
export function toRawSqlValue(value: unknown): SqlValue {
  if (value === null || value === undefined) return null
  if (typeof value === "boolean") return value ? 1 : 0
  if (typeof value === "bigint") {
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value
  }
  if (typeof value === "number" || typeof value === "string" || value instanceof Uint8Array) return value
  throw new TypeError(`a ${typeof value} is not a SQL value`)
}

/** A string that is equal for two SQL values exactly when `compareSqlValues` says they are equal. */
export function sqlValueKey(value: SqlValue): string {
  switch (storageClassOf(value)) {
    case 0:
      return "n"
    case 1:
      // Integral values print as exact decimals whether number or bigint (1e21 and 10n ** 21n
      // are equal in SQL); -0 prints as 0.
      return typeof value === "number" && !Number.isInteger(value) ? `#${String(value)}` : `#${BigInt(value as number | bigint).toString()}`
    case 2:
      return `s${value as string}`
    case 3:
      return `b${Array.from(value as Uint8Array, (x) => x.toString(16).padStart(2, "0")).join("")}`
  }
}
