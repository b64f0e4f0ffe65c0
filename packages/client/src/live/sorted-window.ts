/**
 * Incremental maintenance for the common live query: one table, `where`, `orderBy`,
 * `limit`/`offset`, an optional projection of columns; no join, aggregate or GROUP BY.
 *
 * State: every row of the table that matches `where`, sorted by the query's full ordering
 * (core's `orderingOf`: its terms, then `id`), with each row's sort keys computed once; the
 * entry of an id is found through the registry's shared `HolderIndex`.
 * The ordering ends with the unique `id`, so it is strict and every row has exactly one place.
 *
 * Rules:
 * - The sort keys and the comparison are exactly `evaluateSelect`'s: a key is the column's SQL
 *   value (`toSqlValue`), compared with `compareSqlValues`, NULLs first ascending and last
 *   descending. The predicate is core's `matchesCondition`, compiled once (`compileCondition`). Output rows are shaped like
 *   `evaluateSelect` shapes them (`fromSqlValue(toSqlValue(…))`, bytes copied).
 * - A change set of a few ids is applied id by id: the old entry is found by binary search and
 *   removed, the new row (if it still matches) is inserted by binary search. A larger one is
 *   applied in one pass: changed entries are flagged and dropped while the list is copied, the
 *   new ones are sorted among themselves and placed by binary search (few) or by a linear merge
 *   (many). That is O(n + k log k) for k changes with at most min(k log n, n + k) comparisons,
 *   never worse than evaluating from scratch, so there is no fallback to a full evaluation here.
 * - Positions below the first position a change touched keep their entries, so when that
 *   position is at or past `offset + limit` the window cannot have changed and nothing is
 *   shaped or compared.
 * - A row whose view object did not change is skipped. An entry's output object is built when
 *   it first enters the window, and is the output object of the row it replaced when the content
 *   is equal, so a rebase that re-creates equal rows changes nothing. Rows keyed by content (a
 *   projection without `id`) also take the object of any equal row of the previous window.
 */
import { fromSqlValue, orderingOf, toSqlValue, type AnyColumn, type AnySchema, type SelectNode, type SqlValue } from "@plasma/core"
import { compareSqlValues, compareText } from "@plasma/core/internal"
import { compileCondition } from "./compile-condition.js"
import type { HolderIndex } from "./holder-index.js"
import { keyingOf, rowKeyOf } from "./live-delta.js"
import type { ChangedRow, ResultSource } from "./result-source.js"
import { contentKey, freezeRow, reuseRows, sameContent, sameRows, type Row } from "./row-identity.js"
import type { ViewReader } from "./view-reader.js"

/**
 * Change sets up to this size are applied id by id (binary search + splice, each O(log n) plus a
 * native memmove); larger ones by one filter-and-merge pass over the sorted list.
 */
export const SPLICE_LIMIT = 16

/** One matching row in the sorted list. */
interface Entry {
  readonly id: string
  readonly src: Readonly<Row>
  readonly keys: readonly SqlValue[]
  /** The delivered object, once the entry has been in a window. */
  out: Row | undefined
  /** The output of the row this entry replaced, reused when the content is equal. */
  lend: Row | undefined
  /** Set while a batch removes it. */
  dead: boolean
}

interface SortKey {
  readonly name: string
  readonly column: AnyColumn
  readonly sign: 1 | -1
}

interface Field {
  readonly alias: string
  readonly name: string
  readonly column: AnyColumn
}

/** `compareSqlValues`, with the two common cases (numbers, strings) answered without dispatch. */
function compareValues(a: SqlValue, b: SqlValue): number {
  if (typeof a === "number" && typeof b === "number") return a < b ? -1 : a > b ? 1 : 0
  if (typeof a === "string" && typeof b === "string") return a === b ? 0 : compareText(a, b)
  return compareSqlValues(a, b)
}

function columnOf(schema: AnySchema, table: string, name: string): AnyColumn {
  const column = schema.tables[table]?.$columns[name]
  if (column === undefined) throw new TypeError(`no column ${table}.${name}`)
  return column
}

