/**
 * The client: optimistic view + outbox + the sync steps. Protocol of each step:
 *
 * mutate (in the view queue): hash blobs → next mutationID → run the mutator on a scratch layer
 *   → persist blobs and the outbox entry → merge the scratch layer, notify live queries once →
 *   resolve → announce to the other tabs, schedule a push. A throw anywhere before the merge
 *   rejects and leaves nothing behind (the id is given back).
 * pull (leader only; one at a time): fetch pages until `hasMore` is false. A normal page is
 *   committed at once; `reset: true` pages are staged in memory and committed whole with the
 *   last one. Commit (in the view queue): persist patch + cookie + outbox deletions in ONE store
 *   transaction, then build the new overlay off to the side and swap it in synchronously (see
 *   `view/optimistic-view.ts`), notify once, announce to the tabs.
 * push (leader only; one at a time): upload the blobs the next entries need, then push the
 *   longest ready prefix of every clientID's queue (`sync/plan-push.ts`), one request per
 *   clientID, at most `maxMutationsPerPush` each; a successful push asks for a pull.
 * Failures: retried per `sync/retry.ts`, then reported once through `onError` and `status`.
 * 409 → `onSchemaMismatch`; `mutation-id-gap` → the clientID's entries are renumbered under a
 * fresh clientID, in order.
 */
import { createDb, createMemoryEngine, evaluateSelect, invokeMutator, PlasmaError, validateQuery } from "@plasma/core"
import type { AnySchema, AuthContext, FileRef, MutatorMap, PullResponse, QueryEngine } from "@plasma/core"
import type { ClientDb } from "./client-db.js"
import { replaceBlobs } from "./files/replace-blobs.js"
import { createLiveRegistry, type LiveRegistry } from "./live/index.js"
import type { ClientClock, PlasmaClient, PlasmaClientOptions, RetryOptions } from "./plasma-client.js"
import type { ReadFileResult } from "./read-file-result.js"
import type { BlobRecord, LocalStore } from "./store/local-store.js"
import { SyncClientError, isSyncClientError } from "./sync-client-error.js"
import { createSyncStatusCell, type SyncStatusCell } from "./sync-status.js"
import type { OutboxEntry } from "./sync/outbox-entry.js"
import { planPush } from "./sync/plan-push.js"
import { DEFAULT_RETRY, withRetry } from "./sync/retry.js"
import { SerialQueue } from "./sync/serial-queue.js"
import { SyncHttp } from "./sync/sync-http.js"
import { decodePatch } from "./sync/decode-patch.js"
import { toJsonArgs } from "./sync/json-args.js"
import { fileResult } from "./files/file-result.js"
import { uploadDueBlobs } from "./files/upload-due-blobs.js"
import { randomId } from "./random-id.js"
import { SyncLoop } from "./sync/sync-loop.js"
import { electLeader, type Leadership } from "./tabs/elect-leader.js"
import { isTabMessage, type TabMessage } from "./tabs/tab-messages.js"
import { BaseRows, type Row } from "./view/row-layer.js"
import { OptimisticView, type DecodedPatch, type MutationRunner } from "./view/optimistic-view.js"

/** How long a 404 from `GET /blob/:hash` is remembered, so a missing file is not re-fetched in a loop. */
const MISSING_BLOB_TTL_MS = 30_000
/** Pages one `pullOnce` follows at most (10,000 × the page size). */
const MAX_PULL_PAGES = 10_000
export interface ClientDeps {
  readonly store: Promise<LocalStore>
  readonly clock: ClientClock
  readonly locks: PlasmaClientOptions<AnySchema, MutatorMap, unknown>["locks"]
  readonly channel: { postMessage(m: unknown): void; close(): void; onmessage: ((e: MessageEvent) => void) | null } | null
}

