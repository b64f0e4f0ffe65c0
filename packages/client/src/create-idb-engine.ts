/**
 * `createIdbEngine`: a bare local database for app tests and local-only tools. Rows load from
 * IndexedDB on first use into the memory engine (so queries and writes follow exactly the
 * engine's rules: defaults, constraints, cascades); every write statement is persisted before
 * its promise resolves. No sync, no outbox. It uses the client's store layout, so it can also
 * open (and inspect) a client's database by its `dbName`.
 */
import { createMapRowStore, createMemoryEngine, type AnySchema, type MemoryChange, type QueryEngine } from "@plasma/core"
import { createIdbStore } from "./store/idb-store.js"
import type { LocalStore } from "./store/local-store.js"

/** Options of {@link createIdbEngine}. */
export interface IdbEngineOptions<S extends AnySchema> {
  readonly schema: S
  readonly dbName: string
  /** Default `globalThis.indexedDB`. */
  readonly indexedDB?: IDBFactory
}

/** A `QueryEngine` whose rows live in IndexedDB. */
export interface IdbEngine extends QueryEngine {
  /** Resolves once the rows are loaded; every query waits for it anyway. */
  ready(): Promise<void>
  close(): Promise<void>
}

/**
 * A bare local database over IndexedDB, with the memory engine's semantics, for app tests.
 * @example
 * const engine = createIdbEngine({ schema, dbName: "test" })
 * const db = createDb(schema, engine)
 * await db.insert(todos).values({ id: "t1", title: "milk", ownerId: "u1", updatedAt: 1 })
 */
export function createIdbEngine<S extends AnySchema>(options: IdbEngineOptions<S>): IdbEngine {
  const factory = options.indexedDB ?? (globalThis as { indexedDB?: IDBFactory }).indexedDB
  const rowStore = createMapRowStore()
  let changes: MemoryChange[] = []
  const memory = createMemoryEngine(options.schema, { store: rowStore, onChange: (change) => void changes.push(change) })
  let store: LocalStore | undefined
  const loaded = (async () => {
    if (factory === undefined) throw new TypeError("createIdbEngine: no indexedDB (pass options.indexedDB, e.g. fake-indexeddb's)")
    store = await createIdbStore(options.dbName, factory)
    const state = await store.load()
    for (const { table, row } of state.rows) if (Object.hasOwn(options.schema.tables, table)) rowStore.put(table, Object.freeze({ ...row }))
  })()
  loaded.catch(() => undefined)
  // Writes persist in statement order.
  let writes: Promise<unknown> = Promise.resolve()
  return {
    ready: () => loaded,
    async select(node) {
      await loaded
      return memory.engine.select(node)
    },
    async write(node) {
      await loaded
      changes = []
      const result = await memory.engine.write(node)
      const batch = changes.map((c) => ({ table: c.table, id: c.id, value: c.value }))
      const persisted = writes.then(() => store?.writeRows(batch))
      writes = persisted.catch(() => undefined)
      await persisted
      return result
    },
    async close() {
      await loaded.catch(() => undefined)
      await writes
      store?.close()
    },
  }
}
