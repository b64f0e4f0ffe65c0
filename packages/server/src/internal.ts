/**
 * @module @plasma/server/internal — helpers plasma's own packages share with the server, not part
 * of the public API: no semver promise, and apps should not import them.
 *
 * - `readBodyBytes`: the one capped body reader (the sync handler's push body, the blob routes'
 *   upload body), so both refuse an oversized stream the same way, as soon as it crosses the cap.
 * - `discardBody`: how both dispose of a body they answered without reading.
 * - `internalTablesDdlFor`: the internal tables' idempotent DDL for a dialect, so an operation
 *   that takes no schema (blob GC from a cron on a fresh deploy) can run before any request has
 *   called `ensureSchema`.
 */
export { internalTablesDdlFor } from "./schema/schema-dialect.js"
export { discardBody, readBodyBytes } from "./sync/http.js"
