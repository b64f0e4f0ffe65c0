/**
 * The seam with the sync handler. `@plasma/server` owns the interface (it must not depend on
 * this package); the blob routes implement it. What the routes report through the context's
 * `onMetric` and `onError` is narrowed here to what they actually send.
 */
import type { BlobRequestContext, SyncBlobHandler } from "@plasma/server"

export type { BlobRequestContext, SyncBlobHandler }

/** What a blob route reports to `onMetric` (one per request). */
export interface BlobMetric {
  readonly kind: "blob-put" | "blob-get"
  readonly ok: boolean
  readonly latencyMs: number
  /** HTTP status answered. */
  readonly status: number
  /** Bytes received (PUT) or sent (GET; 0 for a 304 or an error). */
  readonly bytes: number
  /** GET only: answered from the Cache API. */
  readonly cacheHit?: boolean
  readonly [count: string]: unknown
}

/** The `onError` kinds blob routes emit. */
export type BlobErrorKind = "blob-invalid" | "blob-put-failed" | "blob-get-failed"
