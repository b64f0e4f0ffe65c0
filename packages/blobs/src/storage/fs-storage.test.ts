import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { sha256Hex } from "../hash.js"
import { describeBlobStorageConformance } from "./blob-storage-conformance.js"
import { BlobStorageError } from "./blob-storage-error.js"
import { fsStorage } from "./fs-storage.js"

/** Every file under `directory`, as paths relative to it. */
async function filesUnder(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { recursive: true, withFileTypes: true })
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(directory.length + 1))
    .sort()
}

describeBlobStorageConformance("fsStorage", async () => {
  // The store lives two levels below the temp root and the count covers the whole root, so a
  // write that escaped through `..` would still be counted.
  const root = await mkdtemp(join(tmpdir(), "plasma-blobs-"))
  const storage = fsStorage({ directory: join(root, "a", "store") })
  return {
    storage,
    countObjects: async () => (await filesUnder(root)).filter((file) => !file.endsWith(".json")).length,
    dispose: () => rm(root, { recursive: true, force: true }),
  }
})

describe("fsStorage on disk", () => {
  let root: string
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), "plasma-blobs-"))
  })
  afterEach(async () => {
    await rm(root, { recursive: true, force: true })
  })

  it("shards raw bytes as <dir>/<hash[0..2]>/<hash> with a <hash>.json mime sidecar and no temp files", async () => {
    const bytes = new TextEncoder().encode("on disk")
    const hash = await sha256Hex(bytes)
    await fsStorage({ directory: root }).put(hash, bytes, "text/plain")
    const shard = hash.slice(0, 2)
    expect(await filesUnder(root)).toEqual([join(shard, hash), join(shard, `${hash}.json`)])
    expect(new Uint8Array(await readFile(join(root, shard, hash)))).toEqual(bytes)
    expect(JSON.parse(await readFile(join(root, shard, `${hash}.json`), "utf8"))).toEqual({ mime: "text/plain" })
  })

  it("delete removes both the blob and its sidecar", async () => {
    const storage = fsStorage({ directory: root })
    const bytes = Uint8Array.of(1)
    const hash = await sha256Hex(bytes)
    await storage.put(hash, bytes, "text/plain")
    await storage.delete(hash)
    expect(await filesUnder(root)).toEqual([])
  })

  it("ignores a temp file left by a crashed put, and a later put completes the blob", async () => {
    const storage = fsStorage({ directory: root })
    const bytes = Uint8Array.of(1, 2, 3, 4)
    const hash = await sha256Hex(bytes)
    const shard = join(root, hash.slice(0, 2))
    // What a crash mid-write leaves: a partial temp file and the sidecar, no final blob file.
    await storage.put(hash, bytes, "text/plain")
    await rm(join(shard, hash))
    await writeFile(join(shard, `.${hash}.crashed.tmp`), Uint8Array.of(1, 2))
    expect(await storage.get(hash)).toBeNull()
    expect(await storage.head(hash)).toBeNull()
    await storage.put(hash, bytes, "image/png")
    expect(await storage.head(hash)).toEqual({ size: 4, mime: "image/png" })
  })

  it("reads a blob whose sidecar is missing as application/octet-stream", async () => {
    const storage = fsStorage({ directory: root })
    const bytes = Uint8Array.of(5)
    const hash = await sha256Hex(bytes)
    await storage.put(hash, bytes, "text/plain")
    await rm(join(root, hash.slice(0, 2), `${hash}.json`))
    expect(await storage.head(hash)).toEqual({ size: 1, mime: "application/octet-stream" })
  })

  it("wraps filesystem failures as storage-failed with the cause", async () => {
    // The store's directory is a regular file, so creating the shard folder fails (ENOTDIR).
    const file = join(root, "not-a-directory")
    await writeFile(file, "x")
    const bytes = Uint8Array.of(6)
    const hash = await sha256Hex(bytes)
    const error = await fsStorage({ directory: file })
      .put(hash, bytes, "text/plain")
      .catch((thrown: unknown) => thrown)
    expect(error).toBeInstanceOf(BlobStorageError)
    expect((error as BlobStorageError).code).toBe("storage-failed")
    expect((error as BlobStorageError).message).toContain(hash)
    expect(((error as BlobStorageError).cause as { code?: string }).code).toBe("ENOTDIR")
  })

  it("keeps serving a blob's bytes that were opened before it was deleted", async () => {
    const storage = fsStorage({ directory: root })
    const bytes = Uint8Array.from({ length: 200_000 }, (_, i) => i & 0xff)
    const hash = await sha256Hex(bytes)
    await storage.put(hash, bytes, "application/octet-stream")
    const blob = await storage.get(hash)
    await storage.delete(hash)
    expect(blob?.size).toBe(bytes.byteLength)
    expect(new Uint8Array(await new Response(blob?.body).arrayBuffer())).toEqual(bytes)
  })
})
