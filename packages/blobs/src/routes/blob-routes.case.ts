/**
 * The blob routes' behaviour suite, written once and run against every database + storage pair
 * (better-sqlite3 with memory and filesystem storage, D1 with R2 in workerd). The routes are
 * driven directly through `handle(request, context)` with a context built as the sync handler
 * builds it after `auth`.
 */
import type { SqlExecutor } from "@plasma/executors"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { sha256Hex } from "../hash.js"
import type { BlobStorage } from "../storage/blob-storage.js"
import {
  blobContext,
  blobRows,
  createPusher,
  createRecorder,
  getRequest,
  makeBlob,
  plainSchema,
  putRequest,
} from "../testing/blob-fixtures.js"
import { blobRoutes } from "./blob-routes.js"
import type { BlobCache } from "./get-blob.js"

export interface BlobRoutesSubject {
  readonly executor: SqlExecutor
  readonly storage: BlobStorage
  /** Objects in the backend, counted by the backend itself. */
  countObjects(): Promise<number>
  /** Empties database tables and storage between tests. */
  reset(): Promise<void>
  dispose(): Promise<void>
}

async function json(response: Response): Promise<Record<string, unknown>> {
  return (await response.json()) as Record<string, unknown>
}

export function describeBlobRoutes(name: string, factory: () => Promise<BlobRoutesSubject>): void {
  describe(`blobRoutes on ${name}`, () => {
    let subject: BlobRoutesSubject
    let executor: SqlExecutor
    let routes: ReturnType<typeof blobRoutes>
    beforeAll(async () => {
      subject = await factory()
      executor = subject.executor
    })
    afterAll(async () => {
      await subject.dispose()
    })
    beforeEach(async () => {
      await subject.reset()
      routes = blobRoutes({ storage: subject.storage, cache: null })
    })

    /** Uploads as user "uploader", so the readers below are never the uploader unless a test says so. */
    async function put(content: string, mime = "text/plain") {
      const blob = await makeBlob(content, mime)
      const response = await routes.handle(putRequest(blob.ref.hash, blob.bytes, { "content-type": mime }), blobContext(executor, blob.ref.hash, { userID: "uploader" }))
      expect(response.status).toBe(200)
      return blob
    }

    async function expectNothingStored(): Promise<void> {
      expect(await subject.countObjects()).toBe(0)
      expect((await blobRows(executor)).size).toBe(0)
      expect(await uploadRows()).toEqual([])
    }

    /** `_plasma_blob_uploads` as sorted `principal|hash` strings. */
    async function uploadRows(): Promise<string[]> {
      const rows = await executor.all<{ hash: string; principal: string }>({ text: "SELECT hash, principal FROM _plasma_blob_uploads", params: [] })
      return rows.map((r) => `${r.principal}|${r.hash}`).sort()
    }

    it("PUT then GET returns the same bytes with immutable caching headers and metrics", async () => {
      const recorder = createRecorder()
      const blob = await makeBlob("hello plasma")
      const putResponse = await routes.handle(putRequest(blob.ref.hash, blob.bytes, { "content-type": "text/plain; charset=utf-8" }), blobContext(executor, blob.ref.hash, { recorder }))
      expect(putResponse.status).toBe(200)
      expect(await json(putResponse)).toEqual({ ok: true, hash: blob.ref.hash, size: blob.bytes.byteLength, mime: "text/plain" }) // stored in essence form
      const row = (await blobRows(executor)).get(blob.ref.hash)
      expect(row?.size).toBe(blob.bytes.byteLength)
      // Never referenced: its orphan clock starts at the upload.
      expect(row?.orphaned_at).toBe(row?.uploaded_at)

      await createPusher(executor)("createTodo", { id: "t1", ownerId: "alice", attachment: blob.ref })
      expect((await blobRows(executor)).get(blob.ref.hash)?.orphaned_at).toBeNull()

      const response = await routes.handle(getRequest(blob.ref.hash), blobContext(executor, blob.ref.hash, { recorder }))
      expect(response.status).toBe(200)
      expect(new Uint8Array(await response.arrayBuffer())).toEqual(blob.bytes)
      expect(response.headers.get("etag")).toBe(`"${blob.ref.hash}"`)
      expect(response.headers.get("content-type")).toBe("text/plain")
      expect(response.headers.get("content-length")).toBe(String(blob.bytes.byteLength))
      expect(response.headers.get("cache-control")).toBe("private, max-age=31536000, immutable")
      expect(response.headers.get("x-content-type-options")).toBe("nosniff")
      expect(recorder.metrics.map((m) => [m.kind, m.ok, m.status, m.bytes])).toEqual([
        ["blob-put", true, 200, blob.bytes.byteLength],
        ["blob-get", true, 200, blob.bytes.byteLength],
      ])
      expect(recorder.errors).toEqual([])
    })

    it("PUT is idempotent: the same hash again is 200, one record, one object", async () => {
      const blob = await put("twice")
      const before = (await blobRows(executor)).get(blob.ref.hash)
      await new Promise((r) => setTimeout(r, 5))
      const again = await routes.handle(putRequest(blob.ref.hash, blob.bytes, { "content-type": "text/plain" }), blobContext(executor, blob.ref.hash))
      expect(again.status).toBe(200)
      expect(await subject.countObjects()).toBe(1)
      const rows = await blobRows(executor)
      expect(rows.size).toBe(1)
      // The first upload time stays; the orphan clock of an unreferenced blob restarts.
      expect(rows.get(blob.ref.hash)?.uploaded_at).toBe(before?.uploaded_at)
      expect(rows.get(blob.ref.hash)?.orphaned_at).toBeGreaterThan(before?.orphaned_at ?? Infinity)
    })

    it("If-None-Match with the ETag answers 304 to a reader, 404 to anyone else", async () => {
      const blob = await put("etag me")
      await createPusher(executor)("createTodo", { id: "t1", ownerId: "alice", attachment: blob.ref })
      const reader = await routes.handle(getRequest(blob.ref.hash, { "if-none-match": `W/"x", "${blob.ref.hash}"` }), blobContext(executor, blob.ref.hash))
      expect(reader.status).toBe(304)
      expect(reader.headers.get("etag")).toBe(`"${blob.ref.hash}"`)
      const other = await routes.handle(getRequest(blob.ref.hash, { "if-none-match": `"${blob.ref.hash}"` }), blobContext(executor, blob.ref.hash, { ctx: { userId: "mallory" } }))
      expect(other.status).toBe(404)
    })

    describe("refuses bad input with the right 4xx and stores nothing", () => {
      const traversal = [
        "..%2F..%2Fetc%2Fpasswd",
        "../x",
        "..",
        "%2e%2e%2f%2e%2e%2fsecret",
        "..\\..\\windows",
        "abc",
        "A".repeat(64),
        "0".repeat(63),
        "0".repeat(65),
        `sha256:${"0".repeat(64)}`,
        `${"0".repeat(64)}/../x`,
        `${"0".repeat(64)}\n`,
        "",
      ]
      it.each(traversal)("malformed hash %j → 400 blob-invalid", async (hash) => {
        const recorder = createRecorder()
        const response = await routes.handle(
          new Request("https://app.test/sync/blob/x", { method: "PUT", body: "data", headers: { "content-type": "text/plain" } }),
          blobContext(executor, hash, { recorder }),
        )
        expect(response.status).toBe(400)
        expect(await json(response)).toMatchObject({ error: "blob-invalid", reason: "invalid-hash" })
        const get = await routes.handle(getRequest("x"), blobContext(executor, hash))
        expect(get.status).toBe(400)
        expect(recorder.errors.map((e) => e.kind)).toEqual(["blob-invalid"])
        await expectNothingStored()
      })

      it("a body whose SHA-256 is not the hash → 400 hash-mismatch", async () => {
        const blob = await makeBlob("the real bytes")
        const forged = new TextEncoder().encode("other bytes!!!")
        const response = await routes.handle(putRequest(blob.ref.hash, forged, { "content-type": "text/plain" }), blobContext(executor, blob.ref.hash))
        expect(response.status).toBe(400)
        expect(await json(response)).toMatchObject({ error: "blob-invalid", reason: "hash-mismatch", expected: blob.ref.hash, actual: await sha256Hex(forged) })
        await expectNothingStored()
      })

      it("a Content-Length over the largest maxSize → 413 before the body is read", async () => {
        const bytes = new Uint8Array(5_001)
        const hash = await sha256Hex(bytes)
        const response = await routes.handle(putRequest(hash, bytes, { "content-type": "application/pdf" }), blobContext(executor, hash))
        expect(response.status).toBe(413)
        expect(await json(response)).toMatchObject({ error: "payload-too-large", maxSize: 5_000 })
        await expectNothingStored()
      })

      it("a streamed body without Content-Length that grows past maxSize → 413", async () => {
        const chunk = new Uint8Array(1_000)
        let sent = 0
        const stream = new ReadableStream<Uint8Array>({
          pull(controller) {
            if (sent >= 10) return controller.close()
            sent++
            controller.enqueue(chunk)
          },
        })
        const hash = await sha256Hex(new Uint8Array(10_000))
        const request = new Request(`https://app.test/sync/blob/${hash}`, { method: "PUT", body: stream, headers: { "content-type": "application/pdf" }, duplex: "half" } as RequestInit)
        const response = await routes.handle(request, blobContext(executor, hash))
        expect(response.status).toBe(413)
        expect(sent).toBeLessThan(10) // refused as soon as the limit was crossed
        await expectNothingStored()
      })

      it("the largest maxSize among file columns is the limit (5000 from docs.body, not 1000 from todos)", async () => {
        const bytes = new Uint8Array(4_000)
        const hash = await sha256Hex(bytes)
        const response = await routes.handle(putRequest(hash, bytes, { "content-type": "application/pdf" }), blobContext(executor, hash))
        expect(response.status).toBe(200)
      })

      it.each([
        ["a disallowed type", "application/x-msdownload", "mime-not-allowed"],
        ["a malformed type", "not a mime", "invalid-content-type"],
      ])("%s → 400 blob-invalid", async (_label, mime, reason) => {
        const blob = await makeBlob("typed", mime)
        // docs.cover has no allow-list, so this schema accepts any type: use one without it.
        const strict = blobRoutes({ storage: subject.storage, cache: null })
        const { schema: strictSchema } = await import("../testing/strict-schema.js")
        const response = await strict.handle(putRequest(blob.ref.hash, blob.bytes, { "content-type": mime }), blobContext(executor, blob.ref.hash, { schema: strictSchema }))
        expect(response.status).toBe(400)
        expect(await json(response)).toMatchObject({ error: "blob-invalid", reason })
        await expectNothingStored()
      })

      it("a missing Content-Type → 400 when the file columns restrict types", async () => {
        const blob = await makeBlob("untyped")
        const { schema: strictSchema } = await import("../testing/strict-schema.js")
        const response = await routes.handle(putRequest(blob.ref.hash, blob.bytes), blobContext(executor, blob.ref.hash, { schema: strictSchema }))
        expect(response.status).toBe(400)
        expect(await json(response)).toMatchObject({ error: "blob-invalid", reason: "missing-content-type" })
        await expectNothingStored()
      })

      it("`image/*` matches the whole family; a wildcard never matches another family", async () => {
        const { schema: strictSchema } = await import("../testing/strict-schema.js")
        const png = await makeBlob("png-ish", "image/png")
        const ok = await routes.handle(putRequest(png.ref.hash, png.bytes, { "content-type": "IMAGE/PNG" }), blobContext(executor, png.ref.hash, { schema: strictSchema }))
        expect(ok.status).toBe(200)
        const video = await makeBlob("video-ish", "video/mp4")
        const refused = await routes.handle(putRequest(video.ref.hash, video.bytes, { "content-type": "video/mp4" }), blobContext(executor, video.ref.hash, { schema: strictSchema }))
        expect(refused.status).toBe(400)
      })

      it("a schema without file columns has no blob routes → 404", async () => {
        const blob = await makeBlob("nowhere")
        const response = await routes.handle(putRequest(blob.ref.hash, blob.bytes, { "content-type": "text/plain" }), blobContext(executor, blob.ref.hash, { schema: plainSchema }))
        expect(response.status).toBe(404)
        await expectNothingStored()
      })

      it("another method → 405 with Allow", async () => {
        const blob = await makeBlob("x")
        const response = await routes.handle(new Request("https://app.test/sync/blob/x", { method: "DELETE" }), blobContext(executor, blob.ref.hash))
        expect(response.status).toBe(405)
        expect(response.headers.get("allow")).toBe("GET, PUT")
      })
    })

    describe("PUT records who uploaded, and holds each principal to its quota", () => {
      const putAs = (r: ReturnType<typeof blobRoutes>, blob: { bytes: Uint8Array; ref: { hash: string } }, options: { userID?: string | null; clientGroupID?: string } = {}) =>
        r.handle(putRequest(blob.ref.hash, blob.bytes, { "content-type": "text/plain" }), blobContext(executor, blob.ref.hash, options))

      it("records the uploader's principal (userID, else group:<clientGroupID>), also for bytes already stored", async () => {
        const blob = await makeBlob("proof of possession")
        expect((await putAs(routes, blob, { userID: "ann" })).status).toBe(200)
        expect((await putAs(routes, blob, { userID: null, clientGroupID: "g2" })).status).toBe(200)
        expect((await putAs(routes, blob, { userID: "ann" })).status).toBe(200)
        expect(await uploadRows()).toEqual([`ann|${blob.ref.hash}`, `group:g2|${blob.ref.hash}`])
        expect(await subject.countObjects()).toBe(1)
      })

      it("a forged body for stored bytes records nothing for the forger", async () => {
        const blob = await makeBlob("the real bytes")
        expect((await putAs(routes, blob, { userID: "ann" })).status).toBe(200)
        const forged = await routes.handle(putRequest(blob.ref.hash, new TextEncoder().encode("not the bytes!"), { "content-type": "text/plain" }), blobContext(executor, blob.ref.hash, { userID: "mallory" }))
        expect(forged.status).toBe(400)
        expect(await json(forged)).toMatchObject({ reason: "hash-mismatch" })
        expect(await uploadRows()).toEqual([`ann|${blob.ref.hash}`])
      })

      it("a body longer or shorter than its Content-Length → 400 length-mismatch, nothing stored", async () => {
        const blob = await makeBlob("twelve bytes")
        for (const declared of [blob.bytes.byteLength - 1, blob.bytes.byteLength + 1]) {
          const request = new Request(`https://app.test/sync/blob/${blob.ref.hash}`, {
            method: "PUT",
            body: new Response(blob.bytes).body,
            headers: { "content-type": "text/plain", "content-length": String(declared) },
            duplex: "half",
          } as RequestInit)
          const response = await routes.handle(request, blobContext(executor, blob.ref.hash))
          expect(response.status).toBe(400)
          expect(await json(response)).toMatchObject({ error: "blob-invalid", reason: "length-mismatch" })
        }
        await expectNothingStored()
      })

      it("over the byte quota → 413 upload-quota naming the limit, nothing stored; a re-upload is free; another principal has its own quota", async () => {
        const quota = blobRoutes({ storage: subject.storage, cache: null, uploadQuota: { bytes: 30, uploads: 100, windowMs: 3_600_000 } })
        const first = await makeBlob("twenty bytes, exact!")
        expect(first.bytes.byteLength).toBe(20)
        expect((await putAs(quota, first, { userID: "ann" })).status).toBe(200)
        const second = await makeBlob("another twenty bytes")
        const refused = await putAs(quota, second, { userID: "ann" })
        expect(refused.status).toBe(413)
        expect(await json(refused)).toMatchObject({ error: "payload-too-large", reason: "upload-quota", limit: "bytes", quotaBytes: 30, usedBytes: 20, windowMs: 3_600_000 })
        expect(await subject.countObjects()).toBe(1)
        expect([...(await blobRows(executor)).keys()]).toEqual([first.ref.hash])
        expect(await uploadRows()).toEqual([`ann|${first.ref.hash}`])
        expect((await putAs(quota, first, { userID: "ann" })).status).toBe(200)
        expect((await putAs(quota, second, { userID: "bob" })).status).toBe(200)
      })

      it("a chunked upload that crosses the quota left is cut off there → 413 upload-quota, nothing stored", async () => {
        const quota = blobRoutes({ storage: subject.storage, cache: null, uploadQuota: { bytes: 2_500, uploads: 100, windowMs: 3_600_000 } })
        let sent = 0
        const stream = new ReadableStream<Uint8Array>({
          pull(controller) {
            if (sent >= 10) return controller.close()
            sent++
            controller.enqueue(new Uint8Array(1_000).fill(sent))
          },
        })
        const hash = await sha256Hex(Uint8Array.from({ length: 10_000 }, (_, i) => Math.floor(i / 1_000) + 1))
        const request = new Request(`https://app.test/sync/blob/${hash}`, { method: "PUT", body: stream, headers: { "content-type": "application/pdf" }, duplex: "half" } as RequestInit)
        const response = await quota.handle(request, blobContext(executor, hash, { userID: "ann" }))
        expect(response.status).toBe(413)
        expect(await json(response)).toMatchObject({ reason: "upload-quota", limit: "bytes", quotaBytes: 2_500 })
        expect(sent).toBeLessThan(10) // refused as soon as the quota was crossed
        await expectNothingStored()
      })

      it("over the count quota → 413 upload-quota (limit: uploads)", async () => {
        const quota = blobRoutes({ storage: subject.storage, cache: null, uploadQuota: { bytes: 1_000_000, uploads: 1, windowMs: 3_600_000 } })
        expect((await putAs(quota, await makeBlob("one"), { userID: "ann" })).status).toBe(200)
        const refused = await putAs(quota, await makeBlob("two"), { userID: "ann" })
        expect(refused.status).toBe(413)
        expect(await json(refused)).toMatchObject({ reason: "upload-quota", limit: "uploads", quotaUploads: 1, usedUploads: 1 })
      })

      it("uploads older than the window do not count", async () => {
        const quota = blobRoutes({ storage: subject.storage, cache: null, uploadQuota: { bytes: 30, uploads: 100, windowMs: 60_000 } })
        expect((await putAs(quota, await makeBlob("twenty bytes, exact!"), { userID: "ann" })).status).toBe(200)
        await executor.run({ text: "UPDATE _plasma_blob_uploads SET uploaded_at = ?", params: [Date.now() - 120_000] })
        expect((await putAs(quota, await makeBlob("another twenty bytes"), { userID: "ann" })).status).toBe(200)
      })

      it("refuses a malformed quota option", () => {
        expect(() => blobRoutes({ storage: subject.storage, uploadQuota: { bytes: -1, uploads: 1, windowMs: 1 } })).toThrow(/uploadQuota.bytes/)
      })
    })

    describe("GET answers only readers of a referencing row", () => {
      it("unknown hash → 404; uploaded but unreferenced → 404 to anyone but its uploader", async () => {
        const missing = await makeBlob("never uploaded")
        expect((await routes.handle(getRequest(missing.ref.hash), blobContext(executor, missing.ref.hash))).status).toBe(404)
        const loose = await put("uploaded, never attached")
        expect((await routes.handle(getRequest(loose.ref.hash), blobContext(executor, loose.ref.hash))).status).toBe(404)
        const own = await routes.handle(getRequest(loose.ref.hash), blobContext(executor, loose.ref.hash, { userID: "uploader" }))
        expect(own.status).toBe(200)
        expect(await own.text()).toBe("uploaded, never attached")
      })

      it("a blob referenced only by another user's row → 404 (existence not revealed); its owner reads it", async () => {
        const blob = await put("bob's secret")
        await createPusher(executor, { userId: "bob" })("createTodo", { id: "b1", ownerId: "bob", attachment: blob.ref })
        const alice = await routes.handle(getRequest(blob.ref.hash), blobContext(executor, blob.ref.hash, { ctx: { userId: "alice" } }))
        expect(alice.status).toBe(404)
        const body = await json(alice)
        expect(body.error).toBe("not-found")
        expect(body.reason).toBeUndefined()
        const bob = await routes.handle(getRequest(blob.ref.hash), blobContext(executor, blob.ref.hash, { ctx: { userId: "bob" } }))
        expect(bob.status).toBe(200)
        expect(await bob.text()).toBe("bob's secret")
      })

      it("any referencing row will do, in any table with its own predicate", async () => {
        const blob = await put("%PDF-1.4 shared", "application/pdf")
        await createPusher(executor, { userId: "bob" })("createTodo", { id: "b1", ownerId: "bob", attachment: null })
        await executor.run({ text: `INSERT INTO docs (id, "todoId", body) VALUES ('d1', 'b1', ?)`, params: [JSON.stringify(blob.ref)] })
        const reader = await routes.handle(getRequest(blob.ref.hash), blobContext(executor, blob.ref.hash, { ctx: { userId: "doc-reader" } }))
        expect(reader.status).toBe(200)
        await reader.arrayBuffer()
        expect((await routes.handle(getRequest(blob.ref.hash), blobContext(executor, blob.ref.hash, { ctx: { userId: "alice" } }))).status).toBe(404)
      })

      /** Inserts rows referencing `ref` in one statement (raw SQL: the capture triggers record the refs). */
      async function seed(tableName: "todos" | "docs", ids: readonly string[], ref: { hash: string }, owner = "mallory"): Promise<void> {
        const value = JSON.stringify(ref)
        // The ids travel as one JSON array; Postgres needs the file value typed as jsonb.
        const postgres = executor.dialect.name === "postgres"
        const each = postgres ? "jsonb_array_elements_text(CAST(? AS jsonb)) AS list (value)" : "json_each(?)"
        const file = postgres ? "CAST(? AS jsonb)" : "?"
        if (tableName === "todos") {
          await executor.run({ text: `INSERT INTO todos (id, title, "ownerId", attachment) SELECT value, 'flood', ?, ${file} FROM ${each}`, params: [owner, value, JSON.stringify(ids)] })
        } else {
          await createPusher(executor, { userId: owner })("createTodo", { id: "parent", ownerId: owner, attachment: null })
          await executor.run({ text: `INSERT INTO docs (id, "todoId", body) SELECT value, 'parent', ${file} FROM ${each}`, params: [value, JSON.stringify(ids)] })
        }
      }
      const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(4, "0")}`)

      it("the reference walk is bounded, and says so when the bound is hit", async () => {
        const blob = await put("popular")
        await seed("todos", ["a1", "a2", "a3", "z1", "z2", "z3"], blob.ref, "bob")
        await createPusher(executor)("createTodo", { id: "m-alice", ownerId: "alice", attachment: blob.ref })
        // Two references from each end of the row-id order: alice's row sits in the middle.
        const bounded = blobRoutes({ storage: subject.storage, cache: null, maxReferenceScan: 4 })
        const response = await bounded.handle(getRequest(blob.ref.hash), blobContext(executor, blob.ref.hash))
        expect(response.status).toBe(404)
        expect(await json(response)).toMatchObject({ error: "not-found", reason: "reference-scan-limit", maxReferenceScan: 4 })
        // With room for one more reference than the six around it, alice's own row is found.
        const wide = blobRoutes({ storage: subject.storage, cache: null, maxReferenceScan: 7 })
        const ok = await wide.handle(getRequest(blob.ref.hash), blobContext(executor, blob.ref.hash))
        expect(ok.status).toBe(200)
        await ok.arrayBuffer()
      })

      describe("one user adding many references to a hash cannot crowd out another user's readable reference", () => {
        it("a flood of row ids sorting before the reader's row: the walk from the other end finds it", async () => {
          const blob = await put("shared picture")
          await seed("todos", ids("a", 300), blob.ref)
          await createPusher(executor)("createTodo", { id: "m-alice", ownerId: "alice", attachment: blob.ref })
          const bounded = blobRoutes({ storage: subject.storage, cache: null, maxReferenceScan: 40 })
          const response = await bounded.handle(getRequest(blob.ref.hash), blobContext(executor, blob.ref.hash))
          expect(response.status).toBe(200)
          expect(await response.text()).toBe("shared picture")
        })

        it("a flood of row ids sorting after the reader's row: found from the first end", async () => {
          const blob = await put("shared picture 2")
          await seed("todos", ids("z", 300), blob.ref)
          await createPusher(executor)("createTodo", { id: "m-alice", ownerId: "alice", attachment: blob.ref })
          const response = await blobRoutes({ storage: subject.storage, cache: null, maxReferenceScan: 40 }).handle(getRequest(blob.ref.hash), blobContext(executor, blob.ref.hash))
          expect(response.status).toBe(200)
          await response.arrayBuffer()
        })

        it("a flood in another table does not starve the reader's table (tables share the budget round-robin)", async () => {
          const blob = await put("shared in two tables")
          await seed("docs", ids("d", 300), blob.ref) // raw SQL; docs sorts before todos, and only "doc-reader" reads docs
          await createPusher(executor)("createTodo", { id: "m-alice", ownerId: "alice", attachment: blob.ref })
          const response = await blobRoutes({ storage: subject.storage, cache: null, maxReferenceScan: 40 }).handle(getRequest(blob.ref.hash), blobContext(executor, blob.ref.hash))
          expect(response.status).toBe(200)
          await response.arrayBuffer()
        })

        it("the explained bound: surrounded on both sides in its own table, a non-uploader's reference is out of reach (404 reference-scan-limit); the uploader still reads with one lookup", async () => {
          const blob = await makeBlob("alice's own upload")
          const uploaded = await routes.handle(putRequest(blob.ref.hash, blob.bytes, { "content-type": "text/plain" }), blobContext(executor, blob.ref.hash, { userID: "alice" }))
          expect(uploaded.status).toBe(200)
          await seed("todos", [...ids("a", 150), ...ids("z", 150)], blob.ref)
          await createPusher(executor)("createTodo", { id: "m-alice", ownerId: "alice", attachment: blob.ref })
          const bounded = blobRoutes({ storage: subject.storage, cache: null, maxReferenceScan: 40 })
          const other = await bounded.handle(getRequest(blob.ref.hash), blobContext(executor, blob.ref.hash, { userID: "alice-on-another-account" }))
          expect(other.status).toBe(404)
          expect(await json(other)).toMatchObject({ reason: "reference-scan-limit" })
          const uploader = await bounded.handle(getRequest(blob.ref.hash), blobContext(executor, blob.ref.hash, { userID: "alice" }))
          expect(uploader.status).toBe(200)
          expect(await uploader.text()).toBe("alice's own upload")
        })
      })

      it("fills the Cache API through waitUntil after the access check, and checks access before serving from it", async () => {
        const cache = new MapCache()
        const cached = blobRoutes({ storage: subject.storage, cache })
        const blob = await put("cache me")
        await createPusher(executor)("createTodo", { id: "t1", ownerId: "alice", attachment: blob.ref })
        const recorder = createRecorder()
        const first = await cached.handle(getRequest(blob.ref.hash), blobContext(executor, blob.ref.hash, { recorder }))
        expect(await first.text()).toBe("cache me")
        expect(recorder.waited).toHaveLength(1)
        await Promise.all(recorder.waited)
        expect(cache.entries.size).toBe(1)
        expect([...cache.entries.values()][0]?.headers.get("cache-control")).toBe("public, max-age=31536000, immutable")

        await subject.storage.delete(blob.ref.hash) // prove the next answer comes from the cache
        const second = await cached.handle(getRequest(blob.ref.hash), blobContext(executor, blob.ref.hash, { recorder }))
        expect(second.status).toBe(200)
        expect(second.headers.get("cache-control")).toBe("private, max-age=31536000, immutable")
        expect(await second.text()).toBe("cache me")
        expect(recorder.metrics.at(-1)).toMatchObject({ kind: "blob-get", cacheHit: true })
        const mallory = await cached.handle(getRequest(blob.ref.hash), blobContext(executor, blob.ref.hash, { ctx: { userId: "mallory" } }))
        expect(mallory.status).toBe(404)
      })

      it("a record whose bytes are missing → 404 to the client, blob-get-failed to onError", async () => {
        const blob = await put("lost")
        await createPusher(executor)("createTodo", { id: "t1", ownerId: "alice", attachment: blob.ref })
        await subject.storage.delete(blob.ref.hash)
        const recorder = createRecorder()
        const response = await routes.handle(getRequest(blob.ref.hash), blobContext(executor, blob.ref.hash, { recorder }))
        expect(response.status).toBe(404)
        expect(recorder.errors.map((e) => e.kind)).toEqual(["blob-get-failed"])
      })
    })

    it("a mutation writing a FileRef whose bytes were never uploaded is dropped as poison", async () => {
      const blob = await makeBlob("never uploaded")
      const result = await createPusher(executor)("createTodo", { id: "t1", ownerId: "alice", attachment: blob.ref })
      expect(result.dropped.map((d) => (d.error as { code?: string }).code)).toEqual(["blob-invalid"])
      expect(await executor.all({ text: "SELECT id FROM todos", params: [] })).toEqual([])
      expect(await executor.all({ text: "SELECT * FROM _plasma_blob_refs", params: [] })).toEqual([])
    })
  })
}

/** A Cache API stand-in: keeps responses in a Map (bodies buffered). */
class MapCache implements BlobCache {
  readonly entries = new Map<string, Response>()
  async match(key: string): Promise<Response | undefined> {
    return this.entries.get(key)?.clone()
  }
  async put(key: string, response: Response): Promise<void> {
    const body = await response.arrayBuffer()
    this.entries.set(key, new Response(body, { status: response.status, headers: response.headers }))
  }
}
