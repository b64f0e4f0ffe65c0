/**
 * The upload body as the PUT route passes it on to storage: counted, hashed and cut off as it
 * flows, one chunk at a time, so no upload is ever held whole in memory.
 *
 * - Past `limit` bytes the stream errors with the refusal `tooLarge` builds (the largest
 *   `maxSize`, or what is left of the uploader's quota) and the rest of the body is cancelled.
 * - With a declared Content-Length, a body longer than declared errors as soon as it crosses it
 *   and a shorter one when it ends (`length-mismatch`).
 * - The SHA-256 is computed incrementally (`createSha256`); `digestHex()` is available once the
 *   stream ended normally. `failure` is the refusal that stopped it, so the route answers with
 *   that rather than with whatever the storage adapter made of the stream's error.
 */
import { PlasmaError } from "@plasma/core"
import { createSha256 } from "../sha256.js"

/** Limits of one upload. */
export interface UploadLimits {
  /** Most bytes accepted. */
  readonly limit: number
  /** The refusal past `limit`, given a description of the size seen. */
  readonly tooLarge: (got: string) => PlasmaError
  /** The declared Content-Length, or `null` for a chunked upload. */
  readonly declared: number | null
  /** Named in error messages. */
  readonly hash: string
}

/** A metered body. */
export interface UploadMeter {
  /** The body to hand on; read it once. */
  readonly body: ReadableStream<Uint8Array>
  /** The refusal that stopped the body, else `null`. */
  readonly failure: PlasmaError | null
  /** Bytes passed on so far. */
  readonly size: number
  /** SHA-256 hex of the whole body; only after the body ended without a failure. */
  digestHex(): string
}

/** Wraps `source` (a request body) in a metered stream. */
export function meterUpload(source: ReadableStream<Uint8Array> | null, limits: UploadLimits): UploadMeter {
  const sha = createSha256()
  let failure: PlasmaError | null = null
  let ended = false
  const reader = source?.getReader() ?? null

  const fail = async (controller: ReadableStreamDefaultController<Uint8Array>, error: PlasmaError): Promise<void> => {
    failure = error
    controller.error(error)
    await reader?.cancel(error).catch(() => undefined)
  }

  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = reader === null ? { done: true as const, value: undefined } : await reader.read()
      if (next.done) {
        if (limits.declared !== null && sha.length !== limits.declared) {
          return fail(controller, lengthMismatch(limits.hash, sha.length, limits.declared))
        }
        ended = true
        return controller.close()
      }
      const size = sha.length + next.value.byteLength
      if (size > limits.limit) return fail(controller, limits.tooLarge(`more than ${limits.limit}`))
      if (limits.declared !== null && size > limits.declared) return fail(controller, lengthMismatch(limits.hash, size, limits.declared))
      sha.update(next.value)
      controller.enqueue(next.value)
    },
    async cancel(reason) {
      await reader?.cancel(reason).catch(() => undefined)
    },
  })

  return {
    body,
    get failure() {
      return failure
    },
    get size() {
      return sha.length
    },
    digestHex() {
      if (!ended || failure !== null) throw new Error(`the upload of ${limits.hash} did not end normally; it has no digest`)
      return sha.digestHex()
    },
  }
}

/** The `payload-too-large` error of an upload over `maxSize`. */
export function tooLarge(maxSize: number, got: string): PlasmaError {
  return new PlasmaError("payload-too-large", `upload of ${got} bytes exceeds the largest maxSize of the schema's file columns (${maxSize} bytes)`, {
    details: { maxSize },
  })
}

function lengthMismatch(hash: string, got: number, declared: number): PlasmaError {
  const size = got > declared ? `more than ${declared}` : String(got)
  return new PlasmaError("blob-invalid", `blob ${hash}: the body has ${size} bytes but Content-Length said ${declared}`, { details: { reason: "length-mismatch" } })
}
