/**
 * `PUT {basePath}/blob/:hash`: upload bytes under their SHA-256, streamed.
 *
 * Order (nothing is stored or recorded until every check has passed):
 * 1. `:hash` is 64 lowercase hex characters (so no `..`, `/` or encoded variant gets further);
 * 2. the schema has a file column at all (else 404: there is no upload route);
 * 3. Content-Type matches the union of the file columns' `mimeAllowList`s;
 * 4. a declared Content-Length is within the largest `maxSize` (413 before reading anything);
 * 5. one batch: the hash is not being collected (503 + Retry-After, see the GC protocol), and
 *    the uploader's principal is within its quota (413 `upload-quota`; `upload-quota.ts`);
 * 6. the body streams through a meter (`upload-meter.ts`: counted against `maxSize`, the quota
 *    left and the declared length, hashed on the way) into `storage.stage`, which keeps it out
 *    of sight; when the bytes are stored already, the body is only hashed (a PUT of known bytes
 *    still proves the uploader holds them, and stores nothing twice);
 * 7. SHA-256 of the body equals `:hash` (else the staged copy is discarded: nothing was stored);
 * then the orphan clock of an existing record restarts (so no collector run starting now can
 * take the hash while we publish it: this assumes a grace window longer than a PUT's last
 * steps, seconds against the days one configures) unless a claim appeared meanwhile (503);
 * bytes found stored at step 6 are looked up again (a run that finished in between took them:
 * 503, the retry stores them); the staged bytes are committed; and only then are they recorded in `_plasma_blobs` with the uploader in
 * `_plasma_blob_uploads` (a record must never name bytes that are not there: the write path's
 * blob guard trusts it).
 *
 * Recording is an upsert that refuses while the collector holds a claim on the hash, and a
 * fresh record starts its orphan clock at the upload (`orphaned_at = uploaded_at` when no row
 * references it yet), so an upload that is never attached is collected after the grace window.
 * PUT is idempotent: same hash, 200. Memory per upload is one chunk (memory, fs) or one R2 part.
 */
import { PlasmaError } from "@plasma/core"
import { principalOf } from "@plasma/server"
import { blobSqlOf } from "../blob-sql.js"
import { isBlobHash } from "../hash.js"
import { DEFAULT_BLOB_MIME, type BlobStorage, type StagedBlob } from "../storage/blob-storage.js"
import { ensureBlobGcTable } from "../gc/blob-gc-table.js"
import type { BlobRequestContext } from "./blob-request-context.js"
import { jsonResponse } from "./blob-response.js"
import { meterUpload, tooLarge } from "./upload-meter.js"
import { quotaExceeded, toUploadUsage, uploadUsageQuery, type UploadQuota, type UploadUsage } from "./upload-quota.js"
import { isMimeAllowed, mimeEssenceOf, uploadPolicyOf } from "./upload-policy.js"

