/**
 * The subset of Cloudflare's `R2Bucket` that `r2Storage` uses, typed structurally so consumers
 * (and this package) do not need `@cloudflare/workers-types`: a real `env.BUCKET` binding, or
 * Miniflare's `getR2Bucket()`, satisfies it as is.
 */

/** The HTTP metadata R2 keeps beside an object; only the content type is used. */
export interface R2HttpMetadataLike {
  readonly contentType?: string | undefined
}

/** What `R2Bucket.head` returns: an object's metadata. */
export interface R2ObjectLike {
  readonly size: number
  readonly httpMetadata?: R2HttpMetadataLike | undefined
}

/** What `R2Bucket.get` returns: metadata plus the body stream. */
export interface R2ObjectBodyLike extends R2ObjectLike {
  readonly body: ReadableStream<Uint8Array>
}

/**
 * Options passed to `R2Bucket.put`. `contentType` is written without `| undefined` on purpose:
 * under `exactOptionalPropertyTypes` R2's own `R2HTTPMetadata` would otherwise not accept it.
 */
export interface R2PutOptionsLike {
  readonly httpMetadata?: { readonly contentType?: string }
}

/** What `R2MultipartUpload.uploadPart` returns; handed back to `complete`. */
export interface R2UploadedPartLike {
  readonly partNumber: number
  readonly etag: string
}

/** The methods of `R2MultipartUpload` that `r2Storage` calls to stream an upload. */
export interface R2MultipartUploadLike {
  uploadPart(partNumber: number, value: Uint8Array): Promise<R2UploadedPartLike>
  complete(parts: R2UploadedPartLike[]): Promise<unknown>
  abort(): Promise<void>
}

/** The methods of `R2Bucket` that `r2Storage` calls. */
export interface R2BucketLike {
  head(key: string): Promise<R2ObjectLike | null>
  get(key: string): Promise<R2ObjectBodyLike | null>
  put(key: string, value: Uint8Array, options?: R2PutOptionsLike): Promise<unknown>
  delete(key: string): Promise<void>
  createMultipartUpload(key: string, options?: R2PutOptionsLike): Promise<R2MultipartUploadLike>
}
