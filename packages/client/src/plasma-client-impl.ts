/**
 * The client: optimistic view + outbox + the sync steps. This class wires them and owns the
 * lifecycle (load, leadership, the loop, reset, close); each step lives in its own module and
 * shares one `ClientState` (`client-state.ts`). Protocol of each step:
 *
 * mutate (`run-mutate.ts`, in the view queue): hash blobs → next mutationID → run the mutator on
 *   a scratch layer → persist blobs and the outbox entry → merge the scratch layer, notify live
 *   queries once → resolve → announce to the other tabs, schedule a push. A throw anywhere before
 *   the merge rejects and leaves nothing behind (the id is given back).
 * pull (`sync/pull.ts`; leader only; one at a time): fetch pages until `hasMore` is false. A
 *   normal page is committed at once; `reset: true` pages are staged in memory and committed
 *   whole with the last one. Commit (in the view queue): persist patch + cookie + outbox
 *   deletions in ONE store transaction, then build the new overlay off to the side and swap it in
 *   synchronously (`sync/commit-in-memory.ts`, `view/optimistic-view.ts`), notify once, announce
 *   to the tabs.
 * push (`sync/push.ts`; leader only; one at a time): upload the blobs the next entries need, then
 *   push the longest ready prefix of every clientID's queue (`sync/plan-push.ts`), one request
 *   per clientID, at most `maxMutationsPerPush` each; a successful push asks for a pull.
 * tabs (`tabs/apply-tab-message.ts`): every step that changes the view announces it; the other
 *   tabs apply the message in their view queue. Only the leader tab pulls and pushes.
 * Failures (`sync/sync-request.ts`): retried per `sync/retry.ts`, then reported once through
 * `onError` and `status`. 409 → `onSchemaMismatch` (`sync/on-schema-mismatch.ts`);
 * `mutation-id-gap` → the clientID's entries are renumbered under a fresh clientID, in order
 * (`sync/rotate-client.ts`).
 */
import { createDb, evaluateSelect, PlasmaError, validateQuery } from "@plasma/core"
import type { AnySchema, FileRef, MutatorMap, QueryEngine } from "@plasma/core"
import { announce, reportError, requireStore, type ClientDeps, type ClientState } from "./client-state.js"
import type { ClientDb } from "./client-db.js"
import { readFile } from "./files/read-file.js"
import { createLiveRegistry } from "./live/index.js"
import type { PlasmaClient, PlasmaClientOptions } from "./plasma-client.js"
import { randomId } from "./random-id.js"
import type { ReadFileResult } from "./read-file-result.js"
import { createMutationRunner, runMutate } from "./run-mutate.js"
import { SyncClientError } from "./sync-client-error.js"
import { createSyncStatusCell, type SyncStatusCell } from "./sync-status.js"
import { reloadFromStore } from "./sync/commit-in-memory.js"
import { pull } from "./sync/pull.js"
import { push } from "./sync/push.js"
import { DEFAULT_RETRY } from "./sync/retry.js"
import { SerialQueue } from "./sync/serial-queue.js"
import { SyncHttp } from "./sync/sync-http.js"
import { SyncLoop } from "./sync/sync-loop.js"
import { applyTabMessage, onTabMessage } from "./tabs/apply-tab-message.js"
import { electLeader } from "./tabs/elect-leader.js"
import { OptimisticView } from "./view/optimistic-view.js"

export type { ClientDeps } from "./client-state.js"

export class PlasmaClientImpl<S extends AnySchema, M extends MutatorMap, Ctx> implements PlasmaClient<S, M> {
  readonly db: ClientDb<S>
  readonly clientGroupID: string
  readonly #state: ClientState
  readonly #ready: Promise<void>
  readonly #loop: SyncLoop

