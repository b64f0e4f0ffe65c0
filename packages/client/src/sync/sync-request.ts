/**
 * One sync request with the client's failure rules: retried per `retry.ts` (5xx, 429, network),
 * `status.online`/`syncing` kept current, then reported once through `onError` and `status`.
 * A 409 goes to `onSchemaMismatch` first; a `mutation-id-gap` is not reported (the push path
 * recovers from it by renumbering, `rotate-client.ts`).
 */
import { reportError, type ClientState } from "../client-state.js"
import { isSyncClientError, SyncClientError } from "../sync-client-error.js"
import { onSchemaMismatch } from "./on-schema-mismatch.js"
import { withRetry } from "./retry.js"

/** Runs `op` with retries; rejects with a `SyncClientError` once they run out. */
export async function syncRequest<T>(state: ClientState, what: "pull" | "push" | "upload", op: () => Promise<T>): Promise<T> {
  state.inFlight++
  state.status.update({ syncing: true })
  try {
    const result = await withRetry(
      {
        options: state.retry,
        random: () => state.deps.clock.random(),
        sleep: (ms) => new Promise((resolve) => state.deps.clock.setTimeout(resolve, ms)),
        cancelled: () => state.closed,
      },
      async () => {
        try {
          const value = await op()
          state.status.update({ online: true })
          return value
        } catch (error) {
          if (isSyncClientError(error, "network")) state.status.update({ online: false })
          else if (isSyncClientError(error)) state.status.update({ online: true })
          throw error
        }
      },
    )
    return result
  } catch (error) {
    const failure = isSyncClientError(error) ? error : new SyncClientError(what === "pull" ? "pull-http" : what === "push" ? "push-http" : "blob-upload-failed", String(error), { cause: error })
    if (failure.kind === "schema-mismatch") {
      await onSchemaMismatch(state, what === "pull" ? "pull" : "push", failure)
    }
    if (failure.code !== "mutation-id-gap") reportError(state, failure)
    throw failure
  } finally {
    state.inFlight--
    if (state.inFlight === 0) state.status.update({ syncing: false })
  }
}
