/**
 * `createSyncHandler`: the push/pull protocol of SPEC §8 as a `(Request) => Promise<Response>`.
 *
 * A route table (`route-table.ts`) of small modules, one per route (`routes/push-route.ts`,
 * `routes/pull-route.ts`, `routes/blob-route.ts`), behind ONE error boundary
 * (`error-boundary.ts`) that turns anything thrown into the right JSON answer and `onError`
 * event. For every request:
 * 1. route: `{basePath}/push`, `{basePath}/pull`, `{basePath}/blob/:hash` (when `blobs` is
 *    given); anything else is 404 `not-found`, a known route with the wrong method 405 with
 *    `Allow`;
 * 2. the route runs: `auth` first on every route (401 `unauthorized`), then its own checks and
 *    work (see each route's header);
 * 3. push and pull requests produce one `onMetric` measurement each, refused ones included;
 *    the blob routes measure themselves.
 *
 * Hooks never break an answer: `onError` and `onMetric` that throw are ignored
 * (`sync-hooks.ts`). A refusal before the body was read cancels the rest of the body.
 *
 * Types: the app's context type `Ctx` is inferred from `auth` and flows to `onPushed`, `onError`
 * events and the mutators, so app code needs no casts.
 */
import { pullRequestSchema, PlasmaError, type AnySchema, type AuthContext, type MutatorMap } from "@plasma/core"
import type { SqlExecutor } from "@plasma/executors"
import type { SyncBlobHandler } from "./blob-handler.js"
import { withErrorBoundary } from "./error-boundary.js"
import type { PushedEvent, SyncErrorEvent, SyncMetric } from "./events.js"
import { discardBody, errorResponse } from "./http.js"
import { checkPokeOptions, type SyncPokeOptions } from "./coordinator-poke.js"
import { checkMethod, matchRoute, type SyncRoute } from "./route-table.js"
import { handleBlob } from "./routes/blob-route.js"
import type { RouteContext } from "./routes/route-context.js"
import { handlePull } from "./routes/pull-route.js"
import { handlePush } from "./routes/push-route.js"
import { createSyncHooks } from "./sync-hooks.js"

/** What `auth` answers: the request's identity and the app's context, or a refusal. */
export type SyncAuthResult<Ctx = AuthContext> =
  | {
      readonly ok: true
      readonly clientGroupID: string
      readonly clientID: string
      readonly ctx: Ctx
      /**
       * The user behind the request. When given, a client group belongs to the first user that
       * used it (others get 403 `forbidden`), and blob uploads and attaches are that user's.
       */
      readonly userID?: string
    }
  | { readonly ok: false; readonly reason?: string }

/** Authenticates one request; runs on every request the handler routes. */
export type SyncAuth<Ctx = AuthContext> = (request: Request) => SyncAuthResult<Ctx> | Promise<SyncAuthResult<Ctx>>

/** Options of {@link createSyncHandler}; names and defaults are SPEC §8's. */
export interface SyncHandlerOptions<S extends AnySchema = AnySchema, Ctx = AuthContext> {
  readonly schema: S
  /** The app's mutators; they receive the `ctx` that `auth` returned. */
  readonly mutators: MutatorMap<S, NoInfer<Ctx>>
  readonly executor: SqlExecutor
  /** The app's schema version; pushes and pulls naming another get 409 with `expected`. */
  readonly schemaVersion: string
  /** Runs on every request; its `ctx` type is the app's `Ctx` everywhere else. */
  readonly auth: SyncAuth<Ctx>
  /** Default `"/sync"`. */
  readonly basePath?: string
  /** After a push that changed something (for example, poke the coordinator). */
  readonly onPushed?: (event: PushedEvent<NoInfer<Ctx>>) => void | Promise<void>
  readonly onError?: (event: SyncErrorEvent<NoInfer<Ctx>>) => void
  readonly onMetric?: (metric: SyncMetric) => void
  /** `ctx.waitUntil` of the Worker: `onPushed` runs after the answer instead of before it. */
  readonly waitUntil?: (promise: Promise<unknown>) => void
  /** Default 200. */
  readonly maxMutationsPerPush?: number
  /** Default 1 MiB (1_048_576). */
  readonly maxPayloadBytes?: number
  /** Default 1000. */
  readonly defaultPullLimit?: number
  /** Default 10_000. */
  readonly maxPullLimit?: number
  /** Blob routes (`blobRoutes({ storage })` from `@plasma/blobs`). */
  readonly blobs?: SyncBlobHandler
  /**
   * Poke the coordinator after every push that changed something (`{ namespace: env.COORDINATOR,
   * token: env.PLASMA_COORDINATOR_TOKEN, room? }`; room default `"global"`). Failures go to
   * `onError` as `poke-failed`. See `coordinator-poke.ts`.
   */
  readonly poke?: SyncPokeOptions<NoInfer<Ctx>>
}

/** The handler `createSyncHandler` returns. */
export type SyncHandler = (request: Request) => Promise<Response>

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  const resolved = value ?? fallback
  if (!Number.isSafeInteger(resolved) || resolved < 1) throw new RangeError(`createSyncHandler: ${name} must be a positive integer, got ${String(value)}`)
  return resolved
}

