/**
 * `readFile(ref)`: the local cache first, else `GET {endpoint}/blob/:hash`, cached as "fetched".
 * A 404 is remembered for `MISSING_BLOB_TTL_MS`, so a missing file is not re-fetched in a loop.
 * Never throws: a failure is `{ status: "error", cause }`.
 */
import type { FileRef } from "@plasma/core"
import { requireStore, type ClientState } from "../client-state.js"
import type { ReadFileResult } from "../read-file-result.js"
import type { BlobRecord } from "../store/local-store.js"
import { fileResult } from "./file-result.js"

/** How long a 404 from `GET /blob/:hash` is remembered, so a missing file is not re-fetched in a loop. */
const MISSING_BLOB_TTL_MS = 30_000

/** Reads a file's bytes: local, uploading, ready (fetched), missing, or error. */
export async function readFile(state: ClientState, ref: FileRef): Promise<ReadFileResult> {
  try {
    await state.ready
    const store = requireStore(state)
    const local = await store.getBlob(ref.hash)
    if (local !== undefined) return fileResult(local, state.uploaded.has(ref.hash))
    const missingAt = state.missingBlobs.get(ref.hash)
    if (missingAt !== undefined && state.deps.clock.now() - missingAt < MISSING_BLOB_TTL_MS) return { status: "missing" }
    const fetched = await state.http.getBlob(state.clientID, ref.hash)
    if (fetched.status === "missing") {
      state.missingBlobs.set(ref.hash, state.deps.clock.now())
      return { status: "missing" }
    }
    const record: BlobRecord = { hash: ref.hash, bytes: fetched.bytes, mime: ref.mime || fetched.mime, ...(ref.name === undefined ? {} : { name: ref.name }), state: "fetched" }
    await store.putBlob(record)
    return fileResult(record, true)
  } catch (cause) {
    return { status: "error", cause }
  }
}
