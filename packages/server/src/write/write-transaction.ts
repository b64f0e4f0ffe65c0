/**
 * A buffered, serializable write transaction that works the same on every executor, D1 included.
 *
 * D1 has no BEGIN, so nothing is sent while a mutator runs. Writes are buffered as statements by
 * id, and each touched row's post-image (or a tombstone) goes into an overlay keyed by
 * (table, id). Reads see the overlay: a query over tables without overlay rows goes to the
 * database as is; otherwise the rows of its tables are fetched (the WHERE pushed down when there
 * is no join), merged with the overlay, and the query is finished by the in-memory evaluator of
 * `@plasma/core`, so results agree with SQLite by construction.
 *
 * Predicate writes become writes by id: `update ... where p` reads the affected rows, computes
 * post-images in JavaScript, runs the table's `write` predicate on pre- and post-image and
 * buffers `UPDATE ... WHERE id IN (...)`. Deletes mirror SQLite's foreign-key actions into the
 * overlay (cascade, set null; restrict refuses) while SQLite performs them for real at commit,
 * where the capture triggers log every cascaded row.
 *
 * The caller commits `statements()` in one atomic batch behind the guards of `commit.ts`: the
 * tables read since `startVersion` must be unchanged, and every FileRef written must have bytes.
 * `mark()`/`rollbackTo()` drop one mutation's effects inside a push.
 */
import {
  PlasmaError,
  createSelectNode,
  evaluateSelect,
  matchesCondition,
  mimeEssenceOf,
  prepareInsertRow,
  refTargetOf,
  toSqlValue,
  preparePatch,
  tableOf,
  tablesOfSelect,
  validateQuery,
  type AnySchema,
  type AnyTable,
  type AuthContext,
  type ExprNode,
  type FileRef,
  type QueryEngine,
  type SelectNode,
  type WriteNode,
  type WriteResult,
} from "@plasma/core"
import type { SqlExecutor, SqlQuery } from "@plasma/executors"
import { compileSelect } from "../compile/compile-select.js"
import { referencesTo } from "./references.js"
import { chunk, deleteStatements, insertStatements, updateStatements } from "./row-statements.js"

type Row = Record<string, unknown>

export interface WriteTransactionOptions {
  readonly schema: AnySchema
  readonly executor: SqlExecutor
  /** The context `auth` predicates see; `null` bypasses them (admin). */
  readonly ctx: AuthContext | null
  /** Also filter reads through `auth.read` (createServerDb does; mutators on the sync path do not). */
  readonly applyReadAuth: boolean
}

/** What a transaction read: whole tables, and single rows by (table, id). */
export interface ReadSet {
  readonly tables: ReadonlySet<string>
  readonly rows: readonly (readonly [string, string])[]
}

/** A point to roll one mutation back to. */
export interface TransactionMark {
  readonly statements: number
  readonly undo: number
  readonly blobs: ReadonlyMap<string, { readonly size: number; readonly mime: string }>
}

interface UndoEntry {
  readonly table: string
  readonly id: string
  readonly had: boolean
  readonly previous: Row | null
}

export class WriteTransaction implements QueryEngine {
  readonly #schema: AnySchema
  readonly #executor: SqlExecutor
  readonly #ctx: AuthContext | null
  readonly #applyReadAuth: boolean
  readonly #maxParams: number
  readonly #overlay = new Map<string, Map<string, Row | null>>()
  readonly #undo: UndoEntry[] = []
  #statements: SqlQuery[] = []
  readonly #readTables = new Set<string>()
  readonly #readRows = new Map<string, Set<string>>()
  #blobs = new Map<string, { readonly size: number; readonly mime: string }>()

  constructor(options: WriteTransactionOptions) {
    this.#schema = options.schema
    this.#executor = options.executor
    this.#ctx = options.ctx
    this.#applyReadAuth = options.applyReadAuth
    // Leave room for the statement's own values beside a chunk of ids.
    this.#maxParams = Math.max(10, options.executor.capabilities.maxBoundParameters)
  }

