/**
 * `usePresence`: who else is in a coordinator room, over `connectCoordinator` from
 * `@plasma/coordinator/client`.
 *
 * One socket per mounted hook, opened on mount and closed on unmount or when `url`, `room`,
 * `token` or `clientID` change; a change of `userInfo` (compared as JSON) is sent on the open
 * socket instead. In a browser leave `token` unset: the Worker route authorises the connect and
 * adds the token itself (browsers cannot send headers on a WebSocket, and URLs end up in logs).
 */
import { connectCoordinator, type CoordinatorConnection, type JsonValue, type PresenceEntry, type WebSocketConstructor } from "@plasma/coordinator/client"
import { useEffect, useMemo, useRef, useState } from "react"
import { usePlasma } from "./plasma-provider.js"

/** Options of {@link usePresence}. */
export interface UsePresenceOptions {
  /** The coordinator endpoint; relative URLs resolve against the page (`"/sync/coordinator?user=…"`). */
  readonly url: string
  /** The room; default `"global"`. */
  readonly room?: string
  /** Server-side clients only (sent as a header); browsers leave it unset. */
  readonly token?: string
  /** Shown to the others. */
  readonly userInfo?: JsonValue
  /** This socket's id in the room; default the client's `clientID`. */
  readonly clientID?: string
  /**
   * Pull when the room is poked (and on every reconnect). Set it when the client has no
   * `subscribe` of its own, so one socket per tab serves both presence and pokes. Default false.
   */
  readonly pullOnPoke?: boolean
  /** WebSocket implementation; default `globalThis.WebSocket` (tests in Node pass `ws`). */
  readonly WebSocket?: WebSocketConstructor
}

/** What {@link usePresence} returns. */
export interface UsePresenceResult {
  /** Everyone in the room, this socket included, as the coordinator last reported. */
  readonly all: readonly PresenceEntry[]
  /** Everyone but this socket. */
  readonly peers: readonly PresenceEntry[]
  /** This socket's entry, once the coordinator reported it. */
  readonly me: PresenceEntry | undefined
  /** No presence report has arrived on the current socket yet. */
  readonly connecting: boolean
  /** The last socket or protocol error (the hook keeps reconnecting with backoff). */
  readonly error: Error | null
}

interface PresenceState {
  readonly all: readonly PresenceEntry[]
  readonly connecting: boolean
  readonly error: Error | null
}

const EMPTY: readonly PresenceEntry[] = Object.freeze([])

/**
 * The room's presence, live.
 *
 * @example
 * const { peers, connecting } = usePresence({ url: `/sync/coordinator?user=${user}`, room: `user-${user}`, userInfo: { tab: label } })
 * return <p>{connecting ? "connecting…" : `${peers.length} other tab(s)`}</p>
 */
export function usePresence(options: UsePresenceOptions): UsePresenceResult {
  const plasma = usePlasma()
  const { url, room, token, pullOnPoke = false, WebSocket } = options
  const clientID = options.clientID ?? plasma.clientID
  const userInfoJson = options.userInfo === undefined ? undefined : JSON.stringify(options.userInfo)
  const [state, setState] = useState<PresenceState>({ all: EMPTY, connecting: true, error: null })
  const connection = useRef<CoordinatorConnection | null>(null)
  const userInfo = useRef(options.userInfo)
  userInfo.current = options.userInfo

  useEffect(() => {
    setState({ all: EMPTY, connecting: true, error: null })
    const base = typeof location === "object" && location !== null ? location.href : undefined
    const opened = connectCoordinator({
      url: base === undefined ? url : new URL(url, base).toString(),
      clientID,
      ...(token === undefined ? {} : { token }),
      ...(room === undefined ? {} : { room }),
      ...(userInfo.current === undefined ? {} : { userInfo: userInfo.current }),
      ...(WebSocket === undefined ? {} : { WebSocket }),
      onPoke: () => {
        if (pullOnPoke) plasma.pullOnce().catch(() => {}) // failures reach the client's onError and status
      },
      onPresence: (entries) => setState({ all: Object.freeze(entries), connecting: false, error: null }),
      onError: (error) => setState((s) => ({ ...s, error })),
    })
    connection.current = opened
    return () => {
      connection.current = null
      opened.close()
    }
  }, [plasma, url, room, token, clientID, pullOnPoke, WebSocket])

  useEffect(() => {
    if (userInfo.current !== undefined) connection.current?.updatePresence(userInfo.current)
  }, [userInfoJson])

  return useMemo(() => {
    const me = state.all.find((entry) => entry.clientID === clientID)
    const peers = state.all.filter((entry) => entry.clientID !== clientID)
    return { all: state.all, peers, me, connecting: state.connecting, error: state.error }
  }, [state, clientID])
}
