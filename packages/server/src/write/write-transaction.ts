/**
 * A buffered, serializable write transaction that works the same on every executor, D1 included.
 *
 * D1 has no BEGIN, so nothing is sent while a mutator runs. Each write statement is planned by
 * `planWrite` of `@plasma/core` — the rules the memory engine (and so the client) follows too —
 * over a row source that reads the database through this transaction's overlay. The plan is then
 * applied: post-images and tombstones (cascades and set-nulls included) into the `Overlay`, the
 * statement by id into the `StatementBuffer` (the database performs the `onDelete` actions for
 * real at commit) with the change row of every row the plan writes (on SQLite; on Postgres the
 * capture triggers log them), and what was read into the `ReadSetRecorder`. Reads go through
 * the `OverlayReader`.
 *
 * The caller commits `statements()` in one atomic batch behind the guards of `commit.ts`: the
 * tables read since `startVersion` must be unchanged, and every FileRef written must have bytes.
 * `mark()`/`rollbackTo()` drop one mutation's effects inside a push.
 */
import {
  createSelectNode,
  evaluateSelect,
  planWrite,
  tableOf,
  tablesOfSelect,
  validateQuery,
  type AnySchema,
  type AuthContext,
  type QueryEngine,
  type SelectNode,
  type WriteNode,
  type WriteResult,
  type WriteRowSource,
} from "@plasma/core"
import { pointIdsOf } from "@plasma/core/internal"
import type { SqlExecutor, SqlQuery } from "@plasma/executors"
import { compileSelect } from "../compile/compile-select.js"
import { Overlay } from "./overlay.js"
import { OverlayReader, type ReadFilter } from "./overlay-reader.js"
import { ReadSetRecorder, type ReadSet } from "./read-set.js"
import { StatementBuffer, type BufferMark, type RequiredBlob } from "./statement-buffer.js"

export type { ReadSet } from "./read-set.js"

type Row = Record<string, unknown>

export interface WriteTransactionOptions {
  readonly schema: AnySchema
  readonly executor: SqlExecutor
  /** The context `auth` predicates see; `null` bypasses them (admin). */
  readonly ctx: AuthContext | null
  /**
   * Also filter reads through `auth.read` (createServerDb does; mutators on the sync path do
   * not). Then an update or delete only reaches rows the context may read.
   */
  readonly applyReadAuth: boolean
  /** Who writes, stamped on the change rows; default: a server-side write (NULLs). */
  readonly origin?: { readonly clientGroupID: string | null; readonly clientID: string | null }
  /** `created_at` of the change rows, unix ms; default: when the transaction starts. */
  readonly now?: number
}

/** A point to roll one mutation back to. */
export interface TransactionMark {
  readonly overlay: number
  readonly buffer: BufferMark
}

export class WriteTransaction implements QueryEngine {
  readonly #schema: AnySchema
  readonly #executor: SqlExecutor
  readonly #ctx: AuthContext | null
  readonly #filtersReads: boolean
  readonly #overlay = new Overlay()
  readonly #reads = new ReadSetRecorder()
  readonly #buffer: StatementBuffer
  readonly #reader: OverlayReader
  readonly #source: WriteRowSource

