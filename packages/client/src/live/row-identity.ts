/**
 * Content equality and content keys for delivered rows. Live queries hand out the same object
 * for a row whose content did not change, so subscribers (and React's `useSyncExternalStore`)
 * compare by identity. A rebase rebuilds the optimistic view with fresh row objects that are
 * often equal to the old ones; these helpers let a query keep its old output objects then.
 *
 * Delivered rows are plain data in the query builder's JS form: `null`, booleans, numbers,
 * bigints, strings, `Uint8Array`, and arrays / plain objects of those (json columns, join
 * nesting).
 */

/** A row as a query delivers it. */
export type Row = Record<string, unknown>

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/** Deep equality of plain row data (`Object.is` for primitives, so `-0` differs from `0`, as `toEqual` says). */
export function sameContent(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false
  if (a instanceof Uint8Array || b instanceof Uint8Array) return a instanceof Uint8Array && b instanceof Uint8Array && sameBytes(a, b)
  if (Array.isArray(a) !== Array.isArray(b)) return false
  if (Array.isArray(a)) {
    const other = b as unknown[]
    if (a.length !== other.length) return false
    for (let i = 0; i < a.length; i++) if (!sameContent(a[i], other[i])) return false
    return true
  }
  const x = a as Record<string, unknown>
  const y = b as Record<string, unknown>
  const keys = Object.keys(x)
  if (keys.length !== Object.keys(y).length) return false
  for (const key of keys) if (!Object.hasOwn(y, key) || !sameContent(x[key], y[key])) return false
  return true
}

/**
 * A string equal for two values exactly when `sameContent` holds for them (object keys sorted,
 * so key order does not matter, as it does not for `sameContent`).
 */
export function contentKey(value: unknown): string {
  if (value === null || value === undefined) return "n"
  switch (typeof value) {
    case "boolean":
      return value ? "T" : "F"
    case "number":
      return Object.is(value, -0) ? "#-0" : `#${value}`
    case "bigint":
      return `${value}n`
    case "string":
      return JSON.stringify(value)
    case "object": {
      if (value instanceof Uint8Array) return `b${Array.from(value, (x) => x.toString(16).padStart(2, "0")).join("")}`
      if (Array.isArray(value)) return `[${value.map(contentKey).join(",")}]`
      const record = value as Record<string, unknown>
      return `{${Object.keys(record)
        .sort()
        .map((k) => `${JSON.stringify(k)}:${contentKey(record[k])}`)
        .join(",")}}`
    }
    default:
      return `?${String(value)}`
  }
}

/**
 * Returns `next` with every row that equals a row of `previous` (by content, matched through
 * `keyOf`) replaced by that earlier object. Each earlier object is lent at most once.
 */
export function reuseRows(previous: readonly Row[] | undefined, next: readonly Row[], keyOf: (row: Row) => string): Row[] {
  const out = [...next]
  if (previous === undefined || previous.length === 0) return out
  const pool = new Map<string, Row[]>()
  for (const row of previous) {
    const key = keyOf(row)
    const list = pool.get(key)
    if (list === undefined) pool.set(key, [row])
    else list.push(row)
  }
  for (let i = 0; i < out.length; i++) {
    const row = out[i] as Row
    const candidates = pool.get(keyOf(row))
    if (candidates === undefined) continue
    const index = candidates.findIndex((old) => sameContent(old, row))
    if (index >= 0) out[i] = candidates.splice(index, 1)[0] as Row
  }
  return out
}

/** `true` when both arrays hold the same objects in the same order. */
export function sameRows(a: readonly Row[], b: readonly Row[]): boolean {
  if (a === b) return true
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/** Freezes a delivered row and the plain objects and arrays inside it (bytes stay as they are). */
export function freezeRow<T>(value: T): T {
  if (typeof value !== "object" || value === null || value instanceof Uint8Array || Object.isFrozen(value)) return value
  for (const inner of Object.values(value)) freezeRow(inner)
  return Object.freeze(value)
}