function normaliseBasePath(basePath: string): string {
  const trimmed = basePath.replace(/\/+$/, "")
  return trimmed === "" || trimmed.startsWith("/") ? trimmed : `/${trimmed}`
}

/** Checks the options and applies the defaults; throws `RangeError` for a bad limit or version. */
function resolveContext<S extends AnySchema, Ctx>(options: SyncHandlerOptions<S, Ctx>): RouteContext<Ctx> {
  const maxPullLimit = positiveInteger("maxPullLimit", options.maxPullLimit, 10_000)
  const defaultPullLimit = positiveInteger("defaultPullLimit", options.defaultPullLimit, 1000)
  if (defaultPullLimit > maxPullLimit) throw new RangeError(`createSyncHandler: defaultPullLimit (${defaultPullLimit}) exceeds maxPullLimit (${maxPullLimit})`)
  if (typeof options.schemaVersion !== "string" || options.schemaVersion === "") throw new RangeError("createSyncHandler: schemaVersion must be a non-empty string")
  checkPokeOptions(options.poke as SyncPokeOptions<unknown> | undefined)
  return {
    schema: options.schema,
    mutators: options.mutators as MutatorMap,
    executor: options.executor,
    schemaVersion: options.schemaVersion,
    auth: options.auth,
    hooks: createSyncHooks<Ctx>({ onError: options.onError, onMetric: options.onMetric, waitUntil: options.waitUntil }),
    onPushed: options.onPushed,
    waitUntil: options.waitUntil,
    maxMutationsPerPush: positiveInteger("maxMutationsPerPush", options.maxMutationsPerPush, 200),
    maxPayloadBytes: positiveInteger("maxPayloadBytes", options.maxPayloadBytes, 1_048_576),
    defaultPullLimit,
    maxPullLimit,
    pullSchema: pullRequestSchema(maxPullLimit),
    blobs: options.blobs,
    poke: options.poke,
  }
}

/** The route table of one handler. */
function routesOf<Ctx>(context: RouteContext<Ctx>, base: string): SyncRoute[] {
  const routes: SyncRoute[] = [
    {
      at: { path: `${base}/push` },
      allow: "POST",
      metric: { kind: "push", empty: { mutations: 0, processed: 0, dropped: 0 } },
      handle: (request) => handlePush(context, request),
    },
    {
      at: { path: `${base}/pull` },
      allow: "GET",
      metric: { kind: "pull", empty: { changes: 0, hasMore: false } },
      handle: (request, url) => handlePull(context, request, url),
    },
  ]
  const blobs = context.blobs
  if (blobs !== undefined) {
    routes.push({ at: { prefix: `${base}/blob/` }, allow: "GET, PUT", metric: null, handle: (request, _url, hash) => handleBlob(context, blobs, request, hash) })
  }
  return routes
}

/**
 * Creates the sync endpoint: `POST {basePath}/push`, `GET {basePath}/pull` and, with `blobs`,
 * `PUT|GET {basePath}/blob/:hash`.
 * @example
 * ```ts
 * const handler = createSyncHandler({
 *   schema, mutators, executor: fromD1(env.DB), schemaVersion: "todos-v1",
 *   auth: async (req) => {
 *     const user = await verify(req.headers.get("authorization"))
 *     return user ? { ok: true, clientGroupID: user.group, clientID: user.client, ctx: { userId: user.id }, userID: user.id } : { ok: false, reason: "bad token" }
 *   },
 *   waitUntil: (p) => ctx.waitUntil(p),
 *   // ctx is typed as what auth returns: { userId: string }
 *   poke: { namespace: env.COORDINATOR, token: env.PLASMA_COORDINATOR_TOKEN, room: ({ ctx }) => `user-${ctx.userId}` },
 * })
 * return handler(request)
 * ```
 */
export function createSyncHandler<S extends AnySchema, Ctx = AuthContext>(options: SyncHandlerOptions<S, Ctx>): SyncHandler {
  const context = resolveContext(options)
  const base = normaliseBasePath(options.basePath ?? "/sync")
  const routes = routesOf(context, base)
  const { hooks } = context

  async function answer(request: Request): Promise<Response> {
    let url: URL
    try {
      url = new URL(request.url)
    } catch (error) {
      hooks.report({ kind: "invalid-request", error })
      return errorResponse(new PlasmaError("invalid-request", "the request URL cannot be parsed"))
    }
    const match = matchRoute(routes, url.pathname)
    if (match === null) return errorResponse(new PlasmaError("not-found", `nothing at ${url.pathname}; the sync routes are ${base}/push and ${base}/pull`))
    const { route, segment } = match
    const started = performance.now()
    let counts = route.metric?.empty
    const response = await withErrorBoundary(hooks, async () => {
      checkMethod(route, request, url)
      const routed = await route.handle(request, url, segment)
      if (routed.counts !== undefined) counts = routed.counts
      return routed.response
    })
    if (route.metric !== null) hooks.metric({ ...counts, kind: route.metric.kind, ok: response.ok, latencyMs: performance.now() - started, status: response.status })
    return response
  }

  return async (request: Request): Promise<Response> => {
    const response = await answer(request)
    // A refusal before the body was read (auth, limits, a bad hash) must not leave the rest of
    // the body on the connection (see `discardBody`).
    if (!request.bodyUsed) await discardBody(request.body)
    return response
  }
}
