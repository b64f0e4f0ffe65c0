/**
 * Reads a server-sent event stream with `fetch`, so the admin token travels in a header
 * (`EventSource` cannot send one, and a token in the URL ends up in logs). Aborting `signal`
 * closes the stream, which the Worker notices and stops its live select.
 */

/** One server-sent event. */
export interface ServerSentEvent {
  readonly event: string
  readonly data: string
}

/** Calls `onEvent` for every event until the stream ends or `signal` aborts; rejects on HTTP errors. */
export async function readEventStream(url: string, init: { headers: Record<string, string>; signal: AbortSignal }, onEvent: (event: ServerSentEvent) => void): Promise<void> {
  const response = await fetch(url, init)
  if (!response.ok || response.body === null) {
    const body = (await response.json().catch(() => ({}))) as { message?: string }
    throw new Error(body.message ?? `HTTP ${response.status}`)
  }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader()
  let buffer = ""
  for (;;) {
    const { value, done } = await reader.read()
    if (done) return
    buffer += value
    let end: number
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end)
      buffer = buffer.slice(end + 2)
      let event = "message"
      const data: string[] = []
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) event = line.slice(6).trim()
        else if (line.startsWith("data:")) data.push(line.slice(5).trimStart())
      }
      if (data.length > 0) onEvent({ event, data: data.join("\n") })
    }
  }
}
