/**
 * The `SyncCoordinator` Durable Object: one instance per room, holding that room's WebSockets
 * through the hibernation API.
 *
 * Requests (routed here by `routeToCoordinator`, or sent by `pokeCoordinator`):
 * - `GET` + `Upgrade: websocket` + `Authorization: Bearer <token>` + `?clientID=` — join. Token
 *   first (401 before any upgrade), then the upgrade header (426), then the clientID (400). A
 *   `?token=` query parameter is still accepted when no header is sent (compatibility; URLs
 *   reach logs, so the header is the documented way).
 * - `POST` + `Authorization: Bearer <token>` — poke every socket; answers `{ ok: true, sockets }`.
 *
 * State: identity and userInfo live in each socket's attachment (see `connection-manager.ts`);
 * rate-limit buckets and the presence timer live in memory and are allowed to reset when the
 * object hibernates. The class does not extend `DurableObject` from `cloudflare:workers` on
 * purpose: it needs no RPC, and staying free of that import keeps this module loadable in Node
 * (for `pokeCoordinator` users and tests). Presence is never written anywhere durable.
 */
import { constantTimeEqual } from "./constant-time-equal.js"
import { CoordinatorError } from "./coordinator-error.js"
import { createHibernatingConnectionManager, toPresenceEntries, type ConnectionManager } from "./connection-manager.js"
import {
  CLIENT_ID_PATTERN,
  HEARTBEAT_PING,
  HEARTBEAT_PONG,
  MAX_MESSAGE_BYTES,
  parseClientMessage,
  type ServerMessage,
} from "./protocol.js"
import { WS_OPEN, type CoordinatorEnv, type CoordinatorState, type HibernatableWebSocket } from "./runtime-types.js"
import { DEFAULT_RATE_LIMIT, TokenBucket, type TokenBucketOptions } from "./token-bucket.js"

/** Tunables of {@link SyncCoordinator}; override `options` in a subclass to change them. */
export interface SyncCoordinatorOptions {
  /** Largest accepted frame in UTF-8 bytes. */
  readonly maxMessageBytes: number
  /** Per-socket frame rate limit. */
  readonly rateLimit: TokenBucketOptions
  /**
   * Presence snapshots are coalesced: a change schedules one snapshot after
   * `min(presenceMaxDelayMs, presenceBaseDelayMs + sockets * presencePerSocketDelayMs)`.
   * A snapshot is O(n) and goes to n sockets, so n joins in a burst would cost O(n³) bytes
   * without this; small rooms still see changes within a few milliseconds.
   */
  readonly presenceBaseDelayMs: number
  readonly presencePerSocketDelayMs: number
  readonly presenceMaxDelayMs: number
}

/** The defaults: 64 KiB frames, 40-frame bursts at 20/s, presence within 5 ms + 1 ms per socket (≤ 1 s). */
export const DEFAULT_SYNC_COORDINATOR_OPTIONS: SyncCoordinatorOptions = {
  maxMessageBytes: MAX_MESSAGE_BYTES,
  rateLimit: DEFAULT_RATE_LIMIT,
  presenceBaseDelayMs: 5,
  presencePerSocketDelayMs: 1,
  presenceMaxDelayMs: 1000,
}

const POKE_FRAME = JSON.stringify({ type: "poke" } satisfies ServerMessage)

interface WebSocketPairLike {
  readonly 0: HibernatableWebSocket
  readonly 1: HibernatableWebSocket
}

/** The Workers-only globals we construct; looked up lazily so Node can import this module. */
interface WorkersGlobals {
  readonly WebSocketPair: new () => WebSocketPairLike
  readonly WebSocketRequestResponsePair?: new (request: string, response: string) => object
}

function workersGlobals(): WorkersGlobals {
  return globalThis as unknown as WorkersGlobals
}

/** `close()` throws on codes an endpoint may not send (1005, 1006, 1015, out of range). */
function sendableCloseCode(code: number): number {
  return code === 1000 || (code >= 3000 && code <= 4999) ? code : 1000
}

function bearerToken(request: Request): string | undefined {
  const header = request.headers.get("Authorization")
  const match = header === null ? null : /^Bearer\s+(.+)$/i.exec(header.trim())
  return match?.[1]
}

/**
 * The coordinator Durable Object. Export it from your Worker's entry module and bind it as a
 * SQLite-backed class (`new_sqlite_classes`).
 *
 * @example
 * export { SyncCoordinator } from "@plasma/coordinator"
 * export default {
 *   fetch: (req, env) => routeToCoordinator(req, env.COORDINATOR) ?? new Response("not found", { status: 404 }),
 * }
 */
export class SyncCoordinator {
  /** Limits and presence timing; a subclass may override this field. */
  protected readonly options: SyncCoordinatorOptions = DEFAULT_SYNC_COORDINATOR_OPTIONS
  protected readonly ctx: CoordinatorState
  protected readonly env: CoordinatorEnv
  protected readonly connections: ConnectionManager
  readonly #buckets = new WeakMap<HibernatableWebSocket, TokenBucket>()
  #presenceTimer: ReturnType<typeof setTimeout> | undefined

  constructor(ctx: CoordinatorState, env: CoordinatorEnv) {
    this.ctx = ctx
    this.env = env
    this.connections = createHibernatingConnectionManager(ctx)
    // Keepalive pings are answered by the runtime itself, so an idle room stays hibernated.
    const Pair = workersGlobals().WebSocketRequestResponsePair
    if (Pair !== undefined) ctx.setWebSocketAutoResponse(new Pair(HEARTBEAT_PING, HEARTBEAT_PONG))
  }

