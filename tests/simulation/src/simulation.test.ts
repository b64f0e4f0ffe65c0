/**
 * CI's share of the simulation: a short seeded set on each engine (the long runs are `pnpm sim`),
 * and proof that the checkers are honest: with a guarantee broken on purpose (behind plasma's
 * back, through raw SQL), the run fails with the violation named.
 */
import { afterAll, describe, expect, it } from "vitest"
import { runSimulation, runSteps } from "./run-simulation.js"
import type { SimAction } from "./sim-action.js"
import { disposeSimEngines, ENGINE_MODES } from "./sim-server.js"
import { SimViolation, SimWorld } from "./sim-world.js"

afterAll(() => disposeSimEngines())

/** Runs × most steps per engine: D1 in Miniflare is some 10× slower per request than better-sqlite3. */
const SHORT_SET = { sqlite: { seeds: 40, steps: 80 }, d1: { seeds: 3, steps: 40 } } as const

for (const mode of ENGINE_MODES) {
  describe(`simulation [${mode}]`, () => {
    it(`holds every invariant over ${SHORT_SET[mode].seeds} seeded runs of ≤ ${SHORT_SET[mode].steps} steps`, async () => {
      const seed = Number(process.env.PLASMA_SIM_SEED ?? 20261202)
      const report = await runSimulation({ mode, seed, ...SHORT_SET[mode] })
      if (report.failure !== null) {
        throw new Error(`seed ${report.seed}: ${report.failure.message}\nreproduction (pnpm sim --engine ${mode} --replay '<json>'): ${JSON.stringify(report.failure.steps)}`)
      }
      expect(report.runs).toBe(SHORT_SET[mode].seeds)
      expect(report.totals.quiescentPoints).toBeGreaterThanOrEqual(report.runs)
    })
  })
}

/**
 * Reproductions the simulation shrank, kept as named regression tests (each failed before its fix).
 */
const REGRESSIONS: { readonly name: string; readonly steps: readonly SimAction[] }[] = [
  {
    // Seed 936293199 (sqlite, 150 steps): after pruneClients, three tabs of one group pushed the
    // forgotten client's entry; two met mutation-id-gap before either's "rotated" message arrived
    // and each re-queued it under its own new clientID: applied twice. Fixed in
    // packages/client/src/sync/rotate-client.ts (compare-and-set rotation).
    name: "rotation race: tabs of a group meeting the same mutation-id-gap apply it once",
    steps: [
      { t: "mutate", tab: 0, kind: "increment", pick: 0, by: 1 },
      { t: "server", op: "pruneClients", pick: 0, fraction: 0 },
      { t: "openTab", group: 0 },
      { t: "mutate", tab: 0, kind: "increment", pick: 0, by: 1 },
    ],
  },
]

for (const mode of ENGINE_MODES) {
  describe(`simulation regressions [${mode}]`, () => {
    for (const { name, steps } of REGRESSIONS) {
      it(name, async () => {
        await runSteps(mode, steps)
      })
    }
  })
}

describe("the checkers catch a broken guarantee [sqlite]", () => {
  it("exactly once: a push applied twice (the server forgot the client's mutation ids) is named", async () => {
    const world = await SimWorld.create("sqlite")
    try {
      await world.step({ t: "mutate", tab: 0, kind: "increment", pick: 0, by: 2 })
      await world.step({ t: "push", tab: 0, faults: ["dup"] })
      await world.server.executor.run({ text: "DELETE FROM _plasma_client_mutations", params: [] })
      await world.step({ t: "deliver", pick: 0 })
      await expect(world.quiesce()).rejects.toThrow(/committed 2 time\(s\)|counter c0 is 4 on the server, 2 increments/)
    } finally {
      await world.close()
    }
  })

  it("convergence: a change the log lost (so no client ever pulls it) is named", async () => {
    const world = await SimWorld.create("sqlite")
    try {
      await world.step({ t: "mutate", tab: 0, kind: "addItem", pick: 0, by: 1 })
      await world.step({ t: "push", tab: 0, faults: [] })
      await world.server.executor.run({ text: "DELETE FROM _plasma_changes WHERE table_name = 'items'", params: [] })
      const failure = await world.quiesce().then(() => null, (error: unknown) => error)
      expect(failure).toBeInstanceOf(SimViolation)
      expect(String(failure)).toMatch(/items differs from the server's readable rows/)
    } finally {
      await world.close()
    }
  })

  it("no missing bytes: a committed FileRef whose bytes vanished is named", async () => {
    const world = await SimWorld.create("sqlite")
    try {
      await world.step({ t: "mutate", tab: 0, kind: "addItem", pick: 0, by: 1 })
      await world.step({ t: "mutate", tab: 0, kind: "attachFile", pick: 0, by: 1 })
      await world.quiesce()
      const [row] = await world.server.executor.all<{ attachment: string }>({ text: "SELECT attachment FROM items WHERE attachment IS NOT NULL", params: [] })
      expect(row).toBeDefined()
      await world.server.storage.delete((JSON.parse(row?.attachment as string) as { hash: string }).hash)
      await expect(world.quiesce()).rejects.toThrow(/whose bytes are gone/)
    } finally {
      await world.close()
    }
  })
})
