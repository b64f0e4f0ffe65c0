import type { ReadFileResult } from "../read-file-result.js"
import type { BlobRecord } from "../store/local-store.js"

/** The `readFile` answer for bytes held locally. */
export function fileResult(record: BlobRecord, uploaded: boolean): ReadFileResult {
  const status = record.state === "fetched" || record.state === "uploaded" || uploaded ? "ready" : record.state === "uploading" ? "uploading" : "local"
  return { status, bytes: record.bytes, mime: record.mime, ...(record.name === undefined ? {} : { name: record.name }) }
}
