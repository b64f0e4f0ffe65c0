/**
 * What the write planner reads: the rows a write targets and the rows its constraints and
 * `onDelete` actions depend on. Each engine implements it over its own storage (the memory engine
 * over its row store; the server over the database plus the transaction's overlay), so the rules
 * themselves live once, in `planWrite`.
 */
import type { ExprNode } from "../query/ast.js"

type Row = Record<string, unknown>

/** A value or a promise of it: the memory engine answers synchronously, the server does not. */
export type MaybePromise<T> = T | Promise<T>

/**
 * Rows of `table` whose `column` holds one of `values`, compared as SQLite compares the stored
 * values (`toSqlValue`). NULL never matches.
 */
export interface RowLookup {
  readonly table: string
  readonly column: string
  readonly values: readonly unknown[]
  /**
   * Why the planner asks.
   * - `constraint`: duplicate ids, unique values, referenced rows. These are global facts, not
   *   something the transaction read (the database stays the final judge at commit), and a row
   *   needs only its `id` and `column`.
   * - `referencing`: rows an `onDelete` action reaches; full rows (a set-null writes the rest back).
   */
  readonly purpose: "constraint" | "referencing"
}

/** Where the planner reads rows: as the transaction sees them (its own writes included), no read predicate applied. */
export interface WriteRowSource {
  /** Every row of `table` that `where` matches (all rows when `null`), in any order. */
  matching(table: string, where: ExprNode | null): MaybePromise<readonly Readonly<Row>[]>
  /** Answers each lookup, in order; an engine may answer them all in one round trip. */
  lookup(lookups: readonly RowLookup[]): MaybePromise<readonly (readonly Readonly<Row>[])[]>
}
