/**
 * Reads as a transaction sees them: database rows, minus those its overlay shadows, plus the
 * overlay's own rows, with the read predicate applied when the transaction filters reads.
 *
 * - Lookups by id touch only those ids: the overlay answers the ids it holds, one statement by
 *   id fetches the rest (no query compilation: its text is fixed per table).
 * - A `select … limit n` with no join and no aggregate fetches in pages, in the query's full
 *   order, `limit + offset + the overlay's size for the table` rows per page, until that many
 *   rows survive the overlay and the read predicate (or the table ends). Rows past that point
 *   cannot reach the result: at least `limit + offset` rows sort before them. Never the whole
 *   table.
 * - Anything else fetches the matching rows of each table it reads (the WHERE pushed down when
 *   there is no join), and the in-memory evaluator of `@plasma/core` finishes the query, so
 *   results agree with SQLite by construction.
 * - The rows a write starts from (its targets, the rows a set-null reaches) are read exactly:
 *   `bigint` columns come back as text, since a driver hands out an integer beyond 2^53 as a
 *   rounded number, and the write path logs these rows' other columns as it read them.
 */
import {
  createSelectNode,
  fromSqlValue,
  isAggregateSelect,
  rowFromSql,
  tableOf,
  toSqlValue,
  type AnySchema,
  type AnyTable,
  type ExprNode,
  type RowLookup,
  type SelectNode,
} from "@plasma/core"
import { matchesCondition, pointIdsOf, sqlValueKey } from "@plasma/core/internal"
import type { SqlExecutor, SqlQuery } from "@plasma/executors"
import { compileSelect } from "../compile/compile-select.js"
import { quoteIdentifier as q } from "../schema/ddl.js"
import type { Overlay } from "./overlay.js"

type Row = Record<string, unknown>

/** Whether a row may be read; `null` reads everything. */
export type ReadFilter = ((table: AnyTable, row: Readonly<Row>) => boolean) | null

/** Chunk of values per `IN (?, …)` list: under D1's 100 bound parameters. */
const IN_CHUNK = 90

/** The overlay-aware reads of one transaction. */
export class OverlayReader {
  readonly #schema: AnySchema
  readonly #executor: SqlExecutor
  readonly #overlay: Overlay
  readonly #canRead: ReadFilter

  constructor(schema: AnySchema, executor: SqlExecutor, overlay: Overlay, canRead: ReadFilter) {
    this.#schema = schema
    this.#executor = executor
    this.#overlay = overlay
    this.#canRead = canRead
  }

