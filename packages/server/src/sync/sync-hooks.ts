/**
 * The host's hooks as the sync handler calls them: `onError`, `onMetric` and background work
 * (`waitUntil`), each made safe to call. A hook that throws must never turn into a failing
 * request, so its failure is swallowed here, in one place.
 */
import type { SyncErrorEvent, SyncMetric } from "./events.js"

/** The hooks a route may call; none of them throws. */
export interface SyncHooks<Ctx> {
  /** Hands an event to `onError`. */
  report(event: SyncErrorEvent<Ctx>): void
  /** Hands a measurement to `onMetric`. */
  metric(value: SyncMetric): void
  /** Runs `promise` in the background (through `waitUntil` when given); its failure is reported as `internal`. */
  later(promise: Promise<unknown>): void
}

/** What {@link createSyncHooks} wraps. */
export interface SyncHookOptions<Ctx> {
  readonly onError?: ((event: SyncErrorEvent<Ctx>) => void) | undefined
  readonly onMetric?: ((metric: SyncMetric) => void) | undefined
  readonly waitUntil?: ((promise: Promise<unknown>) => void) | undefined
}

/**
 * Wraps the host's hooks so that none of them can fail a request.
 * @example
 * const hooks = createSyncHooks({ onError: console.error })
 * hooks.report({ kind: "internal", error }) // never throws
 */
export function createSyncHooks<Ctx>(options: SyncHookOptions<Ctx>): SyncHooks<Ctx> {
  const report = (event: SyncErrorEvent<Ctx>): void => {
    try {
      options.onError?.(event)
    } catch {
      // A failing onError must not turn into a failing request.
    }
  }
  return {
    report,
    metric(value) {
      try {
        options.onMetric?.(value)
      } catch {
        // Likewise for onMetric.
      }
    },
    later(promise) {
      const observed = promise.catch((error: unknown) => report({ kind: "internal", error }))
      // Without waitUntil the work just runs on; with it, the runtime keeps the request alive.
      options.waitUntil?.(observed)
    },
  }
}
