/**
 * A `BlobStorage` on the local filesystem, for Node servers, scripts and tests.
 *
 * Layout under `directory` (sharded by the first two hex characters so no folder grows past
 * 256 × (blobs / 256) entries):
 *
 *     <directory>/<hash[0..2]>/<hash>        the raw bytes, byte for byte
 *     <directory>/<hash[0..2]>/<hash>.json   sidecar: {"mime":"image/png"}
 *
 * The bytes stay raw (rather than behind a header) so the folder can be inspected, backed up or
 * served by other tools. The blob file is what makes a blob exist; the sidecar only adds a MIME
 * type, and a blob without one reads as `application/octet-stream`.
 *
 * `stage` streams an upload into such a temporary file (one chunk in memory at a time) and
 * `commit` renames it into place, so an upload whose hash does not check out never appears.
 *
 * Crash safety: each file is written to a temporary `.<name>.<uuid>.tmp` in the same folder,
 * fsynced, then renamed over its final name (a rename within one folder is atomic on POSIX), so
 * a crash never leaves a half-written blob under its final name. `put` writes the sidecar before
 * the blob and `delete` removes the blob before the sidecar, so an interrupted call leaves at
 * worst a stray sidecar, which the next `put` of that hash overwrites. Empty shard folders are
 * left in place: removing them would race with a concurrent `put` creating a file inside.
 *
 * This module imports `node:` built-ins, which is why it is only reachable through the
 * `@plasma/blobs/fs` subpath: the root entry stays loadable in a Worker.
 */
import { randomUUID } from "node:crypto"
import { mkdir, open, readFile, rename, rm, stat, type FileHandle } from "node:fs/promises"
import { basename, dirname, join, resolve } from "node:path"
import { Readable } from "node:stream"
import { assertBlobHash } from "../hash.js"
import { DEFAULT_BLOB_MIME, type BlobMetadata, type BlobObject, type BlobStorage, type StagedBlob } from "./blob-storage.js"
import { BlobStorageError, toStorageFailed } from "./blob-storage-error.js"
import { readChunks } from "./read-chunks.js"

/** Options for {@link fsStorage}. */
export interface FsStorageOptions {
  /** Root folder of the store. Created on the first `put` if missing. */
  readonly directory: string
}

interface BlobPaths {
  readonly blob: string
  readonly sidecar: string
}

/**
 * Creates a blob storage in a local folder (Node only; import from `@plasma/blobs/fs`).
 *
 * A body returned by `get` holds an open file until it is read to the end or cancelled, so
 * always consume or cancel it.
 *
 * @example
 * import { fsStorage } from "@plasma/blobs/fs"
 *
 * const storage = fsStorage({ directory: "./data/blobs" })
 * await storage.put(hash, bytes, "image/png") // ./data/blobs/<hash[0..2]>/<hash> + <hash>.json
 */
