/**
 * The write path's own change rows, on SQLite (better-sqlite3, D1).
 *
 * The planner hands the write path every row a statement writes, as full post-images (its
 * cascades and set-nulls included), so the write path logs them itself instead of leaving it to
 * the capture triggers: a trigger program per row, building JSON in SQL and joining the origin
 * row, cost more than the row writes. One batch:
 * 1. {@link BEGIN_SELF_LOGGING} inserts the `_plasma_meta` marker the change triggers' `WHEN`
 *    tests (`schema/ddl.ts`): from here on they stay silent (the blob-ref triggers do not);
 * 2. the row writes, then the change rows in write order as multi-row INSERTs (one
 *    `row_version` each, so versions follow write order and the batch's commit);
 * 3. {@link END_SELF_LOGGING} deletes the marker, so raw SQL after the batch is captured again.
 * The batch is atomic: a failure anywhere leaves neither the writes nor the marker behind.
 *
 * `value` is the row in the wire form the triggers write (`rowJsonSql`): booleans as JSON
 * booleans, json and file columns embedded, bigints as decimal strings, blobs as lowercase hex,
 * keys in column order. The text can differ from SQLite's (`1` for a REAL 1.0); the parsed JSON
 * is the same, and that is all a reader sees.
 */
import type { AnyTable, ColumnKind } from "@plasma/core"
import type { SqlQuery } from "@plasma/executors"
import { WRITE_PATH_LOGS_KEY } from "../schema/ddl.js"

/** Starts a batch that logs its own change rows (first statement after the guards). */
export const BEGIN_SELF_LOGGING: SqlQuery = Object.freeze({ text: "INSERT OR REPLACE INTO _plasma_meta (key, value) VALUES (?, '1')", params: Object.freeze([WRITE_PATH_LOGS_KEY]) })
/** Ends it (last statement of the batch). */
export const END_SELF_LOGGING: SqlQuery = Object.freeze({ text: "DELETE FROM _plasma_meta WHERE key = ?", params: Object.freeze([WRITE_PATH_LOGS_KEY]) })

/** One change row the write path logs. */
export interface LoggedChange {
  readonly table: string
  readonly id: string
  readonly op: "put" | "del"
  /** The row's wire JSON for a put, `null` for a del. */
  readonly value: string | null
  readonly mutationID: number | null
}

/** Who writes: stamped on every change row of the batch. */
export interface ChangeStamp {
  readonly clientGroupID: string | null
  readonly clientID: string | null
  /** `created_at`, unix ms. */
  readonly now: number
}

interface Field {
  readonly name: string
  /** `{"name":` for the first column, `,"name":` after it. */
  readonly prefix: string
  readonly kind: ColumnKind
}

const fieldLists = new WeakMap<AnyTable, readonly Field[]>()

function fieldsOf(table: AnyTable): readonly Field[] {
  let fields = fieldLists.get(table)
  if (fields === undefined) {
    fields = Object.entries(table.$columns).map(([name, column], i) => ({ name, prefix: (i === 0 ? "{" : ",") + JSON.stringify(name) + ":", kind: column.config.kind }))
    fieldLists.set(table, fields)
  }
  return fields
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"))

function hexOf(bytes: Uint8Array): string {
  let out = ""
  for (let i = 0; i < bytes.length; i++) out += HEX[bytes[i]!]
  return out
}

/** One value in its wire JSON form (see the module header). */
function wireJson(kind: ColumnKind, value: unknown): string {
  if (value === null || value === undefined) return "null"
  switch (kind) {
    case "boolean":
      return value === true || value === 1 || value === 1n ? "true" : "false"
    case "bigint":
      return `"${String(value)}"`
    case "blob":
      return value instanceof Uint8Array ? `"${hexOf(value)}"` : "null"
    case "int":
    case "real":
      return typeof value === "number" ? String(value) : JSON.stringify(value)
    default:
      // text, id, ref: a JSON string; json and file: the value embedded.
      return JSON.stringify(value)
  }
}

/**
 * A row of `table` as the change log stores it (the JSON the capture triggers build).
 * @example
 * changeValueJson(todos, { id: "t1", title: "a", done: false }) // '{"id":"t1","title":"a","done":false}'
 */
export function changeValueJson(table: AnyTable, row: Readonly<Record<string, unknown>>): string {
  let out = ""
  for (const field of fieldsOf(table)) out += field.prefix + wireJson(field.kind, row[field.name])
  return out + "}"
}

const COLUMNS = "INSERT INTO _plasma_changes (table_name, row_id, op, value, created_at, client_group_id, client_id, mutation_id) VALUES "
const TUPLE = "(?, ?, ?, ?, ?, ?, ?, ?)"
const PARAMS_PER_ROW = 8
/** Bound on rows per INSERT: few distinct statement texts, each prepared once per connection. */
const MAX_ROWS = 256

const insertTexts = new Map<number, string>()

function insertText(rows: number): string {
  let text = insertTexts.get(rows)
  if (text === undefined) insertTexts.set(rows, (text = COLUMNS + Array.from({ length: rows }, () => TUPLE).join(", ")))
  return text
}

/** How many INSERTs {@link changeInsertStatements} makes of `count` changes. */
export function changeInsertCount(count: number, maxBoundParameters: number): number {
  const max = rowsPerInsert(maxBoundParameters)
  let statements = Math.floor(count / max)
  for (let rest = count % max; rest > 0; rest &= rest - 1) statements++
  return statements
}

function rowsPerInsert(maxBoundParameters: number): number {
  return Math.max(1, Math.min(MAX_ROWS, Math.floor(maxBoundParameters / PARAMS_PER_ROW)))
}

/**
 * The INSERTs of `changes`, in order: full chunks of the largest size the parameter limit allows,
 * then the rest in power-of-two chunks, so a connection sees at most a handful of texts.
 */
export function changeInsertStatements(changes: readonly LoggedChange[], stamp: ChangeStamp, maxBoundParameters: number): SqlQuery[] {
  const max = rowsPerInsert(maxBoundParameters)
  const out: SqlQuery[] = []
  let at = 0
  const take = (rows: number): void => {
    const params: unknown[] = new Array<unknown>(rows * PARAMS_PER_ROW)
    for (let r = 0, p = 0; r < rows; r++) {
      const change = changes[at++]!
      params[p++] = change.table
      params[p++] = change.id
      params[p++] = change.op
      params[p++] = change.value
      params[p++] = stamp.now
      params[p++] = stamp.clientGroupID
      params[p++] = stamp.clientID
      params[p++] = change.mutationID
    }
    out.push({ text: insertText(rows), params })
  }
  while (changes.length - at >= max) take(max)
  for (let bit = 1 << 30; bit > 0; bit >>>= 1) if (((changes.length - at) & bit) !== 0) take(bit)
  return out
}
