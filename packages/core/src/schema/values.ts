/**
 * Values between JavaScript and SQLite. Every engine checks values with `checkColumnValue`
 * before writing, stores them with `toSqlValue` (booleans as 0/1, json and file as JSON text)
 * and reads them back with `fromSqlValue`, so every engine agrees on what a row holds.
 */
import { PlasmaError } from "../errors/plasma-error.js"
import type { AnyColumn, FileRef } from "./column.js"
import { isMimeAllowed, mimeEssenceOf } from "./mime.js"
import type { AnyTable } from "./table.js"

/** A value as SQLite holds it. */
export type SqlValue = null | number | bigint | string | Uint8Array

const HASH = /^[0-9a-f]{64}$/

/** A short name for a value's JavaScript kind, for error messages. */
export function describeValueKind(value: unknown): string {
  if (value === null) return "null"
  if (value === undefined) return "undefined"
  if (Array.isArray(value)) return "array"
  if (value instanceof Uint8Array) return "Uint8Array"
  if (typeof value === "number" && !Number.isFinite(value)) return String(value)
  return typeof value
}

/** `true` when `value` is a well-formed FileRef manifest. */
export function isFileRef(value: unknown): value is FileRef {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false
  const v = value as Record<string, unknown>
  return (
    typeof v.hash === "string" &&
    HASH.test(v.hash) &&
    typeof v.size === "number" &&
    Number.isSafeInteger(v.size) &&
    v.size >= 0 &&
    typeof v.mime === "string" &&
    v.mime.includes("/") &&
    (v.name === undefined || typeof v.name === "string") &&
    Object.keys(v).every((k) => k === "hash" || k === "size" || k === "mime" || k === "name")
  )
}

function isJsonValue(value: unknown, depth = 0): boolean {
  if (depth > 64) return false
  if (value === null || typeof value === "string" || typeof value === "boolean") return true
  if (typeof value === "number") return Number.isFinite(value)
  if (Array.isArray(value)) return value.every((v) => isJsonValue(v, depth + 1))
  if (typeof value === "object") {
    const proto = Object.getPrototypeOf(value)
    if (proto !== Object.prototype && proto !== null) return false
    return Object.values(value).every((v) => isJsonValue(v, depth + 1))
  }
  return false
}

const EXPECTED: Record<AnyColumn["config"]["kind"], string> = {
  id: "a non-empty string",
  text: "a string",
  ref: "a string (the referenced id)",
  int: "an integer number within ±2^53",
  real: "a finite number",
  bigint: "a bigint or an integer number",
  boolean: "a boolean",
  json: "a JSON value (plain objects, arrays, strings, finite numbers, booleans, null)",
  blob: "a Uint8Array",
  file: "a FileRef { hash: 64 lowercase hex chars, size: integer ≥ 0, mime: \"type/subtype\", name?: string }",
}

function fits(column: AnyColumn, value: unknown): boolean {
  switch (column.config.kind) {
    case "id":
      return typeof value === "string" && value.length > 0
    case "text":
    case "ref":
      return typeof value === "string"
    case "int":
      return Number.isSafeInteger(value)
    case "real":
      return typeof value === "number" && Number.isFinite(value)
    case "bigint":
      return typeof value === "bigint" || Number.isSafeInteger(value)
    case "boolean":
      return typeof value === "boolean"
    case "json":
      return value !== undefined && isJsonValue(value)
    case "blob":
      return value instanceof Uint8Array
    case "file":
      return isFileRef(value)
  }
}

/**
 * Throws `invalid-value` unless `value` fits the column. `purpose` only shapes the message.
 */
export function checkColumnValue(tableName: string, columnName: string, column: AnyColumn, value: unknown, purpose = "value"): void {
  const where = `table "${tableName}", column "${columnName}"`
  if (value === null) {
    if (column.config.nullable) return
    throw new PlasmaError("invalid-value", `${where}: NULL is not allowed (the column is not nullable)`, {
      details: { table: tableName, column: columnName },
    })
  }
  if (!fits(column, value)) {
    throw new PlasmaError("invalid-value", `${where}: ${purpose} of kind ${describeValueKind(value)} does not fit; expected ${EXPECTED[column.config.kind]}`, {
      details: { table: tableName, column: columnName, valueKind: describeValueKind(value) },
    })
  }
  if (column.config.kind === "file") checkFileLimits(where, tableName, columnName, column, value as FileRef)
}

/** A FileRef must respect its own column's limits, not just some column's (the upload check). */
function checkFileLimits(where: string, table: string, column: string, def: AnyColumn, value: FileRef): void {
  const { maxSize, mimeAllowList } = def.config.file ?? {}
  if (maxSize !== undefined && value.size > maxSize) {
    throw new PlasmaError("invalid-value", `${where}: file of ${value.size} bytes is over the column's maxSize of ${maxSize}`, { details: { table, column } })
  }
  const essence = mimeEssenceOf(value.mime)
  if (essence === null || !isMimeAllowed(essence, mimeAllowList ?? null)) {
    throw new PlasmaError("invalid-value", `${where}: MIME type "${value.mime}" is not allowed; the column accepts ${(mimeAllowList ?? ["*/*"]).join(", ")}`, {
      details: { table, column },
    })
  }
}

