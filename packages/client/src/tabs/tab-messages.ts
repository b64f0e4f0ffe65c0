/**
 * Messages between the tabs (clients) of one client group, on a `BroadcastChannel` named after
 * the database and the group. Ordering: a channel delivers one sender's messages in order.
 * - `mutation`: a client queued an entry (already in the shared store). Every other client
 *   replays it in its overlay; the leader pushes it.
 * - `pulled`: the leader committed a pull (already in the shared store): followers apply the
 *   same patch and confirmations. A reset carries no rows: followers reload the base from the store.
 * - `rotated`: a clientID's entries were renumbered under a new clientID (mutation-id-gap).
 * - `wiped`: the local state was reset; followers drop theirs and reload.
 */
import type { OutboxEntry } from "../sync/outbox-entry.js"
import type { DecodedPatch } from "../view/optimistic-view.js"

export type TabMessage =
  | { readonly type: "mutation"; readonly entry: OutboxEntry }
  | {
      readonly type: "pulled"
      readonly cookie: string
      readonly patch: DecodedPatch
      readonly reset: boolean
      readonly lastMutationIDs: Readonly<Record<string, number>>
    }
  | { readonly type: "rotated"; readonly from: string; readonly to: string; readonly entries: readonly OutboxEntry[] }
  | { readonly type: "wiped"; readonly from: string }

/** Narrows what arrives on the channel to our messages (another version of the library may share the name). */
export function isTabMessage(value: unknown): value is TabMessage {
  if (typeof value !== "object" || value === null) return false
  const type = (value as { type?: unknown }).type
  return type === "mutation" || type === "pulled" || type === "rotated" || type === "wiped"
}
