/** The other tabs of this user, from the coordinator's presence (usePresence). */
import { usePlasma, usePresence } from "@plasma/react"
import { useMemo, type ReactNode } from "react"
import { roomOf } from "./demo-identity.js"

/** "Tabs here now". Its socket also carries the pokes (pullOnPoke). */
export function PresencePanel({ user }: { readonly user: string }): ReactNode {
  const plasma = usePlasma()
  const label = useMemo(() => `tab ${plasma.clientID.slice(-4)}`, [plasma])
  const { peers, me, connecting, error } = usePresence({
    // The Worker authorises `?user=` (demo) and adds the coordinator token as a header itself.
    url: `/sync/coordinator?user=${encodeURIComponent(user)}`,
    room: roomOf(user),
    userInfo: { label },
    pullOnPoke: true,
  })
  return (
    <section>
      <h2>Tabs here now</h2>
      <div className="presence" id="presence">
        {connecting ? (
          <span className="muted">{error === null ? "waiting for the coordinator…" : `reconnecting (${error.message})`}</span>
        ) : (
          <>
            <span className="tab me">{me === undefined ? label : `${label} (this tab)`}</span>
            {peers.map((peer) => (
              <span className="tab" key={peer.clientID}>
                {typeof peer.userInfo === "object" && peer.userInfo !== null && "label" in peer.userInfo ? String(peer.userInfo.label) : peer.clientID}
              </span>
            ))}
            <span className="muted" id="peer-count">
              {peers.length === 1 ? "1 other tab" : `${peers.length} other tabs`}
            </span>
          </>
        )}
      </div>
    </section>
  )
}
