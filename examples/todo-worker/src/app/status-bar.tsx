/** Online/offline, the outbox depth and the last sync error, from `useSyncStatus`. */
import { useSyncStatus } from "@plasma/react"
import type { ReactNode } from "react"

/** The header's sync pills. */
export function StatusBar(): ReactNode {
  const { online, outboxDepth, syncing, lastError } = useSyncStatus()
  return (
    <>
      <span className="pill">
        <span className={online ? "dot on" : "dot"} />
        <span id="online">{online ? "online" : "offline"}</span>
      </span>
      <span className="pill" id="sync" title={lastError === null ? "" : `${lastError.kind}: ${lastError.message}`}>
        {outboxDepth > 0 ? `${outboxDepth} pending` : syncing ? "syncing…" : "synced"}
      </span>
    </>
  )
}
