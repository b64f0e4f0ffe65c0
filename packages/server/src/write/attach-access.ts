/**
 * Attaching a FileRef needs proof of access (SPEC §10, issue 13 item 7). Knowing a blob's hash,
 * size and MIME type must not be enough to attach someone else's bytes to a row of one's own
 * and then download them through it.
 *
 * A write through a sync push that sets a file column to a FileRef is an ATTACH of its hash,
 * allowed when one of these holds, checked in this order (cheapest first):
 * 1. the row already holds that hash in that column (an update that rewrites an unchanged
 *    value; known only for updates that pin their rows by id, every other write is checked);
 * 2. the writer's principal (`principalOf`: the `userID`, else `"group:" + clientGroupID`) has a
 *    row in `_plasma_blob_uploads` for the hash: it sent those bytes itself;
 * 3. the writer can already read a row that references the hash: a table without a `read`
 *    predicate settles it with one indexed lookup; otherwise at most
 *    {@link MAX_REFERENCES_WALKED} referencing rows per table are fetched and run through the
 *    predicate, so the walk stays bounded however many references others add to a hash (the
 *    writer then proves access by uploading the bytes, rule 2).
 * Otherwise the write throws `forbidden` (403) naming the hash: the mutation's own fault, so the
 * push drops it as poison (its id advances) and reports it to `onError` as a `mutation-error`.
 *
 * Reads go through the transaction's (watched) executor, so a database failure during the check
 * is the database's, never poison. Server-side writes (`createServerDb`, `invokeMutator` from
 * server code) are trusted and do not pass through here.
 */
import { fileColumnsOf, isFileRef, PlasmaError, rowFromSql, tableOf, type AnySchema, type AnyTable, type AuthContext, type QueryEngine, type SelectNode, type WriteNode, type WriteResult } from "@plasma/core"
import { pointIdsOf } from "@plasma/core/internal"
import { sqliteDialect, type SqlExecutor } from "@plasma/executors"
import { jsonListSql } from "../dialect/json-list-sql.js"

/** Referencing rows fetched per table when looking for one the writer can read. */
export const MAX_REFERENCES_WALKED = 64

export interface AttachAccessOptions {
  readonly schema: AnySchema
  /** The executor the transaction reads through. */
  readonly executor: SqlExecutor
  /** The writer's context, as the tables' `read` predicates see it. */
  readonly ctx: AuthContext
  /** The writer's principal (`principalOf`). */
  readonly principal: string
}

/** One FileRef a write sets: its hash, the column, and the rows when the write pins them by id. */
interface Attach {
  readonly table: AnyTable
  readonly column: string
  readonly hash: string
  readonly rowIds: readonly string[] | null
}

function attachesOf(schema: AnySchema, node: WriteNode): Attach[] {
  if (node.kind === "delete") return []
  const table = tableOf(schema, node.table)
  const columns = fileColumnsOf(table)
  if (columns.length === 0) return []
  const out: Attach[] = []
  if (node.kind === "insert") {
    for (const row of node.rows) {
      for (const column of columns) {
        const value = row[column]
        if (isFileRef(value)) out.push({ table, column, hash: value.hash, rowIds: null })
      }
    }
    return out
  }
  const rowIds = pointIdsOf(node.table, node.where)
  for (const column of columns) {
    const value = node.set[column]
    if (isFileRef(value)) out.push({ table, column, hash: value.hash, rowIds })
  }
  return out
}

/**
 * Wraps a transaction so that every write it takes is checked for attach access first.
 * @example
 * const db = createDb(schema, guardAttaches(tx, { schema, executor, ctx, principal: principalOf(who) }))
 */
export function guardAttaches(engine: QueryEngine, options: AttachAccessOptions): QueryEngine {
  /** Hashes this writer proved access to (by upload or a readable row), for this transaction. */
  const allowed = new Set<string>()
  return {
    select: (node: SelectNode) => engine.select(node),
    async write(node: WriteNode): Promise<WriteResult> {
      for (const attach of attachesOf(options.schema, node)) {
        if (allowed.has(attach.hash)) continue
        if (await alreadyHeld(options.executor, attach)) continue
        if (!(await mayAttach(options, attach.hash))) {
          throw new PlasmaError(
            "forbidden",
            `${attach.table.$name}.${attach.column}: blob ${attach.hash} may not be attached: upload its bytes first (no upload by this user, and no row referencing it that this user can read)`,
            { details: { table: attach.table.$name, column: attach.column, hash: attach.hash } },
          )
        }
        allowed.add(attach.hash)
      }
      return engine.write(node)
    },
  }
}

/** Rule 1: every row the update pins already holds the hash in that column. */
async function alreadyHeld(executor: SqlExecutor, attach: Attach): Promise<boolean> {
  const ids = attach.rowIds
  if (ids === null || ids.length === 0) return false
  const rows = await executor.all<{ n: unknown }>({
    text: `SELECT COUNT(*) AS n FROM _plasma_blob_refs WHERE hash = ? AND table_name = ? AND column_name = ? AND row_id IN (${jsonListSql(executor.dialect, "text")})`,
    params: [attach.hash, attach.table.$name, attach.column, JSON.stringify([...new Set(ids)])],
  })
  return Number(rows[0]?.n ?? 0) === new Set(ids).size
}

/** Rules 2 and 3. */
async function mayAttach(options: AttachAccessOptions, hash: string): Promise<boolean> {
  const { executor, schema, ctx } = options
  const uploaded = await executor.all({ text: "SELECT 1 AS ok FROM _plasma_blob_uploads WHERE hash = ? AND principal = ?", params: [hash, options.principal] })
  if (uploaded.length > 0) return true
  for (const table of schema.tableList) {
    if (fileColumnsOf(table).length === 0) continue
    const read = table.$options.auth?.read
    if (read === undefined) {
      const any = await executor.all({ text: "SELECT 1 AS ok FROM _plasma_blob_refs WHERE hash = ? AND table_name = ? LIMIT 1", params: [hash, table.$name] })
      if (any.length > 0) return true
      continue
    }
    const raw = await executor.all<Record<string, unknown>>({
      text:
        `SELECT * FROM ${sqliteDialect.quoteIdentifier(table.$name)} WHERE "id" IN ` +
        "(SELECT row_id FROM _plasma_blob_refs WHERE hash = ? AND table_name = ? LIMIT ?)",
      params: [hash, table.$name, MAX_REFERENCES_WALKED],
    })
    for (const row of raw) {
      try {
        if (read(ctx, rowFromSql(table, row))) return true
      } catch {
        // A throwing predicate is a denial, as in a pull.
      }
    }
  }
  return false
}
