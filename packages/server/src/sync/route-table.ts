/**
 * The sync handler's routes as data: each route says where it lives (an exact path, or a prefix
 * followed by one non-empty path segment such as a blob's `:hash`), which methods it allows,
 * and how it answers. `createSyncHandler` matches a request against the table, refuses other
 * methods with 405 and `Allow`, and sends everything else to 404; the routes themselves never
 * see a request that is not theirs.
 */
import { PlasmaError } from "@plasma/core"

/** What a route answers: the response, and the counts its `onMetric` measurement carries. */
export interface RouteAnswer {
  readonly response: Response
  readonly counts?: Readonly<Record<string, number | boolean>>
}

/** One route of the table. */
export interface SyncRoute {
  /** Where it lives: `{ path }` exactly, or `{ prefix }` plus one non-empty segment. */
  readonly at: { readonly path: string } | { readonly prefix: string }
  /** Methods it answers, in `Allow` form (`"GET"`, `"GET, PUT"`). */
  readonly allow: string
  /** The `onMetric` kind of its requests and the counts of an answer that has none; `null`: the route measures itself. */
  readonly metric: { readonly kind: "push" | "pull"; readonly empty: Readonly<Record<string, number | boolean>> } | null
  /** Answers a request for this route (method already checked); `segment` is the path segment after a prefix. */
  handle(request: Request, url: URL, segment: string): Promise<RouteAnswer>
}

/** A matched route and its path segment. */
export interface RouteMatch {
  readonly route: SyncRoute
  readonly segment: string
}

/**
 * Finds the route for `path`, or `null`.
 * @example
 * matchRoute(routes, "/sync/blob/ab12…") // { route: blobRoute, segment: "ab12…" }
 */
export function matchRoute(routes: readonly SyncRoute[], path: string): RouteMatch | null {
  for (const route of routes) {
    if ("path" in route.at) {
      if (path === route.at.path) return { route, segment: "" }
    } else if (path.startsWith(route.at.prefix)) {
      const segment = path.slice(route.at.prefix.length)
      if (segment !== "" && !segment.includes("/")) return { route, segment }
    }
  }
  return null
}

/** Throws `method-not-allowed` (405, with `Allow`) unless `route` allows the request's method. */
export function checkMethod(route: SyncRoute, request: Request, url: URL): void {
  const allowed = route.allow.split(", ")
  if (!allowed.includes(request.method)) {
    throw new PlasmaError("method-not-allowed", `${request.method} is not allowed on ${url.pathname}; use ${allowed.join(" or ")}`, { details: { allow: route.allow } })
  }
}
