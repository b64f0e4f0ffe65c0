/**
 * The page in headless Chromium (Debian's package, driven by playwright-core): two tabs of one
 * user; a todo added in one appears in the other through push → poke → pull; an attached image
 * shows up in the other tab; the admin view and time travel render. Screenshots go to
 * test-results/todo-worker/. Skipped only when no Chromium exists AND `CI` is unset.
 */
import { execFileSync } from "node:child_process"
import { existsSync } from "node:fs"
import { join } from "node:path"
import { chromium, type Browser, type Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { ADMIN_TOKEN, baseUrl, uniqueUser } from "./helpers.js"
import { resultsDir } from "./global-setup.js"

function findChromium(): string | undefined {
  const fromEnv = process.env["CHROMIUM_PATH"]
  if (fromEnv !== undefined && fromEnv !== "" && existsSync(fromEnv)) return fromEnv
  try {
    const found = execFileSync("sh", ["-c", "command -v chromium || command -v chromium-browser"], { encoding: "utf8" }).trim()
    return found === "" ? undefined : found
  } catch {
    return undefined
  }
}

const executablePath = findChromium()
const inCi = process.env["CI"] !== undefined && process.env["CI"] !== "" && process.env["CI"] !== "false"
if (executablePath === undefined && !inCi) {
  console.warn("browser test SKIPPED: no chromium binary (apt-get install -y --no-install-recommends chromium); CI is unset")
}

const PNG = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAIAAACQkWg2AAAAr0lEQVR4nJ2SvQqDMBSF80YdnRwcnIQsQYK3gwQCEqHvdN+vS+dOTb9W+zOUJnAGj+fHe2PM+XItgvniJ5VVJYH8kOmvQDZFlaAygwBNn5lXYMFxVPEqI/DQ/HJ5y5i9OwuTilOxKgOw0Alp/455zB0pc/h6lQ70UIcUt33ugZUOT2U2tSoNaKEWKXAGz0BixZG+DusBNNABad6mqgoUj1S8dPGx1vy4mqtRc/n+wQ3trehoiQW6OQAAAABJRU5ErkJggg==", "base64")

describe.skipIf(executablePath === undefined && !inCi)("the page in Chromium", () => {
  let browser: Browser

  beforeAll(async () => {
    if (executablePath === undefined) throw new Error("CI is set but no chromium binary was found (set CHROMIUM_PATH or install Debian's chromium)")
    browser = await chromium.launch({
      executablePath,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
    })
  })
  afterAll(async () => {
    await browser?.close()
  })

  it("syncs a todo and an image across two tabs of one user", async () => {
    const user = uniqueUser("erin").toLowerCase()
    const context = await browser.newContext({ viewport: { width: 1200, height: 820 } })
    const errors: string[] = []
    const open = async (): Promise<Page> => {
      const page = await context.newPage()
      page.on("pageerror", (error) => errors.push(String(error)))
      await page.goto(`${baseUrl()}/?user=${user}`)
      return page
    }
    try {
      const [one, two] = [await open(), await open()]
      // Presence: each tab sees the other.
      await expect.poll(() => one.locator("#presence").textContent(), { timeout: 15_000 }).toContain("1 other tab")
      await expect.poll(() => two.locator("#presence").textContent(), { timeout: 15_000 }).toContain("1 other tab")
      await expect.poll(() => one.locator("#live").textContent()).toBe("live")

      await one.fill("#title", "Buy oat milk")
      await one.click("#add button[type=submit]")
      await expect.poll(() => two.locator("#todos li .title").allTextContents(), { timeout: 10_000 }).toEqual(["Buy oat milk"])
      await expect.poll(() => one.locator("#sync").textContent()).toBe("synced")

      await two.fill("#title", "Water the plants")
      await two.press("#title", "Enter")
      await expect.poll(() => one.locator("#todos li .title").allTextContents(), { timeout: 10_000 }).toEqual(["Buy oat milk", "Water the plants"])

      // Toggle in tab one, seen in tab two.
      await one.locator("#todos li").first().locator("input[type=checkbox]").click()
      await expect.poll(() => two.locator("#todos li").first().getAttribute("class"), { timeout: 10_000 }).toContain("done")

      // Attach an image in tab two; tab one downloads it through the blob route.
      const chooser = two.waitForEvent("filechooser")
      await two.locator("#todos li").nth(1).getByText("attach image").click()
      await (await chooser).setFiles({ name: "leaf.png", mimeType: "image/png", buffer: PNG })
      await expect.poll(() => one.locator("#todos li img").count(), { timeout: 10_000 }).toBe(1)
      await expect.poll(() => one.locator("#todos li img").evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth), { timeout: 10_000 }).toBe(16)

      // Admin view (live counts) and time travel.
      await one.fill("#admin-token", ADMIN_TOKEN)
      await one.click("#admin-form button")
      const countRow = one.locator("#counts tbody tr", { hasText: user })
      await expect.poll(() => countRow.locator("td").allTextContents(), { timeout: 10_000 }).toEqual([user, "2", "1"])
      await two.fill("#title", "Call the vet")
      await two.press("#title", "Enter")
      await expect.poll(() => countRow.locator("td").allTextContents(), { timeout: 10_000 }).toEqual([user, "3", "1"])
      await expect.poll(() => one.locator("#tt-table tbody tr", { hasText: user }).count(), { timeout: 10_000 }).toBe(3)

      await one.screenshot({ path: join(resultsDir, "two-tabs-one.png"), fullPage: true })
      await two.screenshot({ path: join(resultsDir, "two-tabs-two.png"), fullPage: true })
      expect(errors).toEqual([])
    } finally {
      await context.close()
    }
  })
})
