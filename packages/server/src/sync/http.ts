/**
 * The HTTP edge of the sync handler: JSON answers, error bodies and the capped body reader.
 *
 * Every error answer is `{ error: <code>, message, ...details }` with `content-type:
 * application/json` and the status from core's code→status table. Anything that is not a
 * `PlasmaError` (or is one with a 5xx code) becomes `500 { error: "internal", message:
 * "internal error" }`: messages of unexpected errors may carry SQL, paths or data, so they only
 * go to `onError`. The two "retry later" codes (`conflict-retry`, `unavailable`) answer 503 with
 * `Retry-After` and a fixed body.
 */
import { PlasmaError, type PlasmaErrorCode } from "@plasma/core"
import { isTransientExecutorError } from "@plasma/executors"

const JSON_HEADERS = { "content-type": "application/json" } as const

/** A JSON answer from already-serialised text. */
export function jsonText(status: number, body: string, headers?: Readonly<Record<string, string>>): Response {
  return new Response(body, { status, headers: headers === undefined ? JSON_HEADERS : { ...JSON_HEADERS, ...headers } })
}

/** The 503 codes: a fixed, safe body and when to retry (both mean "nothing was lost"). */
const RETRY_LATER: Readonly<Partial<Record<PlasmaErrorCode, { readonly body: string; readonly retryAfter: string }>>> = {
  "conflict-retry": { body: '{"error":"conflict-retry","message":"too many concurrent writes; retry"}', retryAfter: "1" },
  unavailable: { body: '{"error":"unavailable","message":"the database is unavailable; nothing was lost, retry"}', retryAfter: "2" },
}

/** The answer for a failure: its code's status and body, or a bare 5xx. */
export function errorResponse(error: unknown): Response {
  // Any 5xx may describe the server itself (schema drift, SQL): only `onError` sees it.
  if (!(error instanceof PlasmaError) || error.status >= 500) {
    const retry = error instanceof PlasmaError ? RETRY_LATER[error.code] : undefined
    if (retry !== undefined) return jsonText(503, retry.body, { "retry-after": retry.retryAfter })
    return jsonText(500, '{"error":"internal","message":"internal error"}')
  }
  const headers: Record<string, string> = {}
  const allow = error.details.allow
  if (error.code === "method-not-allowed" && typeof allow === "string") headers.allow = allow
  return jsonText(error.status, JSON.stringify(error.toJSON()), headers)
}

/** Most bytes of an unread request body that {@link discardBody} reads away before cancelling. */
export const DISCARD_LIMIT_BYTES = 1_048_576

/**
 * Disposes of a body the handler answered without reading (a refusal by auth, a limit, a bad
 * hash). A small body is read to its end rather than cancelled: behind `wrangler dev`'s proxy a
 * cancelled request body breaks the keep-alive connection, and the NEXT request on it is answered
 * 503 "Your worker restarted mid-request" (seen in the example's e2e suite). A body larger than
 * `limit` is cancelled after `limit` bytes, so a refusal never reads an unbounded upload.
 */
export async function discardBody(stream: ReadableStream<Uint8Array> | null, limit = DISCARD_LIMIT_BYTES): Promise<void> {
  if (stream === null || stream.locked) return
  const reader = stream.getReader()
  let size = 0
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return
      size += value.byteLength
      if (size > limit) {
        await reader.cancel()
        return
      }
    }
  } catch {
    // The client went away or the runtime already dropped the body: nothing left to dispose of.
  } finally {
    reader.releaseLock()
  }
}

/**
 * Reads a body stream into memory while counting, so a body over `maxBytes` is refused as soon
 * as it crosses the limit (the rest is cancelled) instead of after it was buffered whole.
 * `tooLarge` builds the error from a description of the size ("more than N").
 */
export async function readBodyBytes(stream: ReadableStream<Uint8Array> | null, maxBytes: number, tooLarge: (size: string) => PlasmaError): Promise<Uint8Array> {
  if (stream === null) return new Uint8Array(0)
  const reader = stream.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined)
      throw tooLarge(`more than ${maxBytes}`)
    }
    chunks.push(value)
  }
  if (chunks.length === 1) return chunks[0] as Uint8Array
  const bytes = new Uint8Array(size)
  let at = 0
  for (const chunk of chunks) {
    bytes.set(chunk, at)
    at += chunk.byteLength
  }
  return bytes
}

/**
 * Reads a request body as UTF-8 text, refusing more than `maxBytes` with `payload-too-large`
 * before the whole body is buffered: a declared Content-Length over the cap is refused without
 * reading, and the stream is counted as it arrives (a chunked body has no Content-Length).
 * Invalid UTF-8 is `invalid-request`.
 */
export async function readBodyText(request: Request, maxBytes: number): Promise<string> {
  const tooLarge = (size: string) => new PlasmaError("payload-too-large", `the body is ${size} bytes; the limit is ${maxBytes}`, { details: { limit: maxBytes } })
  const declared = request.headers.get("content-length")
  if (declared !== null && /^[0-9]+$/.test(declared) && Number(declared) > maxBytes) throw tooLarge(declared)
  const bytes = await readBodyBytes(request.body, maxBytes, tooLarge)
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes)
  } catch (error) {
    throw new PlasmaError("invalid-request", "the body is not valid UTF-8", { cause: error })
  }
}
