/**
 * The state one client's sync steps share (`run-mutate.ts`, `sync/pull.ts`, `sync/push.ts`,
 * `sync/rotate-client.ts`, `tabs/apply-tab-message.ts`, `files/read-file.ts`), and the few
 * helpers every step uses. `PlasmaClientImpl` owns it; nothing outside the package sees it.
 */
import type { AnySchema, MutatorMap } from "@plasma/core"
import type { LiveRegistry } from "./live/index.js"
import type { ClientClock, PlasmaClientOptions, RetryOptions } from "./plasma-client.js"
import type { LocalStore } from "./store/local-store.js"
import { SyncClientError } from "./sync-client-error.js"
import type { SyncStatusCell } from "./sync-status.js"
import type { OutboxEntry } from "./sync/outbox-entry.js"
import type { SerialQueue } from "./sync/serial-queue.js"
import type { SyncHttp } from "./sync/sync-http.js"
import type { Leadership } from "./tabs/elect-leader.js"
import type { TabMessage } from "./tabs/tab-messages.js"
import type { MutationRunner, OptimisticView } from "./view/optimistic-view.js"

/** What `createPlasmaClient` picks for the client: the store, the clock, the locks and the tab channel. */
export interface ClientDeps {
  readonly store: Promise<LocalStore>
  readonly clock: ClientClock
  readonly locks: PlasmaClientOptions<AnySchema, MutatorMap, unknown>["locks"]
  readonly channel: { postMessage(m: unknown): void; close(): void; onmessage: ((e: MessageEvent) => void) | null } | null
}

/** One client's shared state. Fields the steps change are mutable; everything else is readonly. */
export interface ClientState {
  readonly options: PlasmaClientOptions<AnySchema, MutatorMap, unknown>
  readonly deps: ClientDeps
  readonly http: SyncHttp
  readonly retry: RetryOptions
  readonly view: OptimisticView
  readonly registry: LiveRegistry
  readonly status: SyncStatusCell
  /** Every change to the view (mutate, commit, tab message, rotation, wipe) runs here, one at a time. */
  readonly viewQueue: SerialQueue
  readonly pullQueue: SerialQueue
  readonly pushQueue: SerialQueue
  /** Runs one outbox entry's mutator against a row store (local runs and replays alike). */
  readonly runner: MutationRunner
  /** Settles once the store is loaded and leadership is settled; every step awaits it first. */
  ready: Promise<void>
  store: LocalStore | null
  clientID: string
  nextMutationID: number
  /** Every pending mutation of the group, in arrival order (the replay order). */
  pending: OutboxEntry[]
  /** Per clientID, the last mutationID the server confirmed. */
  readonly confirmed: Map<string, number>
  /** Per clientID, the last mutationID sent successfully (or confirmed). */
  readonly pushed: Map<string, number>
  readonly uploaded: Set<string>
  /** Blobs whose upload the server refused for good: their mutations are pushed anyway and dropped there as poison. */
  readonly refusedBlobs: Set<string>
  /** When a `GET /blob/:hash` last answered 404, per hash. */
  readonly missingBlobs: Map<string, number>
  cookie: string | null
  /** The cookie the store is known to hold (updated with every commit). */
  storedCookie: string | null
  leader: boolean
  leadership: Leadership | null
  closed: boolean
  inFlight: number
  /** Tab messages that arrived before the store loaded; `null` once they are applied. */
  buffered: TabMessage[] | null
  /** A reset asked for by onSchemaMismatch is running: a mismatch during its hydration must not reset again (a loop). */
  resettingForMismatch: boolean
  /** Asks the sync loop for a push and/or a pull. */
  schedule(push: boolean, pull: boolean): void
  /** `true` once `start()` ran and until `stop()`. */
  loopStarted(): boolean
  resetLocalState(): Promise<void>
}

/** The open store; throws a `storage` error before it is open. */
export function requireStore(state: ClientState): LocalStore {
  if (state.store === null) throw new SyncClientError("storage", "the local store is not open")
  return state.store
}

/** Records `error` as the last error and hands it to the app's `onError`; returns it for `throw`. */
export function reportError(state: ClientState, error: SyncClientError): SyncClientError {
  state.status.update({ lastError: error })
  try {
    state.options.onError?.(error)
  } catch {
    // The app's handler must not break the sync loop.
  }
  return error
}

/** Reports each pending mutation that threw when replayed over a new base (it stays queued). */
export function reportReplayFailures(state: ClientState, failures: readonly { entry: OutboxEntry; error: unknown }[]): void {
  for (const { entry, error } of failures) {
    reportError(
      state,
      new SyncClientError("rebase-replay", `pending mutation "${entry.name}" (${entry.clientID}#${entry.mutationID}) threw when replayed on the new server state; it stays queued for the server to judge`, {
        cause: error,
      }),
    )
  }
}

/** Tells the other tabs of the group what changed. */
export function announce(state: ClientState, message: TabMessage): void {
  try {
    state.deps.channel?.postMessage(message)
  } catch {
    // A closed channel (the page is going away): the store already holds what matters.
  }
}
