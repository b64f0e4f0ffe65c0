/**
 * `createSyncHandler`: the push/pull protocol of SPEC §8 as a `(Request) => Promise<Response>`.
 *
 * Order for every request, each step answering before the next one runs:
 * 1. route: `{basePath}/push`, `{basePath}/pull`, `{basePath}/blob/:hash` (when `blobs` is
 *    given); anything else is 404 `not-found`, a known route with the wrong method 405 with
 *    `Allow`;
 * 2. `auth(req)`, on every request: `{ ok: false }` or a throwing `auth` is 401 `unauthorized`.
 *    From here on the ids are auth's; the body's or query's ids must equal them (400
 *    `client-id-mismatch`), they are never used instead;
 * 3. parse and validate (schemas from `@plasma/core`): body over `maxPayloadBytes` 413 (before it
 *    is parsed), not JSON / wrong shape 400 `invalid-request`, another protocol version 400
 *    `protocol-mismatch`, another schema version 409 `schema-mismatch` with `expected`;
 * 4. push only: more than `maxMutationsPerPush` 413, an unknown mutator name anywhere 400
 *    `unknown-mutator`, all before any mutator runs, so a refused push changes nothing;
 * 5. the work: `applyPush` (skip applied ids, apply the next, stop at a gap with 400
 *    `mutation-id-gap` keeping what came before, drop poison mutations but advance their ids) or
 *    `pullChanges`.
 *
 * Hooks never break an answer: `onPushed` runs (through `waitUntil` when given, else awaited)
 * after a push that advanced the client's `last_mutation_id`, and its failure goes to `onError`
 * (`onPushed-failed`), never to the client; `onError` and `onMetric` that throw are ignored.
 * `onMetric` fires once per push or pull request, refused ones included. Errors of unexpected
 * kinds answer a bare 500; the full error goes to `onError` (`internal`). A `conflict-retry`
 * (serializable retries exhausted) answers 503 with `Retry-After: 1` and is not an `onError`
 * event (it is load, not a fault; `onMetric` shows it).
 */
import {
  mutatorOf,
  parsePullRequest,
  parsePushRequest,
  PlasmaError,
  pullRequestSchema,
  type AnySchema,
  type AuthContext,
  type MutatorMap,
} from "@plasma/core"
import type { SqlExecutor } from "@plasma/executors"
import { ensureSchema } from "../schema/migrations.js"
import type { SyncBlobHandler } from "./blob-handler.js"
import type { PushedEvent, SyncErrorEvent, SyncErrorKind, SyncMetric } from "./events.js"
import { errorResponse, jsonText, readBodyText } from "./http.js"
import { pullChanges } from "./pull.js"
import { applyPush } from "./push.js"

/** What `auth` answers: the request's identity and context, or a refusal. */
export type SyncAuthResult<Ctx = AuthContext> =
  | { readonly ok: true; readonly clientGroupID: string; readonly clientID: string; readonly ctx: Ctx }
  | { readonly ok: false; readonly reason?: string }

/** Authenticates one request; runs on every request the handler routes. */
export type SyncAuth<Ctx = AuthContext> = (request: Request) => SyncAuthResult<Ctx> | Promise<SyncAuthResult<Ctx>>

/** Options of {@link createSyncHandler}; names and defaults are SPEC §8's. */
export interface SyncHandlerOptions<S extends AnySchema = AnySchema, Ctx = AuthContext> {
  readonly schema: S
  readonly mutators: MutatorMap<S, Ctx>
  readonly executor: SqlExecutor
  /** The app's schema version; pushes and pulls naming another get 409 with `expected`. */
  readonly schemaVersion: string
  readonly auth: SyncAuth<Ctx>
  /** Default `"/sync"`. */
  readonly basePath?: string
  /** After a push that changed something (for example, poke the coordinator). */
  readonly onPushed?: (event: PushedEvent) => void | Promise<void>
  readonly onError?: (event: SyncErrorEvent) => void
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
}

