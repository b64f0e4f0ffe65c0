/**
 * Room names and the Durable Object names they map to.
 *
 * Rules (every caller of `idFromName` goes through {@link toRoomObjectName}: `routeToCoordinator`,
 * `pokeCoordinator`, and any copy such as the sync handler's `poke` option):
 * 1. A room is any well-formed string of 1 to {@link MAX_ROOM_BYTES} UTF-8 bytes, so
 *    `` `group-${clientGroupID}` `` works whatever the clientGroupID looks like.
 * 2. A room that matches {@link ROOM_PATTERN} (at most 64 characters of `[A-Za-z0-9_.:-]`) is its
 *    own object name, so rooms named before this rule keep their objects.
 * 3. Any other room is named `"sha256:" + lowercase hex SHA-256 of its UTF-8 bytes` (71 characters).
 *    That form is longer than 64 characters, so it can never equal a rule-2 name: two different
 *    rooms never share an object (short of a SHA-256 collision).
 *
 * The client sends the room as it is (`?room=`, URL-encoded); only the Worker side maps it.
 */
import { CoordinatorError } from "./coordinator-error.js"
import { DEFAULT_ROOM, ROOM_PATTERN, utf8ByteLength } from "./protocol.js"

/** Longest accepted room name, in UTF-8 bytes (a long clientGroupID plus a prefix fits easily). */
export const MAX_ROOM_BYTES = 512
/** Prefix of the object name of a room that is not used as is (rule 3). */
export const HASHED_ROOM_PREFIX = "sha256:"

// An unpaired surrogate would be replaced by U+FFFD when encoded, so two different strings would
// share an object; such a string cannot come from a URL anyway.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/**
 * Reads and checks a room name (`?room=`, default `"global"`), returning it unchanged.
 *
 * @throws CoordinatorError `invalid-request` when the name is empty, longer than
 *   {@link MAX_ROOM_BYTES} UTF-8 bytes, or has an unpaired surrogate.
 * @example
 * toRoomName(url.searchParams.get("room")) // "global" when absent
 */
export function toRoomName(room: string | null | undefined): string {
  const name = room ?? DEFAULT_ROOM
  const problem =
    name === ""
      ? "is empty"
      : name.length > MAX_ROOM_BYTES || utf8ByteLength(name) > MAX_ROOM_BYTES
        ? `is longer than ${MAX_ROOM_BYTES} UTF-8 bytes`
        : LONE_SURROGATE.test(name)
          ? "has an unpaired surrogate"
          : undefined
  if (problem !== undefined) {
    throw new CoordinatorError("invalid-request", `invalid room ${JSON.stringify(name.slice(0, 80))}: it ${problem}`, {
      details: { room: name.slice(0, 80) },
    })
  }
  return name
}

interface SubtleDigest {
  digest(algorithm: "SHA-256", data: Uint8Array): Promise<ArrayBuffer>
}

/**
 * The name to pass to `idFromName` for `room` (see the module rules). Uses Web Crypto, which
 * Workers, browsers and Node 20 all have.
 *
 * @throws CoordinatorError `invalid-request` for a name {@link toRoomName} refuses.
 * @example
 * const id = env.COORDINATOR.idFromName(await toRoomObjectName(`group-${clientGroupID}`))
 */
export async function toRoomObjectName(room: string | null | undefined): Promise<string> {
  const name = toRoomName(room)
  if (ROOM_PATTERN.test(name)) return name
  const subtle = (globalThis as unknown as { crypto: { subtle: SubtleDigest } }).crypto.subtle
  const digest = new Uint8Array(await subtle.digest("SHA-256", new TextEncoder().encode(name)))
  let hex = ""
  for (const byte of digest) hex += byte.toString(16).padStart(2, "0")
  return HASHED_ROOM_PREFIX + hex
}