  #readable(table: AnyTable, row: Readonly<Row>): boolean {
    return this.#canRead === null || this.#canRead(table, row)
  }

  /** Every row of `table` matching `where` (in no particular order). */
  async matching(tableName: string, where: ExprNode | null): Promise<Readonly<Row>[]> {
    const table = tableOf(this.#schema, tableName)
    const ids = pointIdsOf(tableName, where)
    const rows: Readonly<Row>[] = []
    if (ids !== null) {
      const missing = ids.filter((id) => !this.#overlay.has(tableName, id))
      const fromDb = missing.length === 0 ? [] : await this.#byIds(table, missing)
      for (const row of fromDb) if (matchesCondition(this.#schema, tableName, where, row) && this.#readable(table, row)) rows.push(row)
      for (const id of ids) {
        const row = this.#overlay.get(tableName, id)
        if (row != null && matchesCondition(this.#schema, tableName, where, row) && this.#readable(table, row)) rows.push(row)
      }
      return rows
    }
    const compiled = compileSelect(this.#schema, { ...createSelectNode(tableName, null), where })
    const exact = exactSelectList(table)
    const found =
      exact === null
        ? compiled.decode(await this.#executor.all(compiled.query))
        : (
            await this.#executor.all({
              text: `SELECT ${exact} FROM ${q(table.$name)} WHERE "id" IN (SELECT "id" FROM (${compiled.query.text}) AS matched)`,
              params: compiled.query.params,
            })
          ).map((raw) => rowFromSql(table, raw))
    for (const row of found) {
      if (!this.#overlay.has(tableName, row.id as string) && this.#readable(table, row)) rows.push(row)
    }
    this.#addOverlayRows(table, where, rows)
    return rows
  }

  /**
   * The rows `node` needs from its `from` table when it can be answered from a bounded prefix
   * (no join, no aggregate, a limit), or `null` when it cannot.
   */
  async boundedRows(node: SelectNode): Promise<Readonly<Row>[] | null> {
    if (node.joins.length > 0 || node.limit === null || node.having !== null || isAggregateSelect(node)) return null
    const table = tableOf(this.#schema, node.from)
    const need = node.limit + (node.offset ?? 0)
    const rows: Readonly<Row>[] = []
    if (need > 0) {
      const page = need + this.#overlay.sizeOf(node.from)
      let kept = 0
      for (let offset = 0; ; offset += page) {
        const compiled = compileSelect(this.#schema, { ...createSelectNode(node.from, null), where: node.where, orderBy: node.orderBy, limit: page, offset })
        const fetched = compiled.decode(await this.#executor.all(compiled.query))
        for (const row of fetched) {
          if (this.#overlay.has(node.from, row.id as string) || !this.#readable(table, row)) continue
          rows.push(row)
          kept++
        }
        if (fetched.length < page || kept >= need) break
      }
    }
    this.#addOverlayRows(table, node.where, rows)
    return rows
  }

  #addOverlayRows(table: AnyTable, where: ExprNode | null, into: Readonly<Row>[]): void {
    for (const row of this.#overlay.entries(table.$name).values()) {
      if (row !== null && matchesCondition(this.#schema, table.$name, where, row) && this.#readable(table, row)) into.push(row)
    }
  }

  /** Rows by id from the database (overlay not applied; read predicate not applied). */
  async #byIds(table: AnyTable, ids: readonly string[]): Promise<Row[]> {
    const queries = chunk(ids, IN_CHUNK).map((group) => byColumnQuery(table, "id", group, "*"))
    const results = await this.#run(queries)
    return results.flat().map((raw) => rowFromSql(table, raw))
  }

  /**
   * Answers the write planner's lookups in one round trip: database rows the overlay does not
   * shadow, plus the overlay's rows holding one of the values. The read predicate is not
   * applied: constraints are global. `constraint` lookups fetch only `id` and the column.
   */
  async lookup(lookups: readonly RowLookup[]): Promise<Readonly<Row>[][]> {
    const queries: SqlQuery[] = []
    const plans = lookups.map((lookup) => {
      const table = tableOf(this.#schema, lookup.table)
      const column = table.$columns[lookup.column]!
      const isId = lookup.column === "id"
      // The overlay knows the ids it holds: only the others need the database.
      const values = isId ? lookup.values.filter((id) => !this.#overlay.has(lookup.table, id as string)) : lookup.values
      const sqlValues = values.map((value) => toSqlValue(column, value))
      const first = queries.length
      for (const group of chunk(sqlValues, IN_CHUNK)) queries.push(byColumnQuery(table, lookup.column, group, lookup.purpose === "constraint" ? "pair" : "*"))
      return { lookup, table, column, isId, first, count: queries.length - first, keys: new Set(sqlValues.map(sqlValueKey)) }
    })
    const results = await this.#run(queries)
    return plans.map(({ lookup, table, column, isId, first, count, keys }) => {
      const rows: Readonly<Row>[] = []
      for (let i = first; i < first + count; i++) {
        for (const raw of results[i] ?? []) {
          if (this.#overlay.has(lookup.table, raw.id as string)) continue
          rows.push(lookup.purpose === "constraint" ? { id: raw.id, [lookup.column]: fromSqlValue(column, raw.v) } : rowFromSql(table, raw))
        }
      }
      if (isId) {
        for (const id of new Set(lookup.values as string[])) {
          const row = this.#overlay.get(lookup.table, id)
          if (row != null) rows.push(row)
        }
      } else if (this.#overlay.sizeOf(lookup.table) > 0) {
        for (const row of this.#overlay.entries(lookup.table).values()) {
          if (row !== null && row[lookup.column] != null && keys.has(sqlValueKey(toSqlValue(column, row[lookup.column])))) rows.push(row)
        }
      }
      return rows
    })
  }

  /** One query runs as a plain read (a batch is a transaction on better-sqlite3); several share one round trip. */
  async #run(queries: readonly SqlQuery[]): Promise<Record<string, unknown>[][]> {
    if (queries.length === 0) return []
    if (queries.length === 1) return [await this.#executor.all(queries[0]!)]
    return (await this.#executor.batch(queries)).map((result) => result.rows as Record<string, unknown>[])
  }
}

/**
 * `SELECT … FROM table WHERE column = ?` (or `IN (?, …)`). One value, the common case, gives a
 * text fixed per (table, column), so the executor's prepared-statement cache keeps it.
 */
function byColumnQuery(table: AnyTable, column: string, values: readonly unknown[], select: "*" | "pair"): SqlQuery {
  if (values.length === 1) {
    let texts = pointTexts.get(table)
    if (texts === undefined) pointTexts.set(table, (texts = new Map()))
    const key = `${select}\u0000${column}`
    let text = texts.get(key)
    if (text === undefined) texts.set(key, (text = `${selectHead(table, column, select)} WHERE ${q(column)} = ?`))
    return { text, params: values }
  }
  return { text: `${selectHead(table, column, select)} WHERE ${q(column)} IN (${values.map(() => "?").join(", ")})`, params: values }
}

const pointTexts = new WeakMap<AnyTable, Map<string, string>>()

function selectHead(table: AnyTable, column: string, select: "*" | "pair"): string {
  if (select === "pair") return `SELECT "id", ${castForExactness(table, column)} AS v FROM ${q(table.$name)}`
  return `SELECT ${exactSelectList(table) ?? "*"} FROM ${q(table.$name)}`
}

const exactLists = new WeakMap<AnyTable, string | null>()

/** A column as selected for an exact read: bigints as decimal text. */
function castForExactness(table: AnyTable, name: string): string {
  return table.$columns[name]?.config.kind === "bigint" ? `CAST(${q(name)} AS TEXT)` : q(name)
}

/** The select list that reads every column of `table` exactly, or `null` when `*` already does (no bigint column). */
function exactSelectList(table: AnyTable): string | null {
  let list = exactLists.get(table)
  if (list === undefined) {
    const names = Object.keys(table.$columns)
    const exact = names.some((name) => table.$columns[name]!.config.kind === "bigint")
    list = exact ? names.map((name) => (table.$columns[name]!.config.kind === "bigint" ? `${castForExactness(table, name)} AS ${q(name)}` : q(name))).join(", ") : null
    exactLists.set(table, list)
  }
  return list
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}
