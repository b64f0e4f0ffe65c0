/**
 * `blobRoutes({ storage })`: the blob routes the sync handler serves when given its `blobs`
 * option. The handler runs `auth` first and hands over `PUT|GET {basePath}/blob/:hash` with a
 * `BlobRequestContext`; this module picks the route, times it, and turns every outcome into a
 * response, one `onMetric` (`blob-put` / `blob-get`) and, for refusals and failures, one
 * `onError` (`blob-invalid` for bad input, `blob-put-failed` / `blob-get-failed` otherwise).
 */
import { PlasmaError } from "@plasma/core"
import { discardBody } from "@plasma/server/internal"
import type { BlobStorage } from "../storage/blob-storage.js"
import type { BlobErrorKind, BlobMetric, BlobRequestContext, SyncBlobHandler } from "./blob-request-context.js"
import { errorResponse, toPlasmaError } from "./blob-response.js"
import { getBlob, MissingBytesError, type BlobCache } from "./get-blob.js"
import { putBlob, RetryLaterError } from "./put-blob.js"
import { checkUploadQuota, DEFAULT_UPLOAD_QUOTA, type UploadQuota } from "./upload-quota.js"

/** Options of {@link blobRoutes}. */
export interface BlobRoutesOptions {
  /** Where the bytes live. */
  readonly storage: BlobStorage
  /** Cache-Control of GET responses. Default `private, max-age=31536000, immutable`. */
  readonly cacheControl?: string
  /** Most references a GET examines looking for a readable row. Default 100. */
  readonly maxReferenceScan?: number
  /** Upload limit for file columns that declare no `maxSize`. Default 100 MiB (Workers' request body limit). */
  readonly defaultMaxSize?: number
  /** Retry-After (seconds) of a PUT refused because the collector is deleting that hash. Default 5. */
  readonly retryAfterSeconds?: number
  /**
   * The Cache API to fill through `waitUntil`. Default: `caches.default` when the runtime has
   * it (Workers), else none. `null` switches caching off.
   */
  readonly cache?: BlobCache | null
  /**
   * Per-principal upload quota (principal: the auth `userID`, else `"group:" + clientGroupID`):
   * bytes and distinct blobs per rolling window. Default {@link DEFAULT_UPLOAD_QUOTA} (1 GiB and
   * 10,000 blobs per 24 h); `null` switches it off. Over it, PUT answers 413 with
   * `reason: "upload-quota"` and the numbers.
   */
  readonly uploadQuota?: UploadQuota | null
}

/** Default `Cache-Control` of blob downloads. */
export const DEFAULT_BLOB_CACHE_CONTROL = "private, max-age=31536000, immutable"
/** Default bound of the reference walk of a GET. */
export const DEFAULT_MAX_REFERENCE_SCAN = 100
/** Default upload limit for file columns without `maxSize`. */
export const DEFAULT_MAX_UPLOAD_SIZE = 100 * 1024 * 1024

/**
 * Creates the blob routes for `createSyncHandler({ ..., blobs })`.
 *
 * @example
 * import { blobRoutes, r2Storage } from "@plasma/blobs"
 *
 * const handler = createSyncHandler({
 *   schema, mutators, executor: fromD1(env.DB), schemaVersion: "todos-v1", auth,
 *   blobs: blobRoutes({ storage: r2Storage({ bucket: env.BUCKET }) }),
 * })
 */
export function blobRoutes(options: BlobRoutesOptions): SyncBlobHandler {
  const maxReferenceScan = options.maxReferenceScan ?? DEFAULT_MAX_REFERENCE_SCAN
  if (!Number.isSafeInteger(maxReferenceScan) || maxReferenceScan < 1) throw new RangeError(`blobRoutes: maxReferenceScan must be a positive integer, got ${maxReferenceScan}`)
  const config = {
    storage: options.storage,
    cacheControl: options.cacheControl ?? DEFAULT_BLOB_CACHE_CONTROL,
    maxReferenceScan,
    defaultMaxSize: options.defaultMaxSize ?? DEFAULT_MAX_UPLOAD_SIZE,
    retryAfterSeconds: options.retryAfterSeconds ?? 5,
    cache: options.cache === undefined ? defaultCache() : options.cache,
    uploadQuota: checkUploadQuota(options.uploadQuota === undefined ? DEFAULT_UPLOAD_QUOTA : options.uploadQuota),
  }

  return {
    async handle(request: Request, context: BlobRequestContext): Promise<Response> {
      const started = Date.now()
      const method = request.method.toUpperCase()
      if (method !== "PUT" && method !== "GET") {
        const error = new PlasmaError("method-not-allowed", `${request.method} is not allowed on a blob; use PUT or GET`)
        return errorResponse(error, { allow: "GET, PUT" })
      }
      const kind = method === "PUT" ? "blob-put" : "blob-get"
      let response: Response
      let bytes = 0
      let cacheHit: boolean | undefined
      try {
        if (method === "PUT") {
          ;({ response, bytes } = await putBlob(request, context, config))
        } else {
          ;({ response, bytes, cacheHit } = await getBlob(request, context, config))
        }
      } catch (thrown) {
        const error = toPlasmaError(thrown, `blob ${method} failed`)
        const errorKind = kindOf(error, method)
        if (errorKind !== null) report(context, errorKind, thrown)
        // Drain an unread upload body so the connection can be reused.
        if (method === "PUT" && !request.bodyUsed) await discardBody(request.body)
        response =
          error instanceof RetryLaterError
            ? errorResponse(error, { "retry-after": String(error.retryAfterSeconds) })
            : error instanceof MissingBytesError
              ? errorResponse(new PlasmaError("not-found", `no blob ${context.hash} that this user may read`)) // the details went to onError
              : errorResponse(error)
      }
      const status = response.status
      const metric: BlobMetric = { kind, ok: status < 400, status, latencyMs: Date.now() - started, bytes, ...(cacheHit === undefined ? {} : { cacheHit }) }
      safely(() => context.onMetric(metric))
      return response
    },
  }
}

/** Which `onError` kind a refusal is, or `null` for the ordinary ones (unknown hash, retry later). */
function kindOf(error: PlasmaError, method: "PUT" | "GET"): BlobErrorKind | null {
  if (error instanceof MissingBytesError) return "blob-get-failed"
  if (error instanceof RetryLaterError || error.code === "not-found") return null
  if (error.code === "blob-invalid" || error.code === "payload-too-large") return "blob-invalid"
  return method === "PUT" ? "blob-put-failed" : "blob-get-failed"
}

function report(context: BlobRequestContext, kind: BlobErrorKind, error: unknown): void {
  safely(() => context.onError({ kind, error, clientGroupID: context.clientGroupID, clientID: context.clientID }))
}

/** Host callbacks must never break a response. */
function safely(fn: () => void): void {
  try {
    fn()
  } catch {
    // ignored on purpose
  }
}

function defaultCache(): BlobCache | null {
  const storage = (globalThis as { caches?: { default?: BlobCache } }).caches
  return typeof storage === "object" && storage !== null && typeof storage.default === "object" && storage.default !== null ? storage.default : null
}
