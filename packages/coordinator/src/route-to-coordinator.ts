/**
 * The Worker-side router: sends `/sync/coordinator?room=…` to the room's Durable Object and
 * leaves every other path to the caller.
 */
import { CoordinatorError } from "./coordinator-error.js"
import { toRoomName, toRoomObjectName } from "./room-object-name.js"
import type { CoordinatorNamespace } from "./runtime-types.js"

/** The path {@link routeToCoordinator} answers by default. */
export const DEFAULT_COORDINATOR_PATH = "/sync/coordinator"

/** Options for {@link routeToCoordinator}. */
export interface RouteToCoordinatorOptions {
  /** The path to answer; default `/sync/coordinator`. */
  readonly path?: string
}

/**
 * Routes a coordinator request (connect or poke) to its room's Durable Object.
 * Returns `undefined` for any other path so the Worker can fall through to its own routes; a bad
 * room name gets a 400 JSON response without touching a Durable Object. Any room name works (see
 * `toRoomObjectName`: names outside `ROOM_PATTERN` are hashed to a fixed-length object name). Authentication is the
 * Durable Object's job, so an app-level auth check, if any, belongs before this call.
 *
 * @example
 * export default {
 *   async fetch(request: Request, env: Env) {
 *     return (await routeToCoordinator(request, env.COORDINATOR)) ?? handleSync(request)
 *   },
 * }
 */
export function routeToCoordinator<Id>(
  request: Request,
  namespace: CoordinatorNamespace<Id>,
  options: RouteToCoordinatorOptions = {},
): Promise<Response> | undefined {
  const url = new URL(request.url)
  if (url.pathname !== (options.path ?? DEFAULT_COORDINATOR_PATH)) return undefined
  let room: string
  try {
    room = toRoomName(url.searchParams.get("room"))
  } catch (error) {
    if (error instanceof CoordinatorError) return Promise.resolve(error.toResponse())
    throw error
  }
  return toRoomObjectName(room).then((name) => namespace.get(namespace.idFromName(name)).fetch(request))
}