  constructor(options: PlasmaClientOptions<S, M, Ctx>, deps: ClientDeps) {
    const shared = options as unknown as PlasmaClientOptions<AnySchema, MutatorMap, unknown>
    this.clientGroupID = options.clientGroupID
    const view = new OptimisticView()
    const http = new SyncHttp({
      endpoint: options.endpoint,
      clientGroupID: options.clientGroupID,
      schemaVersion: options.schemaVersion,
      fetcher: options.fetcher ?? ((request) => fetch(request)),
      authHeaders: options.authHeaders,
      now: () => deps.clock.now(),
    })
    this.#state = {
      options: shared,
      deps,
      http,
      retry: { ...DEFAULT_RETRY, ...options.retry },
      view,
      registry: createLiveRegistry({ schema: options.schema, view }),
      status: createSyncStatusCell(),
      viewQueue: new SerialQueue(),
      pullQueue: new SerialQueue(),
      pushQueue: new SerialQueue(),
      runner: createMutationRunner(shared),
      ready: Promise.resolve(),
      store: null,
      clientID: randomId(),
      nextMutationID: 1,
      pending: [],
      confirmed: new Map(),
      pushed: new Map(),
      uploaded: new Set(),
      refusedBlobs: new Set(),
      missingBlobs: new Map(),
      cookie: null,
      storedCookie: null,
      leader: false,
      leadership: null,
      closed: false,
      inFlight: 0,
      buffered: [],
      resettingForMismatch: false,
      schedule: (push, pull) => this.#loop.schedule(push, pull),
      loopStarted: () => this.#loop.started,
      resetLocalState: () => this.resetLocalState(),
    }
    const state = this.#state
    const readEngine: QueryEngine = {
      select: async (node) => {
        await this.#ready
        validateQuery(options.schema, node)
        return evaluateSelect(options.schema, node, (table) => view.rows(table))
      },
      write: async (node) => {
        throw new PlasmaError("invalid-query", `plasma.db cannot write (table "${node.table}"): change data through plasma.mutate(name, args), which syncs it`)
      },
    }
    this.db = createDb(options.schema, readEngine, { live: (node) => state.registry.create(node) }) as unknown as ClientDb<S>
    if (deps.channel !== null) deps.channel.onmessage = (event) => onTabMessage(state, event.data)
    this.#ready = this.#load()
    this.#ready.catch(() => undefined)
    state.ready = this.#ready
    this.#loop = new SyncLoop({
      clock: deps.clock,
      pollIntervalMs: options.pollIntervalMs ?? 5000,
      subscribe: options.subscribe,
      ready: this.#ready,
      push: () => this.pushOnce(),
      pull: () => this.pullOnce(),
      hasPending: () => state.pending.length > 0,
      onOffline: () => state.status.update({ online: false }),
    })
  }

  get clientID(): string {
    return this.#state.clientID
  }
  get status(): SyncStatusCell {
    return this.#state.status
  }

  newId(): string {
    return randomId()
  }

  /** Opens the store, loads it, applies the tab messages that came meanwhile, settles leadership. */
  async #load(): Promise<void> {
    const state = this.#state
    try {
      state.store = await state.deps.store
    } catch (cause) {
      throw reportError(state, new SyncClientError("storage", `could not open the local store "${state.options.dbName}"`, { cause }))
    }
    await state.viewQueue.run(async () => {
      await reloadFromStore(state)
      const buffered = state.buffered ?? []
      state.buffered = null
      for (const message of buffered) await applyTabMessage(state, message)
    })
    state.registry.open()
    const locks = state.deps.locks
    if (locks != null && state.deps.channel !== null) {
      state.leadership = await electLeader(locks, `plasma-leader:${state.options.dbName}:${this.clientGroupID}`, () => {
        if (state.closed) return
        const was = state.leader
        state.leader = true
        // Taking over from a closed leader: sync at once (the loop may be idle).
        if (!was && state.leadership !== null) this.#loop.schedule(true, true)
      })
    } else {
      state.leader = true
    }
  }

  mutate(name: string, args: unknown): Promise<void> {
    return runMutate(this.#state, name, args)
  }

  pullOnce(): Promise<void> {
    return this.#state.pullQueue.run(() => pull(this.#state))
  }

  pushOnce(): Promise<void> {
    return this.#state.pushQueue.run(() => push(this.#state))
  }

  readFile(ref: FileRef): Promise<ReadFileResult> {
    return readFile(this.#state, ref)
  }

  start(): void {
    if (!this.#state.closed) this.#loop.start()
  }

  stop(): void {
    this.#loop.stop()
  }

  async flush(): Promise<void> {
    const state = this.#state
    await this.#ready
    for (let round = 0; round < 100 && !state.closed; round++) {
      const before = state.pending.length
      await this.pushOnce()
      await this.pullOnce()
      if (state.pending.length === 0 || !state.leader) return
      if (state.pending.length === before && round > 0) return
    }
  }

  async resetLocalState(): Promise<void> {
    const state = this.#state
    await this.#ready
    await state.viewQueue.run(async () => {
      try {
        await requireStore(state).wipe()
      } catch (cause) {
        throw reportError(state, new SyncClientError("storage", "could not wipe the local store", { cause }))
      }
      state.pending = []
      state.confirmed.clear()
      state.pushed.clear()
      state.uploaded.clear()
      state.cookie = null
      state.storedCookie = null
      state.clientID = randomId()
      state.nextMutationID = 1
      state.registry.notify(state.view.clear())
      state.status.update({ outboxDepth: 0 })
    })
    announce(state, { type: "wiped", from: state.clientID })
    await this.pullOnce().catch(() => undefined)
  }

  async close(): Promise<void> {
    const state = this.#state
    if (state.closed) return
    this.#loop.close()
    state.closed = true
    state.leadership?.release()
    state.registry.close()
    if (state.deps.channel !== null) {
      state.deps.channel.onmessage = null
      state.deps.channel.close()
    }
    await this.#ready.catch(() => undefined)
    await state.viewQueue.run(async () => undefined)
    state.store?.close()
  }
}
