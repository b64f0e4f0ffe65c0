/**
 * What the sync handler reports to its host: `onError` events (never sent to clients) and
 * `onMetric` measurements, one per request.
 */
import type { AuthContext } from "@plasma/core"

export type SyncErrorKind =
  | "mutation-error"
  | "onPushed-failed"
  | "protocol-mismatch"
  | "schema-mismatch"
  | "unauthorized"
  | "invalid-request"
  | "internal"
  | "blob-put-failed"
  | "blob-get-failed"
  | "blob-invalid"

export interface SyncErrorEvent {
  readonly kind: SyncErrorKind
  readonly error: unknown
  readonly clientGroupID?: string
  readonly clientID?: string
  /** For `mutation-error`: the dropped mutation. */
  readonly mutation?: { readonly id: number; readonly name: string }
}

export interface SyncMetric {
  readonly kind: "push" | "pull" | "blob-put" | "blob-get"
  readonly ok: boolean
  readonly latencyMs: number
  /** HTTP status answered. */
  readonly status: number
  readonly [count: string]: unknown
}

/** What `onPushed` hears after a push that changed something. */
export interface PushedEvent {
  readonly clientGroupID: string
  readonly clientID: string
  readonly ctx: AuthContext
}
