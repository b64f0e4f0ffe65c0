/**
 * What a tab does with its siblings' messages (`tab-messages.ts`), in the view queue: a queued
 * mutation is run on the overlay and queued here too, a pull is applied in memory (a reset one
 * reloads from the shared store), a rotation renumbers, a wipe reloads. Messages that arrive
 * before the store loaded are buffered and applied right after the load.
 */
import { reportError, reportReplayFailures, type ClientState } from "../client-state.js"
import { isSyncClientError, SyncClientError } from "../sync-client-error.js"
import { commitInMemory, confirm, reloadFromStore } from "../sync/commit-in-memory.js"
import { applyRotation } from "../sync/rotate-client.js"
import { isTabMessage, type TabMessage } from "./tab-messages.js"

/** The channel's `onmessage`: buffers before the load, else applies in the view queue. */
export function onTabMessage(state: ClientState, data: unknown): void {
  if (!isTabMessage(data) || state.closed) return
  if (state.buffered !== null) {
    state.buffered.push(data)
    return
  }
  void state.viewQueue.run(() => applyTabMessage(state, data)).catch((error: unknown) => reportError(state, toStorageError(error)))
}

/** Applies one sibling tab's message. Runs in the view queue. */
export async function applyTabMessage(state: ClientState, message: TabMessage): Promise<void> {
  switch (message.type) {
    case "mutation": {
      const { entry } = message
      if (entry.mutationID <= (state.confirmed.get(entry.clientID) ?? 0)) return
      if (state.pending.some((p) => p.clientID === entry.clientID && p.mutationID === entry.mutationID)) return
      try {
        const touched = await state.view.run(entry, state.runner)
        state.registry.notify(touched)
      } catch (error) {
        reportReplayFailures(state, [{ entry, error }])
      }
      state.pending.push(entry)
      state.status.update({ outboxDepth: state.pending.length })
      if (state.leader) state.schedule(true, false)
      return
    }
    case "pulled":
      if (message.reset) {
        for (const [id, last] of Object.entries(message.lastMutationIDs)) confirm(state, id, last)
        await reloadFromStore(state)
        return
      }
      await commitInMemory(state, message.patch, null, message.lastMutationIDs, message.cookie)
      return
    case "rotated":
      applyRotation(state, message.from, message.to, message.entries)
      return
    case "wiped":
      state.confirmed.clear()
      state.pushed.clear()
      await reloadFromStore(state)
      return
  }
}

function toStorageError(error: unknown): SyncClientError {
  return isSyncClientError(error) ? error : new SyncClientError("storage", "a tab message could not be applied", { cause: error })
}