/** Settings of the PUT route (resolved options of `blobRoutes`). */
export interface PutBlobConfig {
  readonly storage: BlobStorage
  readonly defaultMaxSize: number
  readonly retryAfterSeconds: number
  /** `null`: no quota. */
  readonly uploadQuota: UploadQuota | null
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
const CLAIMED = "EXISTS (SELECT 1 FROM _plasma_blob_gc WHERE hash = ?)"

export async function putBlob(request: Request, context: BlobRequestContext, config: PutBlobConfig): Promise<PutOutcome> {
  const { hash, executor } = context
  assertRouteHash(hash)
  const policy = uploadPolicyOf(context.schema, config.defaultMaxSize)
  if (policy === null) throw new PlasmaError("not-found", "blob uploads are disabled: the schema declares no file() column")

  const mime = contentTypeOf(request.headers.get("content-type"), policy.mimeAllowList)
  const declaredHeader = request.headers.get("content-length")
  let declared: number | null = null
  if (declaredHeader !== null) {
    if (!/^\d+$/.test(declaredHeader.trim())) throw invalid("invalid-content-length", `invalid Content-Length ${JSON.stringify(declaredHeader)}`)
    declared = Number(declaredHeader.trim())
    if (declared > policy.maxSize) throw tooLarge(policy.maxSize, declaredHeader.trim())
  }

  await ensureBlobGcTable(executor)
  const principal = principalOf(context)
  const quota = config.uploadQuota
  const [claimedNow, usageRow] = await executor.batch([
    { text: `SELECT ${CLAIMED} AS claimed`, params: [hash] },
    ...(quota === null ? [] : [uploadUsageQuery(hash, principal, Date.now() - quota.windowMs, quota)]),
  ])
  if (Number(claimedNow?.rows[0]?.claimed ?? 0) === 1) throw collecting(hash, config.retryAfterSeconds)
  const usage = quota === null ? null : toUploadUsage(usageRow?.rows[0])
  const room = quotaRoom(quota, usage)
  if (quota !== null && usage !== null && room !== null) {
    if (room.uploads <= 0) throw quotaExceeded(quota, usage, "uploads")
    if (declared !== null && declared > room.bytes) throw quotaExceeded(quota, usage, "bytes")
  }

  const limit = Math.min(policy.maxSize, room?.bytes ?? Infinity)
  const meter = meterUpload(request.body, {
    hash,
    declared,
    limit,
    tooLarge: (got) => (quota !== null && usage !== null && limit < policy.maxSize ? quotaExceeded(quota, usage, "bytes") : tooLarge(policy.maxSize, got)),
  })
  let staged: StagedBlob | null = null
  try {
    if ((await config.storage.head(hash)) === null) staged = await config.storage.stage(hash, meter.body, mime)
    else await drain(meter.body)
  } catch (error) {
    throw meter.failure ?? error
  }
  const size = meter.size
  try {
    const actual = meter.digestHex()
    if (actual !== hash) {
      throw new PlasmaError("blob-invalid", `the body's SHA-256 is ${actual}, not the ${hash} named in the URL; nothing was stored`, {
        details: { reason: "hash-mismatch", expected: hash, actual },
      })
    }
    // Restart the orphan clock of a record from an earlier upload before publishing: a collector
    // run that has not claimed the hash yet now cannot (it is no longer orphaned past the grace);
    // one that has, we see here, and back off.
    const [, touched] = await executor.batch([
      { text: "UPDATE _plasma_blobs SET orphaned_at = ? WHERE hash = ? AND orphaned_at IS NOT NULL", params: [Date.now(), hash] },
      { text: `SELECT ${CLAIMED} AS claimed`, params: [hash] },
    ])
    if (Number(touched?.rows[0]?.claimed ?? 0) === 1) throw collecting(hash, config.retryAfterSeconds)
    // Bytes found stored before the body was read may have been collected meanwhile (by a run
    // that finished before the clock restart). From here on they cannot be, so look again; if
    // they are gone we hold none to restore, and the client's retry stores them.
    if (staged === null && (await config.storage.head(hash)) === null) throw collecting(hash, config.retryAfterSeconds)
  } catch (error) {
    await staged?.discard()
    throw error
  }
  await staged?.commit()

  const now = Date.now()
  // Numbers in these SELECT lists are cast on Postgres, which would otherwise guess text (blob-sql.ts).
  const int = blobSqlOf(executor.dialect).intParam
  const [, , state] = await executor.batch([
    {
      text:
        "INSERT INTO _plasma_blobs (hash, size, mime, uploaded_at, orphaned_at) " +
        `SELECT ?, ${int}, ?, ${int}, CASE WHEN EXISTS (SELECT 1 FROM _plasma_blob_refs WHERE hash = ?) THEN NULL ELSE ${int} END ` +
        `WHERE NOT ${CLAIMED} ` +
        "ON CONFLICT (hash) DO UPDATE SET orphaned_at = excluded.orphaned_at",
      params: [hash, size, mime, now, hash, now, hash],
    },
    {
      // The uploader proved possession (it sent the bytes), also when they were stored already.
      text:
        `INSERT INTO _plasma_blob_uploads (hash, principal, uploaded_at) SELECT ?, ?, ${int} ` +
        `WHERE NOT ${CLAIMED} ON CONFLICT (hash, principal) DO NOTHING`,
      params: [hash, principal, now, hash],
    },
    { text: `SELECT ${CLAIMED} AS claimed, (SELECT mime FROM _plasma_blobs WHERE hash = ?) AS mime`, params: [hash, hash] },
  ])
  const row = state?.rows[0]
  if (Number(row?.claimed ?? 0) === 1) throw collecting(hash, config.retryAfterSeconds)
  const storedMime = typeof row?.mime === "string" ? row.mime : mime
  return { response: jsonResponse({ ok: true, hash, size, mime: storedMime }), bytes: size }
}

/** Throws `blob-invalid` unless `hash` is a blob hash (the check that stops path traversal). */
export function assertRouteHash(hash: string): void {
  // `as unknown`: the guard's "is string" would narrow `hash` to never below.
  if (isBlobHash(hash as unknown)) return
  const shown = hash.length > 80 ? `${hash.slice(0, 80)}…` : hash
  throw invalid("invalid-hash", `invalid blob hash ${JSON.stringify(shown)}: expected 64 lowercase hex characters (the SHA-256 of the bytes)`)
}

/** What the quota leaves this upload; `null` when no quota applies (none set, or a re-upload). */
function quotaRoom(quota: UploadQuota | null, usage: UploadUsage | null): { bytes: number; uploads: number } | null {
  if (quota === null || usage === null || usage.uploadedBefore) return null
  return { bytes: Math.max(0, quota.bytes - usage.bytes), uploads: quota.uploads - usage.uploads }
}

/** Reads a body to its end, keeping nothing (the meter hashes it on the way). */
async function drain(body: ReadableStream<Uint8Array>): Promise<void> {
  const reader = body.getReader()
  for (;;) if ((await reader.read()).done) return
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

function collecting(hash: string, retryAfterSeconds: number): RetryLaterError {
  return new RetryLaterError(`blob ${hash} is being garbage-collected right now; upload it again once the collector has finished`, retryAfterSeconds)
}

function invalid(reason: string, message: string, extra: Readonly<Record<string, unknown>> = {}): PlasmaError {
  return new PlasmaError("blob-invalid", message, { details: { reason, ...extra } })
}
