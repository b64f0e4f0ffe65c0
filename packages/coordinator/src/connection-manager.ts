/**
 * Who is connected, kept where hibernation cannot lose it.
 *
 * Invariant: every fact about a connection lives in its socket's attachment
 * (`ws.serializeAttachment`), which the runtime keeps while the object is evicted. Nothing here
 * caches in memory, so a freshly constructed object answers `all()` exactly as the evicted one
 * would have: there is no "rebuild" step that could be forgotten. The cost is one
 * `deserializeAttachment` per socket per question, which is cheap next to the sends that follow.
 */
import { z } from "zod"
import { jsonValueSchema, type JsonValue, type PresenceEntry } from "./protocol.js"
import { WS_OPEN, type CoordinatorState, type HibernatableWebSocket } from "./runtime-types.js"

/** What a socket's attachment holds. Versioned so a future shape can tell old sockets apart. */
export const connectionAttachmentSchema = z.object({
  v: z.literal(1),
  clientID: z.string(),
  userInfo: jsonValueSchema,
  /** Join time in ms; the newest socket wins when one clientID has several. */
  joinedAt: z.number(),
})
/** What a socket's attachment holds. */
export type ConnectionAttachment = z.infer<typeof connectionAttachmentSchema>

/** One open connection: its socket and the identity stored with it. */
export interface Connection extends ConnectionAttachment {
  readonly ws: HibernatableWebSocket
}

/** The connection registry the coordinator talks to (PartyKit's `ConnectionManager` idea). */
export interface ConnectionManager {
  /** Accepts `ws` for hibernation and stores its identity with it. */
  accept(ws: HibernatableWebSocket, clientID: string, joinedAt: number): Connection
  /** The connection of `ws`, or undefined when it carries no valid attachment. */
  get(ws: HibernatableWebSocket): Connection | undefined
  /** Replaces the userInfo of `ws`; undefined when `ws` is unknown. */
  setUserInfo(ws: HibernatableWebSocket, userInfo: JsonValue): Connection | undefined
  /** Every open connection, minus sockets that are known to be leaving. */
  all(): Connection[]
  /** The same sockets as `all()` without reading attachments: for fan-outs that need no identity. */
  sockets(): HibernatableWebSocket[]
  /** Marks `ws` as gone: it may still be listed by the runtime while its close completes. */
  markDeparted(ws: HibernatableWebSocket): void
}

/**
 * The room's presence from its connections: one entry per clientID (newest join wins), sorted by
 * clientID so every socket sees the same order. Pure.
 */
export function toPresenceEntries(connections: readonly ConnectionAttachment[]): PresenceEntry[] {
  const newest = new Map<string, ConnectionAttachment>()
  for (const connection of connections) {
    const seen = newest.get(connection.clientID)
    // `>=`: on a tie the later-listed (later-accepted) socket wins.
    if (seen === undefined || connection.joinedAt >= seen.joinedAt) newest.set(connection.clientID, connection)
  }
  return [...newest.values()]
    .sort((a, b) => (a.clientID < b.clientID ? -1 : a.clientID > b.clientID ? 1 : 0))
    .map(({ clientID, userInfo }) => ({ clientID, userInfo }))
}

/**
 * The hibernation-safe {@link ConnectionManager} over a Durable Object's state.
 *
 * @example
 * const connections = createHibernatingConnectionManager(ctx)
 * connections.accept(server, clientID, Date.now())
 */
export function createHibernatingConnectionManager(state: CoordinatorState): ConnectionManager {
  // Sockets whose close/error handler already ran. Weak, and per instance: after hibernation the
  // runtime no longer lists closed sockets, so nothing needs to survive.
  const departed = new WeakSet<HibernatableWebSocket>()

  const read = (ws: HibernatableWebSocket): Connection | undefined => {
    const parsed = connectionAttachmentSchema.safeParse(ws.deserializeAttachment())
    return parsed.success ? { ...parsed.data, ws } : undefined
  }

  const write = (ws: HibernatableWebSocket, attachment: ConnectionAttachment): Connection => {
    ws.serializeAttachment(attachment)
    return { ...attachment, ws }
  }

  return {
    accept(ws, clientID, joinedAt) {
      state.acceptWebSocket(ws)
      return write(ws, { v: 1, clientID, userInfo: null, joinedAt })
    },
    get: read,
    setUserInfo(ws, userInfo) {
      const current = read(ws)
      if (current === undefined) return undefined
      return write(ws, { v: 1, clientID: current.clientID, userInfo, joinedAt: current.joinedAt })
    },
    all() {
      const connections: Connection[] = []
      for (const ws of state.getWebSockets()) {
        if (ws.readyState !== WS_OPEN || departed.has(ws)) continue
        const connection = read(ws)
        if (connection !== undefined) connections.push(connection)
      }
      return connections
    },
    sockets() {
      return state.getWebSockets().filter((ws) => ws.readyState === WS_OPEN && !departed.has(ws))
    },
    markDeparted(ws) {
      departed.add(ws)
    },
  }
}
