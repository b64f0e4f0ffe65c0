/**
 * The per-principal upload quota of the PUT route: at most `bytes` bytes and `uploads` distinct
 * blobs uploaded per principal (`principalOf`: the auth `userID`, else the client group) within
 * any rolling `windowMs`. Storage is what costs, so that is what is counted: the sizes of the
 * blobs the principal uploaded in the window, read from `_plasma_blob_uploads` (one row per hash
 * and principal, its first upload time) joined with `_plasma_blobs`. Re-uploading a blob one
 * uploaded before is free (a retry after a 503 must not be charged twice); blobs the collector
 * has deleted no longer count. The `uploads` cap keeps the usage query bounded (it sums at most
 * that many index entries) and stops a flood of tiny blobs.
 *
 * Concurrent uploads by one principal each check the usage before they are recorded, so the
 * quota can be overshot by at most (concurrent uploads − 1) × maxSize: a bound, not a leak.
 * A refusal is 413 `payload-too-large` with `reason: "upload-quota"` and the numbers.
 */
import { PlasmaError } from "@plasma/core"
import type { SqlExecutor } from "@plasma/executors"

/** The upload quota option of `blobRoutes`. */
export interface UploadQuota {
  /** Most bytes one principal may upload per window. */
  readonly bytes: number
  /** Most distinct blobs one principal may upload per window. */
  readonly uploads: number
  /** The rolling window, in ms. */
  readonly windowMs: number
}

/** Default quota: 1 GiB and 10,000 blobs per principal per 24 hours. */
export const DEFAULT_UPLOAD_QUOTA: UploadQuota = Object.freeze({ bytes: 1024 * 1024 * 1024, uploads: 10_000, windowMs: 24 * 3600 * 1000 })

/** What the principal used in the window, and whether it uploaded this hash before. */
export interface UploadUsage {
  readonly bytes: number
  readonly uploads: number
  readonly uploadedBefore: boolean
}

/** Validates a quota option (`null` switches the quota off). */
export function checkUploadQuota(quota: UploadQuota | null): UploadQuota | null {
  if (quota === null) return null
  for (const key of ["bytes", "uploads", "windowMs"] as const) {
    if (!Number.isSafeInteger(quota[key]) || quota[key] < 0) throw new RangeError(`blobRoutes: uploadQuota.${key} must be an integer ≥ 0, got ${quota[key]}`)
  }
  return quota
}

/** The statement reading a principal's usage (run in the PUT route's first batch). */
export function uploadUsageQuery(hash: string, principal: string, since: number, quota: UploadQuota) {
  return {
    text:
      "SELECT COUNT(*) AS uploads, COALESCE(SUM(size), 0) AS bytes, " +
      "EXISTS (SELECT 1 FROM _plasma_blob_uploads WHERE hash = ? AND principal = ?) AS before " +
      // The LIMIT bounds the work however many rows the window holds.
      // The derived table's alias: Postgres before 16 refuses one without.
      "FROM (SELECT b.size FROM _plasma_blob_uploads u JOIN _plasma_blobs b ON b.hash = u.hash WHERE u.principal = ? AND u.uploaded_at > ? LIMIT ?) AS recent",
    params: [hash, principal, principal, since, quota.uploads + 1],
  }
}

/** Reads {@link UploadUsage} from the row of {@link uploadUsageQuery}. */
export function toUploadUsage(row: Readonly<Record<string, unknown>> | undefined): UploadUsage {
  return { bytes: Number(row?.bytes ?? 0), uploads: Number(row?.uploads ?? 0), uploadedBefore: Number(row?.before ?? 0) === 1 }
}

/** The refusal of an upload over the quota. */
export function quotaExceeded(quota: UploadQuota, usage: UploadUsage, what: "bytes" | "uploads"): PlasmaError {
  const message =
    what === "uploads"
      ? `upload quota reached: ${usage.uploads} blobs uploaded in the last ${quota.windowMs} ms, at most ${quota.uploads} allowed (blobRoutes({ uploadQuota }))`
      : `upload quota exceeded: ${usage.bytes} of ${quota.bytes} bytes already uploaded in the last ${quota.windowMs} ms, and this upload does not fit (blobRoutes({ uploadQuota }))`
  return new PlasmaError("payload-too-large", message, {
    details: { reason: "upload-quota", limit: what, quotaBytes: quota.bytes, quotaUploads: quota.uploads, windowMs: quota.windowMs, usedBytes: usage.bytes, usedUploads: usage.uploads },
  })
}
