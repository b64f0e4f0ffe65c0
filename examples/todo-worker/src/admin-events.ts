/**
 * @module The admin event stream: server-sent events fed by `serverLiveSelect` (todo counts per
 * user), with backpressure.
 *
 * Protocol: `: connected`, then `event: counts` with `{ reason, version, rows }` at start and on
 * every change of `todos`, and a `: heartbeat` comment on each quiet poll.
 *
 * Backpressure (the stream's queue is bounded by `highWaterMarkBytes`):
 * - a chunk is enqueued only while the queue has room (`desiredSize > 0`);
 * - otherwise a heartbeat is dropped, and a counts event is kept as the ONE pending event (a newer
 *   one replaces it: the newest counts supersede older ones), flushed by `pull` when the reader
 *   catches up;
 * - a reader that has not made room for `stallTimeoutMs` is gone for practical purposes: the
 *   live select stops and the stream errors, so a stalled client costs nothing after that.
 * The loop also stops when the request is aborted or the stream cancelled. Memory per stream is
 * therefore at most the high-water mark plus one counts event.
 */
import type { SqlExecutor } from "@plasma/executors"
import { serverLiveSelect } from "@plasma/server"

const COUNTS_SQL =
  "SELECT ownerId, COUNT(*) AS n, COALESCE(SUM(done), 0) AS done FROM todos GROUP BY ownerId ORDER BY ownerId"

/** Counts the streams that are open (the admin stats show it; the e2e tests wait on it). */
export interface StreamCounter {
  openStreams: number
}

/** Options for {@link createAdminEventStream}. */
export interface AdminEventStreamOptions {
  readonly executor: SqlExecutor
  readonly state: StreamCounter
  /** Aborted when the client goes away (`request.signal` with `enable_request_signal`). */
  readonly signal?: AbortSignal
  /** serverLiveSelect's heartbeat; default 1000 ms. */
  readonly pollIntervalMs?: number
  /** A reader that makes no room for this long is dropped; default 30 s. */
  readonly stallTimeoutMs?: number
  /** The queue bound in bytes; default 64 KiB. */
  readonly highWaterMarkBytes?: number
  /** Clock (tests). */
  readonly now?: () => number
}

/**
 * The SSE body for `GET /admin/events`.
 *
 * @example
 * return new Response(createAdminEventStream({ executor, state, signal: request.signal }), {
 *   headers: { "content-type": "text/event-stream; charset=utf-8" },
 * })
 */
export function createAdminEventStream(options: AdminEventStreamOptions): ReadableStream<Uint8Array> {
  const { executor, state, signal, pollIntervalMs = 1000, stallTimeoutMs = 30_000, highWaterMarkBytes = 64 * 1024, now = Date.now } = options
  const encoder = new TextEncoder()
  let stopped = false
  let pending: Uint8Array | null = null
  let stalledSince: number | null = null
  let stop: (error?: Error) => void = () => {}

  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        state.openStreams++
        const write = (text: string, droppable: boolean): void => {
          if (stopped) return
          const chunk = encoder.encode(text)
          if ((controller.desiredSize ?? 0) > 0) {
            controller.enqueue(chunk)
            return
          }
          if (!droppable) pending = chunk
          stalledSince ??= now()
          if (now() - stalledSince >= stallTimeoutMs) stop(new Error(`the client read nothing for ${stallTimeoutMs} ms`))
        }
        const live = serverLiveSelect({
          executor,
          tables: ["todos"],
          pollIntervalMs,
          fetch: () => executor.all({ text: COUNTS_SQL, params: [] }),
          onChange: (rows, info) => {
            if (info.reason === "heartbeat") write(": heartbeat\n\n", true)
            else write(`event: counts\ndata: ${JSON.stringify({ reason: info.reason, version: info.rowVersion, rows })}\n\n`, false)
          },
          onError: (error) => write(`event: failure\ndata: ${JSON.stringify({ message: String(error) })}\n\n`, false),
        })
        stop = (error) => {
          if (stopped) return
          stopped = true
          pending = null
          state.openStreams--
          live.stop()
          signal?.removeEventListener("abort", onAbort)
          try {
            if (error === undefined) controller.close()
            else controller.error(error) // drops the queued chunks at once
          } catch {
            // already closed or cancelled
          }
        }
        const onAbort = (): void => stop()
        if (signal?.aborted === true) stop()
        else signal?.addEventListener("abort", onAbort)
        write(": connected\n\n", false)
      },
      pull(controller) {
        // The reader made room: it is alive.
        stalledSince = null
        if (pending !== null && !stopped) {
          controller.enqueue(pending)
          pending = null
        }
      },
      cancel() {
        stop()
      },
    },
    new ByteLengthQueuingStrategy({ highWaterMark: highWaterMarkBytes }),
  )
}
