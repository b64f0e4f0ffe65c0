/** `useSyncStatus`: the client's sync status as React state. */
import type { SyncStatus } from "@plasma/client"
import { useCallback, useSyncExternalStore } from "react"
import { usePlasma } from "./plasma-provider.js"

/**
 * `{ online, outboxDepth, syncing, lastError, lastSyncedAt }`, re-rendering only when it changes
 * (the client hands out the same frozen object until then).
 *
 * @example
 * const { online, outboxDepth } = useSyncStatus()
 * return <span>{online ? "online" : "offline"} · {outboxDepth} pending</span>
 */
export function useSyncStatus(): SyncStatus {
  const { status } = usePlasma()
  const subscribe = useCallback((onStoreChange: () => void) => status.subscribe(() => onStoreChange()), [status])
  const get = useCallback(() => status.get(), [status])
  return useSyncExternalStore(subscribe, get, get)
}
