/** One measured workload. `ratio` is plasma's cost over the baseline measured in the same run. */
export interface BenchResult {
  readonly workload: string
  readonly ratio: number
  readonly [detail: string]: unknown
}

/** Runs `fn` `iterations` times after `warmup` runs and returns the median wall time in ms. */
export async function medianMs(fn: () => unknown, iterations = 5, warmup = 1): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn()
  const times: number[] = []
  for (let i = 0; i < iterations; i++) {
    const start = performance.now()
    await fn()
    times.push(performance.now() - start)
  }
  times.sort((a, b) => a - b)
  return times[Math.floor(times.length / 2)] ?? Number.NaN
}

/** Percentile (0..100) of a list of numbers. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[index] ?? Number.NaN
}

export function round(value: number, digits = 2): number {
  const f = 10 ** digits
  return Math.round(value * f) / f
}

/** The median of a list of numbers (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  if (sorted.length === 0) return Number.NaN
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}

/**
 * Runs `round` `rounds` times and returns every round's ratio and their median: a ratio taken
 * from one round lets one noisy moment of a shared machine decide it.
 */
export async function ratioOfRounds(rounds: number, round: () => Promise<{ readonly plasmaMs: number; readonly baselineMs: number }>) {
  const results: { plasmaMs: number; baselineMs: number; ratio: number }[] = []
  for (let i = 0; i < rounds; i++) {
    const { plasmaMs, baselineMs } = await round()
    results.push({ plasmaMs, baselineMs, ratio: plasmaMs / baselineMs })
  }
  return {
    ratio: median(results.map((r) => r.ratio)),
    plasmaMs: median(results.map((r) => r.plasmaMs)),
    baselineMs: median(results.map((r) => r.baselineMs)),
    roundRatios: results.map((r) => round2(r.ratio)),
  }
}

const round2 = (value: number): number => Math.round(value * 100) / 100
