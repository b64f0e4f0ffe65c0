/**
 * The client side of the coordinator: one WebSocket to a room that calls `onPoke`, reports
 * presence and reconnects by itself.
 *
 * Lifecycle: connect → (open: re-send the last userInfo, start the heartbeat) → on an unexpected
 * close or a missed heartbeat, wait `backoffDelay(attempt)` and connect again. The attempt counter
 * resets when the server has sent a message on the new socket (the join's presence snapshot), not
 * at `open`, so a server that accepts and immediately drops still backs off. `close()` is final:
 * it clears every timer and no reconnect follows. Browser-safe: no `node:` imports; Node passes
 * the `ws` package as `WebSocket`.
 *
 * The token travels in an `Authorization: Bearer` header (URLs reach access logs), passed as the
 * constructor's second argument `{ headers }`, which `ws`, undici and Deno accept. Browsers cannot
 * set headers on a WebSocket: there, leave `token` unset and let your Worker authorise the connect
 * (it adds the header when it forwards to the room; see the todo example), or opt into
 * `tokenTransport: "query"` knowing the token then lands in URLs.
 */
import { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from "./backoff.js"
import { CoordinatorError } from "./coordinator-error.js"
import { applyPresenceDiff } from "./presence-diff.js"
import { DEFAULT_ROOM, HEARTBEAT_PING, HEARTBEAT_PONG, serverMessageSchema, type JsonValue, type PresenceEntry } from "./protocol.js"

/**
 * The subset of a WebSocket the helper uses; the browser's `WebSocket` and the `ws` package both
 * fit. Handler parameters are `never` so that any concrete event type is accepted.
 */
export interface WebSocketLike {
  readonly readyState: number
  send(data: string): void
  close(code?: number, reason?: string): void
  onopen: ((event: never) => void) | null
  onmessage: ((event: never) => void) | null
  onclose: ((event: never) => void) | null
  onerror: ((event: never) => void) | null
}

/**
 * A WebSocket constructor such as `globalThis.WebSocket` or `import { WebSocket } from "ws"`. With
 * a token in header mode it is called as `new WebSocket(url, { headers })`.
 */
export type WebSocketConstructor = new (url: string) => WebSocketLike

/** How {@link connectCoordinator} sends the token: `header` (default) or `query` (`?token=`, legacy). */
export type TokenTransport = "header" | "query"

type WebSocketWithHeaders = new (url: string, options: { readonly headers: Readonly<Record<string, string>> }) => WebSocketLike

/** Options for {@link connectCoordinator}. */
export interface ConnectCoordinatorOptions {
  /** The coordinator endpoint, e.g. `wss://app.example.com/sync/coordinator` (http(s) is converted). */
  readonly url: string
  /** The room to join; default `"global"`. */
  readonly room?: string
  /**
   * The coordinator token. Sent as `Authorization: Bearer <token>` on the upgrade (see
   * `tokenTransport`). Omit it in browsers, where a Worker route authorises the connect instead.
   */
  readonly token?: string
  /**
   * `header` (default): the token goes in the upgrade's `Authorization` header, which needs a
   * WebSocket implementation that takes `{ headers }` (`ws`, undici, Deno; not browsers).
   * `query`: the token goes in the URL as `?token=`; kept for compatibility, avoid it (URLs are logged).
   */
  readonly tokenTransport?: TokenTransport
  /** This client's id; shown to the others in presence. */
  readonly clientID: string
  /** Initial userInfo; sent after every (re)connect until replaced by `updatePresence`. */
  readonly userInfo?: JsonValue
  /** WebSocket implementation; default `globalThis.WebSocket`. */
  readonly WebSocket?: WebSocketConstructor
  /** Called for every poke: pull now. */
  readonly onPoke: () => void
  /**
   * Called with the whole room (sorted by clientID) after every presence change. The server's
   * diffs (`presence-diff`) are applied here, so this always gets the full list.
   */
  readonly onPresence?: (entries: PresenceEntry[]) => void
  /** Called when another client broadcasts. */
  readonly onBroadcast?: (from: string, data: JsonValue) => void
  /** Called for rejected frames, socket errors and invalid server messages. Never throws into the socket. */
  readonly onError?: (error: CoordinatorError) => void
  /** Reconnect delay bounds; default `{ initialMs: 250, maxMs: 30_000 }`. */
  readonly backoff?: BackoffOptions
  /** Keepalive interval; a socket silent for two intervals is replaced. 0 disables. Default 25 s. */
  readonly heartbeatMs?: number
  /** Random source for jitter (tests). */
  readonly random?: () => number
}

/** A live coordinator subscription. */
export interface CoordinatorConnection {
  /** Replaces this client's userInfo; kept and re-sent after reconnects. */
  updatePresence(userInfo: JsonValue): void
  /** Relays `data` to the room's other clients. Returns false (and drops it) while disconnected. */
  broadcast(data: JsonValue): boolean
  /** Whether a socket is open right now. */
  readonly connected: boolean
  /** Closes the socket for good: no reconnect, no timers left. Idempotent. */
  close(): void
}

const OPEN = 1

/**
 * Builds the join URL: ws(s) scheme plus `room` and `clientID` query parameters, and `token` only
 * with `tokenTransport: "query"` (by default the token goes in a header, never in the URL).
 */
export function toCoordinatorUrl(options: Pick<ConnectCoordinatorOptions, "url" | "room" | "token" | "clientID" | "tokenTransport">): string {
  const url = new URL(options.url)
  if (url.protocol === "http:") url.protocol = "ws:"
  else if (url.protocol === "https:") url.protocol = "wss:"
  url.searchParams.set("room", options.room ?? DEFAULT_ROOM)
  if (options.tokenTransport === "query" && options.token !== undefined) url.searchParams.set("token", options.token)
  url.searchParams.set("clientID", options.clientID)
  return url.toString()
}

/**
 * Connects to a coordinator room and keeps the connection alive.
 *
 * @example
 * const coordinator = connectCoordinator({
 *   url: "wss://app.example.com/sync/coordinator",
 *   room: "global",
 *   token,
 *   clientID,
 *   userInfo: { name: "Ada" },
 *   onPoke: () => void replicache.pull(),
 *   onPresence: (entries) => render(entries),
 * })
 * coordinator.updatePresence({ name: "Ada", cursor: 12 })
 * coordinator.close()
 */
export function connectCoordinator(options: ConnectCoordinatorOptions): CoordinatorConnection {
  const Socket = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket
  if (Socket === undefined) {
    throw new TypeError("connectCoordinator: no global WebSocket; pass one, e.g. `WebSocket` from the ws package")
  }
  const url = toCoordinatorUrl(options)
  const token = options.token
  const headerToken = token !== undefined && token !== "" && (options.tokenTransport ?? "header") === "header"
  const open = (): WebSocketLike =>
    headerToken ? new (Socket as unknown as WebSocketWithHeaders)(url, { headers: { Authorization: `Bearer ${token}` } }) : new Socket(url)
  const backoff = options.backoff ?? DEFAULT_BACKOFF
  const heartbeatMs = options.heartbeatMs ?? 25_000
  const random = options.random ?? Math.random

  let userInfo: JsonValue | undefined = options.userInfo
  let socket: WebSocketLike | undefined
  let closed = false
  let attempt = 0
  let reconnectTimer: ReturnType<typeof setTimeout> | undefined
  let heartbeatTimer: ReturnType<typeof setInterval> | undefined
  let lastHeardAt = 0

  const report = (error: CoordinatorError): void => {
    try {
      options.onError?.(error)
    } catch {
      // A throwing callback must not break the connection loop.
    }
  }

  const call = (fn: () => void): void => {
    try {
      fn()
    } catch (cause) {
      report(new CoordinatorError("invalid-server-message", "a coordinator callback threw", { cause }))
    }
  }

  const stopHeartbeat = (): void => {
    if (heartbeatTimer !== undefined) clearInterval(heartbeatTimer)
    heartbeatTimer = undefined
  }

  const scheduleReconnect = (): void => {
    if (closed) return
    const delay = backoffDelay(attempt++, backoff, random)
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined
      connect()
    }, delay)
  }

  /** Forgets `current` and, unless closed, schedules the next attempt. */
  const disconnected = (current: WebSocketLike): void => {
    if (socket !== current) return
    socket = undefined
    stopHeartbeat()
    scheduleReconnect()
  }

  const send = (current: WebSocketLike, frame: string): boolean => {
    if (current.readyState !== OPEN) return false
    try {
      current.send(frame)
      return true
    } catch {
      return false
    }
  }

  const handleFrame = (data: unknown, state: { presence: PresenceEntry[] | undefined }): void => {
    if (data === HEARTBEAT_PONG) return
    let json: unknown
    try {
      json = JSON.parse(typeof data === "string" ? data : String(data))
    } catch {
      json = undefined
    }
    const parsed = serverMessageSchema.safeParse(json)
    if (!parsed.success) {
      report(new CoordinatorError("invalid-server-message", "the coordinator sent a frame that is not a valid server message", { cause: parsed.error }))
      return
    }
    const message = parsed.data
    switch (message.type) {
      case "poke":
        call(options.onPoke)
        return
      case "presence": {
        const entries = message.entries
        state.presence = entries
        if (options.onPresence) call(() => options.onPresence?.(entries))
        return
      }
      case "presence-diff": {
        if (state.presence === undefined) {
          report(new CoordinatorError("invalid-server-message", "the coordinator sent a presence diff before any presence snapshot"))
          return
        }
        const entries = applyPresenceDiff(state.presence, message)
        state.presence = entries
        if (options.onPresence) call(() => options.onPresence?.(entries))
        return
      }
      case "broadcast":
        if (options.onBroadcast) call(() => options.onBroadcast?.(message.from, message.data))
        return
      case "error":
        report(new CoordinatorError("frame-rejected", message.message, { details: { frameCode: message.code } }))
        return
    }
  }

  const connect = (): void => {
    let current: WebSocketLike
    try {
      current = open()
    } catch (cause) {
      if (headerToken && cause instanceof Error && cause.name === "SyntaxError") {
        // A browser WebSocket reads `{ headers }` as a sub-protocol and refuses it; it always will.
        closed = true
        report(
          new CoordinatorError(
            "socket-error",
            "this WebSocket implementation cannot send headers (browsers cannot): leave `token` unset and authorise the connect in your Worker, or pass tokenTransport: \"query\"",
            { cause },
          ),
        )
        return
      }
      // A constructor throw (bad URL, blocked port) is retried like a failed connection.
      report(new CoordinatorError("socket-error", "could not open the coordinator socket", { cause }))
      scheduleReconnect()
      return
    }
    socket = current
    let heardOnThisSocket = false
    // The room as this socket last heard it; a diff only applies on top of a snapshot.
    const state: { presence: PresenceEntry[] | undefined } = { presence: undefined }
    current.onopen = () => {
      if (socket !== current) return
      lastHeardAt = Date.now()
      if (userInfo !== undefined) send(current, JSON.stringify({ type: "presence", userInfo }))
      // Pokes sent while the socket was down are lost: treat every (re)connect as a poke so the
      // client pulls once and catches up.
      call(options.onPoke)
      if (heartbeatMs > 0) {
        heartbeatTimer = setInterval(() => {
          if (Date.now() - lastHeardAt > 2 * heartbeatMs) {
            // Silent for two intervals: likely a dead TCP path that will never deliver a close.
            current.onclose = null
            try {
              current.close(4000, "heartbeat timeout")
            } catch {
              // Nothing to close.
            }
            disconnected(current)
            return
          }
          send(current, HEARTBEAT_PING)
        }, heartbeatMs)
      }
    }
    current.onmessage = (event: { data: unknown }) => {
      if (socket !== current) return
      lastHeardAt = Date.now()
      if (!heardOnThisSocket) {
        heardOnThisSocket = true
        attempt = 0
      }
      handleFrame(event.data, state)
    }
    current.onerror = () => {
      if (socket !== current) return
      report(new CoordinatorError("socket-error", "the coordinator socket reported an error"))
    }
    current.onclose = () => disconnected(current)
  }

  connect()

  return {
    updatePresence(next) {
      userInfo = next
      if (socket !== undefined) send(socket, JSON.stringify({ type: "presence", userInfo: next }))
    },
    broadcast(data) {
      return socket !== undefined && send(socket, JSON.stringify({ type: "broadcast", data }))
    },
    get connected() {
      return socket !== undefined && socket.readyState === OPEN
    },
    close() {
      if (closed) return
      closed = true
      if (reconnectTimer !== undefined) clearTimeout(reconnectTimer)
      reconnectTimer = undefined
      stopHeartbeat()
      const current = socket
      socket = undefined
      if (current !== undefined && current.readyState <= OPEN) {
        try {
          current.close(1000, "client closed")
        } catch {
          // Already closing.
        }
      }
    },
  }
}
