/**
 * The subset of the Workers runtime that the coordinator touches, typed structurally.
 *
 * Why not `@cloudflare/workers-types` directly: its globals clash with `@types/node` and with the
 * DOM lib, so a public signature that named them would force every consumer's tsconfig to load
 * them. These interfaces describe only what we call; the real runtime objects satisfy them (see
 * `runtime-types.test-d.ts`, which checks that at compile time).
 */

/** A server-side WebSocket as the Durable Object sees it (hibernation API extensions included). */
export interface HibernatableWebSocket {
  send(message: string): void
  close(code?: number, reason?: string): void
  /** Keeps a structured-clonable copy that survives hibernation (runtime limit: 2,048 bytes). */
  serializeAttachment(attachment: unknown): void
  deserializeAttachment(): unknown
  readonly readyState: number
}

/** The part of `DurableObjectState` used by {@link SyncCoordinator}. */
export interface CoordinatorState {
  acceptWebSocket(ws: HibernatableWebSocket, tags?: string[]): void
  getWebSockets(tag?: string): readonly HibernatableWebSocket[]
  /** Takes a runtime `WebSocketRequestResponsePair`; only ever constructed from the global. */
  setWebSocketAutoResponse(pair?: object): void
}

/**
 * A `DurableObjectStub`-like object: something that answers `fetch`. `pokeCoordinator` calls it
 * with a URL string and an init (not a `Request`), so a stub whose `Request` class differs from
 * the caller's (Miniflare's Node-side proxy, for one) still works.
 */
export interface CoordinatorStub {
  fetch(input: Request | string, init?: RequestInit): Promise<Response>
}

/**
 * A `DurableObjectNamespace`-like binding (`env.COORDINATOR`). The id type is left generic so
 * the real namespace, whose ids are `DurableObjectId`, fits without casts.
 */
export interface CoordinatorNamespace<Id = unknown> {
  idFromName(name: string): Id
  get(id: Id): CoordinatorStub
}

/** The environment the Durable Object reads: only the shared secret. */
export interface CoordinatorEnv {
  readonly PLASMA_COORDINATOR_TOKEN?: string | undefined
}

/** `WebSocket.OPEN`; spelled out because Workers and Node expose the constant differently. */
export const WS_OPEN = 1
