/**
 * Files in `mutate` args: every `Blob` (a `File` is one) anywhere in the args is read, hashed
 * (SHA-256 through WebCrypto) and replaced by its `FileRef` `{ hash, size, mime, name? }` before
 * the mutator runs, so the mutator and the server see the same manifest.
 */
import type { FileRef } from "@plasma/core"

/** One blob found in args. */
export interface FoundBlob {
  readonly ref: FileRef
  readonly bytes: Uint8Array
}

/** SHA-256 of `bytes` as 64 lowercase hex characters. */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>)
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("")
}

function isBlob(value: unknown): value is Blob {
  return typeof Blob !== "undefined" && value instanceof Blob
}

/** Returns `args` with every Blob replaced by its FileRef (a copy where needed), and the blobs found. */
export async function replaceBlobs(args: unknown): Promise<{ args: unknown; blobs: FoundBlob[] }> {
  const blobs: FoundBlob[] = []
  const walk = async (value: unknown, depth: number): Promise<unknown> => {
    if (depth > 64) return value // args deeper than this are not plain data; leave them to the mutator
    if (isBlob(value)) {
      const bytes = new Uint8Array(await value.arrayBuffer())
      const name = (value as { name?: unknown }).name
      const ref: FileRef = {
        hash: await sha256Hex(bytes),
        size: bytes.byteLength,
        mime: value.type === "" ? "application/octet-stream" : value.type,
        ...(typeof name === "string" && name !== "" ? { name } : {}),
      }
      blobs.push({ ref, bytes })
      return ref
    }
    if (Array.isArray(value)) return Promise.all(value.map((item) => walk(item, depth + 1)))
    if (typeof value === "object" && value !== null && Object.getPrototypeOf(value) === Object.prototype) {
      const out: Record<string, unknown> = {}
      for (const [key, item] of Object.entries(value)) out[key] = await walk(item, depth + 1)
      return out
    }
    return value
  }
  const replaced = await walk(args, 0)
  return { args: replaced, blobs }
}
