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
