/**
 * The one error type of the client's sync loop, shaped like core's `PlasmaError`: `code`,
 * `details`, `status`, `cause` and `toJSON()`. Every failure the loop meets maps to exactly one
 * `kind` from the closed set below (SPEC §13); `code` says more when there is more to say: the
 * server's error code (a `PlasmaErrorCode`), or one of the client's own codes below. Callers
 * branch on `kind` and `code`, never on message text. Nothing is swallowed: what the loop
 * retries, it also reports through `onError` once the retries run out.
 */
import { PLASMA_ERROR_STATUS, type PlasmaErrorCode } from "@plasma/core"

/** Every kind of sync failure, with what it means. */
export const SYNC_CLIENT_ERROR_KINDS = {
  /** The request never got an answer (offline, DNS, connection reset, CORS). Retried. */
  network: "network",
  /** A push was answered with an error status (`status` says which). 5xx/429 are retried. */
  "push-http": "push-http",
  /** A pull was answered with an error status, or an answer that is not a valid pull response. */
  "pull-http": "pull-http",
  /** The server speaks another schema version (409); `onSchemaMismatch` decides what happens. */
  "schema-mismatch": "schema-mismatch",
  /** A pending mutation threw while it was replayed over a new base; it stays queued for the server to judge. */
  "rebase-replay": "rebase-replay",
  /** `PUT {endpoint}/blob/:hash` failed; the mutations that reference the blob wait. */
  "blob-upload-failed": "blob-upload-failed",
  /** The local store (IndexedDB) failed to read or write. */
  storage: "storage",
} as const satisfies Record<string, string>

export type SyncClientErrorKind = keyof typeof SYNC_CLIENT_ERROR_KINDS

/** The codes the client gives itself (the server's codes are core's `PLASMA_ERROR_STATUS`), with what each means. */
export const SYNC_CLIENT_ERROR_CODES = {
  /** A pull answered `hasMore` without a new cookie (or past the page bound): the loop stopped. */
  "no-progress": "no-progress",
  /** A pull answered with a body that is not JSON or not a valid pull response. */
  "invalid-response": "invalid-response",
  /** The server sent an error code this client does not know; `details.serverCode` holds it. */
  unrecognized: "unrecognized",
} as const satisfies Record<string, string>

/** Every `code` a {@link SyncClientError} can carry: a server code or one of the client's own. */
export type SyncClientErrorCode = PlasmaErrorCode | keyof typeof SYNC_CLIENT_ERROR_CODES

/** Options for {@link SyncClientError}. */
export interface SyncClientErrorOptions {
  /** The HTTP status, for the `*-http`, `schema-mismatch` and `blob-upload-failed` kinds. */
  readonly status?: number
  /** The server's error code (`mutation-id-gap`, `unauthorized`, …) or the client's own. */
  readonly code?: SyncClientErrorCode
  readonly cause?: unknown
  /** Extra JSON-safe fields (for example `expected` on a schema mismatch). */
  readonly details?: Readonly<Record<string, unknown>>
}

/**
 * A sync failure, as given to `onError` and kept in `status.get().lastError`.
 * @example
 * createPlasmaClient({ …, onError: (e) => { if (e.kind === "push-http" && e.code === "unauthorized") relogin() } })
 */
export class SyncClientError extends Error {
  override readonly name = "SyncClientError"
  readonly kind: SyncClientErrorKind
  /** The HTTP status the server answered with; `undefined` when there was no answer or no request. */
  readonly status: number | undefined
  readonly code: SyncClientErrorCode | undefined
  readonly details: Readonly<Record<string, unknown>>

  constructor(kind: SyncClientErrorKind, message: string, options: SyncClientErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.kind = kind
    this.status = options.status
    this.code = options.code
    this.details = options.details ?? {}
  }

  /** `true` for failures worth retrying: network errors, 5xx and 429. */
  get retryable(): boolean {
    if (this.kind === "network") return true
    return this.status !== undefined && (this.status >= 500 || this.status === 429)
  }

  /** `{ error, kind, status, message, ...details }`, like `PlasmaError`'s body plus the kind and status. */
  toJSON(): Record<string, unknown> {
    return { ...this.details, error: this.code, kind: this.kind, status: this.status, message: this.message }
  }
}

/** `true` when `value` is a SyncClientError (optionally of the given kind). */
export function isSyncClientError(value: unknown, kind?: SyncClientErrorKind): value is SyncClientError {
  return value instanceof SyncClientError && (kind === undefined || value.kind === kind)
}

/** The `code` for a server's `error` field: known codes as they are, anything else `unrecognized`. */
export function toSyncClientErrorCode(serverCode: string): SyncClientErrorCode {
  return Object.hasOwn(PLASMA_ERROR_STATUS, serverCode) ? (serverCode as PlasmaErrorCode) : "unrecognized"
}
