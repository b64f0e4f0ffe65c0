/** @module @plasma/client — local store, outbox, optimistic mutators, sync loop, live queries and files for browsers. */
export { createPlasmaClient } from "./create-plasma-client.js"
export type {
  BroadcastChannelConstructor,
  ClientClock,
  HeadersLike,
  LockManagerLike,
  PlasmaClient,
  PlasmaClientOptions,
  RetryOptions,
  SchemaMismatchInfo,
} from "./plasma-client.js"
export type { ClientDb, LiveSelectFrom, LiveSelectQuery } from "./client-db.js"
export type { MutateArgs, WithBlobs } from "./mutate-args.js"
export type { LiveDelta, LiveQuery } from "./live/index.js"
export { LiveQueryError, LIVE_QUERY_ERROR_CODES } from "./live/index.js"
export type { LiveQueryErrorCode, LiveQueryErrorOptions } from "./live/index.js"
export { SyncClientError, isSyncClientError, SYNC_CLIENT_ERROR_KINDS, SYNC_CLIENT_ERROR_CODES } from "./sync-client-error.js"
export type { SyncClientErrorCode, SyncClientErrorKind, SyncClientErrorOptions } from "./sync-client-error.js"
export type { SyncStatus, SyncStatusStore } from "./sync-status.js"
export type { ReadFileResult } from "./read-file-result.js"
export { createWebSocketSubscription } from "./create-web-socket-subscription.js"
export type { WebSocketSubscriptionOptions } from "./create-web-socket-subscription.js"
export { createIdbEngine } from "./create-idb-engine.js"
export type { IdbEngine, IdbEngineOptions } from "./create-idb-engine.js"
export { CLIENT_GROUP_HEADER, CLIENT_HEADER } from "./sync-headers.js"
