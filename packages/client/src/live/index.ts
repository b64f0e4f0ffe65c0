/** @module live — live queries over the client's optimistic view (internal entry of @plasma/client). */
export { createLiveRegistry, MAX_NOTIFY_ROUNDS } from "./live-registry.js"
export type { LiveRegistry, LiveRegistryOptions } from "./live-registry.js"
export type { LiveQuery } from "./live-query.js"
export type { LiveDelta } from "./live-delta.js"
export { LiveQueryError, LIVE_QUERY_ERROR_CODES } from "./live-query-error.js"
export type { LiveQueryErrorCode, LiveQueryErrorOptions } from "./live-query-error.js"
export type { ViewChanges, ViewReader } from "./view-reader.js"
export type { Row } from "./row-identity.js"
