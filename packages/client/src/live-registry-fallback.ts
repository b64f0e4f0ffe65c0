/**
 * TEMPORARY stand-in for `./live/` (the live-query registry another engineer builds to this
 * interface). Re-evaluates every query on every notify, by table; deleted once the real one lands.
 */
import { evaluateSelect, tablesOfSelect, validateQuery, type AnySchema, type SelectNode } from "@plasma/core"

type Row = Record<string, unknown>

export interface ViewReader {
  rows(table: string): Iterable<Readonly<Row>>
  get(table: string, id: string): Readonly<Row> | undefined
}
/** Per table, the ids whose row in the view was put or deleted since the last notify. */
export type ViewChanges = ReadonlyMap<string, ReadonlySet<string>>

export interface LiveDelta<R> {
  readonly added: readonly R[]
  readonly removed: readonly R[]
  readonly changed: readonly R[]
}
export interface LiveQuery<R> {
  readonly ast: SelectNode
  readonly current: readonly R[] | undefined
  subscribe(l: (rows: readonly R[]) => void): () => void
  subscribeDelta(l: (d: LiveDelta<R>) => void): () => void
  whenReady(): Promise<readonly R[]>
}
export interface LiveRegistry {
  create<R>(node: SelectNode): LiveQuery<R>
  open(): void
  notify(changes: ViewChanges): void
  close(): void
}

export function createLiveRegistry(options: { schema: AnySchema; view: ViewReader; onError?: (e: unknown) => void }): LiveRegistry {
  const { schema, view } = options
  let opened = false
  const queries = new Set<{ tables: Set<string>; refresh(): void }>()
  return {
    create<R>(node: SelectNode): LiveQuery<R> {
      validateQuery(schema, node)
      const tables = new Set(tablesOfSelect(node))
      let current: readonly R[] | undefined
      const listeners = new Set<(rows: readonly R[]) => void>()
      const deltas = new Set<(d: LiveDelta<R>) => void>()
      const waiters: ((rows: readonly R[]) => void)[] = []
      const refresh = (): void => {
        if (!opened || (listeners.size === 0 && deltas.size === 0 && waiters.length === 0)) return
        let next: readonly R[]
        try {
          next = Object.freeze(evaluateSelect(schema, node, (t) => view.rows(t)) as R[])
        } catch (error) {
          options.onError?.(error)
          return
        }
        const before = current
        if (before !== undefined && JSON.stringify(before) === JSON.stringify(next)) return
        current = next
        for (const l of [...listeners]) l(next)
        const delta = { added: before === undefined ? next : next, removed: before ?? [], changed: [] }
        for (const l of [...deltas]) l(delta)
        for (const w of waiters.splice(0)) w(next)
      }
      const entry = { tables, refresh }
      queries.add(entry)
      return {
        ast: node,
        get current() {
          return current
        },
        subscribe(l) {
          listeners.add(l)
          if (current !== undefined) l(current)
          else refresh()
          return () => void listeners.delete(l)
        },
        subscribeDelta(l) {
          deltas.add(l)
          if (current === undefined) refresh()
          return () => void deltas.delete(l)
        },
        whenReady() {
          if (current !== undefined) return Promise.resolve(current)
          return new Promise((resolve) => {
            waiters.push(resolve)
            refresh()
          })
        },
      }
    },
    open() {
      opened = true
      for (const q of queries) q.refresh()
    },
    notify(changes) {
      for (const q of queries) if ([...changes.keys()].some((t) => q.tables.has(t))) q.refresh()
    },
    close() {
      queries.clear()
    },
  }
}
