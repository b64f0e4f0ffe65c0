/**
 * `pokeCoordinator`: server code (cron, webhooks, the sync handler's `onPushed`) asks a room's
 * Durable Object to poke every socket in it.
 */
import { z } from "zod"
import { CoordinatorError } from "./coordinator-error.js"
import { DEFAULT_ROOM } from "./protocol.js"
import { toRoomName, toRoomObjectName } from "./room-object-name.js"
import { DEFAULT_COORDINATOR_PATH } from "./route-to-coordinator.js"
import type { CoordinatorNamespace } from "./runtime-types.js"

/** Options for {@link pokeCoordinator}. */
export interface PokeCoordinatorOptions {
  /** The room to poke; default `"global"`. Any name of 1–512 UTF-8 bytes (see `toRoomObjectName`). */
  readonly room?: string
  /** The shared secret, normally `env.PLASMA_COORDINATOR_TOKEN`. Required. */
  readonly token: string | undefined
}

/** What a poke reports. */
export interface PokeCoordinatorResult {
  /** How many sockets the poke was sent to. */
  readonly sockets: number
}

const pokeResponseSchema = z.object({ ok: z.literal(true), sockets: z.number().int().nonnegative() })

/**
 * Pokes every socket of a room so its clients pull now.
 *
 * The request, for anyone who sends it without this package: `namespace.get(namespace.idFromName(
 * await toRoomObjectName(room)))` then `fetch("https://coordinator.internal/sync/coordinator?room=" +
 * encodeURIComponent(room), { method: "POST", headers: { Authorization: "Bearer " + token } })`; the
 * object answers `200 { ok: true, sockets }` or a JSON error. It reads only the method and the header.
 *
 * @throws CoordinatorError `token-missing` when `token` is missing or empty (checked before any
 *   request), `invalid-request` for a bad room name, `poke-failed` when the Durable Object cannot
 *   be reached or refuses (its HTTP status is in `details.status`).
 * @example
 * await pokeCoordinator(env.COORDINATOR, { room: "global", token: env.PLASMA_COORDINATOR_TOKEN })
 */
export async function pokeCoordinator<Id>(
  namespace: CoordinatorNamespace<Id>,
  options: PokeCoordinatorOptions,
): Promise<PokeCoordinatorResult> {
  const { token } = options
  if (typeof token !== "string" || token === "") {
    throw new CoordinatorError("token-missing", "pokeCoordinator needs a token (pass env.PLASMA_COORDINATOR_TOKEN)")
  }
  const room = toRoomName(options.room ?? DEFAULT_ROOM)
  const objectName = await toRoomObjectName(room)
  // The host is never resolved: a stub routes by object, not by URL.
  const url = `https://coordinator.internal${DEFAULT_COORDINATOR_PATH}?room=${encodeURIComponent(room)}`
  let response: Response
  try {
    response = await namespace.get(namespace.idFromName(objectName)).fetch(url, {
      method: "POST",
      headers: { Authorization: `Bearer ${token}` },
    })
  } catch (cause) {
    throw new CoordinatorError("poke-failed", `could not reach the coordinator of room "${room}"`, { cause, details: { room } })
  }
  const body: unknown = await response.json().catch(() => undefined)
  if (!response.ok) {
    const code = typeof body === "object" && body !== null && "error" in body ? String(body.error) : undefined
    throw new CoordinatorError("poke-failed", `the coordinator of room "${room}" refused the poke with ${response.status}${code ? ` (${code})` : ""}`, {
      details: { room, status: response.status, ...(code === undefined ? {} : { reason: code }) },
    })
  }
  const parsed = pokeResponseSchema.safeParse(body)
  if (!parsed.success) {
    throw new CoordinatorError("poke-failed", `the coordinator of room "${room}" answered with an unexpected body`, {
      cause: parsed.error,
      details: { room, status: response.status },
    })
  }
  return { sockets: parsed.data.sockets }
}
