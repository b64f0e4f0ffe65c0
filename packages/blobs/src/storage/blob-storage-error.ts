/**
 * Errors raised by blob storage adapters. Anything a backend throws (R2, the filesystem) is
 * wrapped into a `BlobStorageError` at the adapter boundary, with the original as `cause`, so
 * callers branch on `code` and never on backend classes or message text. Shaped like core's
 * `PlasmaError`: `code`, `details`, `status`, `cause`, `toJSON()`.
 */

/** The closed set of blob storage error codes. */
export type BlobStorageErrorCode =
  /** The hash is not 64 lowercase hex characters (a SHA-256 digest). Nothing was touched. */
  | "invalid-hash"
  /** The backend failed (R2 threw, the disk is full, a permission was denied, ...). */
  | "storage-failed"

/** HTTP status for each code, for handlers that surface storage failures. */
export const BLOB_STORAGE_ERROR_HTTP_STATUS: Readonly<Record<BlobStorageErrorCode, number>> = Object.freeze({
  "invalid-hash": 400,
  "storage-failed": 500,
})

/** Options for {@link BlobStorageError}. */
export interface BlobStorageErrorOptions {
  readonly cause?: unknown
  /** Extra JSON-safe fields for callers and error bodies. */
  readonly details?: Readonly<Record<string, unknown>>
}

/** The one error type every blob storage adapter throws. */
export class BlobStorageError extends Error {
  override readonly name = "BlobStorageError"
  readonly code: BlobStorageErrorCode
  readonly details: Readonly<Record<string, unknown>>

  constructor(code: BlobStorageErrorCode, message: string, options?: BlobStorageErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.details = options?.details ?? {}
  }

  /** The HTTP status that best describes this error. */
  get status(): number {
    return BLOB_STORAGE_ERROR_HTTP_STATUS[this.code]
  }

  /** @deprecated Use {@link BlobStorageError.status} (the field name every plasma error uses). */
  get httpStatus(): number {
    return this.status
  }

  /** The JSON body of the error: `{ error, message, ...details }`. */
  toJSON(): Record<string, unknown> {
    return { ...this.details, error: this.code, message: this.message }
  }
}

/** `true` when `value` is a {@link BlobStorageError}, optionally with the given `code`. */
export function isBlobStorageError(value: unknown, code?: BlobStorageErrorCode): value is BlobStorageError {
  return value instanceof BlobStorageError && (code === undefined || value.code === code)
}

/**
 * Wraps whatever a backend threw into a `storage-failed` error that names the operation and the
 * hash. A `BlobStorageError` passes through unchanged so wrapping twice is harmless.
 */
export function toStorageFailed(operation: string, hash: string, error: unknown): BlobStorageError {
  if (error instanceof BlobStorageError) return error
  const detail = error instanceof Error ? error.message : String(error)
  return new BlobStorageError("storage-failed", `Blob storage ${operation} failed for ${hash}: ${detail}`, {
    cause: error,
  })
}
