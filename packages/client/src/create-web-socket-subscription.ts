/**
 * Pokes from the coordinator (SPEC §11) as a `subscribe` function for `createPlasmaClient`.
 * Built on `connectCoordinator` from `@plasma/coordinator/client`: every (re)connect counts as a
 * poke, since pokes sent while the socket was down are lost.
 */
import { connectCoordinator, type JsonValue, type PresenceEntry, type WebSocketConstructor } from "@plasma/coordinator/client"

/** Options of {@link createWebSocketSubscription}. */
export interface WebSocketSubscriptionOptions {
  /** The coordinator endpoint, e.g. `wss://app.example.com/sync/coordinator` (http(s) URLs are converted). */
  readonly url: string
  /** The room; default `"global"`. */
  readonly room?: string
  /** The coordinator token (`?token=`). */
  readonly token?: string
  /** Shown to others in presence; default a random id. */
  readonly clientID?: string
  readonly userInfo?: JsonValue
  readonly onPresence?: (entries: PresenceEntry[]) => void
  /** Default 250. */
  readonly initialReconnectDelayMs?: number
  /** Default 30 000. */
  readonly maxReconnectDelayMs?: number
  /** Default `globalThis.WebSocket`; in Node 20 pass `WebSocket` from the `ws` package. */
  readonly WebSocketImpl?: WebSocketConstructor
}

/**
 * Creates a `subscribe` function that connects on subscribe and closes on unsubscribe.
 * @example
 * const plasma = createPlasmaClient({ …, subscribe: createWebSocketSubscription({ url: "/sync/coordinator", token }) })
 */
export function createWebSocketSubscription(options: WebSocketSubscriptionOptions): (onPoke: () => void) => () => void {
  return (onPoke) => {
    const base = typeof location === "object" && location !== null ? location.href : undefined
    const connection = connectCoordinator({
      url: base === undefined ? options.url : new URL(options.url, base).toString(),
      token: options.token ?? "",
      clientID: options.clientID ?? crypto.randomUUID(),
      onPoke,
      backoff: { initialMs: options.initialReconnectDelayMs ?? 250, maxMs: options.maxReconnectDelayMs ?? 30_000 },
      ...(options.room === undefined ? {} : { room: options.room }),
      ...(options.userInfo === undefined ? {} : { userInfo: options.userInfo }),
      ...(options.onPresence === undefined ? {} : { onPresence: options.onPresence }),
      ...(options.WebSocketImpl === undefined ? {} : { WebSocket: options.WebSocketImpl }),
    })
    return () => connection.close()
  }
}