  constructor(options: WriteTransactionOptions) {
    this.#schema = options.schema
    this.#executor = options.executor
    this.#ctx = options.ctx
    const ctx = options.ctx
    const canRead: ReadFilter =
      options.applyReadAuth && ctx !== null
        ? (table, row) => {
            const read = table.$options.auth?.read
            return read === undefined || read(ctx, row)
          }
        : null
    this.#filtersReads = canRead !== null
    // SQLite's triggers stay silent for the write path's own batches (see change-rows.ts);
    // Postgres's capture triggers still log them.
    const stamp =
      options.executor.dialect.name === "sqlite"
        ? { clientGroupID: options.origin?.clientGroupID ?? null, clientID: options.origin?.clientID ?? null, now: options.now ?? Date.now() }
        : null
    this.#buffer = new StatementBuffer(options.schema, options.executor.capabilities.maxBoundParameters, stamp)
    this.#reader = new OverlayReader(options.schema, options.executor, this.#overlay, canRead)
    this.#source = {
      // The rows a write targets are a read of this transaction; constraint lookups are not.
      matching: (table, where) => {
        this.#reads.noteSelect({ ...createSelectNode(table, null), where })
        return this.#reader.matching(table, where)
      },
      lookup: (lookups) => this.#reader.lookup(lookups),
    }
  }

  /** The statements to commit, in order. */
  statements(): readonly SqlQuery[] {
    return this.#buffer.statements()
  }
  /** `statements().length`, without building them. */
  statementCount(): number {
    return this.#buffer.statementCount()
  }
  /**
   * `true` when this transaction logs its own change rows (SQLite); `false` when the database's
   * capture triggers do, reading who writes from the origin stamps (Postgres).
   */
  get logsOwnChanges(): boolean {
    return this.#buffer.logsChanges
  }
  /** The mutation the next writes belong to (stamped on their change rows; `null` outside one). */
  setMutationID(id: number | null): void {
    this.#buffer.setMutationID(id)
  }
  /** What this transaction read, for the serializability guard (see `read-set.ts`). */
  readSet(): ReadSet {
    return this.#reads.snapshot()
  }
  /** FileRefs written, by hash → size and MIME essence: their bytes must exist at commit. */
  requiredBlobs(): ReadonlyMap<string, RequiredBlob> {
    return this.#buffer.requiredBlobs()
  }
  /** `true` when some row write is buffered. */
  hasWrites(): boolean {
    return this.#overlay.length > 0
  }
  /** Appends a statement that is not a row write (origin stamps, client bookkeeping). */
  append(query: SqlQuery): void {
    this.#buffer.append(query)
  }
  mark(): TransactionMark {
    return { overlay: this.#overlay.length, buffer: this.#buffer.mark() }
  }
  rollbackTo(mark: TransactionMark): void {
    this.#overlay.rollbackTo(mark.overlay)
    this.#buffer.rollbackTo(mark.buffer)
  }

  #needsEvaluator(tables: readonly string[]): boolean {
    return tables.some((name) => this.#overlay.sizeOf(name) > 0 || (this.#filtersReads && tableOf(this.#schema, name).$options.auth?.read !== undefined))
  }

  async select(node: SelectNode): Promise<Row[]> {
    validateQuery(this.#schema, node)
    const tables = tablesOfSelect(node)
    this.#reads.noteSelect(node)
    if (!this.#needsEvaluator(tables)) {
      const compiled = compileSelect(this.#schema, node)
      return compiled.decode(await this.#executor.all(compiled.query))
    }
    if (node.joins.length === 0) {
      // Without joins the WHERE goes to the database; a limit bounds what is fetched.
      const rows =
        (pointIdsOf(node.from, node.where) === null ? await this.#reader.boundedRows(node) : null) ?? (await this.#reader.matching(node.from, node.where))
      return evaluateSelect(this.#schema, node, () => rows)
    }
    const sources = new Map<string, readonly Readonly<Row>[]>()
    for (const table of new Set(tables)) sources.set(table, await this.#reader.matching(table, null))
    return evaluateSelect(this.#schema, node, (table) => sources.get(table) ?? [])
  }

  async write(node: WriteNode): Promise<WriteResult> {
    validateQuery(this.#schema, node)
    // Planned in full before anything is applied: a statement that fails leaves neither overlay
    // entries nor statements behind, so a mutator that catches the error reads what commits.
    const plan = await planWrite(this.#schema, node, this.#source, { ctx: this.#ctx })
    for (const change of plan.changes) this.#overlay.put(change.table, change.id, change.row)
    for (const table of plan.reached) this.#reads.noteTable(table)
    this.#buffer.appendPlan(plan)
    return { rowsAffected: plan.rowsAffected }
  }
}
