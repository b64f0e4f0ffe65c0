/**
 * The client's sync status as a tiny external store: `get()` returns the same frozen object
 * until something changes (what React's `useSyncExternalStore` needs), `subscribe` is told of
 * every new object.
 */
import type { SyncClientError } from "./sync-client-error.js"

/** What the sync loop is doing, for a status bar. */
export interface SyncStatus {
  /** The last request reached the server (and the browser does not say it is offline). */
  readonly online: boolean
  /** Pending mutations of the whole client group, not yet confirmed by a pull. */
  readonly outboxDepth: number
  /** A push or pull is in flight. */
  readonly syncing: boolean
  /** The last failure reported through `onError`; cleared by the next successful pull. */
  readonly lastError: SyncClientError | null
  /** `now()` of the last successful pull. */
  readonly lastSyncedAt: number | null
}

/** A subscribable view of {@link SyncStatus}. */
export interface SyncStatusStore {
  /** The current status; the same (frozen) object until something changes. */
  get(): SyncStatus
  /** Calls `listener` with every new status; returns the unsubscribe function. */
  subscribe(listener: (status: SyncStatus) => void): () => void
}

/** The writable side the client keeps. */
export interface SyncStatusCell extends SyncStatusStore {
  /** Replaces the fields given; listeners run only when a value actually changed. */
  update(patch: Partial<SyncStatus>): void
}

/** Creates the status cell, starting offline-unknown (`online: true` until a request fails). */
export function createSyncStatusCell(initial: Partial<SyncStatus> = {}): SyncStatusCell {
  let current: SyncStatus = Object.freeze({ online: true, outboxDepth: 0, syncing: false, lastError: null, lastSyncedAt: null, ...initial })
  const listeners = new Set<(status: SyncStatus) => void>()
  return {
    get: () => current,
    subscribe(listener) {
      listeners.add(listener)
      return () => void listeners.delete(listener)
    },
    update(patch) {
      let changed = false
      for (const key of Object.keys(patch) as (keyof SyncStatus)[]) if (patch[key] !== current[key]) changed = true
      if (!changed) return
      current = Object.freeze({ ...current, ...patch })
      for (const listener of [...listeners]) {
        try {
          listener(current)
        } catch {
          // A throwing listener must not stop the others or the sync loop.
        }
      }
    },
  }
}
