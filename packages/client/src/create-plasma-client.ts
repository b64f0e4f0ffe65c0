/** `createPlasmaClient`: picks the store, clock, locks and tab channel, and builds the client. */
import type { AnySchema, MutatorMap } from "@plasma/core"
import { PlasmaClientImpl } from "./plasma-client-impl.js"
import type { BroadcastChannelConstructor, ClientClock, PlasmaClient, PlasmaClientOptions } from "./plasma-client.js"
import { createIdbStore } from "./store/idb-store.js"
import type { LocalStore } from "./store/local-store.js"
import { createMemoryStore } from "./store/memory-store.js"
import { defaultLocks } from "./tabs/elect-leader.js"

function realClock(): ClientClock {
  return {
    now: () => Date.now(),
    setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
    clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
    random: () => Math.random(),
  }
}

function openStore(options: PlasmaClientOptions<AnySchema, MutatorMap, unknown>): Promise<LocalStore> {
  const factory = options.indexedDB ?? (globalThis as { indexedDB?: IDBFactory }).indexedDB
  const kind = options.storage ?? (factory === undefined ? "memory" : "idb")
  if (kind === "memory") return Promise.resolve(createMemoryStore())
  if (factory === undefined) return Promise.reject(new TypeError('storage "idb" needs indexedDB (pass options.indexedDB, or use storage: "memory")'))
  return createIdbStore(options.dbName, factory)
}

/**
 * Creates a client: a local store, the optimistic view and the sync loop. Reads wait for the
 * store to load; nothing goes over the network until `start()` or a manual `pullOnce`/`pushOnce`.
 * @example
 * const plasma = createPlasmaClient({ schema, mutators, schemaVersion: "todos-v1", dbName: "todos-alice",
 *   endpoint: "/sync", clientGroupID, getContext: () => ({ userId: "alice" }) })
 * plasma.start()
 * await plasma.mutate("addTodo", { id: plasma.newId(), title: "milk", updatedAt: Date.now() })
 */
export function createPlasmaClient<S extends AnySchema, M extends MutatorMap, Ctx>(options: PlasmaClientOptions<S, M, Ctx>): PlasmaClient<S, M> {
  for (const name of ["schemaVersion", "dbName", "endpoint", "clientGroupID"] as const) {
    if (typeof options[name] !== "string" || options[name] === "") throw new TypeError(`createPlasmaClient: option "${name}" must be a non-empty string`)
  }
  const store = openStore(options as unknown as PlasmaClientOptions<AnySchema, MutatorMap, unknown>)
  store.catch(() => undefined)
  const Channel: BroadcastChannelConstructor | null =
    options.BroadcastChannel === undefined ? ((globalThis as { BroadcastChannel?: BroadcastChannelConstructor }).BroadcastChannel ?? null) : options.BroadcastChannel
  const memory = (options.storage ?? "idb") === "memory" || (options.indexedDB === undefined && (globalThis as { indexedDB?: unknown }).indexedDB === undefined)
  // Tabs share state only through a shared store: a memory store is private to its client.
  const channel = Channel === null || memory ? null : new Channel(`plasma:${options.dbName}:${options.clientGroupID}`)
  return new PlasmaClientImpl(options, {
    store,
    clock: { ...realClock(), ...options.clock },
    locks: options.locks === undefined ? defaultLocks() : options.locks,
    channel,
  }) as unknown as PlasmaClient<S, M>
}
