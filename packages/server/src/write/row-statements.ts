/**
 * Per-row SQL for the write path. Predicate writes are turned into writes by id before they get
 * here, so every statement names its rows explicitly and the overlay knows exactly what changed.
 * Lists of ids are chunked to the executor's bound-parameter limit (100 on D1).
 */
import { toSqlValue, type AnyTable } from "@plasma/core"
import type { SqlQuery } from "@plasma/executors"
import { quoteIdentifier } from "../schema/ddl.js"

const q = quoteIdentifier

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

const insertHeads = new WeakMap<AnyTable, { head: string; tuple: string; names: string[] }>()

function insertHead(table: AnyTable): { head: string; tuple: string; names: string[] } {
  let cached = insertHeads.get(table)
  if (cached === undefined) {
    const names = Object.keys(table.$columns)
    cached = { head: `INSERT INTO ${q(table.$name)} (${names.map(q).join(", ")}) VALUES `, tuple: `(${names.map(() => "?").join(", ")})`, names }
    insertHeads.set(table, cached)
  }
  return cached
}

/** INSERT statements for full rows (defaults already applied), as few as the limit allows. */
export function insertStatements(table: AnyTable, rows: readonly Readonly<Record<string, unknown>>[], maxParams: number): SqlQuery[] {
  const { head, tuple, names } = insertHead(table)
  const perStatement = Math.max(1, Math.floor(maxParams / names.length))
  return chunk(rows, perStatement).map((group) => ({
    text: head + group.map(() => tuple).join(", "),
    params: group.flatMap((row) => names.map((name) => toSqlValue(table.$columns[name]!, row[name] ?? null))),
  }))
}

const updateTexts = new WeakMap<AnyTable, Map<string, string>>()

/** `UPDATE … SET <names> WHERE "id" IN (<count> ?)`, built once per shape (a push repeats a few shapes many times). */
function updateText(table: AnyTable, names: readonly string[], count: number): string {
  let texts = updateTexts.get(table)
  if (texts === undefined) updateTexts.set(table, (texts = new Map()))
  const key = `${count}\u0000${names.join("\u0000")}`
  let text = texts.get(key)
  if (text === undefined) {
    if (texts.size >= 256) texts.clear() // bounded: shapes come from app code, not from data
    text = `UPDATE ${q(table.$name)} SET ${names.map((n) => `${q(n)} = ?`).join(", ")} WHERE "id" IN (${Array.from({ length: count }, () => "?").join(", ")})`
    texts.set(key, text)
  }
  return text
}

/** UPDATE statements applying one patch to the rows with the given ids. */
export function updateStatements(table: AnyTable, patch: Readonly<Record<string, unknown>>, ids: readonly string[], maxParams: number): SqlQuery[] {
  const names = Object.keys(patch)
  if (names.length === 0 || ids.length === 0) return []
  const values = names.map((n) => toSqlValue(table.$columns[n]!, patch[n] ?? null))
  return chunk(ids, Math.max(1, maxParams - names.length)).map((group) => ({
    text: updateText(table, names, group.length),
    params: [...values, ...group],
  }))
}

/** DELETE statements for the rows with the given ids. */
export function deleteStatements(table: AnyTable, ids: readonly string[], maxParams: number): SqlQuery[] {
  return chunk(ids, maxParams).map((group) => ({
    text: `DELETE FROM ${q(table.$name)} WHERE "id" IN (${group.map(() => "?").join(", ")})`,
    params: group,
  }))
}

export { chunk }