  /** Join (WebSocket upgrade) or poke (POST); see the module summary. */
  async fetch(request: Request): Promise<Response> {
    try {
      if (request.method === "POST") return this.#poke(request)
      if (request.method === "GET") return this.#join(request)
      throw new CoordinatorError("method-not-allowed", `${request.method} is not supported; use GET (connect) or POST (poke)`)
    } catch (error) {
      if (error instanceof CoordinatorError) return error.toResponse()
      throw error
    }
  }

  /** Hibernation API: one frame from a client. */
  webSocketMessage(ws: HibernatableWebSocket, message: string | ArrayBuffer): void {
    const connection = this.connections.get(ws)
    if (connection === undefined) {
      // Only a socket accepted by an incompatible older version could get here.
      ws.close(1008, "unknown connection")
      return
    }
    let bucket = this.#buckets.get(ws)
    if (bucket === undefined) {
      bucket = new TokenBucket(this.options.rateLimit)
      this.#buckets.set(ws, bucket)
    }
    if (!bucket.take()) {
      this.#send(ws, { type: "error", code: "rate-limited", message: "too many frames; this one was dropped" })
      return
    }
    const parsed = parseClientMessage(message, this.options.maxMessageBytes)
    if (!parsed.ok) {
      this.#send(ws, parsed.error)
      return
    }
    if (parsed.message.type === "presence") {
      this.connections.setUserInfo(ws, parsed.message.userInfo)
      this.#schedulePresence()
      return
    }
    const frame = JSON.stringify({ type: "broadcast", from: connection.clientID, data: parsed.message.data } satisfies ServerMessage)
    for (const other of this.connections.all()) {
      if (other.ws !== ws) this.#sendRaw(other.ws, frame)
    }
  }

  /** Hibernation API: a socket closed (cleanly or not). */
  webSocketClose(ws: HibernatableWebSocket, code: number, reason: string, _wasClean: boolean): void {
    this.connections.markDeparted(ws)
    // From compatibility date 2026-04-07 the runtime has already answered the close frame and
    // this is a no-op; before it, the close handshake is ours to finish.
    try {
      ws.close(sendableCloseCode(code), reason)
    } catch {
      // Already closed.
    }
    this.#schedulePresence()
  }

  /** Hibernation API: a socket failed; treat it as gone. */
  webSocketError(ws: HibernatableWebSocket, _error: unknown): void {
    this.connections.markDeparted(ws)
    try {
      ws.close(1011, "socket error")
    } catch {
      // Already closed.
    }
    this.#schedulePresence()
  }

  #authorized(token: string | undefined): void {
    const expected = this.env.PLASMA_COORDINATOR_TOKEN
    if (expected === undefined || expected === "") {
      // Fail closed: a missing secret must not mean "no auth".
      throw new CoordinatorError("not-configured", "the coordinator has no PLASMA_COORDINATOR_TOKEN secret")
    }
    if (token === undefined || token === "" || !constantTimeEqual(token, expected)) {
      throw new CoordinatorError("unauthorized", token ? "invalid coordinator token" : "missing coordinator token")
    }
  }

  #poke(request: Request): Response {
    // POST takes the token from the header only: query strings end up in access logs.
    this.#authorized(bearerToken(request))
    let sockets = 0
    // Pokes carry no identity, so skip reading 1,000 attachments on the hot path.
    for (const ws of this.connections.sockets()) {
      if (this.#sendRaw(ws, POKE_FRAME)) sockets++
    }
    return Response.json({ ok: true, sockets })
  }

  #join(request: Request): Response {
    const url = new URL(request.url)
    // The header is the way (query strings end up in access logs); `?token=` stays accepted for
    // clients written against the first protocol. A header, when present, wins.
    this.#authorized(bearerToken(request) ?? url.searchParams.get("token") ?? undefined)
    if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") {
      throw new CoordinatorError("upgrade-required", "expected a WebSocket upgrade (Upgrade: websocket)")
    }
    const clientID = url.searchParams.get("clientID") ?? ""
    if (!CLIENT_ID_PATTERN.test(clientID)) {
      throw new CoordinatorError("invalid-request", `invalid clientID ${JSON.stringify(clientID.slice(0, 140))}; expected ${CLIENT_ID_PATTERN.source}`)
    }
    const pair = new (workersGlobals().WebSocketPair)()
    this.connections.accept(pair[1], clientID, Date.now())
    this.#schedulePresence()
    return new Response(null, { status: 101, webSocket: pair[0] } as ResponseInit)
  }

  #schedulePresence(): void {
    if (this.#presenceTimer !== undefined) return
    const { presenceBaseDelayMs, presencePerSocketDelayMs, presenceMaxDelayMs } = this.options
    const sockets = this.ctx.getWebSockets().length
    const delay = Math.min(presenceMaxDelayMs, presenceBaseDelayMs + sockets * presencePerSocketDelayMs)
    this.#presenceTimer = setTimeout(() => {
      this.#presenceTimer = undefined
      this.#broadcastPresence()
    }, delay)
  }

  #broadcastPresence(): void {
    const connections = this.connections.all()
    const frame = JSON.stringify({ type: "presence", entries: toPresenceEntries(connections) } satisfies ServerMessage)
    for (const connection of connections) this.#sendRaw(connection.ws, frame)
  }

  #send(ws: HibernatableWebSocket, message: ServerMessage): void {
    this.#sendRaw(ws, JSON.stringify(message))
  }

  /** Sends unless the socket is closing; one dead socket must not stop a fan-out. */
  #sendRaw(ws: HibernatableWebSocket, frame: string): boolean {
    if (ws.readyState !== WS_OPEN) return false
    try {
      ws.send(frame)
      return true
    } catch {
      return false
    }
  }
}
