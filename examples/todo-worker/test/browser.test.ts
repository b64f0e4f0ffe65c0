/**
 * The React page in headless Chromium (Debian's package, driven by playwright-core) against the
 * real `wrangler dev`: two tabs of one user converge (push → poke → pull), see each other in
 * presence, and share an attached image; the admin view and time travel render; a todo added
 * offline survives a reload and lands exactly once when the tab is back online. No console
 * errors. Screenshots go to test-results/todo-worker/. Skipped only when no Chromium exists AND
 * `CI` is unset.
 */
import { readFile } from "node:fs/promises"
import { join } from "node:path"
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest"
import { CHROMIUM_ARGS, findChromium } from "./chromium.js"
import { resultsDir } from "./global-setup.js"
import { ADMIN_TOKEN, baseUrl, SyncClient, uniqueUser } from "./helpers.js"

const executablePath = findChromium()
const inCi = process.env["CI"] !== undefined && process.env["CI"] !== "" && process.env["CI"] !== "false"
if (executablePath === undefined && !inCi) {
  console.warn("browser test SKIPPED: no chromium binary (apt-get install -y --no-install-recommends chromium); CI is unset")
}

/** The launch arguments ENVIRONMENT.md lists for Debian's Chromium. */

const PNG = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAIAAACQkWg2AAAAr0lEQVR4nJ2SvQqDMBSF80YdnRwcnIQsQYK3gwQCEqHvdN+vS+dOTb9W+zOUJnAGj+fHe2PM+XItgvniJ5VVJYH8kOmvQDZFlaAygwBNn5lXYMFxVPEqI/DQ/HJ5y5i9OwuTilOxKgOw0Alp/455zB0pc/h6lQ70UIcUt33ugZUOT2U2tSoNaKEWKXAGz0BixZG+DusBNNABad6mqgoUj1S8dPGx1vy4mqtRc/n+wQ3trehoiQW6OQAAAABJRU5ErkJggg==", "base64")

/** Opens a tab of `user` and records its page errors and console errors. */
async function openTab(context: BrowserContext, user: string, errors: string[]): Promise<Page> {
  const page = await context.newPage()
  page.on("pageerror", (error) => errors.push(`pageerror: ${String(error)}`))
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(`console: ${message.text()}`)
  })
  await page.goto(`${baseUrl()}/?user=${user}`)
  return page
}

/** The wrangler dev log so far ("" when running against an external server). */
async function wranglerLogText(): Promise<string> {
  const log = inject("wranglerLog")
  return log === "" ? "" : readFile(log, "utf8")
}

const titles = (page: Page): Promise<string[]> => page.locator("#todos li .title").allTextContents()

