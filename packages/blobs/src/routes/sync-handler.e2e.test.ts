/**
 * The blob routes through the real `createSyncHandler` (its `blobs` option): auth runs first,
 * routing passes `:hash` through, and pushes attach uploaded files. better-sqlite3 + memory.
 */
import { createSyncHandler, type SyncMetric } from "@plasma/server"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { memoryStorage } from "../storage/memory-storage.js"
import { blobRows, createSqliteDb, makeBlob, mutators, schema } from "../testing/blob-fixtures.js"
import { ensureBlobGcTable } from "../gc/blob-gc-table.js"
import { blobRoutes } from "./blob-routes.js"

describe("blob routes through createSyncHandler", () => {
  let db: Awaited<ReturnType<typeof createSqliteDb>>
  const storage = memoryStorage()
  const metrics: SyncMetric[] = []
  let handler: (request: Request) => Promise<Response>
  beforeAll(async () => {
    db = await createSqliteDb()
    await ensureBlobGcTable(db.executor)
    handler = createSyncHandler({
      schema,
      mutators,
      executor: db.executor,
      schemaVersion: "v1",
      auth: (request) => {
        const user = request.headers.get("authorization")?.replace(/^Bearer /, "")
        return user === undefined || user === "" ? { ok: false, reason: "no token" } : { ok: true, clientGroupID: `g-${user}`, clientID: `c-${user}`, userID: user, ctx: { userId: user } }
      },
      onMetric: (m) => void metrics.push(m),
      blobs: blobRoutes({ storage, cache: null }),
    })
  })
  afterAll(() => db.dispose())

  const as = (user: string | null, path: string, init: RequestInit = {}): Promise<Response> =>
    handler(new Request(`https://app.test${path}`, { ...init, headers: { ...(init.headers as Record<string, string>), ...(user === null ? {} : { authorization: `Bearer ${user}` }) } }))

  const pushAs = (user: string, id: number, name: string, args: unknown) =>
    as(user, "/sync/push", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ protocolVersion: 1, schemaVersion: "v1", clientGroupID: `g-${user}`, clientID: `c-${user}`, mutations: [{ id, name, args, timestamp: 1 }] }),
    })

  it("refuses a PUT without auth with 401 before anything is stored", async () => {
    const blob = await makeBlob("anonymous")
    const response = await as(null, `/sync/blob/${blob.ref.hash}`, { method: "PUT", body: blob.bytes, headers: { "content-type": "text/plain" } })
    expect(response.status).toBe(401)
    expect(storage.hashes()).toEqual([])
    expect((await blobRows(db.executor)).size).toBe(0)
  })

  it.each(["..%2F..%2Fetc%2Fpasswd", "..%2f", "%2e%2e", "abc", `${"0".repeat(64)}%2F..`])("refuses the path %s with a 4xx and stores nothing", async (segment) => {
    const response = await as("alice", `/sync/blob/${segment}`, { method: "PUT", body: "x", headers: { "content-type": "text/plain" } })
    expect(response.status).toBeGreaterThanOrEqual(400)
    expect(response.status).toBeLessThan(500)
    expect(storage.hashes()).toEqual([])
    expect((await blobRows(db.executor)).size).toBe(0)
  })

  it("upload, attach by push, download by the owner; 404 for another user; metrics reported", async () => {
    const blob = await makeBlob("through the handler")
    const put = await as("alice", `/sync/blob/${blob.ref.hash}`, { method: "PUT", body: blob.bytes, headers: { "content-type": "text/plain" } })
    expect(put.status).toBe(200)
    expect((await pushAs("alice", 1, "createTodo", { id: "t1", ownerId: "alice", attachment: blob.ref })).status).toBe(200)
    const mine = await as("alice", `/sync/blob/${blob.ref.hash}`)
    expect(mine.status).toBe(200)
    expect(await mine.text()).toBe("through the handler")
    expect((await as("bob", `/sync/blob/${blob.ref.hash}`)).status).toBe(404)
    expect(metrics.filter((m) => m.kind === "blob-put" || m.kind === "blob-get").map((m) => [m.kind, m.status])).toEqual(
      expect.arrayContaining([
        ["blob-put", 200],
        ["blob-get", 200],
        ["blob-get", 404],
      ]),
    )
  })

  it("attaching needs proof of access: knowing the FileRef is not enough; uploading the bytes is (the uploader is auth's userID)", async () => {
    const blob = await makeBlob("carol's secret")
    expect((await as("carol", `/sync/blob/${blob.ref.hash}`, { method: "PUT", body: blob.bytes, headers: { "content-type": "text/plain" } })).status).toBe(200)
    const uploads = await db.executor.all<{ principal: string }>({ text: "SELECT principal FROM _plasma_blob_uploads WHERE hash = ?", params: [blob.ref.hash] })
    expect(uploads.map((u) => u.principal)).toEqual(["carol"])
    // Dave knows hash, size and MIME, attaches them to a row of his own: refused, so he cannot download through it.
    expect((await pushAs("dave", 1, "createTodo", { id: "d1", ownerId: "dave", attachment: blob.ref })).status).toBe(200)
    expect(await db.executor.all({ text: "SELECT id FROM todos WHERE id = 'd1'", params: [] })).toEqual([])
    expect((await as("dave", `/sync/blob/${blob.ref.hash}`)).status).toBe(404)
    // Once Dave sends the bytes himself he holds them anyway, and may attach them.
    expect((await as("dave", `/sync/blob/${blob.ref.hash}`, { method: "PUT", body: blob.bytes, headers: { "content-type": "text/plain" } })).status).toBe(200)
    expect((await pushAs("dave", 2, "createTodo", { id: "d2", ownerId: "dave", attachment: blob.ref })).status).toBe(200)
    expect(await db.executor.all({ text: "SELECT id FROM todos WHERE id = 'd2'", params: [] })).toEqual([{ id: "d2" }])
  })
})
