/** The public shape of `createPlasmaClient`: its options and the client it returns (SPEC §13). */
import type { AnySchema, FileRef, MutatorMap } from "@plasma/core"
import type { ClientDb } from "./client-db.js"
import type { MutateArgs } from "./mutate-args.js"
import type { ReadFileResult } from "./read-file-result.js"
import type { SyncClientError } from "./sync-client-error.js"
import type { SyncStatusStore } from "./sync-status.js"

/** Retry bounds for pushes, pulls and blob uploads (5xx, 429, network errors). */
export interface RetryOptions {
  /** Attempts per operation before `onError` is told (polling goes on regardless). Default 5. */
  readonly maxAttempts: number
  /** Cap of the first retry's delay (full jitter). Default 500. */
  readonly initialDelayMs: number
  /** Upper bound of any delay. Default 30 000. */
  readonly maxDelayMs: number
}

/** What `onSchemaMismatch` is told: which request met the 409 and the server's schema version. */
export interface SchemaMismatchInfo {
  readonly phase: "push" | "pull"
  readonly expected: string | undefined
}

/** Headers as a plain record or a `Headers`; `authHeaders` may return them through a promise. */
export type HeadersLike = Readonly<Record<string, string>> | Headers

/** The injectable clock and timers (tests drive backoff and polling with them). */
export interface ClientClock {
  now(): number
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
  /** Random source in [0, 1) for backoff jitter. */
  random(): number
}

/** The subset of the Web Locks API the client uses for leader election. */
export interface LockManagerLike {
  request(name: string, options: { signal?: AbortSignal; ifAvailable?: boolean }, callback: (lock: unknown) => Promise<void>): Promise<unknown>
}

/** A `BroadcastChannel` constructor (the browser's, or Node's global). */
export type BroadcastChannelConstructor = new (name: string) => {
  postMessage(message: unknown): void
  close(): void
  onmessage: ((event: MessageEvent) => void) | null
}

/** Options of {@link createPlasmaClient}. */
export interface PlasmaClientOptions<S extends AnySchema, M extends MutatorMap, Ctx> {
  readonly schema: S
  readonly mutators: M
  /** Sent with every request; a server with another version answers 409. */
  readonly schemaVersion: string
  /** The local database's name; one per app and user (IndexedDB database name). */
  readonly dbName: string
  /** The sync handler's basePath, e.g. `"/sync"`; must be absolute (`https://…/sync`) outside browsers. */
  readonly endpoint: string
  /** Per installation and user; persisted by the app. Tabs of one group share the local store. */
  readonly clientGroupID: string
  /** The `ctx` of local mutator runs (and of the tables' `write` predicates); called before each run. */
  readonly getContext?: () => Ctx
  /**
   * Extra headers on every push, pull and blob request; may be async (token refresh). The client
   * also sets `x-plasma-client-group` and `x-plasma-client` (the clientID the request is for).
   */
  readonly authHeaders?: () => HeadersLike | Promise<HeadersLike>
  /** `"idb"` (default where `indexedDB` exists) or `"memory"` (nothing survives `close()`). */
  readonly storage?: "idb" | "memory"
  /** The IndexedDB factory; default `globalThis.indexedDB` (tests pass fake-indexeddb's). */
  readonly indexedDB?: IDBFactory
  /** Poll interval while started; default 5000. 0 disables polling. */
  readonly pollIntervalMs?: number
  readonly retry?: Partial<RetryOptions>
  /** `limit` of each pull; default: the server's default (1000). */
  readonly pullPageSize?: number
  /** Mutations per push request; default 200 (the server's default `maxMutationsPerPush`). */
  readonly maxMutationsPerPush?: number
  /** Sends requests; default `fetch`. Tests pass `(req) => handler(req)`. */
  readonly fetcher?: (request: Request) => Promise<Response>
  /** Pokes (pull now); e.g. `createWebSocketSubscription(…)`. Returns the unsubscribe function. */
  readonly subscribe?: (onPoke: () => void) => () => void
  /** Every sync failure, once its retries (if any) ran out. */
  readonly onError?: (error: SyncClientError) => void
  /** A 409: `"reset"` wipes local state, rotates the clientID and hydrates; `"stay"` (default) keeps everything and retries later. */
  readonly onSchemaMismatch?: (info: SchemaMismatchInfo) => "reset" | "stay" | Promise<"reset" | "stay">
  /** Clock, timers and randomness; default the real ones. */
  readonly clock?: Partial<ClientClock>
  /** Web Locks for leader election; default `navigator.locks`; `null`: every client leads itself. */
  readonly locks?: LockManagerLike | null
  /** Tab channel; default the global `BroadcastChannel`; `null`: no cross-tab messages. */
  readonly BroadcastChannel?: BroadcastChannelConstructor | null
}

/** The client: a local, optimistic copy of the data and the loop that syncs it. */
export interface PlasmaClient<S extends AnySchema, M extends MutatorMap> {
  /** The query builder over the optimistic view; selects have `.live()`. */
  readonly db: ClientDb<S>
  /** This tab's client id (rotated by a reset or a `mutation-id-gap`). */
  readonly clientID: string
  readonly clientGroupID: string
  readonly status: SyncStatusStore
  /**
   * Runs mutator `name` locally on the optimistic view and queues it for the server. Resolves once
   * it ran locally; rejects (queueing nothing) when it throws. `File`/`Blob` values in `args` are
   * hashed, stored locally and replaced by their `FileRef` first.
   */
  mutate<Name extends keyof M & string>(name: Name, args: MutateArgs<M, Name>): Promise<void>
  /** A fresh random id (URL-safe, 21 characters) for rows created at the call site. */
  newId(): string
  /** Pulls until `hasMore` is false. Rejects with a `SyncClientError` when the server could not be reached or refused. */
  pullOnce(): Promise<void>
  /** Uploads what is due and pushes every ready pending mutation of the group. Rejects like `pullOnce`. */
  pushOnce(): Promise<void>
  /** Starts the loop: poll timer, pokes, the `online` event. Idempotent. */
  start(): void
  /** Stops the loop (no timers left); local reads and `mutate` still work. */
  stop(): void
  /** Pushes everything pending, then pulls; resolves when the outbox is empty or a failure stops it. */
  flush(): Promise<void>
  /** Wipes the local store (base, outbox, cookie, files), rotates the clientID and hydrates again. Pending mutations are lost. */
  resetLocalState(): Promise<void>
  /** The bytes of a file: from the local cache, else fetched (and cached). */
  readFile(ref: FileRef): Promise<ReadFileResult>
  /** Stops the loop and releases the store, locks and channels. */
  close(): Promise<void>
}
