/**
 * @module Workload `e2e-tab-latency`: a mutation in tab A until it is visible in tab B, through
 * the real todo example under `wrangler dev` (React page, @plasma/client, push → onPushed poke →
 * coordinator → tab B pulls → live query → React render), in headless Chromium (Debian's
 * package, driven by playwright-core). Two tabs of one user in two browser contexts (two client
 * groups, so the change must travel through the server); 50 mutations after 5 warm-up ones.
 *
 * One sample: tab A records `performance.timeOrigin + performance.now()` and submits the add
 * form; a MutationObserver in tab B records the same clock when the new title appears in its
 * list. Both tabs run in one browser on one machine, so the two clocks agree to well under a
 * millisecond. ratio = p50 / 100 ms (the goal is p50 < 100 ms and p99 < 250 ms).
 *
 * The wrangler log is kept in test-results/bench-e2e-tab-latency/. Runs only where a Chromium binary exists (CHROMIUM_PATH, `chromium`); otherwise it reports
 * itself as skipped. Needs the packages built (`pnpm bench` does it); wrangler builds the page.
 */
import { mkdir } from "node:fs/promises"
import { cpus, loadavg } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { chromium, type Page } from "playwright-core"
import { CHROMIUM_ARGS, findChromium } from "../../examples/todo-worker/test/chromium.js"
import { startWranglerDev } from "../../examples/todo-worker/test/wrangler-dev.js"
import { percentile, round, type BenchResult } from "../lib.js"

const WORKLOAD = "e2e-tab-latency"
const WARMUP = 5
const SAMPLES = 50
/** In tab B: remember when each title first shows up in the list. */
function watchTitles(): void {
  const seen: Record<string, number> = {}
  ;(window as unknown as { __seen: Record<string, number> }).__seen = seen
  new MutationObserver(() => {
    const now = performance.timeOrigin + performance.now()
    for (const element of document.querySelectorAll("#todos li .title")) {
      const title = element.textContent ?? ""
      if (!(title in seen)) seen[title] = now
    }
  }).observe(document.body, { childList: true, subtree: true, characterData: true })
}

async function oneSample(a: Page, b: Page, title: string): Promise<number> {
  await a.fill("#title", title)
  const sentAt = await a.evaluate(() => {
    const at = performance.timeOrigin + performance.now()
    document.querySelector<HTMLButtonElement>("#add button[type=submit]")?.click()
    return at
  })
  const handle = await b.waitForFunction((t) => (window as unknown as { __seen: Record<string, number> }).__seen[t], title, { timeout: 10_000, polling: 5 })
  return ((await handle.jsonValue()) as number) - sentAt
}

export async function run(): Promise<BenchResult[]> {
  const executablePath = findChromium()
  if (executablePath === undefined) {
    return [{ workload: WORKLOAD, ratio: Number.NaN, skipped: "no chromium binary (set CHROMIUM_PATH or apt-get install chromium)" }]
  }
  // Kept for a look afterwards (test-results/ is git-ignored).
  const logDir = join(dirname(fileURLToPath(import.meta.url)), "../../test-results/bench-e2e-tab-latency")
  await mkdir(logDir, { recursive: true })
  const dev = await startWranglerDev(join(logDir, "wrangler.log"))
  const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS })
  try {
    const user = `bench-${Date.now().toString(36)}`
    // Two browser contexts: two client groups (separate storage) of one user. Tabs of ONE group
    // share their pending mutations over a BroadcastChannel without the server, which would
    // measure that channel instead of the sync loop.
    const open = async (): Promise<Page> => {
      const context = await browser.newContext()
      const page = await context.newPage()
      await page.goto(`${dev.baseUrl}/?user=${user}`)
      return page
    }
    const [a, b] = [await open(), await open()]
    for (const page of [a, b]) await page.waitForFunction(() => document.querySelector("#peer-count")?.textContent === "1 other tab", undefined, { timeout: 20_000 })
    await b.evaluate(watchTitles)
    for (let i = 0; i < WARMUP; i++) await oneSample(a, b, `warm-up ${i}`)
    const samples: number[] = []
    for (let i = 0; i < SAMPLES; i++) samples.push(await oneSample(a, b, `todo ${i}`))
    const p50 = percentile(samples, 50)
    const p99 = percentile(samples, 99)
    return [
      {
        workload: WORKLOAD,
        ratio: round(p50 / 100),
        p50Ms: round(p50, 1),
        p90Ms: round(percentile(samples, 90), 1),
        p99Ms: round(p99, 1),
        slowestMs: [...samples].sort((x, y) => y - x).slice(0, 3).map((ms) => round(ms, 1)),
        samples: SAMPLES,
        // wrangler dev, workerd and Chromium share the machine's cores: a busy machine inflates every number.
        loadAverage1m: round(loadavg()[0] ?? Number.NaN, 1),
        cores: cpus().length,
        goal: "p50 < 100 ms, p99 < 250 ms; ratio = p50 / 100 ms",
        goalMet: p50 < 100 && p99 < 250,
      },
    ]
  } finally {
    await browser.close()
    await dev.stop()
  }
}
