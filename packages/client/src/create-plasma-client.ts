/** `createPlasmaClient`: STUB while the implementation lands. */
import type { AnySchema, MutatorMap } from "@plasma/core"
import type { PlasmaClient, PlasmaClientOptions } from "./plasma-client.js"

/**
 * Creates a client: a local store, the optimistic view and the sync loop.
 * @example
 * const plasma = createPlasmaClient({ schema, mutators, schemaVersion: "todos-v1", dbName: "todos-alice",
 *   endpoint: "/sync", clientGroupID, getContext: () => ({ userId: "alice" }) })
 * plasma.start()
 * await plasma.mutate("addTodo", { id: plasma.newId(), title: "milk", updatedAt: Date.now() })
 */
export function createPlasmaClient<S extends AnySchema, M extends MutatorMap, Ctx>(options: PlasmaClientOptions<S, M, Ctx>): PlasmaClient<S, M> {
  void options
  throw new Error("createPlasmaClient: not implemented yet")
}