describe.skipIf(executablePath === undefined && !inCi)("the React page in Chromium", () => {
  let browser: Browser

  beforeAll(async () => {
    if (executablePath === undefined) throw new Error("CI is set but no chromium binary was found (set CHROMIUM_PATH or install Debian's chromium)")
    browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS })
  })
  afterAll(async () => {
    await browser?.close()
  })

  it("two tabs of one user converge, see each other, share an image; another device gets it all through the server; admin, time travel and change history render", async () => {
    const user = uniqueUser("erin").toLowerCase()
    const context = await browser.newContext({ viewport: { width: 1200, height: 820 } })
    // Another browser profile of the same user: its own client group, so everything it sees came
    // through the Worker (tabs of one group also share pending mutations over a BroadcastChannel).
    const device = await browser.newContext({ viewport: { width: 1200, height: 820 } })
    const errors: string[] = []
    try {
      const [one, two] = [await openTab(context, user, errors), await openTab(context, user, errors)]
      const laptop = await openTab(device, user, errors)
      // Presence: each tab sees the other.
      await expect.poll(() => one.locator("#peer-count").textContent(), { timeout: 15_000 }).toBe("2 other tabs")
      await expect.poll(() => two.locator("#peer-count").textContent(), { timeout: 15_000 }).toBe("2 other tabs")

      await one.fill("#title", "Buy oat milk")
      await one.click("#add button[type=submit]")
      expect(await titles(one)).toEqual(["Buy oat milk"]) // optimistic: there at once
      await expect.poll(() => titles(two), { timeout: 10_000 }).toEqual(["Buy oat milk"])
      await expect.poll(() => one.locator("#sync").textContent(), { timeout: 10_000 }).toBe("synced")
      await expect.poll(() => one.locator("#todos li.pending").count()).toBe(0)

      await two.fill("#title", "Water the plants")
      await two.press("#title", "Enter")
      await expect.poll(() => titles(one), { timeout: 10_000 }).toEqual(["Buy oat milk", "Water the plants"])

      // Toggle in tab one, seen in tab two.
      await one.locator("#todos li").first().locator("input[type=checkbox]").click()
      await expect.poll(() => two.locator("#todos li").first().getAttribute("class"), { timeout: 10_000 }).toContain("done")

      // Attach an image in tab two; tab one gets the bytes through the blob route.
      const chooser = two.waitForEvent("filechooser")
      await two.locator("#todos li").nth(1).getByText("attach image").click()
      await (await chooser).setFiles({ name: "leaf.png", mimeType: "image/png", buffer: PNG })
      await expect.poll(() => two.locator("#todos li img").count(), { timeout: 10_000 }).toBe(1)
      await expect.poll(() => one.locator("#todos li img").count(), { timeout: 10_000 }).toBe(1)
      await expect.poll(() => one.locator("#todos li img").evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth), { timeout: 10_000 }).toBe(16)
      // The other device: rows by pull, the image bytes by the blob route.
      await expect.poll(() => titles(laptop), { timeout: 10_000 }).toEqual(["Buy oat milk", "Water the plants"])
      await expect.poll(() => laptop.locator("#todos li").first().getAttribute("class"), { timeout: 10_000 }).toContain("done")
      await expect.poll(() => laptop.locator("#todos li img").evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth), { timeout: 10_000 }).toBe(16)

      // Admin view (live counts over serverLiveSelect) and time travel (snapshotAsOf).
      await one.fill("#admin-token", ADMIN_TOKEN)
      await one.click("#admin-form button")
      const countRow = one.locator("#counts tbody tr", { hasText: user })
      await expect.poll(() => countRow.locator("td").allTextContents(), { timeout: 10_000 }).toEqual([user, "2", "1"])
      await two.fill("#title", "Call the vet")
      await two.press("#title", "Enter")
      await expect.poll(() => countRow.locator("td").allTextContents(), { timeout: 10_000 }).toEqual([user, "3", "1"])
      await expect.poll(() => one.locator("#tt-table tbody tr", { hasText: user }).count(), { timeout: 10_000 }).toBe(3)
      // Change history: "what changed since version 0" (diffSnapshots) lists the user's three todos;
      // picking one opens its history (rowHistory): added, then ticked, each by a client's mutation.
      await one.fill("#diff-from", "0")
      await one.click("#diff-form button")
      await expect.poll(() => one.locator("#diff-table tbody tr", { hasText: user }).count(), { timeout: 10_000 }).toBe(3)
      await one.locator("#diff-table tbody tr", { hasText: "Buy oat milk" }).locator("button.link").click()
      const historyRows = one.locator("#history-table tbody tr")
      await expect.poll(() => historyRows.count(), { timeout: 10_000 }).toBe(2)
      expect(await historyRows.nth(0).locator("td").nth(1).textContent()).toBe(`Buy oat milk ✓ (${user})`)
      expect(await historyRows.nth(1).locator("td").nth(1).textContent()).toBe(`Buy oat milk (${user})`)
      for (const row of await historyRows.all()) expect(await row.locator("td").nth(2).textContent()).toMatch(/… mutation \d+$/)

      await one.screenshot({ path: join(resultsDir, "two-tabs-one.png"), fullPage: true })
      await two.screenshot({ path: join(resultsDir, "two-tabs-two.png"), fullPage: true })
      await laptop.screenshot({ path: join(resultsDir, "other-device.png"), fullPage: true })
      expect(errors).toEqual([])
    } finally {
      await context.close()
      await device.close()
    }
  })

  it("a schema mismatch shows a clear prompt, and the page keeps working once the user decides", async () => {
    const user = uniqueUser("sam").toLowerCase()
    const context = await browser.newContext({ viewport: { width: 1200, height: 820 } })
    const errors: string[] = []
    try {
      // The real server answers 409: the page's pulls are rewritten to name an older schema
      // version, as an out-of-date page would send.
      await context.route("**/sync/pull?**", (route) => route.continue({ url: route.request().url().replace(/schemaVersion=[^&]*/, "schemaVersion=todos-v0") }))
      const page = await openTab(context, user, errors)
      const banner = page.locator("#schema-mismatch")
      await expect.poll(() => banner.textContent(), { timeout: 15_000 }).toContain("This page is out of date")
      expect(await banner.textContent()).toContain("todos-v1")
      await page.screenshot({ path: join(resultsDir, "schema-mismatch.png"), fullPage: true })

      // Local work goes on meanwhile; "keep" closes the prompt and keeps it.
      await page.fill("#title", "Kept through the prompt")
      await page.press("#title", "Enter")
      await context.unroute("**/sync/pull?**")
      await page.getByText("Keep my local changes for now").click()
      await expect.poll(() => banner.count()).toBe(0)
      await expect.poll(() => page.locator("#sync").textContent(), { timeout: 30_000 }).toBe("synced")
      expect(await titles(page)).toEqual(["Kept through the prompt"])
      // The 409s are logged by the browser as failed loads; nothing else may appear.
      expect(errors.filter((error) => !/Failed to load resource|409/.test(error))).toEqual([])
    } finally {
      await context.close()
    }
  })

  it("a todo added offline survives a reload and lands exactly once when back online", async () => {
    const user = uniqueUser("olga").toLowerCase()
    const context = await browser.newContext({ viewport: { width: 1200, height: 820 } })
    const errors: string[] = []
    try {
      const page = await openTab(context, user, errors)
      await expect.poll(() => page.locator("#peer-count").textContent(), { timeout: 15_000 }).toBe("0 other tabs")

      await context.setOffline(true)
      await page.fill("#title", "Written on a train")
      await page.press("#title", "Enter")
      expect(await titles(page)).toEqual(["Written on a train"])
      await expect.poll(() => page.locator("#sync").textContent()).toBe("1 pending")
      await expect.poll(() => page.locator("#todos li.pending").count()).toBe(1)
      await expect.poll(() => page.locator("#online").textContent(), { timeout: 15_000 }).toBe("offline")
      await page.screenshot({ path: join(resultsDir, "offline-pending.png"), fullPage: true })

      // Reload with the sync API still unreachable (the page itself must load): the todo and its
      // pending mutation come back from IndexedDB before any network.
      await context.route("**/sync/**", (route) => route.abort("internetdisconnected"))
      await context.setOffline(false)
      await page.reload()
      await expect.poll(() => titles(page), { timeout: 10_000 }).toEqual(["Written on a train"])
      await expect.poll(() => page.locator("#sync").textContent(), { timeout: 10_000 }).toBe("1 pending")

      // Back online: it lands, exactly once (no duplicate refused by the server either).
      const logBefore = await wranglerLogText()
      await context.unroute("**/sync/**")
      await page.evaluate(() => dispatchEvent(new Event("online")))
      await expect.poll(() => page.locator("#sync").textContent(), { timeout: 30_000 }).toBe("synced")
      const observer = new SyncClient(user)
      await observer.pull()
      expect(observer.snapshot().map((row) => row["title"])).toEqual(["Written on a train"])
      expect(await titles(page)).toEqual(["Written on a train"])
      const logAfter = await wranglerLogText()
      if (logAfter !== "") expect(logAfter.slice(logBefore.length)).not.toContain('"kind":"mutation-error"')
      await page.screenshot({ path: join(resultsDir, "offline-landed.png"), fullPage: true })

      // Offline, the browser logs its failed requests as console errors; nothing else may appear.
      const unexpected = errors.filter((error) => !/ERR_INTERNET_DISCONNECTED|Failed to load resource|WebSocket connection to .* failed|Failed to fetch/.test(error))
      expect(unexpected).toEqual([])
    } finally {
      await context.close()
    }
  })
})