  /** The buffered statements, in order. */
  statements(): readonly SqlQuery[] {
    return this.#statements
  }
  /**
   * What this transaction read, for the serializability guard: whole tables (scans, joins,
   * aggregates: any change to them conflicts, which also stops phantoms) and single rows (lookups
   * by id: only a change to one of those rows conflicts).
   */
  readSet(): ReadSet {
    const rows: [string, string][] = []
    for (const [table, ids] of this.#readRows) if (!this.#readTables.has(table)) for (const id of ids) rows.push([table, id])
    return { tables: this.#readTables, rows }
  }
  /** FileRefs written, by hash → size and MIME essence: their bytes must exist at commit. */
  requiredBlobs(): ReadonlyMap<string, { readonly size: number; readonly mime: string }> {
    return this.#blobs
  }
  /** `true` when some row write is buffered. */
  hasWrites(): boolean {
    return this.#undo.length > 0
  }

  /** Appends a statement that is not a row write (origin stamps, client bookkeeping). */
  append(query: SqlQuery): void {
    this.#statements.push(query)
  }

  mark(): TransactionMark {
    return { statements: this.#statements.length, undo: this.#undo.length, blobs: new Map(this.#blobs) }
  }

  rollbackTo(mark: TransactionMark): void {
    this.#statements = this.#statements.slice(0, mark.statements)
    while (this.#undo.length > mark.undo) {
      const entry = this.#undo.pop()!
      const rows = this.#overlay.get(entry.table)!
      if (entry.had) rows.set(entry.id, entry.previous)
      else rows.delete(entry.id)
    }
    this.#blobs = new Map(mark.blobs)
  }

  #put(table: string, id: string, row: Row | null): void {
    let rows = this.#overlay.get(table)
    if (rows === undefined) this.#overlay.set(table, (rows = new Map()))
    this.#undo.push({ table, id, had: rows.has(id), previous: rows.get(id) ?? null })
    rows.set(id, row)
  }

  #canRead(table: AnyTable, row: Row): boolean {
    const read = table.$options.auth?.read
    return !this.#applyReadAuth || this.#ctx === null || read === undefined || read(this.#ctx, row)
  }

  #checkWrite(table: AnyTable, row: Row, which: "before" | "after"): void {
    const write = table.$options.auth?.write
    if (this.#ctx === null || write === undefined || write(this.#ctx, row)) return
    throw new PlasmaError("write-denied", `table "${table.$name}": the write predicate refused row "${String(row.id)}" (${which} the write)`, {
      details: { table: table.$name, id: String(row.id) },
    })
  }

  #needsEvaluator(tables: readonly string[]): boolean {
    return tables.some((name) => {
      if ((this.#overlay.get(name)?.size ?? 0) > 0) return true
      return this.#applyReadAuth && this.#ctx !== null && tableOf(this.#schema, name).$options.auth?.read !== undefined
    })
  }

  /** Rows of one table as this transaction sees them (database + overlay, read auth applied). */
  async #rowsOf(name: string, pushDown: ExprNode | null): Promise<Row[]> {
    const table = tableOf(this.#schema, name)
    const overlay = this.#overlay.get(name)
    const ids = pointIdsOf(name, pushDown)
    const rows: Row[] = []
    // A lookup by ids that the overlay answers entirely needs no database round trip.
    const overlayAnswers = ids !== null && overlay !== undefined && ids.every((id) => overlay.has(id))
    if (!overlayAnswers) {
      const compiled = compileSelect(this.#schema, { ...createSelectNode(name, null), where: pushDown })
      const fromDb = compiled.decode(await this.#executor.all(compiled.query))
      for (const row of fromDb) if (overlay?.has(row.id as string) !== true && this.#canRead(table, row)) rows.push(row)
    }
    if (overlay !== undefined) {
      // Point lookups only look at their own ids; anything else scans the table's overlay.
      const candidates = ids === null ? overlay.values() : ids.map((id) => overlay.get(id) ?? null)
      for (const row of candidates) {
        if (row !== null && matchesCondition(this.#schema, name, pushDown, row) && this.#canRead(table, row)) rows.push(row)
      }
    }
    return rows
  }

  async select(node: SelectNode): Promise<Row[]> {
    validateQuery(this.#schema, node)
    const tables = tablesOfSelect(node)
    this.#noteRead(node, tables)
    if (!this.#needsEvaluator(tables)) {
      const compiled = compileSelect(this.#schema, node)
      return compiled.decode(await this.#executor.all(compiled.query))
    }
    // Without joins the WHERE can go to the database; aggregates still need every matching row.
    const pushDown = node.joins.length === 0 ? node.where : null
    const sources = new Map<string, Row[]>()
    for (const t of new Set(tables)) sources.set(t, await this.#rowsOf(t, t === node.from ? pushDown : null))
    return evaluateSelect(this.#schema, node, (t) => sources.get(t) ?? [])
  }

  /** Adds what `node` reads to the read set the serializability guard checks. */
  #noteRead(node: SelectNode, tables: readonly string[]): void {
    const ids = node.joins.length === 0 ? pointIdsOf(node.from, node.where) : null
    if (ids === null) {
      for (const t of tables) this.#readTables.add(t)
      return
    }
    // A lookup by id only depends on those rows; a concurrent insert of one of them is a change
    // row for that id too, so the narrower guard still stops the phantom.
    let set = this.#readRows.get(node.from)
    if (set === undefined) this.#readRows.set(node.from, (set = new Set()))
    for (const id of ids) set.add(id)
  }

  /**
   * The rows an update or delete targets, in no particular order. The write node was validated
   * already, and no ordering or projection is needed, so this skips what `select` adds on top.
   */
  async #matching(table: AnyTable, where: ExprNode | null): Promise<Row[]> {
    const node: SelectNode = { ...createSelectNode(table.$name, null), where }
    this.#noteRead(node, [table.$name])
    if (this.#needsEvaluator([table.$name])) return this.#rowsOf(table.$name, where)
    const compiled = compileSelect(this.#schema, node)
    return compiled.decode(await this.#executor.all(compiled.query))
  }

  #noteFiles(table: AnyTable, row: Readonly<Row>): void {
    for (const [name, column] of Object.entries(table.$columns)) {
      if (column.config.kind !== "file") continue
      const value = row[name] as FileRef | null | undefined
      if (value !== null && value !== undefined) this.#blobs.set(value.hash, { size: value.size, mime: mimeEssenceOf(value.mime) ?? value.mime })
    }
  }

  async write(node: WriteNode): Promise<WriteResult> {
    validateQuery(this.#schema, node)
    const table = tableOf(this.#schema, node.table)
    // A statement is all or nothing: one that fails halfway (a cascade reaching a restricted
    // row, a refused post-image) must leave neither overlay entries nor statements behind, or a
    // mutator that catches the error would read rows that the commit never writes.
    const mark = this.mark()
    try {
      switch (node.kind) {
        case "insert":
          return await this.#insert(table, node.rows)
        case "update":
          return await this.#update(table, node.set, node.where)
        case "delete":
          return await this.#delete(table, node.where)
      }
    } catch (error) {
      this.rollbackTo(mark)
      throw error
    }
  }

  /**
   * For each request, the rows of `table` (database + overlay, auth ignored: constraints are
   * global) whose `column` holds one of `values`, except the rows in `exclude`. One round trip
   * for all requests together.
   */
  async #existing(requests: readonly { table: string; column: string; values: readonly unknown[]; exclude?: ReadonlySet<string> }[]): Promise<Row[][]> {
    const live = requests.filter((r) => r.values.length > 0)
    const queries: SqlQuery[] = live.map((r) => {
      const column = tableOf(this.#schema, r.table).$columns[r.column]!
      return {
        text: `SELECT "id", "${r.column}" AS v FROM "${r.table}" WHERE "${r.column}" IN (SELECT value FROM json_each(?))`,
        params: [JSON.stringify(r.values.map((v) => toSqlValue(column, v)))],
      }
    })
    // One query needs no batch (a batch is a transaction on better-sqlite3); several share one round trip.
    const results =
      queries.length === 0 ? [] : queries.length === 1 ? [{ rows: await this.#executor.all(queries[0]!) }] : await this.#executor.batch(queries)
    return requests.map((r) => {
      const i = live.indexOf(r)
      if (i < 0) return []
      const column = tableOf(this.#schema, r.table).$columns[r.column]!
      const wanted = new Set(r.values.map((v) => JSON.stringify(toSqlValue(column, v))))
      const overlay = this.#overlay.get(r.table)
      const out: Row[] = []
      for (const row of results[i]?.rows ?? []) {
        const id = row.id as string
        if (overlay?.has(id) !== true && r.exclude?.has(id) !== true) out.push({ id, [r.column]: row.v })
      }
      if (overlay === undefined) return out
      if (r.column === "id") {
        // Ids index the overlay: look them up instead of scanning it (a push of N inserts
        // would otherwise cost N² here).
        for (const id of new Set(r.values as string[])) {
          const row = overlay.get(id) ?? null
          if (row !== null && r.exclude?.has(id) !== true) out.push(row)
        }
        return out
      }
      for (const [id, row] of overlay) {
        if (row !== null && r.exclude?.has(id) !== true && wanted.has(JSON.stringify(toSqlValue(column, row[r.column] ?? null)))) out.push(row)
      }
      return out
    })
  }

  /**
   * Refuses, before anything is buffered, what SQLite would refuse at commit: a duplicate id, a
   * duplicate value in a unique column, a reference to a missing row. The mutator then sees the
   * error where it wrote, as it does against the in-memory engine on the client. (The database
   * stays the final judge: a concurrent commit can still make the batch fail, which drops the
   * mutation.) These lookups do not join the serializability guard's read set on purpose.
   */
  async #checkConstraints(table: AnyTable, rows: readonly Row[], kind: "insert" | "update", columns: readonly string[]): Promise<void> {
    const fail = (message: string, column: string): never => {
      throw new PlasmaError("constraint-violation", `table "${table.$name}", column "${column}": ${message}`, { details: { table: table.$name, column } })
    }
    const ids = new Set(rows.map((r) => r.id as string))
    type Request = { table: string; column: string; values: unknown[]; exclude?: ReadonlySet<string>; check: (found: readonly Row[]) => void }
    const requests: Request[] = []
    if (kind === "insert") {
      requests.push({ table: table.$name, column: "id", values: [...ids], check: (found) => found[0] !== undefined && fail(`a row with id "${String(found[0].id)}" already exists`, "id") })
    }
    for (const name of columns) {
      const column = table.$columns[name]!
      const values = rows.map((r) => r[name]).filter((v) => v !== null && v !== undefined)
      if (column.config.unique && column.config.kind !== "blob") {
        const keys = values.map((v) => JSON.stringify(toSqlValue(column, v)))
        const repeated = keys.find((k, i) => keys.indexOf(k) !== i)
        if (repeated !== undefined) fail(`the unique value ${repeated} would be written to several rows`, name)
        requests.push({
          table: table.$name,
          column: name,
          values,
          exclude: ids,
          check: (found) => found[0] !== undefined && fail(`the unique value ${JSON.stringify(found[0][name])} is already used by row "${String(found[0].id)}"`, name),
        })
      }
      const target = refTargetOf(column)
      if (target !== null) {
        // Rows of one insert may reference each other (SQLite checks at the end of the statement).
        const pending = [...new Set(values as string[])].filter((v) => !(target.table === table.$name && kind === "insert" && ids.has(v)))
        requests.push({
          table: target.table,
          column: "id",
          values: pending,
          check: (found) => {
            const present = new Set(found.map((r) => r.id as string))
            const missing = pending.find((v) => !present.has(v))
            if (missing !== undefined) fail(`no row "${missing}" in table "${target.table}" to reference`, name)
          },
        })
      }
    }
    const found = await this.#existing(requests)
    requests.forEach((request, i) => request.check(found[i]!))
  }

  async #insert(table: AnyTable, input: readonly Readonly<Row>[]): Promise<WriteResult> {
    // Check everything before buffering anything: a statement is all or nothing.
    const rows = input.map((r) => prepareInsertRow(table, r))
    const overlay = this.#overlay.get(table.$name)
    const seen = new Set<string>()
    for (const row of rows) {
      const id = row.id as string
      if (seen.has(id) || (overlay?.get(id) ?? null) !== null) {
        throw new PlasmaError("constraint-violation", `table "${table.$name}": a row with id "${id}" already exists`, { details: { table: table.$name, id } })
      }
      seen.add(id)
      this.#checkWrite(table, row, "after")
    }
    await this.#checkConstraints(table, rows, "insert", Object.keys(table.$columns))
    for (const row of rows) {
      this.#noteFiles(table, row)
      this.#put(table.$name, row.id as string, row)
    }
    this.#statements.push(...insertStatements(table, rows, this.#maxParams))
    return { rowsAffected: rows.length }
  }

  async #update(table: AnyTable, set: Readonly<Row>, where: ExprNode | null): Promise<WriteResult> {
    const patch = preparePatch(table, set)
    const before = await this.#matching(table, where)
    const after = before.map((row) => ({ ...row, ...patch }))
    for (let i = 0; i < before.length; i++) {
      this.#checkWrite(table, before[i]!, "before")
      this.#checkWrite(table, after[i]!, "after")
    }
    if (after.length > 0) await this.#checkConstraints(table, after, "update", Object.keys(patch))
    for (const row of after) {
      this.#noteFiles(table, row)
      this.#put(table.$name, row.id as string, row)
    }
    const ids = before.map((r) => r.id as string)
    this.#statements.push(...updateStatements(table, patch, ids, this.#maxParams))
    return { rowsAffected: before.length }
  }

  async #delete(table: AnyTable, where: ExprNode | null): Promise<WriteResult> {
    const before = await this.#matching(table, where)
    for (const row of before) this.#checkWrite(table, row, "before")
    const ids = before.map((r) => r.id as string)
    await this.#applyDeleteEffects(table, ids, new Set())
    this.#statements.push(...deleteStatements(table, ids, this.#maxParams))
    return { rowsAffected: before.length }
  }

  /**
   * Mirrors SQLite's ON DELETE actions into the overlay so later reads in this transaction see
   * them; SQLite performs them for real when the DELETE commits.
   */
  async #applyDeleteEffects(table: AnyTable, ids: readonly string[], visiting: Set<string>): Promise<void> {
    if (ids.length === 0) return
    for (const id of ids) {
      visiting.add(`${table.$name}\u0000${id}`)
      this.#put(table.$name, id, null)
    }
    for (const reference of referencesTo(this.#schema, table.$name)) {
      const child = tableOf(this.#schema, reference.table)
      const children: Row[] = []
      for (const group of chunk(ids, 90)) {
        const inIds: ExprNode = { kind: "in", operand: { kind: "column", table: child.$name, column: reference.column }, values: group.map((value) => ({ kind: "value", value })) }
        children.push(...(await this.#rowsOf(child.$name, inIds)))
      }
      const pending = children.filter((row) => !visiting.has(`${child.$name}\u0000${String(row.id)}`))
      if (pending.length === 0) continue
      this.#readTables.add(child.$name)
      switch (reference.onDelete) {
        case "cascade":
          await this.#applyDeleteEffects(child, pending.map((r) => r.id as string), visiting)
          break
        case "setNull":
          for (const row of pending) this.#put(child.$name, row.id as string, { ...row, [reference.column]: null })
          break
        case "restrict":
        case "noAction":
          throw new PlasmaError(
            "constraint-violation",
            `table "${table.$name}": cannot delete row "${ids[0] ?? ""}" while table "${child.$name}", column "${reference.column}" references it (onDelete: ${reference.onDelete})`,
            { details: { table: table.$name, referencedBy: child.$name, column: reference.column } },
          )
      }
    }
  }
}

/**
 * The ids a condition pins the table's rows to (`id = x`, `id IN (...)`, or an AND containing
 * one), or `null` when it does not pin them. Used to touch only those overlay entries.
 */
export function pointIdsOf(table: string, condition: ExprNode | null): string[] | null {
  if (condition === null) return null
  const isId = (node: ExprNode): boolean => node.kind === "column" && node.table === table && node.column === "id"
  const valueOf = (node: ExprNode): string | null => (node.kind === "value" && typeof node.value === "string" ? node.value : null)
  switch (condition.kind) {
    case "compare": {
      if (condition.op !== "eq") return null
      const value = isId(condition.left) ? valueOf(condition.right) : isId(condition.right) ? valueOf(condition.left) : null
      return value === null ? null : [value]
    }
    case "in": {
      if (!isId(condition.operand)) return null
      const values = condition.values.map(valueOf)
      return values.every((v): v is string => v !== null) ? [...new Set(values)] : null
    }
    case "and": {
      for (const operand of condition.operands) {
        const ids = pointIdsOf(table, operand)
        if (ids !== null) return ids
      }
      return null
    }
    default:
      return null
  }
}