/** The handler `createSyncHandler` returns. */
export type SyncHandler = (request: Request) => Promise<Response>

type Route = "push" | "pull"

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  const resolved = value ?? fallback
  if (!Number.isSafeInteger(resolved) || resolved < 1) throw new RangeError(`createSyncHandler: ${name} must be a positive integer, got ${String(value)}`)
  return resolved
}

function normaliseBasePath(basePath: string): string {
  const trimmed = basePath.replace(/\/+$/, "")
  return trimmed === "" || trimmed.startsWith("/") ? trimmed : `/${trimmed}`
}

function onErrorKindOf(error: unknown): SyncErrorKind | null {
  if (!(error instanceof PlasmaError) || error.code === "internal") return "internal"
  switch (error.code) {
    case "unauthorized":
    case "protocol-mismatch":
    case "schema-mismatch":
      return error.code
    case "not-found":
    case "method-not-allowed":
    case "conflict-retry":
      return null
    default:
      return error.status >= 500 ? "internal" : "invalid-request"
  }
}

const OK_BODY = '{"ok":true}'

/**
 * Creates the sync endpoint: `POST {basePath}/push`, `GET {basePath}/pull` and, with `blobs`,
 * `PUT|GET {basePath}/blob/:hash`.
 * @example
 * ```ts
 * const handler = createSyncHandler({
 *   schema, mutators, executor: fromD1(env.DB), schemaVersion: "todos-v1",
 *   auth: async (req) => {
 *     const user = await verify(req.headers.get("authorization"))
 *     return user ? { ok: true, clientGroupID: user.group, clientID: user.client, ctx: { userId: user.id } } : { ok: false, reason: "bad token" }
 *   },
 *   waitUntil: (p) => ctx.waitUntil(p),
 *   onPushed: () => pokeCoordinator(env.COORDINATOR, { token: env.PLASMA_COORDINATOR_TOKEN }),
 * })
 * return handler(request)
 * ```
 */
