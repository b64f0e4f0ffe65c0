/**
 * The `SyncCoordinator` Durable Object: one instance per room, holding that room's WebSockets
 * through the hibernation API.
 *
 * Requests (routed here by `routeToCoordinator`, or sent by `pokeCoordinator`):
 * - `GET` + `Upgrade: websocket` + `Authorization: Bearer <token>` + `?clientID=` — join.
 *   `authorize` first (401 before any upgrade), then the upgrade header (426), then the clientID
 *   (400), then room capacity (503 `room-full`). A `?token=` query parameter is still accepted
 *   when no header is sent (compatibility; URLs reach logs, so the header is the documented way).
 * - `POST` + `Authorization: Bearer <token>` — poke every socket; answers `{ ok: true, sockets }`.
 *
 * `authorize(request, kind)` is the one place a request is let in; a subclass overrides it for
 * its own token check (another secret for pokes, per-user tokens for connects).
 *
 * State: identity and userInfo live in each socket's attachment (see `connection-manager.ts`);
 * rate-limit buckets, the room's broadcast budget and the presence timer live in memory and are
 * allowed to reset when the object hibernates. The class does not extend `DurableObject` from `cloudflare:workers` on
 * purpose: it needs no RPC, and staying free of that import keeps this module loadable in Node
 * (for `pokeCoordinator` users and tests). Presence is never written anywhere durable.
 */
import { CoordinatorError } from "./coordinator-error.js"
import { createHibernatingConnectionManager, type ConnectionManager } from "./connection-manager.js"
import { readCoordinatorToken, verifyCoordinatorToken, type CoordinatorRequestKind } from "./coordinator-token.js"
import { PresenceFanout } from "./presence-fanout.js"
import {
  CLIENT_ID_PATTERN,
  HEARTBEAT_PING,
  HEARTBEAT_PONG,
  MAX_MESSAGE_BYTES,
  parseClientMessage,
  utf8ByteLength,
  type ServerMessage,
} from "./protocol.js"
import {
  MAX_SOCKETS_PER_ROOM,
  PRESENCE_BYTES_PER_SECOND,
  PRESENCE_COALESCE_MS,
  PRESENCE_DIFF_MIN_BYTES,
  PRESENCE_MIN_INTERVAL_MS,
  ROOM_BROADCAST_BUDGET,
} from "./room-limits.js"
import { WS_OPEN, type CoordinatorEnv, type CoordinatorState, type HibernatableWebSocket } from "./runtime-types.js"
import { DEFAULT_RATE_LIMIT, TokenBucket, type TokenBucketOptions } from "./token-bucket.js"

/** Tunables of {@link SyncCoordinator}; override `options` in a subclass to change them. */
export interface SyncCoordinatorOptions {
  /** Largest accepted frame in UTF-8 bytes. */
  readonly maxMessageBytes: number
  /** Per-socket frame rate limit. */
  readonly rateLimit: TokenBucketOptions
  /** Most open sockets in the room; the next connect gets 503 `room-full`. */
  readonly maxSockets: number
  /** Room-wide broadcast budget in bytes sent (frame bytes × recipients), all senders together. */
  readonly broadcastBudget: TokenBucketOptions
  /** Delay of the first presence frame after a quiet spell, so a burst of changes is one frame. */
  readonly presenceCoalesceMs: number
  /** Shortest time between two presence fan-outs of the room. */
  readonly presenceMinIntervalMs: number
  /** Presence bytes the room may send per second; bigger fan-outs space the next one out. */
  readonly presenceBytesPerSecond: number
  /** Snapshots below this size are never replaced by diffs. */
  readonly presenceDiffMinBytes: number
}

