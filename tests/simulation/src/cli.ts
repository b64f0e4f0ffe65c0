/**
 * `pnpm sim`: the simulation from the command line.
 *
 *   pnpm sim                                   default set: 20 runs × ≤ 60 steps on each engine
 *   pnpm sim --seeds 1000 --steps 500          long
 *   pnpm sim --engine sqlite|d1|both           one engine (default both)
 *   pnpm sim --seed S                          fast-check's seed (printed by every run)
 *   pnpm sim --engine E --replay <file|json>   reruns a reproduction written by a failing run
 *
 * Exits 1 on a violation, after printing the seed, the shrunk steps and the replay command.
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync } from "node:fs"
import { resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { replaySteps, runSimulation } from "./run-simulation.js"
import type { SimAction } from "./sim-action.js"
import { ENGINE_MODES, type EngineMode } from "./sim-server.js"

interface CliOptions {
  seeds: number
  steps: number
  engines: EngineMode[]
  seed: number | undefined
  replay: string | undefined
}

function parseArgs(argv: readonly string[]): CliOptions {
  const options: CliOptions = { seeds: 20, steps: 60, engines: [...ENGINE_MODES], seed: undefined, replay: undefined }
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]
    const value = argv[i + 1]
    const need = (): string => {
      if (value === undefined) throw new Error(`${flag} needs a value`)
      i++
      return value
    }
    const count = (): number => {
      const n = Number(need())
      if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${flag} must be an integer ≥ 0, got ${value}`)
      return n
    }
    if (flag === "--") continue
    else if (flag === "--seeds") options.seeds = count()
    else if (flag === "--steps") options.steps = count()
    else if (flag === "--seed") options.seed = count()
    else if (flag === "--replay") options.replay = need()
    else if (flag === "--engine") {
      const e = need()
      if (e === "both") options.engines = [...ENGINE_MODES]
      else if ((ENGINE_MODES as readonly string[]).includes(e)) options.engines = [e as EngineMode]
      else throw new Error(`--engine must be sqlite, d1 or both, got ${e}`)
    } else throw new Error(`unknown argument ${flag} (see the header of tests/simulation/src/cli.ts)`)
  }
  return options
}

async function main(): Promise<number> {
  const options = parseArgs(process.argv.slice(2))
  if (options.replay !== undefined) {
    const text = existsSync(options.replay) ? readFileSync(options.replay, "utf8") : options.replay
    const steps = JSON.parse(text) as SimAction[]
    let failed = false
    for (const mode of options.engines) {
      const result = await replaySteps(mode, steps, options.seed ?? 1)
      console.log(result.ok ? `[${mode}] replay of ${steps.length} steps: all invariants hold` : `[${mode}] replay of ${steps.length} steps FAILED:\n${result.message}`)
      failed ||= !result.ok
    }
    return failed ? 1 : 0
  }
  let failed = false
  for (const mode of options.engines) {
    const started = performance.now()
    const report = await runSimulation({ mode, seeds: options.seeds, steps: options.steps, ...(options.seed === undefined ? {} : { seed: options.seed }), log: (line) => console.log(line) })
    const seconds = ((performance.now() - started) / 1000).toFixed(1)
    const t = report.totals
    console.log(
      `[${mode}] seed ${report.seed}: ${report.runs} run(s) passed, ≤ ${options.steps} steps each; ${report.executions} executions, ${t.steps} steps, ${t.mutations} mutations, ${t.quiescentPoints} quiescent points, ${t.observations} live observations checked, ${t.poisoned} poisoned ${JSON.stringify(t.poisonReasons)}; faults ${JSON.stringify(t.faults)}; server ops ${JSON.stringify(t.serverOps)}; ${seconds} s`,
    )
    if (report.failure !== null) {
      failed = true
      const dir = fileURLToPath(new URL("../sim-failures", import.meta.url))
      mkdirSync(dir, { recursive: true })
      const file = resolve(dir, `${mode}-seed-${report.seed}.json`)
      writeFileSync(file, JSON.stringify(report.failure.steps, null, 1))
      console.log(`[${mode}] VIOLATION with seed ${report.seed} (fast-check path ${report.failure.counterexamplePath ?? "-"}):\n${report.failure.message}`)
      console.log(`[${mode}] shrunk to ${report.failure.steps.length} steps: ${JSON.stringify(report.failure.steps)}`)
      console.log(`[${mode}] rerun: pnpm sim --engine ${mode} --seed ${report.seed} --replay ${file}`)
    }
  }
  return failed ? 1 : 0
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error)
    process.exit(2)
  },
)
