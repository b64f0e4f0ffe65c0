/**
 * Recovery from a `mutation-id-gap`: the server lost this clientID's numbering (a restore), so
 * its pending entries are renumbered 1… under a fresh clientID, in order, persisted in one store
 * call, announced to the other tabs, and pushed again.
 *
 * Tabs that each lead themselves (no Web Locks) may meet the same gap at once: each pushed the
 * shared outbox's entries of that clientID before the other's "rotated" message arrived. The
 * store call is a compare-and-set on the old entries, so only the first rotation lands; a tab
 * whose rotation lost reloads the outbox (with the winner's renumbered entries) instead of
 * re-queueing the same mutations a second time under a second clientID, which would apply them
 * twice. Found by the simulation (tests/simulation, `rotation race` regression test).
 */
import { announce, reportError, requireStore, type ClientState } from "../client-state.js"
import { randomId } from "../random-id.js"
import { SyncClientError } from "../sync-client-error.js"
import { reloadFromStore } from "./commit-in-memory.js"
import type { OutboxEntry } from "./outbox-entry.js"

/** mutation-id-gap: the server lost this client's numbering; renumber its entries under a fresh clientID. */
export async function rotateClient(state: ClientState, clientID: string): Promise<void> {
  await state.viewQueue.run(async () => {
    const to = randomId()
    const old = state.pending.filter((e) => e.clientID === clientID).sort((a, b) => a.mutationID - b.mutationID)
    const entries = old.map((e, i) => ({ ...e, clientID: to, mutationID: i + 1 }))
    let replaced: boolean
    try {
      replaced = await requireStore(state).replaceOutbox(
        old.map((e) => [e.clientID, e.mutationID] as const),
        entries,
      )
    } catch (cause) {
      throw reportError(state, new SyncClientError("storage", "could not re-queue mutations under a new clientID", { cause }))
    }
    if (!replaced) {
      // Another tab rotated these entries first; its renumbered copies are in the store.
      if (clientID === state.clientID) {
        state.clientID = randomId()
        state.nextMutationID = 1
      }
      state.pushed.delete(clientID)
      await reloadFromStore(state)
      return
    }
    applyRotation(state, clientID, to, entries)
    announce(state, { type: "rotated", from: clientID, to, entries })
  })
  state.schedule(true, false)
}

/** Swaps `from`'s pending entries for their renumbered copies (this tab's or another's rotation). */
export function applyRotation(state: ClientState, from: string, to: string, entries: readonly OutboxEntry[]): void {
  // Already reloaded from the store after losing the same rotation: nothing to renumber.
  if (state.pending.some((e) => e.clientID === to)) return
  let next = 0
  state.pending = state.pending.map((e) => (e.clientID === from ? (entries[next++] ?? e) : e))
  state.pushed.delete(from)
  if (from === state.clientID) {
    state.clientID = to
    state.nextMutationID = entries.length + 1
  }
}