export function fsStorage(options: FsStorageOptions): BlobStorage {
  const root = resolve(options.directory)

  function pathsOf(hash: string): BlobPaths {
    // Validation comes first: only 64 hex characters ever reach `join`, so no `..` or `/`.
    assertBlobHash(hash)
    const blob = join(root, hash.slice(0, 2), hash)
    return { blob, sidecar: `${blob}.json` }
  }

  return {
    async put(hash, bytes, mime) {
      const paths = pathsOf(hash)
      try {
        if ((await statOrNull(paths.blob)) !== null) return
        await mkdir(dirname(paths.blob), { recursive: true })
        await writeAtomically(paths.sidecar, JSON.stringify({ mime }))
        await writeAtomically(paths.blob, bytes)
        await syncDirectory(dirname(paths.blob))
      } catch (error) {
        throw toStorageFailed("put", hash, error)
      }
    },

    async stage(hash, body, mime): Promise<StagedBlob> {
      const paths = pathsOf(hash)
      const temporary = temporaryOf(paths.blob)
      let size: number
      try {
        await mkdir(dirname(paths.blob), { recursive: true })
        const handle = await open(temporary, "wx")
        try {
          size = await readChunks(body, async (chunk) => {
            await handle.write(chunk)
          })
          await handle.sync()
        } finally {
          await handle.close()
        }
      } catch (error) {
        await rm(temporary, { force: true }).catch(() => undefined)
        throw toStorageFailed("stage", hash, error)
      }
      let settled = false
      return {
        size,
        async commit() {
          if (settled) throw new BlobStorageError("storage-failed", `fsStorage: blob ${hash} was already committed or discarded`)
          settled = true
          try {
            if ((await statOrNull(paths.blob)) !== null) return await rm(temporary, { force: true })
            await writeAtomically(paths.sidecar, JSON.stringify({ mime }))
            await rename(temporary, paths.blob)
            await syncDirectory(dirname(paths.blob))
          } catch (error) {
            await rm(temporary, { force: true }).catch(() => undefined)
            throw toStorageFailed("commit", hash, error)
          }
        },
        async discard() {
          settled = true
          await rm(temporary, { force: true }).catch(() => undefined)
        },
      }
    },

    async get(hash): Promise<BlobObject | null> {
      const paths = pathsOf(hash)
      let handle: FileHandle
      try {
        handle = await open(paths.blob, "r")
      } catch (error) {
        if (isNotFound(error)) return null
        throw toStorageFailed("get", hash, error)
      }
      try {
        // Size comes from the open handle, so it matches the bytes streamed even if the blob is
        // deleted meanwhile (POSIX keeps an unlinked file readable while it is open).
        const { size } = await handle.stat()
        const mime = await readMime(paths.sidecar)
        // `createReadStream` closes the handle when the stream ends, errors or is destroyed;
        // `Readable.toWeb` destroys it when the web stream is cancelled.
        const body = Readable.toWeb(handle.createReadStream()) as ReadableStream<Uint8Array>
        return { size, mime, body }
      } catch (error) {
        await handle.close()
        throw toStorageFailed("get", hash, error)
      }
    },

    async head(hash): Promise<BlobMetadata | null> {
      const paths = pathsOf(hash)
      try {
        const stats = await statOrNull(paths.blob)
        if (stats === null) return null
        return { size: stats.size, mime: await readMime(paths.sidecar) }
      } catch (error) {
        throw toStorageFailed("head", hash, error)
      }
    },

    async delete(hash) {
      const paths = pathsOf(hash)
      try {
        await rm(paths.blob, { force: true })
        await rm(paths.sidecar, { force: true })
      } catch (error) {
        throw toStorageFailed("delete", hash, error)
      }
    },
  }
}

function temporaryOf(path: string): string {
  return join(dirname(path), `.${basename(path)}.${randomUUID()}.tmp`)
}

async function writeAtomically(path: string, data: Uint8Array | string): Promise<void> {
  const temporary = temporaryOf(path)
  try {
    const handle = await open(temporary, "wx")
    try {
      await handle.writeFile(data)
      // Without fsync a power cut after the rename can leave the final name with no data on
      // filesystems that delay allocation; the rename must only publish bytes already on disk.
      await handle.sync()
    } finally {
      await handle.close()
    }
    await rename(temporary, path)
  } catch (error) {
    await rm(temporary, { force: true })
    throw error
  }
}

/** Makes the rename itself durable. Best effort: some platforms cannot fsync a folder. */
async function syncDirectory(path: string): Promise<void> {
  let handle: FileHandle | undefined
  try {
    handle = await open(path, "r")
    await handle.sync()
  } catch {
    // The blob is already complete under its final name; only durability across a power cut
    // is weaker on such platforms.
  } finally {
    await handle?.close()
  }
}

async function readMime(sidecarPath: string): Promise<string> {
  let text: string
  try {
    text = await readFile(sidecarPath, "utf8")
  } catch (error) {
    // A racing delete + put can leave a blob without its sidecar; the bytes are still right.
    if (isNotFound(error)) return DEFAULT_BLOB_MIME
    throw error
  }
  const parsed: unknown = JSON.parse(text)
  const mime = (parsed as { mime?: unknown } | null)?.mime
  if (typeof mime !== "string") {
    throw new BlobStorageError("storage-failed", `Blob sidecar ${sidecarPath} has no string "mime" field`)
  }
  return mime
}

async function statOrNull(path: string): Promise<{ readonly size: number } | null> {
  try {
    return await stat(path)
  } catch (error) {
    if (isNotFound(error)) return null
    throw error
  }
}

function isNotFound(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === "ENOENT"
}
