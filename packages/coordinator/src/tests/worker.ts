/**
 * @module Test Worker: the real `SyncCoordinator` behind `routeToCoordinator`, plus two test-only
 * hooks under `/__test/` (no token: this Worker only ever runs inside the test harness).
 * - `/__test/close-all?room=` closes every socket of the room with 1012 (service restart).
 * - `/__test/constructions?room=` says how many times the room's object has been constructed,
 *   which is how the hibernation test knows the object really was evicted and rebuilt.
 */
import { routeToCoordinator } from "../route-to-coordinator.js"
import { SyncCoordinator as BaseCoordinator } from "../sync-coordinator.js"
import type { CoordinatorEnv, CoordinatorNamespace, CoordinatorState } from "../runtime-types.js"

interface Env extends CoordinatorEnv {
  readonly COORDINATOR: CoordinatorNamespace
}

// Module state outlives an evicted object (the isolate stays), so it can count constructions.
const constructions = new Map<string, number>()

/** The coordinator with test hooks. */
export class SyncCoordinator extends BaseCoordinator {
  readonly #id: string

  constructor(ctx: CoordinatorState & { readonly id: { toString(): string } }, env: CoordinatorEnv) {
    super(ctx, env)
    this.#id = ctx.id.toString()
    constructions.set(this.#id, (constructions.get(this.#id) ?? 0) + 1)
  }

  override async fetch(request: Request): Promise<Response> {
    const { pathname } = new URL(request.url)
    if (pathname === "/__test/close-all") {
      const sockets = this.ctx.getWebSockets()
      for (const ws of sockets) ws.close(1012, "test restart")
      return Response.json({ closed: sockets.length })
    }
    if (pathname === "/__test/constructions") return Response.json({ constructions: constructions.get(this.#id) ?? 0 })
    return super.fetch(request)
  }
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url)
    if (url.pathname.startsWith("/__test/")) {
      const room = url.searchParams.get("room") ?? "global"
      return env.COORDINATOR.get(env.COORDINATOR.idFromName(room)).fetch(request)
    }
    return (await routeToCoordinator(request, env.COORDINATOR)) ?? new Response("not found", { status: 404 })
  },
}
