/**
 * @module Test Worker: the real `SyncCoordinator` behind `routeToCoordinator`, plus two test-only
 * hooks under `/__test/` (no token: this Worker only ever runs inside the test harness).
 * - `/__test/close-all?room=` closes every socket of the room with 1012 (service restart).
 * - `/__test/constructions?room=` says how many times the room's object has been constructed,
 *   which is how the hibernation test knows the object really was evicted and rebuilt.
 * Two more classes, each on its own path:
 * - `/limited/coordinator` → `LimitedCoordinator`: tiny room limits, so the limit tests need
 *   3 sockets, not 1,000.
 * - `/custom/coordinator` → `PokeTokenCoordinator`: the guide's subclass with its own token check.
 */
import { readCoordinatorToken, verifyCoordinatorToken, type CoordinatorRequestKind } from "../coordinator-token.js"
import { toRoomObjectName } from "../room-object-name.js"
import { routeToCoordinator } from "../route-to-coordinator.js"
import { DEFAULT_SYNC_COORDINATOR_OPTIONS, SyncCoordinator as BaseCoordinator, type SyncCoordinatorOptions } from "../sync-coordinator.js"
import type { CoordinatorEnv, CoordinatorNamespace, CoordinatorState } from "../runtime-types.js"

interface Env extends CoordinatorEnv {
  readonly COORDINATOR: CoordinatorNamespace
  readonly LIMITED: CoordinatorNamespace
  readonly CUSTOM: CoordinatorNamespace
}

/** Limits of {@link LimitedCoordinator}, read by the limit tests. */
export const LIMITED_OPTIONS: SyncCoordinatorOptions = {
  ...DEFAULT_SYNC_COORDINATOR_OPTIONS,
  maxSockets: 3,
  // 4,000 bytes of broadcasts, refilled at 1 byte/s: nothing refills during a test.
  broadcastBudget: { capacity: 4000, refillPerSecond: 1 },
  // Diffs whenever smaller, and a budget small enough that pacing shows with three sockets.
  presenceDiffMinBytes: 0,
  presenceBytesPerSecond: 1000,
}

/** A coordinator with tiny limits. */
export class LimitedCoordinator extends BaseCoordinator {
  protected override readonly options = LIMITED_OPTIONS
}

/** The guide's case: pokes are checked against their own secret, `POKE_TOKEN`. */
export class PokeTokenCoordinator extends BaseCoordinator<CoordinatorEnv & { readonly POKE_TOKEN?: string }> {
  protected override async authorize(request: Request, kind: CoordinatorRequestKind): Promise<void> {
    if (kind === "poke") return verifyCoordinatorToken(readCoordinatorToken(request, kind), this.env.POKE_TOKEN, "POKE_TOKEN")
    return super.authorize(request, kind)
  }
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
      const room = await toRoomObjectName(url.searchParams.get("room"))
      return env.COORDINATOR.get(env.COORDINATOR.idFromName(room)).fetch(request)
    }
    return (
      (await routeToCoordinator(request, env.COORDINATOR)) ??
      (await routeToCoordinator(request, env.LIMITED, { path: "/limited/coordinator" })) ??
      (await routeToCoordinator(request, env.CUSTOM, { path: "/custom/coordinator" })) ??
      new Response("not found", { status: 404 })
    )
  },
}
