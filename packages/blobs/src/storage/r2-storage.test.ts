import { Miniflare } from "miniflare"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { sha256Hex } from "../hash.js"
import { describeBlobStorageConformance } from "./blob-storage-conformance.js"
import { BlobStorageError } from "./blob-storage-error.js"
import type { R2BucketLike } from "./r2-bucket.js"
import { r2Storage } from "./r2-storage.js"

function startWorkerd(): Miniflare {
  return new Miniflare({
    modules: true,
    script: "export default { fetch() { return new Response('ok') } }",
    compatibilityDate: "2026-04-20",
    r2Buckets: ["BUCKET"],
    cf: false,
  })
}

type Bucket = Awaited<ReturnType<Miniflare["getR2Bucket"]>>

async function countKeys(bucket: Bucket, prefix?: string): Promise<number> {
  let count = 0
  let cursor: string | undefined
  do {
    const page = await bucket.list({ ...(prefix === undefined ? {} : { prefix }), ...(cursor === undefined ? {} : { cursor }) })
    count += page.objects.length
    cursor = page.truncated ? page.cursor : undefined
  } while (cursor !== undefined)
  return count
}

describeBlobStorageConformance("r2Storage (Miniflare R2)", async () => {
  const mf = startWorkerd()
  const bucket = await mf.getR2Bucket("BUCKET")
  // Counting the whole bucket, not just `blobs/`, catches a write under any other key.
  return { storage: r2Storage({ bucket }), countObjects: () => countKeys(bucket), dispose: () => mf.dispose() }
})

describe("r2Storage keys and metadata", () => {
  let mf: Miniflare
  let bucket: Bucket
  beforeAll(async () => {
    mf = startWorkerd()
    bucket = await mf.getR2Bucket("BUCKET")
  })
  afterAll(async () => {
    await mf.dispose()
  })

  it("stores under blobs/<hash> with the mime as the content type", async () => {
    const bytes = new TextEncoder().encode("keyed")
    const hash = await sha256Hex(bytes)
    await r2Storage({ bucket }).put(hash, bytes, "text/csv")
    const object = await bucket.head(`blobs/${hash}`)
    expect(object?.size).toBe(bytes.byteLength)
    expect(object?.httpMetadata?.contentType).toBe("text/csv")
  })

  it("honours a custom prefix, including none", async () => {
    const bytes = new TextEncoder().encode("prefixed")
    const hash = await sha256Hex(bytes)
    const tenant = r2Storage({ bucket, prefix: "tenant-a/files/" })
    await tenant.put(hash, bytes, "text/plain")
    expect(await bucket.head(`tenant-a/files/${hash}`)).not.toBeNull()
    expect(await r2Storage({ bucket }).head(hash)).toBeNull()

    await r2Storage({ bucket, prefix: "" }).put(hash, bytes, "text/plain")
    expect(await bucket.head(hash)).not.toBeNull()
    await tenant.delete(hash)
    expect(await bucket.head(`tenant-a/files/${hash}`)).toBeNull()
    expect(await bucket.head(hash)).not.toBeNull()
  })

  it("reads an object stored without a content type as application/octet-stream", async () => {
    const bytes = Uint8Array.of(1, 2, 3)
    const hash = await sha256Hex(bytes)
    await bucket.put(`blobs/${hash}`, bytes)
    expect(await r2Storage({ bucket }).head(hash)).toEqual({ size: 3, mime: "application/octet-stream" })
  })
})

describe("r2Storage error wrapping", () => {
  const cause = new Error("R2 is down")
  const failing: R2BucketLike = {
    head: () => Promise.reject(cause),
    get: () => Promise.reject(cause),
    put: () => Promise.reject(cause),
    delete: () => Promise.reject(cause),
    createMultipartUpload: () => Promise.reject(cause),
  }
  const hash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
  const storage = r2Storage({ bucket: failing })

  it.each([
    ["put", () => storage.put(hash, new Uint8Array(0), "text/plain")],
    ["get", () => storage.get(hash)],
    ["head", () => storage.head(hash)],
    ["delete", () => storage.delete(hash)],
    ["stage", () => storage.stage(hash, new Response(new Uint8Array(9 * 1024 * 1024)).body as ReadableStream<Uint8Array>, "text/plain")],
  ] as const)("%s wraps a bucket failure as storage-failed with the cause", async (operation, call) => {
    const error = await call().catch((thrown: unknown) => thrown)
    expect(error).toBeInstanceOf(BlobStorageError)
    expect((error as BlobStorageError).code).toBe("storage-failed")
    expect((error as BlobStorageError).httpStatus).toBe(500)
    expect((error as BlobStorageError).cause).toBe(cause)
    expect((error as BlobStorageError).message).toContain(operation)
    expect((error as BlobStorageError).message).toContain(hash)
  })
})
