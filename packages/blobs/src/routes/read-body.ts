/**
 * Reads a request body into memory while counting, so an upload over the limit is refused as
 * soon as it crosses it rather than after it has been read whole. The bytes must be held
 * anyway: WebCrypto has no streaming digest, and the hash must be checked before anything is
 * stored.
 */
import { PlasmaError } from "@plasma/core"
import { readBodyBytes } from "@plasma/server/internal"

/** Reads `body` up to `maxSize` bytes; throws `payload-too-large` past it (and cancels the rest). */
export function readBodyWithin(body: ReadableStream<Uint8Array> | null, maxSize: number): Promise<Uint8Array> {
  return readBodyBytes(body, maxSize, (got) => tooLarge(maxSize, got))
}

/** The `payload-too-large` error of an upload over `maxSize`. */
export function tooLarge(maxSize: number, got: string): PlasmaError {
  return new PlasmaError("payload-too-large", `upload of ${got} bytes exceeds the largest maxSize of the schema's file columns (${maxSize} bytes)`, {
    details: { maxSize },
  })
}
