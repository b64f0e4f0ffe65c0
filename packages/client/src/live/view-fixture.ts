/**
 * A test double of the client's optimistic view: frozen rows in maps, replaced on every put, and
 * the change set of each step, as the client reports them. Used by the live query tests and the
 * micro-benchmark only.
 */
import type { Row } from "./row-identity.js"
import type { ViewChanges, ViewReader } from "./view-reader.js"

/** An in-memory view whose steps return the `ViewChanges` to notify. */
export class ViewFixture implements ViewReader {
  readonly #tables = new Map<string, Map<string, Readonly<Row>>>()
  #changes = new Map<string, Set<string>>()
  /** How many times `rows()` and `get()` were called (to prove a query did not run). */
  reads = 0

  rows(table: string): Iterable<Readonly<Row>> {
    this.reads++
    return this.#tables.get(table)?.values() ?? []
  }

  get(table: string, id: string): Readonly<Row> | undefined {
    this.reads++
    return this.#tables.get(table)?.get(id)
  }

  /** Puts a (frozen copy of the) row, keyed by its `id`. */
  put(table: string, row: Row): this {
    const id = String(row["id"])
    let rows = this.#tables.get(table)
    if (rows === undefined) this.#tables.set(table, (rows = new Map()))
    rows.set(id, Object.freeze({ ...row }))
    this.#touch(table, id)
    return this
  }

  delete(table: string, id: string): this {
    this.#tables.get(table)?.delete(id)
    this.#touch(table, id)
    return this
  }

  /** The ids changed since the last call, per table; starts a new step. */
  take(): ViewChanges {
    const changes = this.#changes
    this.#changes = new Map()
    return changes
  }

  #touch(table: string, id: string): void {
    let ids = this.#changes.get(table)
    if (ids === undefined) this.#changes.set(table, (ids = new Set()))
    ids.add(id)
  }
}
