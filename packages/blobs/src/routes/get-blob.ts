/**
 * `GET {basePath}/blob/:hash`: download bytes, only for their uploader or a reader of some
 * referencing row (`find-readable-reference.ts`: the uploader lookup, then the bounded walk).
 *
 * 400 for a malformed hash; 404 when the hash is unknown (no `_plasma_blobs` record or no
 * bytes) AND when no referencing row is readable by this `ctx` — the two are indistinguishable
 * on purpose, so a response never reveals that someone else holds a file. One exception, so the
 * operator is not left guessing: when the bounded reference walk stops before finding a readable
 * row, the 404 says so (`reason: "reference-scan-limit"`).
 *
 * Access is checked BEFORE everything that could answer from a cache: `If-None-Match` (304) and
 * the Workers Cache API. The response is immutable (a hash names one byte string forever):
 * `ETag: "<hash>"` and, by default, `Cache-Control: private, max-age=31536000, immutable` —
 * `private` because the bytes are per-user data that a shared cache must not serve without this
 * check. The edge cache fill (through `waitUntil`) stores a copy marked `public`, because the
 * Cache API refuses private responses; it is only ever read after the check above.
 */
import { PlasmaError } from "@plasma/core"
import { principalOf } from "@plasma/server"
import { ensureBlobGcTable } from "../gc/blob-gc-table.js"
import type { BlobStorage } from "../storage/blob-storage.js"
import type { BlobRequestContext } from "./blob-request-context.js"
import { findReadableReference } from "./find-readable-reference.js"
import { assertRouteHash } from "./put-blob.js"
import { uploadPolicyOf } from "./upload-policy.js"

/** The subset of the Workers `Cache` interface the route uses (`caches.default` fits). */
export interface BlobCache {
  match(key: string): Promise<Response | undefined>
  put(key: string, response: Response): Promise<void>
}

/** Settings of the GET route (resolved options of `blobRoutes`). */
export interface GetBlobConfig {
  readonly storage: BlobStorage
  readonly cacheControl: string
  readonly maxReferenceScan: number
  readonly defaultMaxSize: number
  /** `null` when no Cache API is available or caching is switched off. */
  readonly cache: BlobCache | null
}

export interface GetOutcome {
  readonly response: Response
  readonly bytes: number
  readonly cacheHit: boolean
}

/** The immutable headers the edge copy is stored with. */
const EDGE_CACHE_CONTROL = "public, max-age=31536000, immutable"

export async function getBlob(request: Request, context: BlobRequestContext, config: GetBlobConfig): Promise<GetOutcome> {
  const { hash, executor } = context
  assertRouteHash(hash)
  if (uploadPolicyOf(context.schema, config.defaultMaxSize) === null) throw notFound(hash)
  await ensureBlobGcTable(executor)
  // The record, and whether this principal uploaded the bytes (it may always read them back).
  const records = await executor.all<{ size: number; mime: string; uploader: number }>({
    text: "SELECT size, mime, EXISTS (SELECT 1 FROM _plasma_blob_uploads WHERE hash = ? AND principal = ?) AS uploader FROM _plasma_blobs WHERE hash = ?",
    params: [hash, principalOf(context), hash],
  })
  const record = records[0]
  if (record === undefined) throw notFound(hash)

  const access = Number(record.uploader) === 1 ? { readable: true, scanned: 0, truncated: false } : await findReadableReference(context, config.maxReferenceScan)
  if (!access.readable) {
    if (!access.truncated) throw notFound(hash)
    throw new PlasmaError(
      "not-found",
      `blob ${hash}: none of the first ${access.scanned} rows referencing it is readable by this user, and the walk stops there (blobRoutes({ maxReferenceScan }))`,
      { details: { reason: "reference-scan-limit", maxReferenceScan: config.maxReferenceScan } },
    )
  }

  const headers = responseHeaders(hash, record.mime, config.cacheControl)
  if (matchesEtag(request.headers.get("if-none-match"), hash)) {
    return { response: new Response(null, { status: 304, headers }), bytes: 0, cacheHit: false }
  }

  const key = cacheKeyOf(request)
  if (config.cache !== null) {
    const cached = await config.cache.match(key).catch(() => undefined)
    if (cached?.ok === true && cached.body !== null) {
      headers.set("content-length", cached.headers.get("content-length") ?? String(record.size))
      headers.set("content-type", cached.headers.get("content-type") ?? record.mime)
      return { response: new Response(cached.body, { status: 200, headers }), bytes: Number(headers.get("content-length")), cacheHit: true }
    }
  }

  const blob = await config.storage.get(hash)
  if (blob === null) {
    // A record without bytes: the invariant the write path relies on is broken. Say 404 to the
    // client but report it, since rows may now point at nothing.
    throw new MissingBytesError(hash)
  }
  headers.set("content-type", blob.mime)
  headers.set("content-length", String(blob.size))
  let body = blob.body
  if (config.cache !== null) {
    const [client, edge] = blob.body.tee()
    body = client
    const edgeHeaders = new Headers(headers)
    edgeHeaders.set("cache-control", EDGE_CACHE_CONTROL)
    const cache = config.cache
    context.waitUntil(cache.put(key, new Response(edge, { status: 200, headers: edgeHeaders })).catch(() => undefined))
  }
  return { response: new Response(body, { status: 200, headers }), bytes: blob.size, cacheHit: false }
}

/** Raised when `_plasma_blobs` records a hash whose bytes are not in storage. */
export class MissingBytesError extends PlasmaError {
  constructor(hash: string) {
    super("not-found", `blob ${hash} is recorded in _plasma_blobs but its bytes are missing from storage`)
  }
}

function notFound(hash: string): PlasmaError {
  return new PlasmaError("not-found", `no blob ${hash} that this user may read`)
}

function responseHeaders(hash: string, mime: string, cacheControl: string): Headers {
  return new Headers({
    "content-type": mime,
    etag: `"${hash}"`,
    "cache-control": cacheControl,
    // User-uploaded bytes served from the app's origin: never sniff, never run as a page.
    "x-content-type-options": "nosniff",
    "content-security-policy": "default-src 'none'; sandbox",
  })
}

/** `true` when an If-None-Match header names this hash's ETag (weak or strong) or is `*`. */
export function matchesEtag(header: string | null, hash: string): boolean {
  if (header === null) return false
  return header.split(",").some((tag) => {
    const t = tag.trim()
    return t === "*" || t === `"${hash}"` || t === `W/"${hash}"`
  })
}

/** The Cache API key: the request URL without query or fragment (one entry per hash). */
function cacheKeyOf(request: Request): string {
  const url = new URL(request.url)
  url.search = ""
  url.hash = ""
  return url.toString()
}
