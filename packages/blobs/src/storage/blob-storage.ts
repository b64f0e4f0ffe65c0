/**
 * The storage contract for content-addressed blobs. Bytes are stored under the lowercase hex
 * SHA-256 of their content, so a hash names exactly one byte string forever: writes are
 * idempotent, and readers (and HTTP caches) may treat what they get as immutable.
 *
 * Every adapter validates the hash on every call before it builds a key or a path, and rejects
 * a malformed one with `BlobStorageError` code `invalid-hash`; a backend failure surfaces as
 * code `storage-failed`. Adapters do not re-hash the bytes: checking that `hash` is the SHA-256
 * of `bytes` is the caller's job (the blob routes do it before calling `put`).
 */

/** What `head` knows about a stored blob. */
export interface BlobMetadata {
  /** Length of the stored bytes. */
  readonly size: number
  /** MIME type given to the first successful `put` of this hash. */
  readonly mime: string
}

/** A stored blob with its bytes as a stream, returned by `get`. */
export interface BlobObject extends BlobMetadata {
  /** The bytes. Read it once (for example `new Response(body).arrayBuffer()`) or cancel it. */
  readonly body: ReadableStream<Uint8Array>
}

/** Where blob bytes live: R2 in a Worker, memory in tests, the filesystem under Node. */
export interface BlobStorage {
  /**
   * Stores bytes under their SHA-256 hex hash. Idempotent: storing the same hash again is a
   * no-op success, and the MIME type of the first `put` is kept (content-addressed responses
   * are cached as immutable, so their metadata must not change under them).
   *
   * Do not mutate `bytes` until the returned promise settles; afterwards the stored copy is
   * independent of the array.
   */
  put(hash: string, bytes: Uint8Array, mime: string): Promise<void>
  /** The blob with its bytes, or `null` when nothing is stored under `hash`. */
  get(hash: string): Promise<BlobObject | null>
  /** Size and MIME type without the bytes, or `null` when nothing is stored under `hash`. */
  head(hash: string): Promise<BlobMetadata | null>
  /** Deletes the bytes; deleting a missing hash succeeds. */
  delete(hash: string): Promise<void>
}

/** The MIME type reported when a backend object carries none (it was written by other tools). */
export const DEFAULT_BLOB_MIME = "application/octet-stream"
