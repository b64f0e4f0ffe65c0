/**
 * Runs the simulation: one run = a fresh world on one engine, its steps in order, then a final
 * quiescent point. `runSimulation` drives many seeded runs through fast-check, which shrinks a
 * failing step list; the shrunk list is the reproduction (`replaySteps` runs it again).
 */
import fc from "fast-check"
import { simRunArbitrary, type SimAction } from "./sim-action.js"
import { disposeSimEngines, type EngineMode } from "./sim-server.js"
import { SimViolation, SimWorld, type SimStats } from "./sim-world.js"

/** Runs `steps` on a fresh world and ends at a quiescent point. Throws `SimViolation` on a broken invariant. */
export async function runSteps(mode: EngineMode, steps: readonly SimAction[], seed = 1): Promise<SimStats> {
  const world = await SimWorld.create(mode, seed)
  try {
    for (const action of steps) await world.step(action)
    await world.quiesce()
  } finally {
    await world.close()
  }
  return world.stats
}

/**
 * `runSteps`, except that on D1 an error that is not a broken invariant (Miniflare's Node proxy
 * fails an internal assertion now and then) gets one more try on a fresh Miniflare instance.
 * better-sqlite3 gets none, so an unexpected error of plasma's own still fails the run.
 */
async function runStepsOnce(mode: EngineMode, steps: readonly SimAction[], seed: number, log: ((line: string) => void) | undefined): Promise<SimStats> {
  try {
    return await runSteps(mode, steps, seed)
  } catch (error) {
    if (error instanceof SimViolation || mode !== "d1") throw error
    log?.(`[d1] not an invariant (${error instanceof Error ? error.message : String(error)}): one more try on a fresh Miniflare instance`)
    await disposeSimEngines()
    return runSteps(mode, steps, seed)
  }
}

export interface RunSimulationOptions {
  readonly mode: EngineMode
  /** Number of runs (each a different seed from fast-check's stream). */
  readonly seeds: number
  /** Most steps per run. */
  readonly steps: number
  /** fast-check's seed; default derived from the clock, printed either way. */
  readonly seed?: number
  /** Progress lines. */
  readonly log?: (line: string) => void
}

export interface SimulationReport {
  readonly mode: EngineMode
  readonly seed: number
  /** Runs that passed before a failure (all of them without one). */
  readonly runs: number
  /** Every run, shrinking included (the totals add these up). */
  readonly executions: number
  readonly totals: { steps: number; mutations: number; quiescentPoints: number; observations: number; poisoned: number; poisonReasons: Record<string, number>; faults: Record<string, number>; serverOps: Record<string, number> }
  /** On failure: the shrunk steps and the message. */
  readonly failure: { readonly steps: SimAction[]; readonly message: string; readonly counterexamplePath: string | undefined } | null
}

/** Many seeded runs; on a violation, fast-check shrinks the steps to a small reproduction. */
export async function runSimulation(options: RunSimulationOptions): Promise<SimulationReport> {
  const seed = options.seed ?? (Date.now() ^ (process.pid << 8)) >>> 0
  const totals = { steps: 0, mutations: 0, quiescentPoints: 0, observations: 0, poisoned: 0, poisonReasons: {} as Record<string, number>, faults: {} as Record<string, number>, serverOps: {} as Record<string, number> }
  let executions = 0
  const property = fc.asyncProperty(simRunArbitrary(options.steps), async (steps) => {
    const stats = await runStepsOnce(options.mode, steps, seed, options.log)
    {
      executions++
      totals.steps += stats.steps
      totals.mutations += stats.mutations
      totals.quiescentPoints += stats.quiescentPoints
      totals.observations += stats.observations
      totals.poisoned += stats.poisoned
      for (const [k, v] of Object.entries(stats.faults)) totals.faults[k] = (totals.faults[k] ?? 0) + v
      for (const [k, v] of Object.entries(stats.poisonReasons)) totals.poisonReasons[k] = (totals.poisonReasons[k] ?? 0) + v
      for (const [k, v] of Object.entries(stats.serverOps)) totals.serverOps[k] = (totals.serverOps[k] ?? 0) + v
      if (executions % 10 === 0) options.log?.(`[${options.mode}] ${executions} runs so far, ${totals.steps} steps`)
    }
  })
  const details = await fc.check(property, { numRuns: options.seeds, seed, endOnFailure: false })
  await disposeSimEngines()
  const runs = details.numRuns
  if (!details.failed || details.counterexample === null) return { mode: options.mode, seed, runs, executions, totals, failure: null }
  const [steps] = details.counterexample
  return {
    mode: options.mode,
    seed,
    runs,
    executions,
    totals,
    failure: { steps, message: describeError(details.errorInstance), counterexamplePath: details.counterexamplePath ?? undefined },
  }
}

/** Reruns a reproduction (as written by `pnpm sim` on a failure). */
export async function replaySteps(mode: EngineMode, steps: readonly SimAction[], seed = 1): Promise<{ ok: true; stats: SimStats } | { ok: false; message: string }> {
  try {
    const stats = await runSteps(mode, steps, seed)
    return { ok: true, stats }
  } catch (error) {
    return { ok: false, message: describeError(error) }
  } finally {
    await disposeSimEngines()
  }
}

/** A violation's message; any other error's stack too (it is a crash, not a broken invariant). */
function describeError(error: unknown): string {
  if (error instanceof SimViolation) return error.message
  return error instanceof Error ? `unexpected error: ${error.stack ?? error.message}` : `unexpected error: ${String(error)}`
}
