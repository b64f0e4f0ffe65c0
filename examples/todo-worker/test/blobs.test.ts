/** A file's whole life: upload, attach, download, detach, collected by the cron after its grace. */
import { describe, expect, it } from "vitest"
import { admin, baseUrl, runCron, sleep, stats, SyncClient, todoArgs, uniqueUser } from "./helpers.js"

// A 1×1 PNG (the bytes are only checked against their hash, the MIME type against the column).
const PNG = Uint8Array.from(Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==", "base64"))
const BLOB_GRACE_MS = 2_000 // wrangler.jsonc's dev value

async function sha256(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  return Buffer.from(await crypto.subtle.digest("SHA-256", bytes)).toString("hex")
}

describe("blobs", () => {
  it("uploads, downloads, detaches and collects a file", async () => {
    // A byte that differs per run, so an earlier run's blob cannot interfere.
    const bytes = Uint8Array.from([...PNG, ...new TextEncoder().encode(uniqueUser("salt"))])
    const hash = await sha256(bytes)
    const owner = new SyncClient(uniqueUser("filer"))
    const stranger = new SyncClient(uniqueUser("stranger"))
    const url = `${baseUrl()}/sync/blob/${hash}`
    const put = () => fetch(url, { method: "PUT", headers: owner.headers({ "content-type": "image/png" }), body: bytes })

    const first = await put()
    expect(first.status, await first.text()).toBeLessThan(300)
    expect((await put()).status).toBeLessThan(300) // idempotent
    // Nobody references it yet: only its uploader may read it back.
    expect((await fetch(url, { headers: owner.headers() })).status).toBe(200)
    expect((await fetch(url, { headers: stranger.headers() })).status).toBe(404)

    await owner.push(todoArgs(`${owner.userId}-f1`, "with a picture"), {
      name: "attachFile",
      args: { id: `${owner.userId}-f1`, attachment: { hash, size: bytes.length, mime: "image/png", name: "dot.png" }, updatedAt: Date.now() },
    })
    await owner.pull()
    expect(owner.rows.get(`${owner.userId}-f1`)?.["attachment"]).toEqual({ hash, size: bytes.length, mime: "image/png", name: "dot.png" })

    const download = await fetch(url, { headers: owner.headers() })
    expect(download.status).toBe(200)
    expect(download.headers.get("content-type")).toBe("image/png")
    expect(download.headers.get("etag")).toContain(hash)
    expect(new Uint8Array(await download.arrayBuffer())).toEqual(bytes)
    // The row's read predicate decides: another user cannot read it.
    expect((await fetch(url, { headers: stranger.headers() })).status).toBe(404)

    await owner.push({ name: "detachFile", args: { id: `${owner.userId}-f1`, updatedAt: Date.now() } })
    await owner.pull()
    expect(owner.rows.get(`${owner.userId}-f1`)?.["attachment"]).toBeNull()
    expect((await stats()).blobs.find((blob) => blob.hash === hash)?.orphaned_at).toEqual(expect.any(Number))
    expect((await admin(`/admin/blob/${hash}`)).status).toBe(200) // bytes kept during the grace

    await sleep(BLOB_GRACE_MS + 500)
    const report = await runCron()
    expect(report.gc.deleted).toBeGreaterThanOrEqual(1)
    expect((await fetch(url, { headers: owner.headers() })).status).toBe(404)
    expect((await admin(`/admin/blob/${hash}`)).status).toBe(404) // gone from R2
    expect((await stats()).blobs.some((blob) => blob.hash === hash)).toBe(false)
  })

  it("refuses a mutation that names bytes nobody uploaded", async () => {
    const owner = new SyncClient(uniqueUser("ghost"))
    await owner.push(todoArgs(`${owner.userId}-g1`, "ghost file"), {
      name: "attachFile",
      args: { id: `${owner.userId}-g1`, attachment: { hash: "a".repeat(64), size: 10, mime: "image/png" }, updatedAt: Date.now() },
    })
    const pull = await owner.pull()
    expect(pull.lastMutationIDs[owner.clientID]).toBe(2)
    expect(owner.rows.get(`${owner.userId}-g1`)?.["attachment"]).toBeNull()
  })

  it("keeps a blob that is re-attached during its grace", async () => {
    const bytes = Uint8Array.from([...PNG, ...new TextEncoder().encode(uniqueUser("keep"))])
    const hash = await sha256(bytes)
    const owner = new SyncClient(uniqueUser("keeper"))
    await fetch(`${baseUrl()}/sync/blob/${hash}`, { method: "PUT", headers: owner.headers({ "content-type": "image/png" }), body: bytes })
    const attachment = { hash, size: bytes.length, mime: "image/png" }
    await owner.push(todoArgs(`${owner.userId}-k1`, "first"), todoArgs(`${owner.userId}-k2`, "second"), { name: "attachFile", args: { id: `${owner.userId}-k1`, attachment, updatedAt: 1 } })
    await owner.push({ name: "deleteTodo", args: { id: `${owner.userId}-k1` } }, { name: "attachFile", args: { id: `${owner.userId}-k2`, attachment, updatedAt: 2 } })
    await sleep(BLOB_GRACE_MS + 500)
    await runCron()
    expect((await fetch(`${baseUrl()}/sync/blob/${hash}`, { headers: owner.headers() })).status).toBe(200)
  })
})
