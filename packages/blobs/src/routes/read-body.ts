/**
 * Reads a request body into memory while counting, so an upload over the limit is refused as
 * soon as it crosses it rather than after it has been read whole. The bytes must be held
 * anyway: WebCrypto has no streaming digest, and the hash must be checked before anything is
 * stored.
 */
import { PlasmaError } from "@plasma/core"

/** Reads `body` up to `maxSize` bytes; throws `payload-too-large` past it (and cancels the rest). */
export async function readBodyWithin(body: ReadableStream<Uint8Array> | null, maxSize: number): Promise<Uint8Array> {
  if (body === null) return new Uint8Array(0)
  const reader = body.getReader()
  const chunks: Uint8Array[] = []
  let total = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    total += value.byteLength
    if (total > maxSize) {
      await reader.cancel().catch(() => undefined)
      throw tooLarge(maxSize, `more than ${maxSize}`)
    }
    chunks.push(value)
  }
  if (chunks.length === 1 && chunks[0] !== undefined) return chunks[0]
  const bytes = new Uint8Array(total)
  let offset = 0
  for (const chunk of chunks) {
    bytes.set(chunk, offset)
    offset += chunk.byteLength
  }
  return bytes
}

/** The `payload-too-large` error of an upload over `maxSize`. */
export function tooLarge(maxSize: number, got: string): PlasmaError {
  return new PlasmaError("payload-too-large", `upload of ${got} bytes exceeds the largest maxSize of the schema's file columns (${maxSize} bytes)`, {
    details: { maxSize },
  })
}
