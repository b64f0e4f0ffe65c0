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

/**
 * Bytes written by {@link BlobStorage.stage} to a place of their own, invisible under their hash
 * until {@link StagedBlob.commit}. This is how an upload streams to storage while it is hashed:
 * only bytes whose hash checked out are ever published, and a mismatch leaves nothing behind.
 */
export interface StagedBlob {
  /** Bytes staged. */
  readonly size: number
  /**
   * Publishes the bytes under their hash. When the hash is stored already, the staged copy is
   * dropped and the stored one (with its first MIME type) stays. Call once, or `discard`.
   */
  commit(): Promise<void>
  /** Removes the staged bytes; nothing becomes visible. Safe to call more than once. */
  discard(): Promise<void>
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
  /**
   * Streams `body` to a staging place, reading it to its end, and returns the staged blob; the
   * bytes become visible under `hash` only on `commit()`. Memory stays bounded by the adapter
   * (a chunk, or R2's part size), never by the body. If `body` errors (the caller's limit, a
   * client gone), whatever was staged is removed and the promise rejects. The adapter does not
   * hash: the caller hashes the bytes as they pass and commits only on a match.
   */
  stage(hash: string, body: ReadableStream<Uint8Array>, mime: string): Promise<StagedBlob>
  /** The blob with its bytes, or `null` when nothing is stored under `hash`. */
  get(hash: string): Promise<BlobObject | null>
  /** Size and MIME type without the bytes, or `null` when nothing is stored under `hash`. */
  head(hash: string): Promise<BlobMetadata | null>
  /** Deletes the bytes; deleting a missing hash succeeds. */
  delete(hash: string): Promise<void>
}

/** The MIME type reported when a backend object carries none (it was written by other tools). */
export const DEFAULT_BLOB_MIME = "application/octet-stream"
