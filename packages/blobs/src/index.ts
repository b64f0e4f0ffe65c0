/** @module @plasma/blobs — content-addressed blob storage (R2, memory); Worker-safe entry. */
export type { BlobMetadata, BlobObject, BlobStorage } from "./storage/blob-storage.js"
export { DEFAULT_BLOB_MIME } from "./storage/blob-storage.js"
export {
  BLOB_STORAGE_ERROR_HTTP_STATUS,
  BlobStorageError,
  isBlobStorageError,
  type BlobStorageErrorCode,
  type BlobStorageErrorOptions,
} from "./storage/blob-storage-error.js"
export { memoryStorage, type MemoryBlobStorage } from "./storage/memory-storage.js"
export { DEFAULT_R2_BLOB_PREFIX, r2Storage, type R2StorageOptions } from "./storage/r2-storage.js"
export type {
  R2BucketLike,
  R2HttpMetadataLike,
  R2ObjectBodyLike,
  R2ObjectLike,
  R2PutOptionsLike,
} from "./storage/r2-bucket.js"
export { assertBlobHash, isBlobHash, sha256Hex } from "./hash.js"
