/**
 * The SQL a transaction will commit, in order, and the FileRefs its rows write (their bytes must
 * exist at commit). Nothing is sent while a mutator runs: D1 has no BEGIN, so the whole
 * transaction goes out as one batch behind the guards of `commit.ts`.
 *
 * With a {@link ChangeStamp} (SQLite dialects) the buffer also logs the change row of every row
 * a plan writes and brackets its statements with the self-logging marker (`change-rows.ts`);
 * without one (Postgres) the database's capture triggers log them.
 */
import { mimeEssenceOf, tableOf, type AnySchema, type WritePlan } from "@plasma/core"
import type { SqlQuery } from "@plasma/executors"
import { BEGIN_SELF_LOGGING, changeInsertCount, changeInsertStatements, changeValueJson, END_SELF_LOGGING, type ChangeStamp, type LoggedChange } from "./change-rows.js"
import { deleteStatements, insertStatements, updateStatements } from "./row-statements.js"

/** A FileRef's bytes as the blob guard checks them. */
export interface RequiredBlob {
  readonly size: number
  readonly mime: string
}

/** A point to roll the buffer back to. */
export interface BufferMark {
  readonly statements: number
  readonly blobs: number
  readonly changes: number
}

/** Buffered statements and required blobs of one transaction. */
export class StatementBuffer {
  readonly #schema: AnySchema
  readonly #maxParams: number
  readonly #statements: SqlQuery[] = []
  /** In write order (a mark is a length: cheap, as a push marks every mutation); later entries win. */
  readonly #blobs: (readonly [string, RequiredBlob])[] = []
  /** `null` when the database's triggers log the changes. */
  readonly #stamp: ChangeStamp | null
  readonly #changes: LoggedChange[] = []
  #mutationID: number | null = null

  constructor(schema: AnySchema, maxBoundParameters: number, stamp: ChangeStamp | null = null) {
    this.#schema = schema
    // Leave room for the statement's own values beside a chunk of ids.
    this.#maxParams = Math.max(10, maxBoundParameters)
    this.#stamp = stamp
  }

  /** `true` when the buffer logs the change rows itself. */
  get logsChanges(): boolean {
    return this.#stamp !== null
  }

  /** The mutation the next plans belong to (stamped on their change rows). */
  setMutationID(id: number | null): void {
    this.#mutationID = id
  }

  /** The statements to commit, in order (with the change rows and the marker when self-logging). */
  statements(): readonly SqlQuery[] {
    if (this.#stamp === null) return this.#statements
    return [BEGIN_SELF_LOGGING, ...this.#statements, ...changeInsertStatements(this.#changes, this.#stamp, this.#maxParams), END_SELF_LOGGING]
  }

  /** `statements().length`, without building them. */
  statementCount(): number {
    if (this.#stamp === null) return this.#statements.length
    return this.#statements.length + changeInsertCount(this.#changes.length, this.#maxParams) + 2
  }

  /** FileRefs written, by hash → size and MIME essence. */
  requiredBlobs(): ReadonlyMap<string, RequiredBlob> {
    return new Map(this.#blobs)
  }

  /** Appends a statement that is not a row write (origin stamps, client bookkeeping). */
  append(query: SqlQuery): void {
    this.#statements.push(query)
  }

  /**
   * Appends the SQL of a planned write. Only the statement itself: the database performs the
   * `onDelete` actions. When self-logging, the change rows of every row the plan writes (the
   * rows its `onDelete` actions reach included); otherwise the capture triggers log them.
   */
  appendPlan(plan: WritePlan): void {
    const statement = plan.statement
    const table = tableOf(this.#schema, statement.table)
    switch (statement.kind) {
      case "insert":
        this.#statements.push(...insertStatements(table, statement.rows, this.#maxParams))
        break
      case "update":
        this.#statements.push(...updateStatements(table, statement.patch, statement.ids, this.#maxParams))
        break
      case "delete":
        this.#statements.push(...deleteStatements(table, statement.ids, this.#maxParams))
        break
    }
    for (const file of plan.files) this.#blobs.push([file.hash, { size: file.size, mime: mimeEssenceOf(file.mime) ?? file.mime }])
    if (this.#stamp !== null) {
      const mutationID = this.#mutationID
      for (const change of plan.changes) {
        const changed = change.table === table.$name ? table : tableOf(this.#schema, change.table)
        if (changed.$options.changeLogSuppressed === true) continue // local-only: no change rows, as with the triggers
        const value = change.row === null ? null : changeValueJson(changed, change.row)
        this.#changes.push({ table: change.table, id: change.id, op: change.op, value, mutationID })
      }
    }
  }

  mark(): BufferMark {
    return { statements: this.#statements.length, blobs: this.#blobs.length, changes: this.#changes.length }
  }

  rollbackTo(mark: BufferMark): void {
    this.#statements.length = mark.statements
    this.#blobs.length = mark.blobs
    this.#changes.length = mark.changes
  }
}
