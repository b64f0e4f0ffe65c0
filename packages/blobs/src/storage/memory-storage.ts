/**
 * A `BlobStorage` held in a `Map`, for tests and local prototypes. Bytes are copied on `put` and
 * on every `get`, so neither the caller's input array nor a returned chunk can alter what is
 * stored: the same isolation a real backend gives.
 */
import { assertBlobHash } from "../hash.js"
import type { BlobMetadata, BlobObject, BlobStorage } from "./blob-storage.js"

/** A {@link BlobStorage} in memory that can also list what it holds (handy in tests). */
export interface MemoryBlobStorage extends BlobStorage {
  /** The hashes currently stored, sorted. */
  hashes(): readonly string[]
}

interface StoredBlob {
  readonly bytes: Uint8Array
  readonly mime: string
}

/**
 * Creates an empty in-memory blob storage. Nothing is persisted; each call gets its own store.
 *
 * @example
 * const storage = memoryStorage()
 * const bytes = new TextEncoder().encode("hello")
 * const hash = await sha256Hex(bytes)
 * await storage.put(hash, bytes, "text/plain")
 * const blob = await storage.get(hash) // { size: 5, mime: "text/plain", body }
 */
export function memoryStorage(): MemoryBlobStorage {
  const blobs = new Map<string, StoredBlob>()
  return {
    async put(hash, bytes, mime) {
      assertBlobHash(hash)
      if (blobs.has(hash)) return
      blobs.set(hash, { bytes: bytes.slice(), mime })
    },
    async get(hash): Promise<BlobObject | null> {
      assertBlobHash(hash)
      const blob = blobs.get(hash)
      if (blob === undefined) return null
      return { size: blob.bytes.byteLength, mime: blob.mime, body: streamOf(blob.bytes.slice()) }
    },
    async head(hash): Promise<BlobMetadata | null> {
      assertBlobHash(hash)
      const blob = blobs.get(hash)
      return blob === undefined ? null : { size: blob.bytes.byteLength, mime: blob.mime }
    },
    async delete(hash) {
      assertBlobHash(hash)
      blobs.delete(hash)
    },
    hashes() {
      return [...blobs.keys()].sort()
    },
  }
}

function streamOf(bytes: Uint8Array): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(controller) {
      // An empty chunk would be a pointless read for consumers; an empty blob is a closed stream.
      if (bytes.byteLength > 0) controller.enqueue(bytes)
      controller.close()
    },
  })
}
