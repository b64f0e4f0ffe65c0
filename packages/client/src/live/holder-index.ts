/**
 * One shared id index for every incrementally maintained query of a registry: per table, per
 * id, the entry each query (by its slot number) holds for that row.
 *
 * Why shared: with a map per query, a notify of k ids under q queries costs k·q hash lookups,
 * and opening q queries over n rows builds q maps of n entries. With one index, a notify looks
 * each changed id up once (`holdersOf` caches it on the change) and every query reads and
 * writes only its own slot.
 *
 * Invariants:
 * - `count` is the number of defined items; an id whose count drops to 0 leaves the table map
 *   and comes back when a slot is filled again through the same holders object.
 * - A holders object cached on a change is valid while `epoch` is unchanged. Writes made
 *   without a change (a query evaluating from scratch, or releasing) may create or drop holders
 *   objects behind a cached one, so they move the epoch and the next `holdersOf` looks again.
 */

/** The entries held for one id, indexed by query slot. */
export interface Holders {
  count: number
  readonly items: (object | undefined)[]
}

/** A changed id as a notify carries it, with the holders lookup cached. */
export interface HeldChange {
  readonly id: string
  holders: Holders | undefined
  epoch: number
}

/** Per table, per id, the entry each query slot holds. */
export class HolderIndex {
  readonly #tables = new Map<string, Map<string, Holders>>()
  readonly #free: number[] = []
  #next = 0
  #epoch = 0

  /** A slot number for a query that starts holding entries. */
  allocate(): number {
    return this.#free.pop() ?? this.#next++
  }

  /** Gives a slot back; its owner cleared every item it put. */
  release(slot: number): void {
    this.#free.push(slot)
  }

  /** A change for `id`, to pass to `holdersOf` / `putFor`. */
  change(id: string): HeldChange {
    return { id, holders: undefined, epoch: -1 }
  }

  /** The holders of the changed id (looked up once per epoch). */
  holdersOf(table: string, change: HeldChange): Holders | undefined {
    if (change.epoch !== this.#epoch) {
      change.holders = this.#tables.get(table)?.get(change.id)
      change.epoch = this.#epoch
    }
    return change.holders
  }

  /** Sets (or, with `undefined`, clears) the item of `slot` for a changed id. */
  putFor(table: string, change: HeldChange, slot: number, item: object | undefined): void {
    change.holders = this.#put(table, change.id, slot, item, this.holdersOf(table, change))
  }

  /** Sets (or clears) the item of `slot` for `id`, outside a notify. */
  put(table: string, id: string, slot: number, item: object | undefined): void {
    this.#epoch++
    this.#put(table, id, slot, item, this.#tables.get(table)?.get(id))
  }

  #put(table: string, id: string, slot: number, item: object | undefined, holders: Holders | undefined): Holders | undefined {
    let ids = this.#tables.get(table)
    if (ids === undefined) this.#tables.set(table, (ids = new Map()))
    if (item === undefined) {
      if (holders === undefined || holders.items[slot] === undefined) return holders
      holders.items[slot] = undefined
      if (--holders.count === 0) ids.delete(id)
      return holders
    }
    const target = holders ?? { count: 0, items: [] }
    if (target.items[slot] === undefined && target.count++ === 0) ids.set(id, target)
    target.items[slot] = item
    return target
  }
}
