/**
 * A transaction's own writes, by (table, id): the post-image of every row it put, or `null` for
 * a row it deleted. Reads layer it over the database; an undo log lets `rollbackTo` drop one
 * mutation's effects inside a push.
 */

type Row = Record<string, unknown>

interface UndoEntry {
  readonly table: string
  readonly id: string
  readonly had: boolean
  readonly previous: Readonly<Row> | null
}

const EMPTY = new Map<string, Readonly<Row> | null>()

/** The overlay of one write transaction. */
export class Overlay {
  readonly #tables = new Map<string, Map<string, Readonly<Row> | null>>()
  readonly #undo: UndoEntry[] = []

  /** The row as this transaction wrote it, `null` when it deleted it, `undefined` when it did not touch it. */
  get(table: string, id: string): Readonly<Row> | null | undefined {
    return this.#tables.get(table)?.get(id)
  }

  /** `true` when this transaction wrote (or deleted) the row: the database's copy is stale. */
  has(table: string, id: string): boolean {
    return this.#tables.get(table)?.has(id) === true
  }

  /** How many rows of `table` this transaction touched (deleted ones included). */
  sizeOf(table: string): number {
    return this.#tables.get(table)?.size ?? 0
  }

  /** Every (id, row) of `table` this transaction touched. */
  entries(table: string): ReadonlyMap<string, Readonly<Row> | null> {
    return this.#tables.get(table) ?? EMPTY
  }

  /** Records a write: the row's post-image, or `null` for a delete. */
  put(table: string, id: string, row: Readonly<Row> | null): void {
    let rows = this.#tables.get(table)
    if (rows === undefined) this.#tables.set(table, (rows = new Map()))
    this.#undo.push({ table, id, had: rows.has(id), previous: rows.get(id) ?? null })
    rows.set(id, row)
  }

  /** The number of writes so far: a point to roll back to. */
  get length(): number {
    return this.#undo.length
  }

  /** Undoes every write after the first `length`. */
  rollbackTo(length: number): void {
    while (this.#undo.length > length) {
      const entry = this.#undo.pop()!
      const rows = this.#tables.get(entry.table)!
      if (entry.had) rows.set(entry.id, entry.previous)
      else rows.delete(entry.id)
    }
  }
}
