/**
 * @module The poke test Worker (plain JS: it imports `@plasma/coordinator`, which the server does
 * not depend on; the test bundles it from the coordinator package with an esbuild alias). The
 * real `SyncCoordinator` behind `routeToCoordinator`, and `createSyncHandler` over D1 with the
 * `poke` option: clientGroupIDs starting with "plain" use the default room, others the guide's
 * `group-${clientGroupID}`; `x-bad-token: 1` pokes with a wrong secret.
 * - `POST /test/guide-poke?group=` runs the guide's `pokeCoordinator` example for that group.
 * - `GET /test/events` answers (and clears) the handler's `onError` events once every
 *   `waitUntil` promise settled.
 */
import { pokeCoordinator, routeToCoordinator, SyncCoordinator } from "@plasma/coordinator"
import { fromD1 } from "@plasma/executors/d1"
import { createSyncHandler } from "../../sync/create-sync-handler.ts"
import { SECURITY_SCHEMA_VERSION, securityAuth, securityMutators, securitySchema } from "../../sync/security-fixture.ts"

export { SyncCoordinator }

const events = []
const pending = new Set()

export default {
  async fetch(request, env, context) {
    const url = new URL(request.url)
    if (url.pathname === "/test/events") {
      while (pending.size > 0) await Promise.allSettled([...pending])
      return Response.json(events.splice(0))
    }
    if (url.pathname === "/test/guide-poke") {
      const clientGroupID = url.searchParams.get("group")
      // The guide's example, as written there (POKE_TOKEN is the coordinator's secret here).
      const result = await pokeCoordinator(env.COORDINATOR, {
        room: `group-${clientGroupID}`,
        token: env.PLASMA_COORDINATOR_TOKEN,
      })
      return Response.json(result)
    }
    const routed = await routeToCoordinator(request, env.COORDINATOR)
    if (routed !== undefined) return routed
    const handler = createSyncHandler({
      schema: securitySchema,
      mutators: securityMutators,
      executor: fromD1(env.DB),
      schemaVersion: SECURITY_SCHEMA_VERSION,
      auth: securityAuth,
      waitUntil: (promise) => {
        pending.add(promise)
        void promise.finally(() => pending.delete(promise))
        context.waitUntil(promise)
      },
      onError: (event) => events.push({ kind: event.kind, message: String(event.error?.message ?? event.error) }),
      poke: {
        namespace: env.COORDINATOR,
        token: request.headers.get("x-bad-token") === "1" ? "not-the-secret" : env.PLASMA_COORDINATOR_TOKEN,
        room: (who) => (who.clientGroupID.startsWith("plain") ? "global" : `group-${who.clientGroupID}`),
      },
    })
    return handler(request)
  },
}
