/**
 * A `BlobStorage` over a Cloudflare R2 bucket. Each blob is one object at `<prefix><hash>`
 * (default prefix `blobs/`, so blobs can share a bucket with other data), with the MIME type
 * in the object's `httpMetadata.contentType`.
 *
 * `put` is `head` then `put`: a `head` is a cheaper (class B) operation than a write (class A),
 * and skipping the write keeps the first MIME type, as the `BlobStorage` contract asks. Two
 * racing first uploads both write the same bytes, so the race is harmless for the content; the
 * later MIME type wins in that case only.
 *
 * `stage` streams an upload without ever holding more than one part in memory. R2 has no
 * rename (nor copy) in the Workers binding, and a `put` of a plain `ReadableStream` is refused
 * unless its length is known ("Provided readable stream must have a known length": a request
 * body with Content-Length or a `FixedLengthStream`), which chunked uploads do not have. A
 * multipart upload solves both: parts are uploaded as the body arrives (each a `partSize`
 * buffer), nothing is visible under the key until `complete()`, and `abort()` drops every part.
 * So the key is only ever written with bytes whose hash checked out. A body that fits in one
 * part never starts a multipart upload: it is kept in memory and `put` on commit (one write
 * instead of three). A Worker that dies mid-upload leaves an incomplete multipart upload, which
 * is invisible and which R2 aborts by itself (the bucket's lifecycle rule, 7 days by default).
 */
import { assertBlobHash } from "../hash.js"
import { DEFAULT_BLOB_MIME, type BlobMetadata, type BlobObject, type BlobStorage } from "./blob-storage.js"
import { toStorageFailed } from "./blob-storage-error.js"
import type { R2BucketLike, R2MultipartUploadLike, R2ObjectLike, R2UploadedPartLike } from "./r2-bucket.js"
import type { StagedBlob } from "./blob-storage.js"
import { readChunks } from "./read-chunks.js"

/** Options for {@link r2Storage}. */
export interface R2StorageOptions {
  /** The R2 binding, for example `env.BUCKET`. */
  readonly bucket: R2BucketLike
  /**
   * Prepended verbatim to every hash to form the object key. Defaults to `"blobs/"`; pass `""`
   * to store at the bucket root. Include the trailing `/` yourself when you want one.
   */
  readonly prefix?: string
  /**
   * Bytes per part when `stage` streams a large upload as a multipart upload, and so the most
   * bytes of an upload held in memory. Default 8 MiB; R2 requires at least 5 MiB.
   */
  readonly partSize?: number
}

/** Default part size of streamed uploads. */
export const DEFAULT_R2_PART_SIZE = 8 * 1024 * 1024
/** R2's smallest part (all parts but the last). */
const MIN_R2_PART_SIZE = 5 * 1024 * 1024

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
  const partSize = options.partSize ?? DEFAULT_R2_PART_SIZE
  if (!Number.isSafeInteger(partSize) || partSize < MIN_R2_PART_SIZE) throw new RangeError(`r2Storage: partSize must be an integer ≥ ${MIN_R2_PART_SIZE} (R2's minimum), got ${partSize}`)

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
    async stage(hash, body, mime): Promise<StagedBlob> {
      const key = keyOf(hash)
      const httpMetadata = { httpMetadata: { contentType: mime } }
      // Fills one part buffer; a full buffer goes out as the next part of a multipart upload.
      let buffer = new Uint8Array(partSize)
      let filled = 0
      let upload: R2MultipartUploadLike | null = null
      const parts: R2UploadedPartLike[] = []
      const flush = async (): Promise<void> => {
        upload ??= await bucket.createMultipartUpload(key, httpMetadata)
        parts.push(await upload.uploadPart(parts.length + 1, filled === partSize ? buffer : buffer.subarray(0, filled)))
        buffer = new Uint8Array(partSize) // the part just sent may still be referenced by the runtime
        filled = 0
      }
      let size: number
      try {
        size = await readChunks(body, async (chunk) => {
          for (let at = 0; at < chunk.byteLength; ) {
            const take = Math.min(partSize - filled, chunk.byteLength - at)
            buffer.set(chunk.subarray(at, at + take), filled)
            filled += take
            at += take
            if (filled === partSize) await flush()
          }
        })
        if (upload !== null && filled > 0) await flush()
      } catch (error) {
        await (upload as R2MultipartUploadLike | null)?.abort().catch(() => undefined)
        throw toStorageFailed("stage", hash, error)
      }
      const multipart = upload as R2MultipartUploadLike | null
      const single = multipart === null ? buffer.subarray(0, filled) : null
      let settled = false
      return {
        size,
        async commit() {
          if (settled) throw new Error(`r2Storage: blob ${hash} was already committed or discarded`)
          settled = true
          try {
            // Keep the first MIME type of a hash already stored (the storage contract).
            if ((await bucket.head(key)) !== null) return await multipart?.abort()
            if (multipart === null) await bucket.put(key, single ?? new Uint8Array(0), httpMetadata)
            else await multipart.complete(parts)
          } catch (error) {
            await multipart?.abort().catch(() => undefined)
            throw toStorageFailed("commit", hash, error)
          }
        },
        async discard() {
          if (settled) return
          settled = true
          await multipart?.abort().catch(() => undefined)
        },
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