function unknownColumn(table: AnyTable, name: string): PlasmaError {
  return new PlasmaError("invalid-value", `table "${table.$name}" has no column "${name}"; its columns are ${Object.keys(table.$columns).join(", ")}`, {
    details: { table: table.$name, column: name },
  })
}

/**
 * Checks a row to insert and returns the full row with defaults filled in (NULL for omitted
 * nullable columns). Unknown columns, missing required columns and ill-typed values throw.
 */
export function prepareInsertRow(table: AnyTable, input: Readonly<Record<string, unknown>>): Record<string, unknown> {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new PlasmaError("invalid-value", `table "${table.$name}": an inserted row must be an object, got ${describeValueKind(input)}`)
  }
  for (const name of Object.keys(input)) if (!Object.hasOwn(table.$columns, name)) throw unknownColumn(table, name)
  const row: Record<string, unknown> = {}
  for (const [name, column] of Object.entries(table.$columns)) {
    let value = input[name]
    if (value === undefined) {
      if (column.config.hasDefault) value = structuredCloneValue(column.config.defaultValue)
      else if (column.config.nullable) value = null
      else {
        throw new PlasmaError("invalid-value", `table "${table.$name}", column "${name}": a value is required (not nullable, no default)`, {
          details: { table: table.$name, column: name },
        })
      }
    }
    checkColumnValue(table.$name, name, column, value)
    row[name] = normalizeValue(column, value)
  }
  return row
}

/** Checks an update patch: known columns, fitting values, and never the id. */
export function preparePatch(table: AnyTable, patch: Readonly<Record<string, unknown>>): Record<string, unknown> {
  if (typeof patch !== "object" || patch === null || Array.isArray(patch)) {
    throw new PlasmaError("invalid-value", `table "${table.$name}": update.set() takes an object, got ${describeValueKind(patch)}`)
  }
  const out: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(patch)) {
    if (value === undefined) continue
    const column = Object.hasOwn(table.$columns, name) ? table.$columns[name] : undefined
    if (column === undefined) throw unknownColumn(table, name)
    if (column.config.kind === "id") {
      throw new PlasmaError("invalid-value", `table "${table.$name}", column "id": the id of a row cannot be updated`)
    }
    checkColumnValue(table.$name, name, column, value)
    out[name] = normalizeValue(column, value)
  }
  return out
}

function structuredCloneValue(value: unknown): unknown {
  if (value === null || typeof value !== "object") return value
  if (value instanceof Uint8Array) return new Uint8Array(value)
  return JSON.parse(JSON.stringify(value)) as unknown
}

/** Canonical JavaScript form: bigint columns hold bigint, json values are deep-copied. */
function normalizeValue(column: AnyColumn, value: unknown): unknown {
  if (value === null) return null
  if (column.config.kind === "bigint") return BigInt(value as number | bigint)
  if (column.config.kind === "json" || column.config.kind === "file") return structuredCloneValue(value)
  return value
}

/** The form SQLite stores: booleans as 0/1, json and file as JSON text. */
export function toSqlValue(column: AnyColumn, value: unknown): SqlValue {
  if (value === null || value === undefined) return null
  switch (column.config.kind) {
    case "boolean":
      return value === true ? 1 : 0
    case "json":
    case "file":
      return JSON.stringify(value)
    case "bigint":
      return typeof value === "bigint" && value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : (value as bigint)
    default:
      return value as SqlValue
  }
}

/** Reads a stored value back into its JavaScript form. */
export function fromSqlValue(column: AnyColumn, value: unknown): unknown {
  if (value === null || value === undefined) return null
  switch (column.config.kind) {
    case "boolean":
      return value === 1 || value === true || value === 1n
    case "json":
    case "file":
      return typeof value === "string" ? (JSON.parse(value) as unknown) : value
    case "bigint":
      return typeof value === "string" || typeof value === "number" || typeof value === "bigint" ? BigInt(value) : value
    case "blob":
      return value instanceof Uint8Array ? value : Array.isArray(value) ? Uint8Array.from(value as number[]) : value
    default:
      return value
  }
}

/** Decodes a stored row of `table` (unknown keys are kept as they are). */
export function rowFromSql(table: AnyTable, raw: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const row: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(raw)) {
    const column = table.$columns[name]
    row[name] = column === undefined ? value : fromSqlValue(column, value)
  }
  return row
}

function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16)
  return out
}

/**
 * Decodes a change-log `value` (the JSON the capture triggers write) into a JavaScript row.
 * In that JSON booleans are JSON booleans, json/file columns are embedded JSON, bigints are
 * decimal strings and inline blobs are hex strings.
 */
export function rowFromChangeJson(table: AnyTable, value: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const row: Record<string, unknown> = {}
  for (const [name, v] of Object.entries(value)) {
    const column = table.$columns[name]
    if (column === undefined || v === null) {
      row[name] = v
      continue
    }
    switch (column.config.kind) {
      case "bigint":
        row[name] = BigInt(v as string | number)
        break
      case "blob":
        row[name] = typeof v === "string" ? hexToBytes(v) : v
        break
      case "boolean":
        row[name] = v === true || v === 1
        break
      default:
        row[name] = v
    }
  }
  return row
}