/** The defaults; each value is a named constant of `room-limits.ts` or `protocol.ts`. */
export const DEFAULT_SYNC_COORDINATOR_OPTIONS: SyncCoordinatorOptions = {
  maxMessageBytes: MAX_MESSAGE_BYTES,
  rateLimit: DEFAULT_RATE_LIMIT,
  maxSockets: MAX_SOCKETS_PER_ROOM,
  broadcastBudget: ROOM_BROADCAST_BUDGET,
  presenceCoalesceMs: PRESENCE_COALESCE_MS,
  presenceMinIntervalMs: PRESENCE_MIN_INTERVAL_MS,
  presenceBytesPerSecond: PRESENCE_BYTES_PER_SECOND,
  presenceDiffMinBytes: PRESENCE_DIFF_MIN_BYTES,
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

/**
 * The coordinator Durable Object. Export it from your Worker's entry module and bind it as a
 * SQLite-backed class (`new_sqlite_classes`). `Env` types `this.env` for subclasses.
 *
 * @example
 * export { SyncCoordinator } from "@plasma/coordinator"
 * export default {
 *   fetch: (req, env) => routeToCoordinator(req, env.COORDINATOR) ?? new Response("not found", { status: 404 }),
 * }
 */
export class SyncCoordinator<Env extends CoordinatorEnv = CoordinatorEnv> {
  /** Limits and presence timing; a subclass may override this field. */
  protected readonly options: SyncCoordinatorOptions = DEFAULT_SYNC_COORDINATOR_OPTIONS
  protected readonly ctx: CoordinatorState
  protected readonly env: Env
  protected readonly connections: ConnectionManager
  readonly #buckets = new WeakMap<HibernatableWebSocket, TokenBucket>()
  // Created on first use: `options` of a subclass is only assigned after this constructor ran.
  #broadcastBudget: TokenBucket | undefined
  #presenceFanout: PresenceFanout | undefined

  constructor(ctx: CoordinatorState, env: Env) {
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
      if (request.method === "POST") return await this.#poke(request)
      if (request.method === "GET") return await this.#join(request)
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
      this.#presence.changed(connection.clientID)
      return
    }
    const frame = JSON.stringify({ type: "broadcast", from: connection.clientID, data: parsed.message.data } satisfies ServerMessage)
    const recipients = this.connections.sockets().filter((other) => other !== ws)
    this.#broadcastBudget ??= new TokenBucket(this.options.broadcastBudget)
    if (!this.#broadcastBudget.take(utf8ByteLength(frame) * recipients.length)) {
      this.#send(ws, { type: "error", code: "broadcast-budget-exceeded", message: "the room's broadcast budget is spent; this broadcast was dropped" })
      return
    }
    for (const other of recipients) this.#sendRaw(other, frame)
  }

  /**
   * Lets a request in or throws a `CoordinatorError` (401 `unauthorized`, 500 `not-configured`,
   * or any other code). Runs before anything else of a connect or poke. The default compares the
   * request's token (`readCoordinatorToken`) with `PLASMA_COORDINATOR_TOKEN` in constant time.
   *
   * @example
   * // The guide's POKE_TOKEN: pokes need their own secret, connects keep the default check.
   * class MyCoordinator extends SyncCoordinator<{ PLASMA_COORDINATOR_TOKEN?: string; POKE_TOKEN?: string }> {
   *   protected override authorize(request: Request, kind: CoordinatorRequestKind) {
   *     if (kind === "poke") return verifyCoordinatorToken(readCoordinatorToken(request, kind), this.env.POKE_TOKEN, "POKE_TOKEN")
   *     return super.authorize(request, kind)
   *   }
   * }
   */
  protected authorize(request: Request, kind: CoordinatorRequestKind): void | Promise<void> {
    verifyCoordinatorToken(readCoordinatorToken(request, kind), this.env.PLASMA_COORDINATOR_TOKEN)
  }

  /** Hibernation API: a socket closed (cleanly or not). */
  webSocketClose(ws: HibernatableWebSocket, code: number, reason: string, _wasClean: boolean): void {
    const departed = this.connections.get(ws)
    this.connections.markDeparted(ws)
    // From compatibility date 2026-04-07 the runtime has already answered the close frame and
    // this is a no-op; before it, the close handshake is ours to finish.
    try {
      ws.close(sendableCloseCode(code), reason)
    } catch {
      // Already closed.
    }
    if (departed !== undefined) this.#presence.changed(departed.clientID)
  }

  /** Hibernation API: a socket failed; treat it as gone. */
  webSocketError(ws: HibernatableWebSocket, _error: unknown): void {
    const departed = this.connections.get(ws)
    this.connections.markDeparted(ws)
    try {
      ws.close(1011, "socket error")
    } catch {
      // Already closed.
    }
    if (departed !== undefined) this.#presence.changed(departed.clientID)
  }

  get #presence(): PresenceFanout {
    this.#presenceFanout ??= new PresenceFanout(this.connections, this.options, (ws, frame) => this.#sendRaw(ws, frame))
    return this.#presenceFanout
  }

  async #poke(request: Request): Promise<Response> {
    await this.authorize(request, "poke")
    let sockets = 0
    // Pokes carry no identity, so skip reading 1,000 attachments on the hot path.
    for (const ws of this.connections.sockets()) {
      if (this.#sendRaw(ws, POKE_FRAME)) sockets++
    }
    return Response.json({ ok: true, sockets })
  }

  async #join(request: Request): Promise<Response> {
    await this.authorize(request, "connect")
    if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") {
      throw new CoordinatorError("upgrade-required", "expected a WebSocket upgrade (Upgrade: websocket)")
    }
    const clientID = new URL(request.url).searchParams.get("clientID") ?? ""
    if (!CLIENT_ID_PATTERN.test(clientID)) {
      throw new CoordinatorError("invalid-request", `invalid clientID ${JSON.stringify(clientID.slice(0, 140))}; expected ${CLIENT_ID_PATTERN.source}`)
    }
    const { maxSockets } = this.options
    if (this.connections.sockets().length >= maxSockets) {
      throw new CoordinatorError("room-full", `the room has its maximum of ${maxSockets} sockets; try again later`, { details: { maxSockets } })
    }
    const pair = new (workersGlobals().WebSocketPair)()
    this.connections.accept(pair[1], clientID, Date.now())
    this.#presence.joined(clientID)
    return new Response(null, { status: 101, webSocket: pair[0] } as ResponseInit)
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
