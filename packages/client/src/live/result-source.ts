/**
 * How one live query computes its result: from scratch, and after a change set. Two
 * implementations: `createSortedWindow` (incremental, for one table + where + orderBy +
 * limit/offset) and `createFullEvaluation` (core's `evaluateSelect` again, for every other shape).
 */
import type { HeldChange } from "./holder-index.js"
import type { RowKeying } from "./live-delta.js"
import type { Row } from "./row-identity.js"

/** A changed id and its row in the view now (`undefined`: deleted), with its holders cached. */
export interface ChangedRow extends HeldChange {
  readonly row: Readonly<Row> | undefined
}

/**
 * One notification, with each changed id looked up in the view once for all queries (the
 * registry resolves only the tables some attached query reads).
 */
export type ResolvedChanges = ReadonlyMap<string, readonly ChangedRow[]>

/** The result maintenance of one live query. */
export interface ResultSource {
  /** How rows are matched between deliveries (see `computeDelta`). */
  readonly keying: RowKeying
  /**
   * The result over the whole view. Rows equal to a row of `previous` are that same object.
   * Resets any incremental state.
   */
  evaluate(previous: readonly Row[] | undefined): readonly Row[]
  /**
   * The result after `changes` (which touch at least one table the query reads), given the
   * last result `previous`. Returns `previous` itself when the result did not change.
   */
  update(changes: ResolvedChanges, previous: readonly Row[]): readonly Row[]
  /** Releases incremental state; the next call is `evaluate`. */
  release(): void
}
