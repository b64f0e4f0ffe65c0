/**
 * @plasma/client in real headless Chromium (Debian's, through playwright-core) against a real
 * sync handler on better-sqlite3 (test-server.ts), with real IndexedDB, BroadcastChannel and
 * network emulation. The tests drive the page's client through `window.plasmaTest` and check
 * the server's database for what really landed. Nothing here waits on a clock: every wait is a
 * poll for a state.
 *
 * Skipped, with a message, only when no Chromium binary exists AND `CI` is unset.
 */
import type { Browser, BrowserContext, Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { findChromium, inCi, launchChromium } from "./find-chromium.js"
import type { NoteRow } from "./test-page-api.js"
import { startTestServer, type TestServer } from "./test-server.js"

const executablePath = findChromium()
const skip = executablePath === undefined && !inCi
if (skip) {
  console.warn("@plasma/client Chromium tests SKIPPED: no chromium binary (set CHROMIUM_PATH or apt-get install -y --no-install-recommends chromium); CI is unset")
}

const SYNC_ROUTES = "**/sync/**"
const POLL = { timeout: 20_000 }

interface ServerNote {
  readonly id: string
  readonly title: string
  readonly edits: number
}

describe.skipIf(skip)("@plasma/client in Chromium", () => {
  let browser: Browser
  let server: TestServer
  const pageErrors: string[] = []

  beforeAll(async () => {
    if (executablePath === undefined) throw new Error("CI is set but no chromium binary was found (set CHROMIUM_PATH or install Debian's chromium)")
    server = await startTestServer()
    browser = await launchChromium(executablePath)
  })
  afterAll(async () => {
    await browser?.close()
    await server?.close()
  })

  async function open(context: BrowserContext, user: string, group: string): Promise<Page> {
    const page = await context.newPage()
    page.on("pageerror", (error) => pageErrors.push(String(error)))
    await page.goto(`${server.url}/?user=${user}&group=${group}`)
    await ready(page)
    return page
  }

  async function ready(page: Page): Promise<void> {
    await page.waitForFunction(() => window.plasmaTest !== undefined)
    await page.evaluate(() => window.plasmaTest.ready)
  }

  const rowsOf = (page: Page): Promise<readonly NoteRow[]> => page.evaluate(() => window.plasmaTest.rows())
  const titlesOf = async (page: Page): Promise<string[]> => (await rowsOf(page)).map((r) => `${r.id}:${r.title}:${r.edits}`)
  const outboxDepth = (page: Page): Promise<number> => page.evaluate(() => window.plasmaTest.status().outboxDepth)
  const clientIDOf = (page: Page): Promise<string> => page.evaluate(() => window.plasmaTest.client.clientID)

  function addNote(page: Page, id: string, title: string): Promise<void> {
    return page.evaluate(([id, title]) => window.plasmaTest.client.mutate("addNote", { id, title, updatedAt: 1 }), [id, title] as const)
  }

  function renameNote(page: Page, id: string, title: string): Promise<void> {
    return page.evaluate(([id, title]) => window.plasmaTest.client.mutate("renameNote", { id, title, updatedAt: 2 }), [id, title] as const)
  }

  function serverNotes(user: string): string[] {
    const rows = server.database.prepare("SELECT id, title, edits FROM notes WHERE ownerId = ? ORDER BY id").all(user) as ServerNote[]
    return rows.map((r) => `${r.id}:${r.title}:${r.edits}`)
  }

  /** `_plasma_changes` rows of one note: one per applied write, so doubles would show. */
  function changesOf(id: string): number {
    return (server.database.prepare("SELECT COUNT(*) AS n FROM _plasma_changes WHERE table_name = 'notes' AND row_id = ?").get(id) as { n: number }).n
  }

  function lastMutationIDOf(group: string, clientID: string): number | undefined {
    const row = server.database.prepare("SELECT last_mutation_id AS id FROM _plasma_client_mutations WHERE client_group_id = ? AND client_id = ?").get(group, clientID) as { id: number } | undefined
    return row?.id
  }

  it("keeps state and a pending mutation in IndexedDB across page.reload(), shown before any network", async () => {
    const context = await browser.newContext()
    try {
      const page = await open(context, "rhea", "g-reload")
      await addNote(page, "r1", "synced")
      await expect.poll(() => serverNotes("rhea"), POLL).toEqual(["r1:synced:0"])
      await expect.poll(() => outboxDepth(page), POLL).toBe(0)

      // From here the page cannot reach the server: whatever it shows comes from IndexedDB.
      await page.route(SYNC_ROUTES, (route) => route.abort("internetdisconnected"))
      await addNote(page, "r2", "pending")
      expect(await titlesOf(page)).toEqual(["r1:synced:0", "r2:pending:0"])

      await page.reload()
      await ready(page)
      const first = await page.evaluate(() => window.plasmaTest.first())
      expect(first?.responsesBefore).toBe(0)
      expect(first?.rows.map((r) => `${r.id}:${r.title}`)).toEqual(["r1:synced", "r2:pending"])
      expect(await outboxDepth(page)).toBe(1)
      expect(await page.evaluate(() => window.plasmaTest.responses())).toBe(0)
      expect(serverNotes("rhea")).toEqual(["r1:synced:0"])

      // Back on the network, the pending mutation lands exactly once.
      await page.unroute(SYNC_ROUTES)
      await expect.poll(() => serverNotes("rhea"), POLL).toEqual(["r1:synced:0", "r2:pending:0"])
      await expect.poll(() => outboxDepth(page), POLL).toBe(0)
      expect(changesOf("r2")).toBe(1)
      expect(await titlesOf(page)).toEqual(["r1:synced:0", "r2:pending:0"])
    } finally {
      await context.close()
    }
  })

  it("shares pending mutations between tabs of one group (a new tab shows them at once); a closed tab's outbox is pushed by another, once", async () => {
    const context = await browser.newContext()
    try {
      // Both tabs are cut off from the server: what one sees of the other is local (IndexedDB and the tab channel).
      await context.route(SYNC_ROUTES, (route) => route.abort("internetdisconnected"))
      const one = await open(context, "tess", "g-tabs")
      const two = await open(context, "tess", "g-tabs")
      const [idOne, idTwo] = [await clientIDOf(one), await clientIDOf(two)]
      expect(idOne).not.toBe(idTwo)

      await addNote(one, "t1", "from tab one")
      await expect.poll(() => titlesOf(two), POLL).toEqual(["t1:from tab one:0"])
      await addNote(two, "t2", "from tab two")
      await expect.poll(() => titlesOf(one), POLL).toEqual(["t1:from tab one:0", "t2:from tab two:0"])
      expect(serverNotes("tess")).toEqual([])

      // A tab opened now shows the group's pending work from its first delivery, with no network.
      const three = await open(context, "tess", "g-tabs")
      const first = await three.evaluate(() => window.plasmaTest.first())
      expect(first?.responsesBefore).toBe(0)
      expect(first?.rows.map((r) => r.id)).toEqual(["t1", "t2"])

      // Tab one closes with its mutation still pending; the tabs left push it.
      await one.close()
      await context.unroute(SYNC_ROUTES)
      await expect.poll(() => serverNotes("tess"), POLL).toEqual(["t1:from tab one:0", "t2:from tab two:0"])
      await expect.poll(() => outboxDepth(two), POLL).toBe(0)
      expect(changesOf("t1")).toBe(1)
      expect(changesOf("t2")).toBe(1)
      expect(lastMutationIDOf("g-tabs", idOne)).toBe(1)
      expect(lastMutationIDOf("g-tabs", idTwo)).toBe(1)
      expect(await titlesOf(two)).toEqual(["t1:from tab one:0", "t2:from tab two:0"])
      await expect.poll(() => outboxDepth(three), POLL).toBe(0)
    } finally {
      await context.close()
    }
  })

  it("queues work while context.setOffline(true) and lands it exactly once when back online", async () => {
    const context = await browser.newContext()
    try {
      const page = await open(context, "otto", "g-offline")
      await expect.poll(() => page.evaluate(() => window.plasmaTest.responses()), POLL).toBeGreaterThan(0)
      const clientID = await clientIDOf(page)

      await context.setOffline(true)
      await addNote(page, "o1", "written offline")
      await addNote(page, "o2", "also offline")
      await renameNote(page, "o1", "renamed offline")
      expect(await titlesOf(page)).toEqual(["o1:renamed offline:1", "o2:also offline:0"])
      // A push attempt while offline fails as a network error and changes nothing on the server.
      expect(await page.evaluate(() => window.plasmaTest.client.pushOnce().then(() => "pushed", (e: { kind?: string }) => e.kind ?? String(e)))).toBe("network")
      await expect.poll(() => page.evaluate(() => window.plasmaTest.status().online), POLL).toBe(false)
      expect(await outboxDepth(page)).toBe(3)
      expect(serverNotes("otto")).toEqual([])

      // Back online: the browser's `online` event wakes the loop; nothing is pushed by hand here.
      await context.setOffline(false)
      await expect.poll(() => serverNotes("otto"), POLL).toEqual(["o1:renamed offline:1", "o2:also offline:0"])
      await expect.poll(() => outboxDepth(page), POLL).toBe(0)
      await expect.poll(() => page.evaluate(() => window.plasmaTest.status().online), POLL).toBe(true)

      // More sync rounds change nothing: each mutation was applied exactly once.
      await page.evaluate(() => window.plasmaTest.client.flush())
      await page.evaluate(() => window.plasmaTest.client.pullOnce())
      expect(lastMutationIDOf("g-offline", clientID)).toBe(3)
      expect(changesOf("o1")).toBe(2)
      expect(changesOf("o2")).toBe(1)
      expect(serverNotes("otto")).toEqual(["o1:renamed offline:1", "o2:also offline:0"])
      expect(await titlesOf(page)).toEqual(["o1:renamed offline:1", "o2:also offline:0"])
    } finally {
      await context.close()
    }
  })

  it("raised no page errors", () => {
    expect(pageErrors).toEqual([])
  })
})
