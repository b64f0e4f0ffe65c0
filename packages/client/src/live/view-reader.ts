/**
 * What live queries read: the client's optimistic view (base + overlay), and the change sets the
 * client reports after each step that moved it.
 */
import type { Row } from "./row-identity.js"

/**
 * Read access to the optimistic view. Rows are frozen JS-form rows (as the memory engine stores
 * them) and are replaced, never mutated, when they change: a row object seen once keeps its
 * content for ever, which is what lets live queries compare by identity.
 */
export interface ViewReader {
  /** Every row of `table` in the view (any order). */
  rows(table: string): Iterable<Readonly<Row>>
  /** The row of `table` with this id, if the view has one. */
  get(table: string, id: string): Readonly<Row> | undefined
}

/** Per table, the ids whose row in the view was put or deleted since the last notify. */
export type ViewChanges = ReadonlyMap<string, ReadonlySet<string>>
