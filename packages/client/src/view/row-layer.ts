/**
 * A copy-on-write layer of rows over a parent view: the building block of the optimistic view.
 *
 *   base (confirmed server rows)  ←  overlay (pending mutations' effects)  ←  scratch (one mutator run)
 *
 * A layer records, per table, the rows put (frozen) or deleted (`null`) on top of its parent;
 * reads fall through to the parent for ids the layer never touched. Nothing below is ever
 * cloned, so a layer costs O(its own writes), never O(rows). Rows are frozen and replaced, never
 * mutated, which is what the live-query registry and the memory engine both rely on.
 */
import type { MemoryRowStore } from "@plasma/core"

export type Row = Record<string, unknown>

/** Reading side of a set of rows (the live registry's `ViewReader`). */
export interface RowReader {
  rows(table: string): Iterable<Readonly<Row>>
  get(table: string, id: string): Readonly<Row> | undefined
}

/** Per table, the ids written. */
export type TouchedIds = Map<string, Set<string>>

/** Adds every id of `from` to `into`. */
export function mergeTouched(into: TouchedIds, from: ReadonlyMap<string, ReadonlySet<string>>): TouchedIds {
  for (const [table, ids] of from) {
    let set = into.get(table)
    if (set === undefined) into.set(table, (set = new Set()))
    for (const id of ids) set.add(id)
  }
  return into
}

/** A layer of writes over `parent`; also a `MemoryRowStore`, so the memory engine can write into it. */
export class RowLayer implements RowReader, MemoryRowStore {
  #parent: RowReader
  readonly #writes = new Map<string, Map<string, Readonly<Row> | null>>()

  constructor(parent: RowReader) {
    this.#parent = parent
  }

  /** Points the layer at another parent (the rebase swap: the new overlay moves onto the patched base). */
  reparent(parent: RowReader): void {
    this.#parent = parent
  }

  get(table: string, id: string): Readonly<Row> | undefined {
    const own = this.#writes.get(table)
    if (own !== undefined && own.has(id)) return own.get(id) ?? undefined
    return this.#parent.get(table, id)
  }

  *rows(table: string): Iterable<Readonly<Row>> {
    const own = this.#writes.get(table)
    if (own === undefined || own.size === 0) {
      yield* this.#parent.rows(table)
      return
    }
    for (const row of this.#parent.rows(table)) if (!own.has(row.id as string)) yield row
    for (const row of own.values()) if (row !== null) yield row
  }

  put(table: string, row: Readonly<Row>): void {
    this.#own(table).set(row.id as string, Object.isFrozen(row) ? row : Object.freeze({ ...row }))
  }

  delete(table: string, id: string): void {
    this.#own(table).set(id, null)
  }

  /** The ids this layer wrote, per table. */
  touched(): TouchedIds {
    const out: TouchedIds = new Map()
    for (const [table, rows] of this.#writes) if (rows.size > 0) out.set(table, new Set(rows.keys()))
    return out
  }

  /** `true` when the layer wrote nothing. */
  get empty(): boolean {
    for (const rows of this.#writes.values()) if (rows.size > 0) return false
    return true
  }

  /** Copies this layer's writes into `target` (a scratch layer merging into the overlay). */
  mergeInto(target: RowLayer): void {
    for (const [table, rows] of this.#writes) {
      for (const [id, row] of rows) {
        if (row === null) target.delete(table, id)
        else target.put(table, row)
      }
    }
  }

  #own(table: string): Map<string, Readonly<Row> | null> {
    let rows = this.#writes.get(table)
    if (rows === undefined) this.#writes.set(table, (rows = new Map()))
    return rows
  }
}

/** The confirmed rows: plain maps of frozen rows, written only by pulls. */
export class BaseRows implements RowReader {
  readonly #tables = new Map<string, Map<string, Readonly<Row>>>()

  get(table: string, id: string): Readonly<Row> | undefined {
    return this.#tables.get(table)?.get(id)
  }
  rows(table: string): Iterable<Readonly<Row>> {
    return this.#tables.get(table)?.values() ?? []
  }
  put(table: string, row: Readonly<Row>): void {
    let rows = this.#tables.get(table)
    if (rows === undefined) this.#tables.set(table, (rows = new Map()))
    rows.set(row.id as string, Object.isFrozen(row) ? row : Object.freeze({ ...row }))
  }
  delete(table: string, id: string): void {
    this.#tables.get(table)?.delete(id)
  }
  /** Every table and id held (for a reset's notification). */
  ids(): TouchedIds {
    const out: TouchedIds = new Map()
    for (const [table, rows] of this.#tables) out.set(table, new Set(rows.keys()))
    return out
  }
  /** Replaces the content with `other`'s, in place (a reset swap). */
  replaceWith(other: BaseRows): void {
    this.#tables.clear()
    for (const [table, rows] of other.#tables) this.#tables.set(table, rows)
  }
  size(): number {
    let n = 0
    for (const rows of this.#tables.values()) n += rows.size
    return n
  }
}
