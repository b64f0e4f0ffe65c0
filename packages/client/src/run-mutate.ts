/**
 * The mutate path (in the view queue): hash blobs → next mutationID → run the mutator on a
 * scratch layer → persist blobs and the outbox entry → merge the scratch layer, notify live
 * queries once → resolve → announce to the other tabs, schedule a push. A throw anywhere before
 * the merge rejects and leaves nothing behind (the id is given back).
 */
import { createMemoryEngine, invokeMutator, PlasmaError } from "@plasma/core"
import type { AnySchema, AuthContext, MutatorMap } from "@plasma/core"
import { announce, reportError, requireStore, type ClientState } from "./client-state.js"
import { replaceBlobs } from "./files/replace-blobs.js"
import type { PlasmaClientOptions } from "./plasma-client.js"
import { SyncClientError } from "./sync-client-error.js"
import { toJsonArgs } from "./sync/json-args.js"
import type { OutboxEntry } from "./sync/outbox-entry.js"
import type { MutationRunner } from "./view/optimistic-view.js"

/** Runs an entry's mutator through core's memory engine, so local runs follow the server's rules. */
export function createMutationRunner(options: PlasmaClientOptions<AnySchema, MutatorMap, unknown>): MutationRunner {
  return async (entry, store) => {
    const ctx = options.getContext?.()
    const { db } = createMemoryEngine(options.schema, { store, ...(ctx === undefined || ctx === null ? {} : { ctx: ctx as AuthContext }) })
    await invokeMutator(options.mutators, entry.name, { db, args: entry.args, ctx, clientID: entry.clientID, mutationID: entry.mutationID })
  }
}

/** `plasma.mutate(name, args)`: runs the mutator locally, queues it, then asks for a push. */
export async function runMutate(state: ClientState, name: string, args: unknown): Promise<void> {
  const { options } = state
  if (state.closed) throw new TypeError("mutate: the client is closed")
  if (typeof name !== "string" || !Object.hasOwn(options.mutators, name)) {
    const known = Object.keys(options.mutators)
    throw new PlasmaError("unknown-mutator", `unknown mutator "${String(name)}"; known mutators: ${known.length === 0 ? "(none)" : known.join(", ")}`, {
      details: { mutator: String(name), known },
    })
  }
  const { args: replaced, blobs } = await replaceBlobs(args)
  // The server gets the args as JSON: run them locally as JSON too, so both runs see the same values.
  const wireArgs = toJsonArgs(name, replaced)
  await state.ready
  const entry = await state.viewQueue.run(async () => {
    const entry: OutboxEntry = {
      clientID: state.clientID,
      mutationID: state.nextMutationID,
      name,
      args: wireArgs,
      timestamp: state.deps.clock.now(),
      blobDeps: [...new Set(blobs.map((b) => b.ref.hash))],
    }
    const store = requireStore(state)
    const touched = await state.view.run(entry, state.runner, async () => {
      try {
        for (const blob of blobs) {
          const existing = await store.getBlob(blob.ref.hash)
          if (existing === undefined) {
            await store.putBlob({ hash: blob.ref.hash, bytes: blob.bytes, mime: blob.ref.mime, ...(blob.ref.name === undefined ? {} : { name: blob.ref.name }), state: "local" })
          }
        }
        await store.addOutbox(entry)
      } catch (cause) {
        throw reportError(state, new SyncClientError("storage", `could not queue mutation "${name}" in the local store`, { cause }))
      }
    })
    state.nextMutationID++
    state.pending.push(entry)
    state.registry.notify(touched)
    state.status.update({ outboxDepth: state.pending.length })
    return entry
  })
  announce(state, { type: "mutation", entry })
  if (state.loopStarted()) state.schedule(true, false)
}
