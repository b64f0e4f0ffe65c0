/**
 * Reads a body stream chunk by chunk, awaiting `onChunk` before pulling the next one, so a slow
 * destination applies backpressure instead of letting chunks pile up in memory. On any failure
 * (the stream's or `onChunk`'s) the stream is cancelled and the error rethrown as is.
 */
export async function readChunks(body: ReadableStream<Uint8Array>, onChunk: (chunk: Uint8Array) => Promise<void> | void): Promise<number> {
  const reader = body.getReader()
  let size = 0
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return size
      size += value.byteLength
      await onChunk(value)
    }
  } catch (error) {
    await reader.cancel(error).catch(() => undefined)
    throw error
  } finally {
    reader.releaseLock()
  }
}
