/** `createIdbEngine`: STUB while the implementation lands. */
import type { AnySchema, QueryEngine } from "@plasma/core"

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
 * const db = createDb(schema, createIdbEngine({ schema, dbName: "test" }))
 */
export function createIdbEngine<S extends AnySchema>(options: IdbEngineOptions<S>): IdbEngine {
  void options
  throw new Error("createIdbEngine: not implemented yet")
}
