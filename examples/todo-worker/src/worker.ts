/**
 * @module The todo example Worker: plasma's sync loop on D1 (or Postgres through Hyperdrive, see
 * executor-of.ts) + R2 + the coordinator Durable Object.
 *
 * Routes:
 * - `/`, `/app.js`                 the page: static assets built from src/app (wrangler's
 *                                  `build.command`); the Worker runs first only for the paths below
 * - `/sync/coordinator`            WebSocket connects and pokes → the room's `SyncCoordinator`
 * - `/sync/push`, `/sync/pull`,
 *   `/sync/blob/:hash`             `createSyncHandler` with `blobRoutes` over R2
 * - `/admin/*`                     admin views (token-guarded, see admin.ts)
 * `scheduled` (cron) compacts the change log and collects orphaned blobs (see maintenance.ts).
 */
import { blobRoutes, r2Storage } from "@plasma/blobs"
import { pokeCoordinator, routeToCoordinator } from "@plasma/coordinator"
import { createSyncHandler } from "@plasma/server"
import { handleAdmin, type AdminState } from "./admin.js"
import { demoAuth, roomOf, toUserId } from "./demo-auth.js"
import type { Env } from "./env.js"
import { executorOf } from "./executor-of.js"
import { runMaintenance } from "./maintenance.js"
import { mutators } from "./mutators.js"
import { schema, SCHEMA_VERSION } from "./schema.js"

export { SyncCoordinator } from "@plasma/coordinator"

// Per isolate: good enough for a demo's admin view (production would log or store these).
const adminState: AdminState = { lastMaintenance: null, openStreams: 0 }

function log(event: string, details: Record<string, unknown>): void {
  console.log(JSON.stringify({ event, ...details }))
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error)
}

/**
 * Browsers cannot send headers on a WebSocket connect, and the coordinator token must reach
 * neither them nor any URL (URLs end up in logs). So a browser connect (no `Authorization` header,
 * no `?token=`) is authorised here (demo user from `?user=`, who may only join their own room) and
 * forwarded to the room with `Authorization: Bearer <token>` added. A connect that already carries
 * the token (server-side clients: header, or the legacy `?token=`) and every poke go to the
 * Durable Object untouched: it checks the token itself.
 */
function coordinatorRequest(request: Request, env: Env): Request | Response {
  const url = new URL(request.url)
  if (request.method !== "GET" || request.headers.has("authorization") || url.searchParams.has("token")) return request
  const userId = toUserId(url.searchParams.get("user"))
  if (userId === null) return Response.json({ error: "unauthorized", message: "connect with ?user=<id> (demo auth)" }, { status: 401 })
  if (url.searchParams.get("room") !== roomOf(userId)) {
    return Response.json({ error: "forbidden", message: `user ${userId} may only join room ${roomOf(userId)}` }, { status: 403 })
  }
  const headers = new Headers(request.headers)
  headers.set("authorization", `Bearer ${env.PLASMA_COORDINATOR_TOKEN ?? ""}`)
  return new Request(request, { headers })
}

function syncHandler(env: Env, ctx: ExecutionContext): (request: Request) => Promise<Response> {
  return createSyncHandler({
    schema,
    mutators,
    executor: executorOf(env),
    schemaVersion: SCHEMA_VERSION,
    auth: demoAuth,
    blobs: blobRoutes({ storage: r2Storage({ bucket: env.BUCKET }) }),
    // Every tab of the user pulls at once; other users' rooms are left alone.
    onPushed: async ({ ctx: authCtx }) => {
      await pokeCoordinator(env.COORDINATOR, { room: roomOf(authCtx.userId), token: env.PLASMA_COORDINATOR_TOKEN ?? "" })
    },
    onError: (event) => log("sync-error", { kind: event.kind, error: describe(event.error), clientID: event.clientID, mutation: event.mutation }),
    waitUntil: ctx.waitUntil.bind(ctx),
  })
}

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    const url = new URL(request.url)
    if (url.pathname === "/sync/coordinator") {
      const forwarded = coordinatorRequest(request, env)
      if (forwarded instanceof Response) return forwarded
      const response = routeToCoordinator(forwarded, env.COORDINATOR)
      if (response !== undefined) return response
    }
    if (url.pathname.startsWith("/sync/")) return syncHandler(env, ctx)(request)
    const admin = await handleAdmin(request, env, executorOf(env), adminState)
    if (admin !== undefined) return admin
    return Response.json({ error: "not-found", message: `no route ${url.pathname}` }, { status: 404 })
  },

  async scheduled(controller: ScheduledController, env: Env, ctx: ExecutionContext): Promise<void> {
    ctx.waitUntil(
      (async () => {
        try {
          const report = await runMaintenance(env, executorOf(env))
          adminState.lastMaintenance = report
          log("maintenance", { cron: controller.cron, ...report })
        } catch (error) {
          log("maintenance-failed", { cron: controller.cron, error: describe(error) })
          throw error
        }
      })(),
    )
  },
} satisfies ExportedHandler<Env>
