/**
 * `reconcileBlobRefs`: rebuild `_plasma_blob_refs` and the orphan marks of `_plasma_blobs` from
 * the user tables, for when something bypassed the capture triggers (writes made while they were
 * missing, a table rebuilt by hand, a bulk import into a copy that was renamed into place).
 *
 * The desired ref set is computed in SQL from every `file()` column of the schema
 * (the `hash` of each non-NULL value, exactly what the triggers record; `blob-sql.ts` spells it
 * for SQLite and Postgres), and
 * everything — reading the differences, applying them, re-marking orphans — runs as ONE atomic
 * batch, so concurrent writes see either the old refs or the repaired ones and the returned
 * lists are exactly what changed. Refs of tables or columns no longer in the schema as file
 * columns are removed. Orphans get `orphaned_at = now` (their grace starts at the repair, the
 * conservative choice: the real time their last ref went is unknown).
 */
import { fileColumnsOf, type AnySchema } from "@plasma/core"
import type { SqlDialect, SqlExecutor, SqlQuery } from "@plasma/executors"
import { blobSqlOf } from "../blob-sql.js"

/** Options of {@link reconcileBlobRefs}. */
export interface ReconcileBlobRefsOptions {
  readonly schema: AnySchema
  readonly executor: SqlExecutor
  /** Quotes the schema's identifiers and picks the SQL spelling: the executor's own (`executor.dialect`). */
  readonly dialect: SqlDialect
  /** The time to stamp on newly orphaned blobs, unix ms. Default `Date.now()`. */
  readonly now?: number
}

/** One row of `_plasma_blob_refs`. */
export interface BlobRef {
  readonly hash: string
  readonly table: string
  readonly rowId: string
  readonly column: string
}

/** What the repair changed. */
export interface ReconcileResult {
  /** Refs that were missing and were added. */
  readonly added: readonly BlobRef[]
  /** Refs that named no file value and were removed. */
  readonly removed: readonly BlobRef[]
  /** Hashes whose last ref was gone and that are now marked orphaned. */
  readonly orphaned: readonly string[]
  /** Hashes marked orphaned that do have refs, now unmarked. */
  readonly unorphaned: readonly string[]
  /**
   * Hashes referenced by some row but never recorded as uploaded (no `_plasma_blobs` row): rows
   * written by raw SQL that point at bytes plasma does not know. Reported, not changed.
   */
  readonly dangling: readonly string[]
}

const lit = (text: string): string => `'${text.replaceAll("'", "''")}'`

/**
 * Repairs blob refs and orphan marks; returns what it changed.
 *
 * @example
 * const executor = fromD1(env.DB) // or fromPostgres(pool)
 * const { added, removed } = await reconcileBlobRefs({ schema, executor, dialect: executor.dialect })
 */
export async function reconcileBlobRefs(options: ReconcileBlobRefsOptions): Promise<ReconcileResult> {
  const { schema, executor, dialect } = options
  const sql = blobSqlOf(dialect)
  const now = options.now ?? Date.now()
  const desired = `WITH desired (hash, table_name, row_id, column_name) AS (${desiredRefsSql(schema, dialect)})`
  const cols = "hash, table_name, row_id, column_name"
  const noRef = "NOT EXISTS (SELECT 1 FROM _plasma_blob_refs r WHERE r.hash = _plasma_blobs.hash)"
  const queries: SqlQuery[] = [
    { text: `${desired} SELECT ${cols} FROM desired EXCEPT SELECT ${cols} FROM _plasma_blob_refs ORDER BY 2, 3, 4, 1`, params: [] },
    { text: `${desired} SELECT ${cols} FROM _plasma_blob_refs EXCEPT SELECT ${cols} FROM desired ORDER BY 2, 3, 4, 1`, params: [] },
    { text: `${desired} DELETE FROM _plasma_blob_refs WHERE (${cols}) NOT IN (SELECT ${cols} FROM desired)`, params: [] },
    // `WHERE true`: SQLite would read a following ON CONFLICT as part of the SELECT's join.
    { text: `${desired} ${sql.insertIgnore(`_plasma_blob_refs (${cols})`, `SELECT ${cols} FROM desired WHERE true`)}`, params: [] },
    { text: `SELECT hash FROM _plasma_blobs WHERE orphaned_at IS NULL AND ${noRef} ORDER BY hash`, params: [] },
    { text: `SELECT hash FROM _plasma_blobs WHERE orphaned_at IS NOT NULL AND NOT ${noRef} ORDER BY hash`, params: [] },
    { text: `UPDATE _plasma_blobs SET orphaned_at = ? WHERE orphaned_at IS NULL AND ${noRef}`, params: [now] },
    { text: `UPDATE _plasma_blobs SET orphaned_at = NULL WHERE orphaned_at IS NOT NULL AND NOT ${noRef}`, params: [] },
    {
      text: "SELECT DISTINCT r.hash FROM _plasma_blob_refs r WHERE NOT EXISTS (SELECT 1 FROM _plasma_blobs b WHERE b.hash = r.hash) ORDER BY r.hash",
      params: [],
    },
  ]
  const [added, removed, , , orphaned, unorphaned, , , dangling] = await executor.batch(queries)
  return {
    added: (added?.rows ?? []).map(toBlobRef),
    removed: (removed?.rows ?? []).map(toBlobRef),
    orphaned: hashesOf(orphaned?.rows),
    unorphaned: hashesOf(unorphaned?.rows),
    dangling: hashesOf(dangling?.rows),
  }
}

/** The refs the user tables imply, one SELECT per file column (what the triggers would record). */
export function desiredRefsSql(schema: AnySchema, dialect: SqlDialect): string {
  const sql = blobSqlOf(dialect)
  const selects: string[] = []
  for (const table of schema.tableList) {
    const t = dialect.quoteIdentifier(table.$name)
    for (const column of fileColumnsOf(table)) {
      const hash = sql.fileHash(dialect.quoteIdentifier(column))
      selects.push(
        `SELECT ${hash}, ${lit(table.$name)}, ${dialect.quoteIdentifier("id")}, ${lit(column)} FROM ${t} ` +
          `WHERE ${dialect.quoteIdentifier(column)} IS NOT NULL AND ${hash} IS NOT NULL`,
      )
    }
  }
  // Typed NULLs: Postgres must know the CTE's column types to compare them with the refs table.
  return selects.length === 0 ? `SELECT CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS TEXT) WHERE ${sql.never}` : selects.join(" UNION ALL ")
}

function toBlobRef(row: Readonly<Record<string, unknown>>): BlobRef {
  return { hash: String(row.hash), table: String(row.table_name), rowId: String(row.row_id), column: String(row.column_name) }
}

function hashesOf(rows: readonly Readonly<Record<string, unknown>>[] | undefined): string[] {
  return (rows ?? []).map((r) => String(r.hash))
}
