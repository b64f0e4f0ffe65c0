/**
 * `useLiveQuery`: a live select as React state, on `useSyncExternalStore`.
 *
 * The snapshot is the live query's `current` (the same array until the result changes), so a
 * render never tears between two components reading the same query, and a change to a table the
 * query does not read causes no render at all (the live query does not fire). The query is
 * rebuilt, and re-subscribed, only when the client or one of `deps` changes.
 */
import type { ClientDb, LiveQuery } from "@plasma/client"
import { useCallback, useMemo, useSyncExternalStore, type DependencyList } from "react"
import { usePlasma } from "./plasma-provider.js"
import type { SchemaOf, RegisteredClient } from "./register.js"

/** What a `useLiveQuery` factory may return: a select builder (its `.live()` is called) or a live query. */
export type LiveQuerySource<R> = { live(): LiveQuery<R> } | LiveQuery<R>

function toLiveQuery<R>(source: LiveQuerySource<R>): LiveQuery<R> {
  return "live" in source && typeof source.live === "function" ? source.live() : (source as LiveQuery<R>)
}

/**
 * The rows of a live query over the client's optimistic view; `undefined` until the first result
 * is known (the local store is still loading).
 *
 * @param factory builds the select from the client's `db`; called again only when `deps` change.
 * @param deps the values the select depends on (like `useMemo`'s).
 * @example
 * const open = useLiveQuery((db) => db.select().from(todos).where(eq(todos.done, false)).orderBy(asc(todos.updatedAt)), [])
 * const mine = useLiveQuery((db) => db.select().from(todos).where(eq(todos.ownerId, userId)), [userId])
 */
export function useLiveQuery<R>(factory: (db: ClientDb<SchemaOf<RegisteredClient>>) => LiveQuerySource<R>, deps: DependencyList): readonly R[] | undefined {
  const plasma = usePlasma()
  // eslint-disable-next-line react-hooks/exhaustive-deps -- the caller lists what the factory reads
  const live = useMemo(() => toLiveQuery(factory(plasma.db as ClientDb<SchemaOf<RegisteredClient>>)), [plasma, ...deps])
  const subscribe = useCallback((onStoreChange: () => void) => live.subscribe(() => onStoreChange()), [live])
  const snapshot = useCallback(() => live.current, [live])
  return useSyncExternalStore(subscribe, snapshot, snapshot)
}
