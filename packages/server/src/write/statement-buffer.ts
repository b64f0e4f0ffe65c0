/**
 * The SQL a transaction will commit, in order, and the FileRefs its rows write (their bytes must
 * exist at commit). Nothing is sent while a mutator runs: D1 has no BEGIN, so the whole
 * transaction goes out as one batch behind the guards of `commit.ts`.
 */
import { mimeEssenceOf, tableOf, type AnySchema, type WritePlan } from "@plasma/core"
import type { SqlQuery } from "@plasma/executors"
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
}

/** Buffered statements and required blobs of one transaction. */
export class StatementBuffer {
  readonly #schema: AnySchema
  readonly #maxParams: number
  readonly #statements: SqlQuery[] = []
  /** In write order (a mark is a length: cheap, as a push marks every mutation); later entries win. */
  readonly #blobs: (readonly [string, RequiredBlob])[] = []

  constructor(schema: AnySchema, maxBoundParameters: number) {
    this.#schema = schema
    // Leave room for the statement's own values beside a chunk of ids.
    this.#maxParams = Math.max(10, maxBoundParameters)
  }

  /** The buffered statements, in order. */
  statements(): readonly SqlQuery[] {
    return this.#statements
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
   * `onDelete` actions, and its capture triggers log every row they reach.
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
  }

  mark(): BufferMark {
    return { statements: this.#statements.length, blobs: this.#blobs.length }
  }

  rollbackTo(mark: BufferMark): void {
    this.#statements.length = mark.statements
    this.#blobs.length = mark.blobs
  }
}
