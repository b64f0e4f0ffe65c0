/**
 * What a transaction read, for the serializability guard of `commit.ts`: whole tables (scans,
 * joins, aggregates, and tables an `onDelete` action reached: any change to them conflicts,
 * which also stops phantoms) and single rows (lookups by id: only a change to one of those rows
 * conflicts; a concurrent insert of one of them is a change row for that id too, so the narrower
 * guard still stops the phantom).
 */
import { tablesOfSelect, type SelectNode } from "@plasma/core"
import { pointIdsOf } from "@plasma/core/internal"

/** What a transaction read: whole tables, and single rows by (table, id). */
export interface ReadSet {
  readonly tables: ReadonlySet<string>
  readonly rows: readonly (readonly [string, string])[]
}

/** Collects a transaction's reads. */
export class ReadSetRecorder {
  readonly #tables = new Set<string>()
  readonly #rows = new Map<string, Set<string>>()

  /** Notes what `node` reads. */
  noteSelect(node: SelectNode): void {
    const ids = node.joins.length === 0 ? pointIdsOf(node.from, node.where) : null
    if (ids === null) {
      for (const table of tablesOfSelect(node)) this.#tables.add(table)
      return
    }
    let set = this.#rows.get(node.from)
    if (set === undefined) this.#rows.set(node.from, (set = new Set()))
    for (const id of ids) set.add(id)
  }

  /** Notes that the whole of `table` was read. */
  noteTable(table: string): void {
    this.#tables.add(table)
  }

  /** The reads so far; rows of tables read whole are left out (the table covers them). */
  snapshot(): ReadSet {
    const rows: [string, string][] = []
    for (const [table, ids] of this.#rows) if (!this.#tables.has(table)) for (const id of ids) rows.push([table, id])
    return { tables: this.#tables, rows }
  }
}
