/**
 * The seam between the sync handler and `@plasma/blobs`. The server must work without the blobs
 * package, so it only knows this interface: when `createSyncHandler` gets a `blobs` option, it
 * runs `auth` and then hands `PUT|GET {basePath}/blob/:hash` requests to `handle`. The blob
 * package's `blobRoutes({ storage })` implements it.
 */
import type { AnySchema, AuthContext } from "@plasma/core"
import type { SqlExecutor } from "@plasma/executors"
import type { SyncErrorEvent, SyncMetric } from "./events.js"

export interface BlobRequestContext {
  readonly schema: AnySchema
  readonly executor: SqlExecutor
  /** What `auth` returned for this request. */
  readonly ctx: AuthContext
  readonly clientGroupID: string
  readonly clientID: string
  /** What `auth` gave as `userID`, or `null`; uploads and attaches are `principalOf` it (`sync/principal.ts`). */
  readonly userID: string | null
  /** The `:hash` path segment exactly as sent (not yet validated). */
  readonly hash: string
  readonly waitUntil: (promise: Promise<unknown>) => void
  readonly onMetric: (metric: SyncMetric) => void
  readonly onError: (event: SyncErrorEvent) => void
}

export interface SyncBlobHandler {
  /** Answers one blob request (`PUT` or `GET`; anything else should be a 405). */
  handle(request: Request, context: BlobRequestContext): Promise<Response>
}
