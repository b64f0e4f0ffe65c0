/**
 * The coordinator's WebSocket protocol, as validated data.
 *
 * Connecting: `GET /sync/coordinator?room=<room>&token=<token>&clientID=<clientID>` with
 * `Upgrade: websocket`. The token is checked before the upgrade (401 JSON otherwise); `room`
 * defaults to `"global"` and may be any string of 1–512 UTF-8 bytes (see `room-object-name.ts`);
 * clientIDs match {@link CLIENT_ID_PATTERN}. A full room (`maxSockets`) answers 503 `room-full`.
 *
 * Frames are UTF-8 JSON text, one message per frame, at most {@link MAX_MESSAGE_BYTES} bytes.
 *
 * Server → client
 * - `{ type: "poke" }` — something changed; the client pulls. It carries no data, so pokes may be
 *   coalesced or lost without harm: the pull is the source of truth.
 * - `{ type: "presence", entries: [{ clientID, userInfo }] }` — the full room: always the first
 *   presence frame a socket gets (soon after it joins), and later whenever a diff would not be
 *   smaller. Entries are sorted by clientID, one per clientID (the newest connection wins when a
 *   clientID has two sockets). A freshly joined client has `userInfo: null` until it sends a
 *   presence message.
 * - `{ type: "presence-diff", updated: [{ clientID, userInfo }], left: [clientID] }` — what
 *   changed since this socket's previous presence frame, sent instead of a snapshot once the room
 *   is big enough for that to pay (`presenceDiffMinBytes`). `updated` holds current values
 *   (joins and userInfo changes), `left` clientIDs that are gone; applying one twice is harmless.
 *   Changes are coalesced (the latest state wins) and fan-outs are paced: at most one per
 *   `presenceMinIntervalMs`, and a room sends at most `presenceBytesPerSecond` of presence bytes,
 *   so a big busy room gets later updates rather than n² bytes per second.
 * - `{ type: "broadcast", from, data }` — another client's broadcast, relayed as is.
 * - `{ type: "error", code, message }` — the frame the client just sent was dropped. The socket
 *   stays open and the room keeps working.
 *
 * Client → server
 * - `{ type: "presence", userInfo }` — replaces this connection's userInfo (JSON, at most
 *   {@link MAX_USER_INFO_BYTES} bytes; it lives in the socket's hibernation attachment).
 * - `{ type: "broadcast", data }` — relayed to every other socket in the room, not echoed back.
 *   The room has one byte budget for broadcasts (frame bytes × recipients, all senders together);
 *   a broadcast over it is dropped with `broadcast-budget-exceeded`.
 * - the bare text `ping` — answered `pong` by the runtime without waking the object (a keepalive
 *   for proxies and for the client's dead-connection check). It is not JSON on purpose.
 *
 * Failure handling: a frame that is too large, not JSON, binary, of an unknown `type`, or that
 * fails its schema is answered with an error frame and otherwise ignored. A socket over its
 * rate limit has further frames dropped the same way. Presence never touches the change log.
 */
import { z } from "zod"

/** Largest accepted frame, in UTF-8 bytes. */
export const MAX_MESSAGE_BYTES = 64 * 1024
/** Largest accepted `userInfo`, as JSON UTF-8 bytes; keeps the attachment under the 2 KiB cap. */
export const MAX_USER_INFO_BYTES = 1024
/**
 * Room names used as their own Durable Object name: 1–64 characters of letters, digits, `_ . : -`.
 * Other names are accepted too and hashed (see `toRoomObjectName`).
 */
export const ROOM_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/
/** ClientIDs: 1–128 characters of letters, digits, `_ . : @ -`. */
export const CLIENT_ID_PATTERN = /^[A-Za-z0-9_.:@-]{1,128}$/
/** The room used when none is given. */
export const DEFAULT_ROOM = "global"
/** Keepalive request text, answered by {@link HEARTBEAT_PONG} without waking the object. */
export const HEARTBEAT_PING = "ping"
/** Keepalive answer text. */
export const HEARTBEAT_PONG = "pong"

/** Any JSON value. */
export const jsonValueSchema = z.json()
/** Any JSON value (`userInfo`, broadcast `data`). */
export type JsonValue = z.infer<typeof jsonValueSchema>

/** Client → server: replace my userInfo. */
export const clientPresenceMessageSchema = z.object({ type: z.literal("presence"), userInfo: jsonValueSchema })
/** Client → server: relay `data` to the other sockets of the room. */
export const clientBroadcastMessageSchema = z.object({ type: z.literal("broadcast"), data: jsonValueSchema })
/** Every client → server message. */
export const clientMessageSchema = z.discriminatedUnion("type", [clientPresenceMessageSchema, clientBroadcastMessageSchema])
/** A client → server message. */
export type ClientMessage = z.infer<typeof clientMessageSchema>

