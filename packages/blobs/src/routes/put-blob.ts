/**
 * `PUT {basePath}/blob/:hash`: upload bytes under their SHA-256.
 *
 * Order (nothing is stored until every check has passed):
 * 1. `:hash` is 64 lowercase hex characters (so no `..`, `/` or encoded variant gets further);
 * 2. the schema has a file column at all (else 404: there is no upload route);
 * 3. Content-Type matches the union of the file columns' `mimeAllowList`s;
 * 4. a declared Content-Length is within the largest `maxSize` (413 before reading anything);
 * 5. the hash is not being collected right now (503 + Retry-After, see the GC protocol);
 * 6. the body, read while counting, stays within `maxSize` and its SHA-256 equals `:hash`;
 * then the bytes are stored, and only then recorded in `_plasma_blobs` (a row must never name
 * bytes that are not there: the write path's blob guard trusts it).
 *
 * Recording is an upsert that refuses while the collector holds a claim on the hash, and a
 * fresh record starts its orphan clock at the upload (`orphaned_at = uploaded_at` when no row
 * references it yet), so an upload that is never attached is collected after the grace window.
 * Re-uploading an unreferenced blob restarts that clock. PUT is idempotent: same hash, 200.
 */
import { PlasmaError } from "@plasma/core"
import { principalOf } from "@plasma/server"
import { sha256Hex, isBlobHash } from "../hash.js"
import { DEFAULT_BLOB_MIME, type BlobStorage } from "../storage/blob-storage.js"
import { ensureBlobGcTable } from "../gc/blob-gc-table.js"
import type { BlobRequestContext } from "./blob-request-context.js"
import { jsonResponse } from "./blob-response.js"
import { readBodyWithin, tooLarge } from "./read-body.js"
import { isMimeAllowed, mimeEssenceOf, uploadPolicyOf } from "./upload-policy.js"

/** Settings of the PUT route (resolved options of `blobRoutes`). */
export interface PutBlobConfig {
  readonly storage: BlobStorage
  readonly defaultMaxSize: number
  readonly retryAfterSeconds: number
}

/** What a PUT produced, for the metric. */
export interface PutOutcome {
  readonly response: Response
  readonly bytes: number
}

/** A refusal that carries extra response headers (Retry-After). */
export class RetryLaterError extends PlasmaError {
  readonly retryAfterSeconds: number
  constructor(message: string, retryAfterSeconds: number) {
    super("conflict-retry", message, { details: { retryAfterSeconds } })
    this.retryAfterSeconds = retryAfterSeconds
  }
}

const MAX_CONTENT_TYPE_LENGTH = 255

