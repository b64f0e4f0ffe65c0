/**
 * The pull path (leader only; one at a time): fetch pages until `hasMore` is false. A normal
 * page is committed at once; `reset: true` pages are staged in memory and committed whole with
 * the last one. Commit (in the view queue): persist patch + cookie + outbox deletions in ONE
 * store transaction, then apply it in memory (`commit-in-memory.ts`), announce to the tabs.
 */
import type { PullResponse } from "@plasma/core"
import { announce, reportError, requireStore, type ClientState } from "../client-state.js"
import { SyncClientError } from "../sync-client-error.js"
import { BaseRows, type Row } from "../view/row-layer.js"
import type { DecodedPatch } from "../view/optimistic-view.js"
import { commitInMemory } from "./commit-in-memory.js"
import { decodePatch } from "./decode-patch.js"
import { syncRequest } from "./sync-request.js"

/** Pages one `pullOnce` follows at most (10,000 × the page size). */
const MAX_PULL_PAGES = 10_000

/** One `pullOnce`: every page until `hasMore` is false, then `lastSyncedAt`. */
export async function pull(state: ClientState): Promise<void> {
  await state.ready
  if (!state.leader || state.closed) return
  try {
    await pullPages(state)
  } finally {
    // A reset walk that failed half-way starts over: its staged pages are gone with it.
    state.cookie = state.storedCookie
  }
  state.status.update({ lastSyncedAt: state.deps.clock.now(), lastError: null })
}

async function pullPages(state: ClientState): Promise<void> {
  let staged: BaseRows | null = null
  for (let page = 0; ; page++) {
    const from = state.cookie
    const response = await syncRequest(state, "pull", () => state.http.pull(state.clientID, from, state.options.pullPageSize))
    if (response.hasMore && (response.cookie === from || page >= MAX_PULL_PAGES)) {
      // Bounded: a server that says "more" without moving on must not spin this loop forever.
      throw reportError(state, new SyncClientError("pull-http", `pull answered hasMore without progress (cookie ${response.cookie}, page ${page + 1})`, { status: 200, code: "no-progress" }))
    }
    const patch = decodePatch(state.options.schema, response)
    if (response.reset === true || staged !== null) {
      staged ??= new BaseRows()
      for (const op of patch) op.op === "put" ? staged.put(op.table, op.value) : staged.delete(op.table, op.id)
      if (response.hasMore) {
        state.cookie = response.cookie
        continue
      }
      await commitPull(state, response, [], staged)
      staged = null
    } else {
      await commitPull(state, response, patch, null)
    }
    if (!response.hasMore) break
  }
}

async function commitPull(state: ClientState, response: PullResponse, patch: DecodedPatch, reset: BaseRows | null): Promise<void> {
  await state.viewQueue.run(async () => {
    const store = requireStore(state)
    const dropped = state.pending.filter((e) => e.mutationID <= (response.lastMutationIDs[e.clientID] ?? 0))
    const changes: { table: string; id: string; value: Readonly<Row> | null }[] = []
    if (reset !== null) {
      for (const [table, ids] of reset.ids()) for (const id of ids) changes.push({ table, id, value: reset.get(table, id) ?? null })
    }
    for (const op of patch) changes.push({ table: op.table, id: op.id, value: op.op === "put" ? op.value : null })
    try {
      await store.commitPull({
        // A reset walk moved the in-memory cookie along its pages; the store still holds the one it started from.
        expectCookie: state.storedCookie,
        cookie: response.cookie,
        schemaVersion: state.options.schemaVersion,
        changes,
        reset: reset !== null,
        deleteOutbox: dropped.map((e) => [e.clientID, e.mutationID] as const),
      })
    } catch (cause) {
      throw reportError(state, new SyncClientError("storage", "could not persist a pull in the local store", { cause }))
    }
    await commitInMemory(state, patch, reset, response.lastMutationIDs, response.cookie)
  })
  announce(state, { type: "pulled", cookie: response.cookie, patch, reset: reset !== null, lastMutationIDs: response.lastMutationIDs })
}