/** One connected client as presence reports it. */
export const presenceEntrySchema = z.object({ clientID: z.string(), userInfo: jsonValueSchema })
/** One connected client as presence reports it. */
export type PresenceEntry = z.infer<typeof presenceEntrySchema>

/** Server → client: pull now. */
export const pokeMessageSchema = z.object({ type: z.literal("poke") })
/** Server → client: the whole room's presence. */
export const presenceMessageSchema = z.object({ type: z.literal("presence"), entries: z.array(presenceEntrySchema) })
/** Server → client: presence changes since this socket's previous presence frame. */
export const presenceDiffMessageSchema = z.object({
  type: z.literal("presence-diff"),
  updated: z.array(presenceEntrySchema),
  left: z.array(z.string()),
})
/** Server → client: another client's broadcast. */
export const broadcastMessageSchema = z.object({ type: z.literal("broadcast"), from: z.string(), data: jsonValueSchema })

/** Why a frame was dropped. */
export const frameErrorCodeSchema = z.enum([
  "message-too-large",
  "malformed-message",
  "unknown-message-type",
  "user-info-too-large",
  "rate-limited",
  "broadcast-budget-exceeded",
])
/** Why a frame was dropped. */
export type FrameErrorCode = z.infer<typeof frameErrorCodeSchema>
/** Server → client: the last frame was dropped. */
export const errorMessageSchema = z.object({ type: z.literal("error"), code: frameErrorCodeSchema, message: z.string() })

/** Every server → client message. */
export const serverMessageSchema = z.discriminatedUnion("type", [
  pokeMessageSchema,
  presenceMessageSchema,
  presenceDiffMessageSchema,
  broadcastMessageSchema,
  errorMessageSchema,
])
/** A server → client message. */
export type ServerMessage = z.infer<typeof serverMessageSchema>

/** The outcome of {@link parseClientMessage}: a message, or the error frame to answer with. */
export type ParseClientMessageResult =
  | { readonly ok: true; readonly message: ClientMessage }
  | { readonly ok: false; readonly error: Extract<ServerMessage, { type: "error" }> }

const encoder = new TextEncoder()

/** UTF-8 length of `text` in bytes. */
export function utf8ByteLength(text: string): number {
  return encoder.encode(text).length
}

function frameError(code: FrameErrorCode, message: string): ParseClientMessageResult {
  return { ok: false, error: { type: "error", code, message } }
}

/**
 * Validates one incoming frame. Pure: the Durable Object only decides what to do with the result.
 *
 * @example
 * const result = parseClientMessage(frame)
 * if (!result.ok) ws.send(JSON.stringify(result.error))
 */
export function parseClientMessage(frame: string | ArrayBuffer, maxBytes = MAX_MESSAGE_BYTES): ParseClientMessageResult {
  // A UTF-16 string is never shorter in UTF-8 than in code units, so `length > maxBytes` settles
  // most oversized frames before we spend anything encoding them.
  const size = typeof frame === "string" ? (frame.length > maxBytes ? frame.length : utf8ByteLength(frame)) : frame.byteLength
  if (size > maxBytes) return frameError("message-too-large", `frame is ${size} bytes; the limit is ${maxBytes}`)
  if (typeof frame !== "string") return frameError("malformed-message", "binary frames are not supported; send JSON text")
  let json: unknown
  try {
    json = JSON.parse(frame)
  } catch {
    return frameError("malformed-message", "frame is not valid JSON")
  }
  const type = typeof json === "object" && json !== null && !Array.isArray(json) ? (json as { type?: unknown }).type : undefined
  if (typeof type !== "string") return frameError("malformed-message", 'expected a JSON object with a string "type"')
  if (type !== "presence" && type !== "broadcast") {
    return frameError("unknown-message-type", `unknown message type ${JSON.stringify(type.slice(0, 64))}; expected "presence" or "broadcast"`)
  }
  const parsed = clientMessageSchema.safeParse(json)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const where = issue === undefined || issue.path.length === 0 ? "" : ` at ${issue.path.join(".")}`
    return frameError("malformed-message", `invalid ${type} message${where}: ${issue?.message ?? "schema mismatch"}`)
  }
  if (parsed.data.type === "presence") {
    const bytes = utf8ByteLength(JSON.stringify(parsed.data.userInfo))
    if (bytes > MAX_USER_INFO_BYTES) {
      return frameError("user-info-too-large", `userInfo is ${bytes} bytes as JSON; the limit is ${MAX_USER_INFO_BYTES}`)
    }
  }
  return { ok: true, message: parsed.data }
}