export class PlasmaClientImpl<S extends AnySchema, M extends MutatorMap, Ctx> implements PlasmaClient<S, M> {
  readonly db: ClientDb<S>
  readonly clientGroupID: string
  readonly #status: SyncStatusCell
  readonly #options: PlasmaClientOptions<S, M, Ctx>
  readonly #deps: ClientDeps
  readonly #http: SyncHttp
  readonly #retry: RetryOptions
  readonly #view = new OptimisticView()
  readonly #registry: LiveRegistry
  readonly #viewQueue = new SerialQueue()
  readonly #pullQueue = new SerialQueue()
  readonly #pushQueue = new SerialQueue()
  readonly #ready: Promise<void>
  readonly #loop: SyncLoop
  #store: LocalStore | null = null
  #clientID = randomId()
  #nextMutationID = 1
  /** Every pending mutation of the group, in arrival order (the replay order). */
  #pending: OutboxEntry[] = []
  readonly #confirmed = new Map<string, number>()
  readonly #pushed = new Map<string, number>()
  readonly #uploaded = new Set<string>()
  /** Blobs whose upload the server refused for good: their mutations are pushed anyway and dropped there as poison. */
  readonly #refusedBlobs = new Set<string>()
  readonly #missingBlobs = new Map<string, number>()
  #cookie: string | null = null
  #leader = false
  #leadership: Leadership | null = null
  #closed = false
  #inFlight = 0
  #buffered: TabMessage[] | null = []
  /** A reset asked for by onSchemaMismatch is running: a mismatch during its hydration must not reset again (a loop). */
  #resettingForMismatch = false