export async function putBlob(request: Request, context: BlobRequestContext, config: PutBlobConfig): Promise<PutOutcome> {
  const { hash, executor } = context
  assertRouteHash(hash)
  const policy = uploadPolicyOf(context.schema, config.defaultMaxSize)
  if (policy === null) throw new PlasmaError("not-found", "blob uploads are disabled: the schema declares no file() column")

  const mime = contentTypeOf(request.headers.get("content-type"), policy.mimeAllowList)
  const declared = request.headers.get("content-length")
  if (declared !== null) {
    if (!/^\d+$/.test(declared.trim())) throw invalid("invalid-content-length", `invalid Content-Length ${JSON.stringify(declared)}`)
    if (Number(declared) > policy.maxSize) throw tooLarge(policy.maxSize, declared.trim())
  }

  await ensureBlobGcTable(executor)
  if (await isClaimed(context)) throw collecting(hash, config.retryAfterSeconds)

  const bytes = await readBodyWithin(request.body, policy.maxSize)
  if (declared !== null && bytes.byteLength !== Number(declared)) {
    throw invalid("length-mismatch", `blob ${hash}: the body has ${bytes.byteLength} bytes but Content-Length said ${declared.trim()}`)
  }
  const actual = await sha256Hex(bytes)
  if (actual !== hash) {
    throw new PlasmaError("blob-invalid", `the body's SHA-256 is ${actual}, not the ${hash} named in the URL; nothing was stored`, {
      details: { reason: "hash-mismatch", expected: hash, actual },
    })
  }

  await config.storage.put(hash, bytes, mime)
  const now = Date.now()
  const [, , state] = await executor.batch([
    {
      text:
        "INSERT INTO _plasma_blobs (hash, size, mime, uploaded_at, orphaned_at) " +
        "SELECT ?, ?, ?, ?, CASE WHEN EXISTS (SELECT 1 FROM _plasma_blob_refs WHERE hash = ?) THEN NULL ELSE ? END " +
        "WHERE NOT EXISTS (SELECT 1 FROM _plasma_blob_gc WHERE hash = ?) " +
        "ON CONFLICT (hash) DO UPDATE SET orphaned_at = excluded.orphaned_at",
      params: [hash, bytes.byteLength, mime, now, hash, now, hash],
    },
    {
      // The uploader proved possession (it sent the bytes), also when they were stored already.
      text:
        "INSERT INTO _plasma_blob_uploads (hash, principal, uploaded_at) SELECT ?, ?, ? " +
        "WHERE NOT EXISTS (SELECT 1 FROM _plasma_blob_gc WHERE hash = ?) ON CONFLICT (hash, principal) DO NOTHING",
      params: [hash, principalOf(context), now, hash],
    },
    {
      text: "SELECT EXISTS (SELECT 1 FROM _plasma_blob_gc WHERE hash = ?) AS claimed, (SELECT mime FROM _plasma_blobs WHERE hash = ?) AS mime",
      params: [hash, hash],
    },
  ])
  const row = state?.rows[0]
  if (Number(row?.claimed ?? 0) === 1) throw collecting(hash, config.retryAfterSeconds)
  // A collector that claimed this hash after our claim check, deleted its bytes and released the
  // claim before our upsert leaves a record without bytes. Our record is fresh now (its orphan
  // clock restarted), so no collector can claim it again within the grace: restore the bytes.
  if ((await config.storage.head(hash)) === null) await config.storage.put(hash, bytes, mime)
  const storedMime = typeof row?.mime === "string" ? row.mime : mime
  return { response: jsonResponse({ ok: true, hash, size: bytes.byteLength, mime: storedMime }), bytes: bytes.byteLength }
}

/** Throws `blob-invalid` unless `hash` is a blob hash (the check that stops path traversal). */
export function assertRouteHash(hash: string): void {
  // `as unknown`: the guard's "is string" would narrow `hash` to never below.
  if (isBlobHash(hash as unknown)) return
  const shown = hash.length > 80 ? `${hash.slice(0, 80)}…` : hash
  throw invalid("invalid-hash", `invalid blob hash ${JSON.stringify(shown)}: expected 64 lowercase hex characters (the SHA-256 of the bytes)`)
}

function contentTypeOf(header: string | null, allowList: readonly string[] | null): string {
  if (header === null || header.trim() === "") {
    if (allowList === null) return DEFAULT_BLOB_MIME
    throw invalid("missing-content-type", `a Content-Type header is required; the schema's file columns accept ${allowList.join(", ")}`, { allowed: allowList })
  }
  const essence = mimeEssenceOf(header)
  if (essence === null || header.length > MAX_CONTENT_TYPE_LENGTH) throw invalid("invalid-content-type", `malformed Content-Type ${JSON.stringify(header.slice(0, 80))}`)
  if (!isMimeAllowed(essence, allowList)) {
    throw invalid("mime-not-allowed", `Content-Type ${essence} is not accepted by any file column; allowed: ${(allowList ?? []).join(", ")}`, { allowed: allowList })
  }
  return essence // stored in essence form: the write path compares FileRef MIME types with it
}

async function isClaimed(context: BlobRequestContext): Promise<boolean> {
  const rows = await context.executor.all({ text: "SELECT 1 AS claimed FROM _plasma_blob_gc WHERE hash = ?", params: [context.hash] })
  return rows.length > 0
}

function collecting(hash: string, retryAfterSeconds: number): RetryLaterError {
  return new RetryLaterError(`blob ${hash} is being garbage-collected right now; upload it again once the collector has finished`, retryAfterSeconds)
}

function invalid(reason: string, message: string, extra: Readonly<Record<string, unknown>> = {}): PlasmaError {
  return new PlasmaError("blob-invalid", message, { details: { reason, ...extra } })
}