/** `true` when `createSortedWindow` can maintain `node` (the caller validated it). */
export function isWindowShape(node: SelectNode): boolean {
  return node.joins.length === 0 && node.groupBy.length === 0 && node.having === null && (node.projection?.every((p) => p.expr.kind === "column") ?? true)
}

/** A result source maintaining a one-table select incrementally (see the module rules). */
export function createSortedWindow(schema: AnySchema, node: SelectNode, view: ViewReader, index: HolderIndex): ResultSource {
  if (!isWindowShape(node)) throw new TypeError("createSortedWindow needs a one-table select without aggregates")
  const table = node.from
  const sortKeys: SortKey[] = orderingOf(node).map((o) => {
    if (o.expr.kind !== "column") throw new TypeError("orderBy of a plain select takes columns")
    return { name: o.expr.column, column: columnOf(schema, table, o.expr.column), sign: o.direction === "asc" ? 1 : -1 }
  })
  const fields: Field[] =
    node.projection === null
      ? Object.entries(schema.tables[table]?.$columns ?? {}).map(([name, column]) => ({ alias: name, name, column }))
      : node.projection.map((p) => {
          const expr = p.expr as { column: string }
          return { alias: p.alias, name: expr.column, column: columnOf(schema, table, expr.column) }
        })
  const keying = keyingOf(node)
  const offset = node.offset ?? 0
  const end = node.limit === null ? Number.POSITIVE_INFINITY : offset + node.limit

  let sorted: Entry[] = []
  /** This query's slot in the shared id index while it holds entries, else -1. */
  let slot = -1

  const compare = (a: readonly SqlValue[], b: readonly SqlValue[]): number => {
    for (let i = 0; i < sortKeys.length; i++) {
      const c = compareValues(a[i] as SqlValue, b[i] as SqlValue)
      if (c !== 0) return c * (sortKeys[i] as SortKey).sign
    }
    return 0
  }
  const compareEntries = (a: Entry, b: Entry): number => compare(a.keys, b.keys)
  const matches = compileCondition(schema, table, node.where)
  const entryOf = (id: string, src: Readonly<Row>, replaced: Entry | undefined): Entry => ({
    id,
    src,
    keys: sortKeys.map((k) => toSqlValue(k.column, src[k.name])),
    out: undefined,
    lend: replaced?.out ?? replaced?.lend,
    dead: false,
  })
  /** The first index (from `lo` on) whose entry sorts at or after `keys`. */
  const lowerBound = (keys: readonly SqlValue[], lo = 0): number => {
    let hi = sorted.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (compare((sorted[mid] as Entry).keys, keys) < 0) lo = mid + 1
      else hi = mid
    }
    return lo
  }
  const shape = (src: Readonly<Row>): Row => {
    const out: Row = {}
    for (const f of fields) {
      const value = fromSqlValue(f.column, toSqlValue(f.column, src[f.name]))
      out[f.alias] = value instanceof Uint8Array ? new Uint8Array(value) : value
    }
    return freezeRow(out)
  }
  const outputOf = (entry: Entry): Row => {
    if (entry.out !== undefined) return entry.out
    const fresh = shape(entry.src)
    entry.out = entry.lend !== undefined && sameContent(entry.lend, fresh) ? entry.lend : fresh
    entry.lend = undefined
    return entry.out
  }
  const windowEntries = (): Entry[] => sorted.slice(offset, end)
  const release = (): void => {
    if (slot !== -1) {
      for (const entry of sorted) index.put(table, entry.id, slot, undefined)
      index.release(slot)
      slot = -1
    }
    sorted = []
  }

  /** Applies the changes one id at a time; returns the first position touched. */
  const spliceEach = (changed: readonly ChangedRow[]): number => {
    let first = Number.POSITIVE_INFINITY
    for (const change of changed) {
      const { id, row: src } = change
      const old = index.holdersOf(table, change)?.items[slot] as Entry | undefined
      if (old !== undefined && old.src === src) continue
      if (old !== undefined) {
        let at = lowerBound(old.keys)
        if (sorted[at] !== old) at = sorted.indexOf(old)
        sorted.splice(at, 1)
        first = Math.min(first, at)
      }
      if (src !== undefined && matches(src)) {
        const entry = entryOf(id, src, old)
        const at = lowerBound(entry.keys)
        sorted.splice(at, 0, entry)
        index.putFor(table, change, slot, entry)
        first = Math.min(first, at)
      } else if (old !== undefined) index.putFor(table, change, slot, undefined)
    }
    return first
  }

  /** Applies the changes in one filter-and-merge pass; returns the first position touched. */
  const mergeAll = (changed: readonly ChangedRow[]): number => {
    const fresh: Entry[] = []
    let removed = 0
    for (const change of changed) {
      const { id, row: src } = change
      const old = index.holdersOf(table, change)?.items[slot] as Entry | undefined
      if (old !== undefined && old.src === src) continue
      if (old !== undefined) {
        old.dead = true
        removed++
      }
      if (src !== undefined && matches(src)) {
        const entry = entryOf(id, src, old)
        fresh.push(entry)
        index.putFor(table, change, slot, entry)
      } else if (old !== undefined) index.putFor(table, change, slot, undefined)
    }
    if (removed === 0 && fresh.length === 0) return Number.POSITIVE_INFINITY
    fresh.sort(compareEntries)
    const merged: Entry[] = []
    let first = Number.POSITIVE_INFINITY
    /** Copies the live entries of `sorted[from, to)` (no comparisons). */
    const copy = (from: number, to: number): void => {
      for (let i = from; i < to; i++) {
        const entry = sorted[i] as Entry
        if (!entry.dead) merged.push(entry)
        else if (first === Number.POSITIVE_INFINITY) first = merged.length
      }
    }
    if (fresh.length * Math.log2(sorted.length + 2) < sorted.length) {
      // Few new entries: find each one's place by binary search and copy the runs between.
      let from = 0
      for (const entry of fresh) {
        const at = lowerBound(entry.keys, from)
        copy(from, at)
        if (first === Number.POSITIVE_INFINITY) first = merged.length
        merged.push(entry)
        from = at
      }
      copy(from, sorted.length)
    } else {
      let j = 0
      for (let i = 0; i < sorted.length; i++) {
        const entry = sorted[i] as Entry
        while (j < fresh.length && compareEntries(fresh[j] as Entry, entry) < 0) {
          if (first === Number.POSITIVE_INFINITY) first = merged.length
          merged.push(fresh[j++] as Entry)
        }
        copy(i, i + 1)
      }
      if (j < fresh.length && first === Number.POSITIVE_INFINITY) first = merged.length
      while (j < fresh.length) merged.push(fresh[j++] as Entry)
    }
    sorted = merged
    return first
  }

  return {
    keying,
    evaluate(previous) {
      release()
      slot = index.allocate()
      for (const src of view.rows(table)) {
        if (!matches(src)) continue
        const entry = entryOf(String(src["id"]), src, undefined)
        sorted.push(entry)
        index.put(table, entry.id, slot, entry)
      }
      sorted.sort(compareEntries)
      const window = windowEntries()
      const rows = reuseRows(
        previous,
        window.map((e) => shape(e.src)),
        (row) => rowKeyOf(keying, row),
      )
      window.forEach((entry, i) => {
        entry.out = rows[i] as Row
      })
      return Object.freeze(rows)
    },
    update(changes, previous) {
      const changed = changes.get(table)
      if (changed === undefined || changed.length === 0) return previous
      const first = changed.length <= SPLICE_LIMIT ? spliceEach(changed) : mergeAll(changed)
      if (first >= end) return previous
      const window = windowEntries()
      let next = window.map(outputOf)
      if (keying === "content" && !sameRows(next, previous)) {
        // Rows without an id: another row with the same content may have taken this place.
        next = reuseRows(previous, next, contentKey)
        window.forEach((entry, i) => {
          entry.out = next[i] as Row
        })
      }
      return sameRows(next, previous) ? previous : Object.freeze(next)
    },
    release,
  }
}
