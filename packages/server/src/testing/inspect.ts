/** Reading a database back in tests: change rows, blob refs and a dump of every table. */
import type { SqlExecutor } from "@plasma/executors"
import { USER_TABLES } from "./fixture-schema.js"

export interface ChangeRow {
  readonly row_version: number
  readonly table_name: string
  readonly row_id: string
  readonly op: "put" | "del"
  readonly value: Record<string, unknown> | null
  readonly client_group_id: string | null
  readonly client_id: string | null
  readonly mutation_id: number | null
}

/** Every `_plasma_changes` row in row_version order, its value parsed. */
export async function changeRows(executor: SqlExecutor, after = 0): Promise<ChangeRow[]> {
  const rows = await executor.all<Omit<ChangeRow, "value"> & { value: string | null }>({
    text: "SELECT row_version, table_name, row_id, op, value, client_group_id, client_id, mutation_id FROM _plasma_changes WHERE row_version > ? ORDER BY row_version",
    params: [after],
  })
  return rows.map((r) => ({ ...r, value: r.value === null ? null : (JSON.parse(r.value) as Record<string, unknown>) }))
}

/** `table:id:op` per change row, in order: compact to compare. */
export async function changeKeys(executor: SqlExecutor, after = 0): Promise<string[]> {
  return (await changeRows(executor, after)).map((c) => `${c.table_name}:${c.row_id}:${c.op}`)
}

export async function maxVersion(executor: SqlExecutor): Promise<number> {
  const rows = await executor.all<{ v: number | null }>({ text: "SELECT MAX(row_version) AS v FROM _plasma_changes", params: [] })
  return Number(rows[0]?.v ?? 0)
}

/** `_plasma_blob_refs` as sorted `hash|table|row|column` strings. */
export async function blobRefs(executor: SqlExecutor): Promise<string[]> {
  const rows = await executor.all<{ hash: string; table_name: string; row_id: string; column_name: string }>({
    text: "SELECT hash, table_name, row_id, column_name FROM _plasma_blob_refs",
    params: [],
  })
  return rows.map((r) => `${r.hash}|${r.table_name}|${r.row_id}|${r.column_name}`).sort()
}

/**
 * The refs the user tables imply: one per non-NULL file value (`table|row|column` → hash), found
 * with raw SQL so the check does not trust the code under test.
 */
export async function expectedBlobRefs(executor: SqlExecutor, columns: readonly (readonly [table: string, column: string])[]): Promise<string[]> {
  const out: string[] = []
  for (const [table, column] of columns) {
    const rows = await executor.all<{ id: string; hash: string }>({
      text:
        executor.dialect.name === "postgres"
          ? `SELECT id, "${column}" ->> 'hash' AS hash FROM "${table}" WHERE "${column}" IS NOT NULL`
          : `SELECT id, json_extract("${column}", '$.hash') AS hash FROM "${table}" WHERE "${column}" IS NOT NULL`,
      params: [],
    })
    for (const r of rows) out.push(`${r.hash}|${table}|${r.id}|${column}`)
  }
  return out.sort()
}

const DUMPED_INTERNAL = ["_plasma_changes", "_plasma_client_mutations", "_plasma_blobs", "_plasma_blob_refs", "_plasma_origin", "_plasma_guard", "_plasma_blob_guard"]

/** Every row of every fixture table and internal table, for before/after comparisons. */
export async function dumpAll(executor: SqlExecutor, tables: readonly string[] = USER_TABLES): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {}
  const postgres = executor.dialect.name === "postgres"
  for (const name of [...tables, ...DUMPED_INTERNAL]) {
    // Postgres has no rowid (ctid is a row's place, stable while nothing changes) and no origin table.
    if (postgres && name === "_plasma_origin") continue
    out[name] = await executor.all({ text: `SELECT * FROM "${name}" ORDER BY ${postgres ? "ctid" : "rowid"}`, params: [] })
  }
  return out
}

/** Inserts `_plasma_blobs` rows as if the bytes had been uploaded. */
export async function seedBlobs(executor: SqlExecutor, refs: readonly { hash: string; size: number; mime: string }[], uploadedAt = 1): Promise<void> {
  await executor.batch(
    refs.map((r) => ({ text: "INSERT INTO _plasma_blobs (hash, size, mime, uploaded_at, orphaned_at) VALUES (?, ?, ?, ?, NULL)", params: [r.hash, r.size, r.mime, uploadedAt] })),
  )
}

/** `hash → orphaned_at` of `_plasma_blobs`. */
export async function orphanMarks(executor: SqlExecutor): Promise<Record<string, number | null>> {
  const rows = await executor.all<{ hash: string; orphaned_at: number | null }>({ text: "SELECT hash, orphaned_at FROM _plasma_blobs", params: [] })
  return Object.fromEntries(rows.map((r) => [r.hash, r.orphaned_at]))
}
