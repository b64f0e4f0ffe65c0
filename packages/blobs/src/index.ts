/** @module @plasma/blobs — content-addressed blob storage (R2, memory), the blob routes, GC and ref repair; Worker-safe entry. */
export type { BlobMetadata, BlobObject, BlobStorage, StagedBlob } from "./storage/blob-storage.js"
export { DEFAULT_BLOB_MIME } from "./storage/blob-storage.js"
export {
  BLOB_STORAGE_ERROR_HTTP_STATUS,
  BlobStorageError,
  isBlobStorageError,
  type BlobStorageErrorCode,
  type BlobStorageErrorOptions,
} from "./storage/blob-storage-error.js"
export { memoryStorage, type MemoryBlobStorage } from "./storage/memory-storage.js"
export { DEFAULT_R2_BLOB_PREFIX, DEFAULT_R2_PART_SIZE, r2Storage, type R2StorageOptions } from "./storage/r2-storage.js"
export type {
  R2BucketLike,
  R2HttpMetadataLike,
  R2ObjectBodyLike,
  R2ObjectLike,
  R2MultipartUploadLike,
  R2PutOptionsLike,
  R2UploadedPartLike,
} from "./storage/r2-bucket.js"
export { assertBlobHash, isBlobHash, sha256Hex } from "./hash.js"
export { createSha256, type Sha256 } from "./sha256.js"

export {
  blobRoutes,
  DEFAULT_BLOB_CACHE_CONTROL,
  DEFAULT_MAX_REFERENCE_SCAN,
  DEFAULT_MAX_UPLOAD_SIZE,
  type BlobRoutesOptions,
} from "./routes/blob-routes.js"
export type { BlobCache } from "./routes/get-blob.js"
export type { BlobErrorKind, BlobMetric, BlobRequestContext, SyncBlobHandler } from "./routes/blob-request-context.js"
export { uploadPolicyOf, type UploadPolicy } from "./routes/upload-policy.js"
export { DEFAULT_UPLOAD_QUOTA, type UploadQuota } from "./routes/upload-quota.js"

export { DEFAULT_GC_LEASE_MS, gcOrphanedBlobs, type GcHooks, type GcOrphanedBlobsOptions, type GcResult } from "./gc/gc-orphaned-blobs.js"
export { isCollectable, isLeftoverClaim, planGc, type GcCandidate, type GcClaim, type GcPlan, type GcPlanOptions, type GcSnapshot } from "./gc/plan-gc.js"
export { reconcileBlobRefs, type BlobRef, type ReconcileBlobRefsOptions, type ReconcileResult } from "./reconcile/reconcile-blob-refs.js"
