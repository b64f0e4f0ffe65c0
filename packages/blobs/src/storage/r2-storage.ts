/**
 * A `BlobStorage` over a Cloudflare R2 bucket. Each blob is one object at `<prefix><hash>`
 * (default prefix `blobs/`, so blobs can share a bucket with other data), with the MIME type
 * in the object's `httpMetadata.contentType`.
 *
 * `put` is `head` then `put`: a `head` is a cheaper (class B) operation than a write (class A),
 * and skipping the write keeps the first MIME type, as the `BlobStorage` contract asks. Two
 * racing first uploads both write the same bytes, so the race is harmless for the content; the
 * later MIME type wins in that case only.
 */
import { assertBlobHash } from "../hash.js"
import { DEFAULT_BLOB_MIME, type BlobMetadata, type BlobObject, type BlobStorage } from "./blob-storage.js"
import { toStorageFailed } from "./blob-storage-error.js"
import type { R2BucketLike, R2ObjectLike } from "./r2-bucket.js"

/** Options for {@link r2Storage}. */
export interface R2StorageOptions {
  /** The R2 binding, for example `env.BUCKET`. */
  readonly bucket: R2BucketLike
  /**
   * Prepended verbatim to every hash to form the object key. Defaults to `"blobs/"`; pass `""`
   * to store at the bucket root. Include the trailing `/` yourself when you want one.
   */
  readonly prefix?: string
}

/** The key prefix used when {@link R2StorageOptions.prefix} is omitted. */
export const DEFAULT_R2_BLOB_PREFIX = "blobs/"

/**
 * Creates a blob storage over an R2 bucket.
 *
 * @example
 * export default {
 *   async fetch(request: Request, env: { BUCKET: R2Bucket }) {
 *     const storage = r2Storage({ bucket: env.BUCKET }) // keys: blobs/<sha256-hex>
 *     const blob = await storage.get(hash)
 *     return blob ? new Response(blob.body, { headers: { "content-type": blob.mime } }) : new Response(null, { status: 404 })
 *   },
 * }
 */
export function r2Storage(options: R2StorageOptions): BlobStorage {
  const { bucket } = options
  const prefix = options.prefix ?? DEFAULT_R2_BLOB_PREFIX

  function keyOf(hash: string): string {
    assertBlobHash(hash)
    return prefix + hash
  }

  return {
    async put(hash, bytes, mime) {
      const key = keyOf(hash)
      try {
        if ((await bucket.head(key)) !== null) return
        await bucket.put(key, bytes, { httpMetadata: { contentType: mime } })
      } catch (error) {
        throw toStorageFailed("put", hash, error)
      }
    },
    async get(hash): Promise<BlobObject | null> {
      const key = keyOf(hash)
      try {
        const object = await bucket.get(key)
        if (object === null) return null
        return { ...metadataOf(object), body: object.body }
      } catch (error) {
        throw toStorageFailed("get", hash, error)
      }
    },
    async head(hash): Promise<BlobMetadata | null> {
      const key = keyOf(hash)
      try {
        const object = await bucket.head(key)
        return object === null ? null : metadataOf(object)
      } catch (error) {
        throw toStorageFailed("head", hash, error)
      }
    },
    async delete(hash) {
      const key = keyOf(hash)
      try {
        // R2's delete of a missing key already succeeds, which is the contract.
        await bucket.delete(key)
      } catch (error) {
        throw toStorageFailed("delete", hash, error)
      }
    },
  }
}

function metadataOf(object: R2ObjectLike): BlobMetadata {
  return { size: object.size, mime: object.httpMetadata?.contentType ?? DEFAULT_BLOB_MIME }
}
