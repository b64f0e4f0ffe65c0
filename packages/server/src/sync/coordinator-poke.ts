/**
 * The sync handler's own poke (SPEC §9, the guide's "plasma pokes automatically after a
 * successful push"): with `createSyncHandler({ poke: { namespace, token, room? } })`, every push
 * that changed something asks the room's `SyncCoordinator` Durable Object to poke its sockets, so
 * other tabs pull now instead of at their next poll.
 *
 * The server does not depend on `@plasma/coordinator`: it sends exactly the request
 * `pokeCoordinator` sends (documented there), to the object `toRoomObjectName` names:
 * - a room matching `[A-Za-z0-9_.:-]{1,64}` is its own object name; any other room (up to 512
 *   UTF-8 bytes, no unpaired surrogate) is `"sha256:" + hex SHA-256 of its UTF-8 bytes`, so
 *   `` `group-${clientGroupID}` `` works for every clientGroupID;
 * - `POST https://coordinator.internal/sync/coordinator?room=<room>` with
 *   `Authorization: Bearer <token>`; the object answers `200 { ok: true, sockets }`.
 * A test in workerd runs it against the real `SyncCoordinator`, beside `pokeCoordinator`.
 *
 * Failures (no answer, a refusal, a bad room) never reach the client: they go to `onError` as
 * `poke-failed`. The poke runs through `waitUntil` when the handler has it, else before the answer.
 */
import { PlasmaError } from "@plasma/core"
import type { PushedEvent } from "./events.js"

/**
 * The part of a Durable Object namespace binding the poke uses (`env.COORDINATOR`). Method
 * syntax on purpose: it accepts a binding whose `get` takes its own id type.
 */
export interface PokeNamespace {
  idFromName(name: string): unknown
  get(id: unknown): { fetch(input: string, init?: RequestInit): Promise<Response> }
}

/** The `poke` option of `createSyncHandler`. */
export interface SyncPokeOptions<Ctx> {
  /** The `SyncCoordinator` binding, e.g. `env.COORDINATOR`. */
  readonly namespace: PokeNamespace
  /** The coordinator's secret, normally `env.PLASMA_COORDINATOR_TOKEN`. Required. */
  readonly token: string | undefined
  /**
   * The room to poke after a push by `who`. Default: `"global"`, the room `@plasma/client` joins
   * by default, so every tab that may see the change pulls. Apps that split clients into rooms
   * (per user, per document) return the same name their clients join.
   */
  readonly room?: (who: PushedEvent<Ctx>) => string
}

/** The room of the guide and of `@plasma/client`'s default. */
export const DEFAULT_POKE_ROOM = "global"
const COORDINATOR_URL = "https://coordinator.internal/sync/coordinator"
const PLAIN_ROOM = /^[A-Za-z0-9_.:-]{1,64}$/
const MAX_ROOM_BYTES = 512
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/**
 * The Durable Object name of `room`, as `@plasma/coordinator`'s `toRoomObjectName` computes it.
 * @example
 * await roomObjectName("global") // "global"
 * await roomObjectName("group-ü/1") // "sha256:…"
 */
export async function roomObjectName(room: string): Promise<string> {
  if (PLAIN_ROOM.test(room)) return room
  if (room === "" || new TextEncoder().encode(room).length > MAX_ROOM_BYTES || LONE_SURROGATE.test(room)) {
    throw new PlasmaError("invalid-request", `cannot poke room ${JSON.stringify(room.slice(0, 80))}: a room is 1 to ${MAX_ROOM_BYTES} UTF-8 bytes of well-formed text`)
  }
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(room)))
  let hex = ""
  for (const byte of digest) hex += byte.toString(16).padStart(2, "0")
  return `sha256:${hex}`
}

/**
 * Pokes the room of `who`; resolves with the number of sockets poked, throws on any failure.
 * @example
 * await pokeRoom(options.poke, { clientGroupID, clientID, ctx })
 */
export async function pokeRoom<Ctx>(poke: SyncPokeOptions<Ctx>, who: PushedEvent<Ctx>): Promise<number> {
  const room = poke.room === undefined ? DEFAULT_POKE_ROOM : poke.room(who)
  const name = await roomObjectName(room)
  const stub = poke.namespace.get(poke.namespace.idFromName(name))
  const response = await stub.fetch(`${COORDINATOR_URL}?room=${encodeURIComponent(room)}`, {
    method: "POST",
    headers: { Authorization: `Bearer ${poke.token ?? ""}` },
  })
  const body = (await response.json().catch(() => null)) as { ok?: unknown; sockets?: unknown; error?: unknown } | null
  if (!response.ok || body?.ok !== true || typeof body.sockets !== "number") {
    const reason = typeof body?.error === "string" ? ` (${body.error})` : ""
    throw new PlasmaError("internal", `the coordinator of room "${room}" refused the poke with ${response.status}${reason}`, { details: { room, status: response.status } })
  }
  return body.sockets
}

/** Checks the option when the handler is created, so a missing secret shows at deploy, not on the first push. */
export function checkPokeOptions(poke: SyncPokeOptions<unknown> | undefined): void {
  if (poke === undefined) return
  if (typeof poke.namespace?.idFromName !== "function" || typeof poke.namespace.get !== "function") {
    throw new RangeError("createSyncHandler: poke.namespace must be a Durable Object namespace binding (env.COORDINATOR)")
  }
  if (typeof poke.token !== "string" || poke.token === "") {
    throw new RangeError("createSyncHandler: poke.token must be the coordinator's secret (env.PLASMA_COORDINATOR_TOKEN); it is missing or empty")
  }
}
