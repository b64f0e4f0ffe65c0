/**
 * Recovery from a 409 `schema-mismatch`: the app's `onSchemaMismatch` decides; "reset" wipes the
 * local state and hydrates again, at most once at a time (a mismatch during that hydration must
 * not start another reset: a loop). A throwing handler counts as "stay".
 */
import type { ClientState } from "../client-state.js"
import type { SyncClientError } from "../sync-client-error.js"

/** Asks the app what to do about a schema mismatch met during `phase`, and does it. */
export async function onSchemaMismatch(state: ClientState, phase: "pull" | "push", error: SyncClientError): Promise<void> {
  const expected = typeof error.details.expected === "string" ? error.details.expected : undefined
  let decision: "reset" | "stay" = "stay"
  try {
    decision = (await state.options.onSchemaMismatch?.({ phase, expected })) ?? "stay"
  } catch {
    decision = "stay"
  }
  if (decision === "reset" && !state.resettingForMismatch) {
    state.resettingForMismatch = true
    // After the current request settles; the reset pulls again under the new clientID.
    state.deps.clock.setTimeout(() => {
      void state
        .resetLocalState()
        .catch(() => undefined)
        .finally(() => {
          state.resettingForMismatch = false
        })
    }, 0)
  }
}
