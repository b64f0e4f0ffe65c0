/** The output of `planWrite`: everything one write statement does, decided before anything is applied. */
import type { FileRef } from "../schema/column.js"

type Row = Record<string, unknown>

/** One row the statement writes: a full post-image, or a deletion. */
export type PlannedChange =
  | { readonly op: "put"; readonly table: string; readonly id: string; readonly row: Readonly<Row> }
  | { readonly op: "del"; readonly table: string; readonly id: string; readonly row: null }

/**
 * The statement itself, by id, for engines that run SQL: the database performs the `onDelete`
 * actions on its own, so a delete names only the rows it targets.
 */
export type PlannedStatement =
  | { readonly kind: "insert"; readonly table: string; readonly rows: readonly Readonly<Row>[] }
  | { readonly kind: "update"; readonly table: string; readonly patch: Readonly<Row>; readonly ids: readonly string[] }
  | { readonly kind: "delete"; readonly table: string; readonly ids: readonly string[] }

/** Everything one write statement does. */
export interface WritePlan {
  /** Rows the statement itself matched or inserted (cascades not counted; SQLite's `changes()`). */
  readonly rowsAffected: number
  /**
   * Every row written, in order: the statement's own rows, then rows deleted by `cascade`
   * (breadth first), then rows changed by `setNull` (one entry per row, all its nulls applied).
   */
  readonly changes: readonly PlannedChange[]
  readonly statement: PlannedStatement
  /** FileRefs the statement writes (inserted rows, an update's patch): their bytes must exist at commit. */
  readonly files: readonly FileRef[]
  /**
   * Tables whose rows decided an `onDelete` effect (a cascade or set-null reached them): a
   * serializable engine adds them to what the transaction read.
   */
  readonly reached: readonly string[]
}