export function createSyncHandler<S extends AnySchema, Ctx = AuthContext>(options: SyncHandlerOptions<S, Ctx>): SyncHandler {
  const { schema, executor, schemaVersion, auth, onPushed, waitUntil, blobs } = options
  const mutators = options.mutators as MutatorMap
  const maxMutationsPerPush = positiveInteger("maxMutationsPerPush", options.maxMutationsPerPush, 200)
  const maxPayloadBytes = positiveInteger("maxPayloadBytes", options.maxPayloadBytes, 1_048_576)
  const maxPullLimit = positiveInteger("maxPullLimit", options.maxPullLimit, 10_000)
  const defaultPullLimit = positiveInteger("defaultPullLimit", options.defaultPullLimit, 1000)
  if (defaultPullLimit > maxPullLimit) throw new RangeError(`createSyncHandler: defaultPullLimit (${defaultPullLimit}) exceeds maxPullLimit (${maxPullLimit})`)
  if (typeof schemaVersion !== "string" || schemaVersion === "") throw new RangeError("createSyncHandler: schemaVersion must be a non-empty string")
  const base = normaliseBasePath(options.basePath ?? "/sync")
  const pushPath = `${base}/push`
  const pullPath = `${base}/pull`
  const blobPrefix = `${base}/blob/`
  const pullSchema = pullRequestSchema(maxPullLimit)

  const report = (event: SyncErrorEvent): void => {
    try {
      options.onError?.(event)
    } catch {
      // A failing onError must not turn into a failing request.
    }
  }
  const metric = (value: SyncMetric): void => {
    try {
      options.onMetric?.(value)
    } catch {
      // Likewise for onMetric.
    }
  }
  // Background work of the blob routes (cache fills); without waitUntil it just runs on.
  const later = (promise: Promise<unknown>): void => {
    const observed = promise.catch((error: unknown) => report({ kind: "internal", error }))
    if (waitUntil !== undefined) waitUntil(observed)
  }

  /** Runs `auth`, turning refusals and throws into `unauthorized`. */
  async function authenticate(request: Request): Promise<{ clientGroupID: string; clientID: string; ctx: Ctx }> {
    let result: SyncAuthResult<Ctx>
    try {
      result = await auth(request)
    } catch (error) {
      throw new PlasmaError("unauthorized", "unauthorized", { cause: error })
    }
    if (result === null || typeof result !== "object" || typeof result.ok !== "boolean") {
      throw new PlasmaError("internal", "auth returned neither { ok: true, ... } nor { ok: false }")
    }
    if (!result.ok) {
      const reason = typeof result.reason === "string" && result.reason !== "" ? result.reason : "unauthorized"
      throw new PlasmaError("unauthorized", reason)
    }
    const { clientGroupID, clientID } = result
    if (typeof clientGroupID !== "string" || clientGroupID === "" || typeof clientID !== "string" || clientID === "") {
      throw new PlasmaError("internal", "auth returned ok without non-empty clientGroupID and clientID strings")
    }
    return result
  }

  function checkIdentity(kind: "push" | "pull", sent: { schemaVersion: string; clientGroupID: string; clientID: string }, who: { clientGroupID: string; clientID: string }): void {
    if (sent.schemaVersion !== schemaVersion) {
      throw new PlasmaError("schema-mismatch", `the ${kind} is for schema version "${sent.schemaVersion}"; this server runs "${schemaVersion}"`, {
        details: { expected: schemaVersion },
      })
    }
    if (sent.clientGroupID !== who.clientGroupID || sent.clientID !== who.clientID) {
      throw new PlasmaError("client-id-mismatch", `the ${kind} names client group "${sent.clientGroupID}" and client "${sent.clientID}", but auth identified "${who.clientGroupID}" / "${who.clientID}"`)
    }
  }

  async function push(request: Request, counts: Record<string, number | boolean>): Promise<Response> {
    const who = await authenticate(request)
    const text = await readBodyText(request, maxPayloadBytes)
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch (error) {
      throw new PlasmaError("invalid-request", "the push body is not JSON", { cause: error })
    }
    const body = parsePushRequest(json)
    counts.mutations = body.mutations.length
    checkIdentity("push", body, who)
    if (body.mutations.length > maxMutationsPerPush) {
      throw new PlasmaError("payload-too-large", `the push carries ${body.mutations.length} mutations; the limit is ${maxMutationsPerPush}`, {
        details: { limit: maxMutationsPerPush },
      })
    }
    for (const m of body.mutations) mutatorOf(mutators, m.name)
    await ensureSchema({ schema, executor })
    const ctx = who.ctx as AuthContext
    const result = await applyPush({ schema, mutators, executor, ctx, clientGroupID: who.clientGroupID, clientID: who.clientID, mutations: body.mutations })
    counts.processed = result.processed
    counts.skipped = result.skipped
    counts.dropped = result.dropped.length
    for (const dropped of result.dropped) {
      report({ kind: "mutation-error", error: dropped.error, clientGroupID: who.clientGroupID, clientID: who.clientID, mutation: { id: dropped.id, name: dropped.name } })
    }
    if (result.processed > 0 && onPushed !== undefined) {
      const event: PushedEvent = { clientGroupID: who.clientGroupID, clientID: who.clientID, ctx }
      const run = Promise.resolve()
        .then(() => onPushed(event))
        .catch((error: unknown) => report({ kind: "onPushed-failed", error, clientGroupID: who.clientGroupID, clientID: who.clientID }))
      if (waitUntil !== undefined) waitUntil(run)
      else await run
    }
    if (result.gap !== null) {
      throw new PlasmaError("mutation-id-gap", `mutation ${result.gap.got} follows ${result.gap.expected - 1}; expected ${result.gap.expected}`, {
        details: { expected: result.gap.expected, got: result.gap.got },
      })
    }
    // Part of the push committed (onPushed ran above), then the database kept failing: 503.
    if (result.failure !== null) throw result.failure
    return jsonText(200, OK_BODY)
  }

  async function pull(request: Request, url: URL, counts: Record<string, number | boolean>): Promise<Response> {
    const who = await authenticate(request)
    const query = parsePullRequest(url.searchParams, maxPullLimit, pullSchema)
    checkIdentity("pull", query, who)
    await ensureSchema({ schema, executor })
    const page = await pullChanges({
      schema,
      executor,
      ctx: who.ctx as AuthContext,
      clientGroupID: who.clientGroupID,
      clientID: who.clientID,
      cookie: query.cookie ?? null,
      limit: query.limit ?? defaultPullLimit,
    })
    counts.changes = page.changes
    counts.hasMore = page.hasMore
    if (page.reset === true) counts.reset = true
    return jsonText(200, page.body)
  }

  async function route(kind: Route, request: Request, url: URL): Promise<Response> {
    const started = performance.now()
    const counts: Record<string, number | boolean> = kind === "push" ? { mutations: 0, processed: 0, dropped: 0 } : { changes: 0, hasMore: false }
    let response: Response
    try {
      const method = kind === "push" ? "POST" : "GET"
      if (request.method !== method) {
        throw new PlasmaError("method-not-allowed", `${request.method} is not allowed on ${url.pathname}; use ${method}`, { details: { allow: method } })
      }
      response = kind === "push" ? await push(request, counts) : await pull(request, url, counts)
    } catch (error) {
      const kindOfError = onErrorKindOf(error)
      if (kindOfError !== null) report({ kind: kindOfError, error })
      response = errorResponse(error)
    }
    metric({ ...counts, kind, ok: response.ok, latencyMs: performance.now() - started, status: response.status })
    return response
  }

  async function blob(request: Request, url: URL, hash: string, handler: SyncBlobHandler): Promise<Response> {
    try {
      if (request.method !== "GET" && request.method !== "PUT") {
        throw new PlasmaError("method-not-allowed", `${request.method} is not allowed on ${url.pathname}; use GET or PUT`, { details: { allow: "GET, PUT" } })
      }
      const who = await authenticate(request)
      // The blob routes read and write `_plasma_blobs`: the tables must exist first.
      await ensureSchema({ schema, executor })
      return await handler.handle(request, {
        schema,
        executor,
        ctx: who.ctx as AuthContext,
        clientGroupID: who.clientGroupID,
        clientID: who.clientID,
        hash,
        waitUntil: later,
        onMetric: metric,
        onError: report,
      })
    } catch (error) {
      const kindOfError = onErrorKindOf(error)
      if (kindOfError !== null) report({ kind: kindOfError, error })
      return errorResponse(error)
    }
  }

  return async (request: Request): Promise<Response> => {
    const response = await answer(request)
    // A refusal before the body was read (auth, limits, a bad hash) must not leave the rest of
    // the body on the connection: cancelling tells the runtime it can drop it.
    if (request.body !== null && !request.bodyUsed) await request.body.cancel().catch(() => undefined)
    return response
  }

  async function answer(request: Request): Promise<Response> {
    let url: URL
    try {
      url = new URL(request.url)
    } catch (error) {
      report({ kind: "invalid-request", error })
      return errorResponse(new PlasmaError("invalid-request", "the request URL cannot be parsed"))
    }
    const path = url.pathname
    if (path === pushPath) return route("push", request, url)
    if (path === pullPath) return route("pull", request, url)
    if (blobs !== undefined && path.startsWith(blobPrefix)) {
      const hash = path.slice(blobPrefix.length)
      if (hash !== "" && !hash.includes("/")) return blob(request, url, hash, blobs)
    }
    return errorResponse(new PlasmaError("not-found", `nothing at ${path}; the sync routes are ${pushPath} and ${pullPath}`))
  }
}
