/**
 * What the sync handler reports to its host: `onError` events (never sent to clients),
 * `onMetric` measurements (one per push or pull request) and the `onPushed` notice. Events carry
 * the app's `Ctx` (what `auth` returned) where the request got that far.
 */
import type { AuthContext } from "@plasma/core"

/** The kinds of `onError` events (SPEC §8), plus `internal` for anything unexpected. */
export type SyncErrorKind =
  | "mutation-error"
  | "onPushed-failed"
  | "poke-failed"
  | "protocol-mismatch"
  | "schema-mismatch"
  | "unauthorized"
  | "invalid-request"
  | "internal"
  | "blob-put-failed"
  | "blob-get-failed"
  | "blob-invalid"

/** One `onError` event. */
export interface SyncErrorEvent<Ctx = AuthContext> {
  readonly kind: SyncErrorKind
  readonly error: unknown
  readonly clientGroupID?: string
  readonly clientID?: string
  /** What `auth` returned, for events of an authenticated request (`mutation-error`, `onPushed-failed`, `poke-failed`). */
  readonly ctx?: Ctx
  /** For `mutation-error`: the dropped mutation. */
  readonly mutation?: { readonly id: number; readonly name: string }
}

/** One `onMetric` measurement. */
export interface SyncMetric {
  readonly kind: "push" | "pull" | "blob-put" | "blob-get"
  readonly ok: boolean
  readonly latencyMs: number
  /** HTTP status answered. */
  readonly status: number
  readonly [count: string]: unknown
}

/** What `onPushed` hears after a push that changed something. */
export interface PushedEvent<Ctx = AuthContext> {
  readonly clientGroupID: string
  readonly clientID: string
  /** What `auth` returned for the push, typed as the app's context. */
  readonly ctx: Ctx
}
