/**
 * Where the memory engine keeps its rows. The engine only reads rows through `get`/`rows` and
 * replaces them whole through `put`/`delete`; it never mutates a row object it got from the
 * store (copy-on-write), so a store may hand out frozen, shared rows. That is what lets the
 * browser client run a mutator over "base + overlay" without cloning the base.
 */

type Row = Record<string, unknown>

/** Where the memory engine keeps rows. Default: plain maps ({@link createMapRowStore}). */
export interface MemoryRowStore {
  /** The row of `table` with this id, or `undefined`. */
  get(table: string, id: string): Readonly<Row> | undefined
  /** Every current row of the table (any order; the evaluator sorts). */
  rows(table: string): Iterable<Readonly<Row>>
  /** Stores `row` (keyed by `row.id`), replacing any row with that id. The store may freeze it. */
  put(table: string, row: Readonly<Row>): void
  /** Removes the row with this id (nothing when there is none). */
  delete(table: string, id: string): void
}

/**
 * The default row store: one `Map` per table, rows in insertion order (a replaced row keeps
 * its place).
 * @example
 * const store = createMapRowStore()
 * const { db } = createMemoryEngine(schema, { store })
 */
export function createMapRowStore(): MemoryRowStore {
  const tables = new Map<string, Map<string, Readonly<Row>>>()
  const rowsOf = (table: string): Map<string, Readonly<Row>> => {
    let rows = tables.get(table)
    if (rows === undefined) tables.set(table, (rows = new Map()))
    return rows
  }
  return {
    get: (table, id) => tables.get(table)?.get(id),
    rows: (table) => tables.get(table)?.values() ?? [],
    put: (table, row) => void rowsOf(table).set(row.id as string, row),
    delete: (table, id) => void tables.get(table)?.delete(id),
  }
}