  constructor(options: PlasmaClientOptions<S, M, Ctx>, deps: ClientDeps) {
    this.#options = options
    this.#deps = deps
    this.clientGroupID = options.clientGroupID
    this.#retry = { ...DEFAULT_RETRY, ...options.retry }
    this.#status = createSyncStatusCell()
    this.#http = new SyncHttp({
      endpoint: options.endpoint,
      clientGroupID: options.clientGroupID,
      schemaVersion: options.schemaVersion,
      fetcher: options.fetcher ?? ((request) => fetch(request)),
      authHeaders: options.authHeaders,
      now: () => deps.clock.now(),
    })
    this.#registry = createLiveRegistry({ schema: options.schema, view: this.#view })
    const readEngine: QueryEngine = {
      select: async (node) => {
        await this.#ready
        validateQuery(options.schema, node)
        return evaluateSelect(options.schema, node, (table) => this.#view.rows(table))
      },
      write: async (node) => {
        throw new PlasmaError("invalid-query", `plasma.db cannot write (table "${node.table}"): change data through plasma.mutate(name, args), which syncs it`)
      },
    }
    this.db = createDb(options.schema, readEngine, { live: (node) => this.#registry.create(node) }) as unknown as ClientDb<S>
    if (deps.channel !== null) deps.channel.onmessage = (event) => this.#onTabMessage(event.data)
    this.#ready = this.#load()
    this.#ready.catch(() => undefined)
    this.#loop = new SyncLoop({
      clock: deps.clock,
      pollIntervalMs: options.pollIntervalMs ?? 5000,
      subscribe: options.subscribe,
      ready: this.#ready,
      push: () => this.pushOnce(),
      pull: () => this.pullOnce(),
      hasPending: () => this.#pending.length > 0,
      onOffline: () => this.#status.update({ online: false }),
    })
  }

  get clientID(): string {
    return this.#clientID
  }
  get status(): SyncStatusCell {
    return this.#status
  }

  newId(): string {
    return randomId()
  }

  // ---- loading and tabs ----------------------------------------------------------------------

  async #load(): Promise<void> {
    let store: LocalStore
    try {
      store = await this.#deps.store
    } catch (cause) {
      throw this.#report(new SyncClientError("storage", `could not open the local store "${this.#options.dbName}"`, { cause }))
    }
    this.#store = store
    await this.#viewQueue.run(async () => {
      await this.#reloadFromStore()
      const buffered = this.#buffered ?? []
      this.#buffered = null
      for (const message of buffered) await this.#applyTabMessage(message)
    })
    this.#registry.open()
    const locks = this.#deps.locks
    if (locks != null && this.#deps.channel !== null) {
      this.#leadership = await electLeader(locks, `plasma-leader:${this.#options.dbName}:${this.clientGroupID}`, () => {
        if (this.#closed) return
        const was = this.#leader
        this.#leader = true
        // Taking over from a closed leader: sync at once (the loop may be idle).
        if (!was && this.#leadership !== null) this.#schedule(true, true)
      })
    } else {
      this.#leader = true
    }
  }

  /** Replaces the in-memory state with the store's (start, or a follower after a reset). Runs in the view queue. */
  async #reloadFromStore(): Promise<void> {
    const state = await this.#requireStore().load()
    const base = new BaseRows()
    for (const { table, row } of state.rows) base.put(table, row)
    this.#cookie = state.cookie
    this.#storedCookie = state.cookie
    this.#pending = state.outbox.filter((entry) => entry.mutationID > (this.#confirmed.get(entry.clientID) ?? 0))
    const prepared = await this.#view.prepareRebase([], base, this.#pending, this.#runner)
    const touched = this.#view.commitRebase(prepared)
    this.#reportReplayFailures(prepared.failures)
    this.#registry.notify(touched)
    this.#status.update({ outboxDepth: this.#pending.length })
  }

  #announce(message: TabMessage): void {
    try {
      this.#deps.channel?.postMessage(message)
    } catch {
      // A closed channel (the page is going away): the store already holds what matters.
    }
  }

  #onTabMessage(data: unknown): void {
    if (!isTabMessage(data) || this.#closed) return
    if (this.#buffered !== null) {
      this.#buffered.push(data)
      return
    }
    void this.#viewQueue.run(() => this.#applyTabMessage(data)).catch((error: unknown) => this.#report(toStorageError(error)))
  }

  async #applyTabMessage(message: TabMessage): Promise<void> {
    switch (message.type) {
      case "mutation": {
        const { entry } = message
        if (entry.mutationID <= (this.#confirmed.get(entry.clientID) ?? 0)) return
        if (this.#pending.some((p) => p.clientID === entry.clientID && p.mutationID === entry.mutationID)) return
        try {
          const touched = await this.#view.run(entry, this.#runner)
          this.#registry.notify(touched)
        } catch (error) {
          this.#reportReplayFailures([{ entry, error }])
        }
        this.#pending.push(entry)
        this.#status.update({ outboxDepth: this.#pending.length })
        if (this.#leader) this.#schedule(true, false)
        return
      }
      case "pulled":
        if (message.reset) {
          for (const [id, last] of Object.entries(message.lastMutationIDs)) this.#confirm(id, last)
          await this.#reloadFromStore()
          return
        }
        await this.#commitInMemory(message.patch, null, message.lastMutationIDs, message.cookie)
        return
      case "rotated":
        this.#applyRotation(message.from, message.to, message.entries)
        return
      case "wiped":
        this.#confirmed.clear()
        this.#pushed.clear()
        await this.#reloadFromStore()
        return
    }
  }

  // ---- mutate --------------------------------------------------------------------------------

  readonly #runner: MutationRunner = async (entry, store) => {
    const ctx = this.#options.getContext?.()
    const { db } = createMemoryEngine(this.#options.schema, { store, ...(ctx === undefined || ctx === null ? {} : { ctx: ctx as AuthContext }) })
    await invokeMutator(this.#options.mutators, entry.name, { db, args: entry.args, ctx, clientID: entry.clientID, mutationID: entry.mutationID })
  }

  async mutate(name: string, args: unknown): Promise<void> {
    if (this.#closed) throw new TypeError("mutate: the client is closed")
    if (typeof name !== "string" || !Object.hasOwn(this.#options.mutators, name)) {
      const known = Object.keys(this.#options.mutators)
      throw new PlasmaError("unknown-mutator", `unknown mutator "${String(name)}"; known mutators: ${known.length === 0 ? "(none)" : known.join(", ")}`, {
        details: { mutator: String(name), known },
      })
    }
    const { args: replaced, blobs } = await replaceBlobs(args)
    // The server gets the args as JSON: run them locally as JSON too, so both runs see the same values.
    const wireArgs = toJsonArgs(name, replaced)
    await this.#ready
    const entry = await this.#viewQueue.run(async () => {
      const entry: OutboxEntry = {
        clientID: this.#clientID,
        mutationID: this.#nextMutationID,
        name,
        args: wireArgs,
        timestamp: this.#deps.clock.now(),
        blobDeps: [...new Set(blobs.map((b) => b.ref.hash))],
      }
      const store = this.#requireStore()
      const touched = await this.#view.run(entry, this.#runner, async () => {
        try {
          for (const blob of blobs) {
            const existing = await store.getBlob(blob.ref.hash)
            if (existing === undefined) {
              await store.putBlob({ hash: blob.ref.hash, bytes: blob.bytes, mime: blob.ref.mime, ...(blob.ref.name === undefined ? {} : { name: blob.ref.name }), state: "local" })
            }
          }
          await store.addOutbox(entry)
        } catch (cause) {
          throw this.#report(new SyncClientError("storage", `could not queue mutation "${name}" in the local store`, { cause }))
        }
      })
      this.#nextMutationID++
      this.#pending.push(entry)
      this.#registry.notify(touched)
      this.#status.update({ outboxDepth: this.#pending.length })
      return entry
    })
    this.#announce({ type: "mutation", entry })
    if (this.#loop.started) this.#schedule(true, false)
  }

  // ---- pull ----------------------------------------------------------------------------------

  pullOnce(): Promise<void> {
    return this.#pullQueue.run(() => this.#pull())
  }

  async #pull(): Promise<void> {
    await this.#ready
    if (!this.#leader || this.#closed) return
    try {
      await this.#pullPages()
    } finally {
      // A reset walk that failed half-way starts over: its staged pages are gone with it.
      this.#cookie = this.#storedCookie
    }
    this.#status.update({ lastSyncedAt: this.#deps.clock.now(), lastError: null })
  }

  async #pullPages(): Promise<void> {
    let staged: BaseRows | null = null
    for (let page = 0; ; page++) {
      const from = this.#cookie
      const response = await this.#request("pull", () => this.#http.pull(this.#clientID, from, this.#options.pullPageSize))
      if (response.hasMore && (response.cookie === from || page >= MAX_PULL_PAGES)) {
        // Bounded: a server that says "more" without moving on must not spin this loop forever.
        throw this.#report(new SyncClientError("pull-http", `pull answered hasMore without progress (cookie ${response.cookie}, page ${page + 1})`, { status: 200, code: "no-progress" }))
      }
      const patch = decodePatch(this.#options.schema, response)
      if (response.reset === true || staged !== null) {
        staged ??= new BaseRows()
        for (const op of patch) op.op === "put" ? staged.put(op.table, op.value) : staged.delete(op.table, op.id)
        if (response.hasMore) {
          this.#cookie = response.cookie
          continue
        }
        await this.#commitPull(response, [], staged)
        staged = null
      } else {
        await this.#commitPull(response, patch, null)
      }
      if (!response.hasMore) break
    }
  }

  async #commitPull(response: PullResponse, patch: DecodedPatch, reset: BaseRows | null): Promise<void> {
    await this.#viewQueue.run(async () => {
      const store = this.#requireStore()
      const dropped = this.#pending.filter((e) => e.mutationID <= (response.lastMutationIDs[e.clientID] ?? 0))
      const changes: { table: string; id: string; value: Readonly<Row> | null }[] = []
      if (reset !== null) {
        for (const [table, ids] of reset.ids()) for (const id of ids) changes.push({ table, id, value: reset.get(table, id) ?? null })
      }
      for (const op of patch) changes.push({ table: op.table, id: op.id, value: op.op === "put" ? op.value : null })
      try {
        await store.commitPull({
          // A reset walk moved the in-memory cookie along its pages; the store still holds the one it started from.
          expectCookie: this.#storedCookie,
          cookie: response.cookie,
          schemaVersion: this.#options.schemaVersion,
          changes,
          reset: reset !== null,
          deleteOutbox: dropped.map((e) => [e.clientID, e.mutationID] as const),
        })
      } catch (cause) {
        throw this.#report(new SyncClientError("storage", "could not persist a pull in the local store", { cause }))
      }
      await this.#commitInMemory(patch, reset, response.lastMutationIDs, response.cookie)
    })
    this.#announce({ type: "pulled", cookie: response.cookie, patch, reset: reset !== null, lastMutationIDs: response.lastMutationIDs })
  }

  /** The cookie the store is known to hold (updated with every commit). */
  #storedCookie: string | null = null

  /** Applies a committed pull to memory: drop confirmed entries, rebuild the overlay, swap, notify once. Runs in the view queue. */
  async #commitInMemory(patch: DecodedPatch, reset: BaseRows | null, lastMutationIDs: Readonly<Record<string, number>>, cookie: string): Promise<void> {
    for (const [id, last] of Object.entries(lastMutationIDs)) this.#confirm(id, last)
    const pending = this.#pending.filter((e) => e.mutationID > (this.#confirmed.get(e.clientID) ?? 0))
    const prepared = await this.#view.prepareRebase(patch, reset, pending, this.#runner)
    // From here to notify: synchronous, so no reader sees the patched base without its pending mutations.
    const touched = this.#view.commitRebase(prepared)
    this.#pending = pending
    this.#cookie = cookie
    this.#storedCookie = cookie
    this.#registry.notify(touched)
    this.#status.update({ outboxDepth: this.#pending.length })
    this.#reportReplayFailures(prepared.failures)
  }

  #confirm(clientID: string, last: number): void {
    if (last > (this.#confirmed.get(clientID) ?? 0)) this.#confirmed.set(clientID, last)
    // The server may have lost mutations we pushed (a restore): what it confirms is the truth.
    if ((this.#pushed.get(clientID) ?? 0) < last) this.#pushed.set(clientID, last)
  }

  // ---- push ----------------------------------------------------------------------------------

  pushOnce(): Promise<void> {
    return this.#pushQueue.run(() => this.#push())
  }

  async #push(): Promise<void> {
    await this.#ready
    if (!this.#leader || this.#closed) return
    await uploadDueBlobs({
      store: this.#requireStore(),
      pending: this.#pending,
      floorOf: (clientID) => Math.max(this.#confirmed.get(clientID) ?? 0, this.#pushed.get(clientID) ?? 0),
      uploaded: this.#uploaded,
      refused: this.#refusedBlobs,
      upload: (clientID, hash, bytes, mime) => this.#request("upload", () => this.#http.putBlob(clientID, hash, bytes, mime)),
    })
    const plan = planPush(this.#pending, {
      confirmed: this.#confirmed,
      pushed: this.#pushed,
      isUploaded: (hash) => this.#uploaded.has(hash) || this.#refusedBlobs.has(hash),
      maxPerPush: this.#options.maxMutationsPerPush ?? 200,
    })
    let pushedAny = false
    for (const batch of plan.batches) {
      try {
        await this.#request("push", () => this.#http.push(batch.clientID, batch.entries))
      } catch (error) {
        if (isSyncClientError(error) && error.code === "mutation-id-gap") {
          await this.#rotateClient(batch.clientID)
          continue
        }
        throw error
      }
      pushedAny = true
      const last = batch.entries[batch.entries.length - 1] as OutboxEntry
      this.#pushed.set(batch.clientID, Math.max(this.#pushed.get(batch.clientID) ?? 0, last.mutationID))
    }
    if (pushedAny && this.#loop.started) this.#schedule(plan.batches.some((b) => b.entries.length >= (this.#options.maxMutationsPerPush ?? 200)), true)
  }

  /** mutation-id-gap: the server lost this client's numbering; renumber its entries under a fresh clientID. */
  async #rotateClient(clientID: string): Promise<void> {
    await this.#viewQueue.run(async () => {
      const to = randomId()
      const old = this.#pending.filter((e) => e.clientID === clientID).sort((a, b) => a.mutationID - b.mutationID)
      const entries = old.map((e, i) => ({ ...e, clientID: to, mutationID: i + 1 }))
      try {
        await this.#requireStore().replaceOutbox(
          old.map((e) => [e.clientID, e.mutationID] as const),
          entries,
        )
      } catch (cause) {
        throw this.#report(new SyncClientError("storage", "could not re-queue mutations under a new clientID", { cause }))
      }
      this.#applyRotation(clientID, to, entries)
      this.#announce({ type: "rotated", from: clientID, to, entries })
    })
    this.#schedule(true, false)
  }

  #applyRotation(from: string, to: string, entries: readonly OutboxEntry[]): void {
    let next = 0
    this.#pending = this.#pending.map((e) => (e.clientID === from ? (entries[next++] ?? e) : e))
    this.#pushed.delete(from)
    if (from === this.#clientID) {
      this.#clientID = to
      this.#nextMutationID = entries.length + 1
    }
  }

  // ---- requests, errors, status -----------------------------------------------------------

  async #request<T>(what: "pull" | "push" | "upload", op: () => Promise<T>): Promise<T> {
    this.#inFlight++
    this.#status.update({ syncing: true })
    try {
      const result = await withRetry(
        {
          options: this.#retry,
          random: () => this.#deps.clock.random(),
          sleep: (ms) => new Promise((resolve) => this.#deps.clock.setTimeout(resolve, ms)),
          cancelled: () => this.#closed,
        },
        async () => {
          try {
            const value = await op()
            this.#status.update({ online: true })
            return value
          } catch (error) {
            if (isSyncClientError(error, "network")) this.#status.update({ online: false })
            else if (isSyncClientError(error)) this.#status.update({ online: true })
            throw error
          }
        },
      )
      return result
    } catch (error) {
      const failure = isSyncClientError(error) ? error : new SyncClientError(what === "pull" ? "pull-http" : what === "push" ? "push-http" : "blob-upload-failed", String(error), { cause: error })
      if (failure.kind === "schema-mismatch") {
        await this.#onSchemaMismatch(what === "pull" ? "pull" : "push", failure)
      }
      if (failure.code !== "mutation-id-gap") this.#report(failure)
      throw failure
    } finally {
      this.#inFlight--
      if (this.#inFlight === 0) this.#status.update({ syncing: false })
    }
  }

  async #onSchemaMismatch(phase: "pull" | "push", error: SyncClientError): Promise<void> {
    const expected = typeof error.details.expected === "string" ? error.details.expected : undefined
    let decision: "reset" | "stay" = "stay"
    try {
      decision = (await this.#options.onSchemaMismatch?.({ phase, expected })) ?? "stay"
    } catch {
      decision = "stay"
    }
    if (decision === "reset" && !this.#resettingForMismatch) {
      this.#resettingForMismatch = true
      // After the current request settles; the reset pulls again under the new clientID.
      this.#deps.clock.setTimeout(() => {
        void this.resetLocalState()
          .catch(() => undefined)
          .finally(() => {
            this.#resettingForMismatch = false
          })
      }, 0)
    }
  }

  #report(error: SyncClientError): SyncClientError {
    this.#status.update({ lastError: error })
    try {
      this.#options.onError?.(error)
    } catch {
      // The app's handler must not break the sync loop.
    }
    return error
  }

  #reportReplayFailures(failures: readonly { entry: OutboxEntry; error: unknown }[]): void {
    for (const { entry, error } of failures) {
      this.#report(
        new SyncClientError("rebase-replay", `pending mutation "${entry.name}" (${entry.clientID}#${entry.mutationID}) threw when replayed on the new server state; it stays queued for the server to judge`, {
          cause: error,
        }),
      )
    }
  }

  #requireStore(): LocalStore {
    if (this.#store === null) throw new SyncClientError("storage", "the local store is not open")
    return this.#store
  }

  // ---- loop ----------------------------------------------------------------------------------

  start(): void {
    if (!this.#closed) this.#loop.start()
  }

  stop(): void {
    this.#loop.stop()
  }

  #schedule(push: boolean, pull: boolean): void {
    this.#loop.schedule(push, pull)
  }

  async flush(): Promise<void> {
    await this.#ready
    for (let round = 0; round < 100 && !this.#closed; round++) {
      const before = this.#pending.length
      await this.pushOnce()
      await this.pullOnce()
      if (this.#pending.length === 0 || !this.#leader) return
      if (this.#pending.length === before && round > 0) return
    }
  }

  async resetLocalState(): Promise<void> {
    await this.#ready
    await this.#viewQueue.run(async () => {
      try {
        await this.#requireStore().wipe()
      } catch (cause) {
        throw this.#report(new SyncClientError("storage", "could not wipe the local store", { cause }))
      }
      this.#pending = []
      this.#confirmed.clear()
      this.#pushed.clear()
      this.#uploaded.clear()
      this.#cookie = null
      this.#storedCookie = null
      this.#clientID = randomId()
      this.#nextMutationID = 1
      this.#registry.notify(this.#view.clear())
      this.#status.update({ outboxDepth: 0 })
    })
    this.#announce({ type: "wiped", from: this.#clientID })
    await this.pullOnce().catch(() => undefined)
  }

  // ---- files ---------------------------------------------------------------------------------

  async readFile(ref: FileRef): Promise<ReadFileResult> {
    try {
      await this.#ready
      const store = this.#requireStore()
      const local = await store.getBlob(ref.hash)
      if (local !== undefined) return fileResult(local, this.#uploaded.has(ref.hash))
      const missingAt = this.#missingBlobs.get(ref.hash)
      if (missingAt !== undefined && this.#deps.clock.now() - missingAt < MISSING_BLOB_TTL_MS) return { status: "missing" }
      const fetched = await this.#http.getBlob(this.#clientID, ref.hash)
      if (fetched.status === "missing") {
        this.#missingBlobs.set(ref.hash, this.#deps.clock.now())
        return { status: "missing" }
      }
      const record: BlobRecord = { hash: ref.hash, bytes: fetched.bytes, mime: ref.mime || fetched.mime, ...(ref.name === undefined ? {} : { name: ref.name }), state: "fetched" }
      await store.putBlob(record)
      return fileResult(record, true)
    } catch (cause) {
      return { status: "error", cause }
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#loop.close()
    this.#closed = true
    this.#leadership?.release()
    this.#registry.close()
    if (this.#deps.channel !== null) {
      this.#deps.channel.onmessage = null
      this.#deps.channel.close()
    }
    await this.#ready.catch(() => undefined)
    await this.#viewQueue.run(async () => undefined)
    this.#store?.close()
  }
}

function toStorageError(error: unknown): SyncClientError {
  return isSyncClientError(error) ? error : new SyncClientError("storage", "a tab message could not be applied", { cause: error })
}

