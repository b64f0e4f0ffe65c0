/**
 * The in-memory half of a commit (in the view queue): drop the confirmed entries, build the new
 * overlay off to the side (replaying the pending mutations, see `view/optimistic-view.ts`), swap
 * it in synchronously, notify live queries once. Also the reload from the store that a start, a
 * follower tab after a reset, and a wipe use.
 */
import { reportReplayFailures, requireStore, type ClientState } from "../client-state.js"
import { BaseRows } from "../view/row-layer.js"
import type { DecodedPatch } from "../view/optimistic-view.js"

/** Applies a committed pull to memory: drop confirmed entries, rebuild the overlay, swap, notify once. Runs in the view queue. */
export async function commitInMemory(state: ClientState, patch: DecodedPatch, reset: BaseRows | null, lastMutationIDs: Readonly<Record<string, number>>, cookie: string): Promise<void> {
  for (const [id, last] of Object.entries(lastMutationIDs)) confirm(state, id, last)
  const pending = state.pending.filter((e) => e.mutationID > (state.confirmed.get(e.clientID) ?? 0))
  const prepared = await state.view.prepareRebase(patch, reset, pending, state.runner)
  // From here to notify: synchronous, so no reader sees the patched base without its pending mutations.
  const touched = state.view.commitRebase(prepared)
  state.pending = pending
  state.cookie = cookie
  state.storedCookie = cookie
  state.registry.notify(touched)
  state.status.update({ outboxDepth: state.pending.length })
  reportReplayFailures(state, prepared.failures)
}

/** Replaces the in-memory state with the store's (start, or a follower after a reset). Runs in the view queue. */
export async function reloadFromStore(state: ClientState): Promise<void> {
  const stored = await requireStore(state).load()
  const base = new BaseRows()
  for (const { table, row } of stored.rows) base.put(table, row)
  state.cookie = stored.cookie
  state.storedCookie = stored.cookie
  state.pending = stored.outbox.filter((entry) => entry.mutationID > (state.confirmed.get(entry.clientID) ?? 0))
  const prepared = await state.view.prepareRebase([], base, state.pending, state.runner)
  const touched = state.view.commitRebase(prepared)
  reportReplayFailures(state, prepared.failures)
  state.registry.notify(touched)
  state.status.update({ outboxDepth: state.pending.length })
}

/** Records what the server confirmed for `clientID`. */
export function confirm(state: ClientState, clientID: string, last: number): void {
  if (last > (state.confirmed.get(clientID) ?? 0)) state.confirmed.set(clientID, last)
  // The server may have lost mutations we pushed (a restore): what it confirms is the truth.
  if ((state.pushed.get(clientID) ?? 0) < last) state.pushed.set(clientID, last)
}
