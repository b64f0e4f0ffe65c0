/**
 * The collector's behaviour suite, run against every database + storage pair. The interleaving
 * tests use the `hooks` seams to run a mutation (through `applyPush`, the sync write path) or a
 * PUT at a chosen point between the collector's steps, deterministically.
 *
 * After every test the invariant is checked: no committed row references a hash whose bytes
 * are missing from storage.
 */
import type { SqlExecutor } from "@plasma/executors"
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest"
import type { BlobStorage } from "../storage/blob-storage.js"
import { blobRoutes } from "../routes/blob-routes.js"
import { blobContext, blobRows, createPusher, makeBlob, putRequest, type FileRefValue } from "../testing/blob-fixtures.js"
import { failingDeletes, type FailingStorage } from "../testing/failing-storage.js"
import { gcOrphanedBlobs, type GcResult } from "./gc-orphaned-blobs.js"

export interface GcSubject {
  readonly executor: SqlExecutor
  readonly storage: BlobStorage
  /** Hashes with bytes in the backend. */
  storedHashes(): Promise<string[]>
  reset(): Promise<void>
  dispose(): Promise<void>
}

const GRACE = 60_000

export function describeGc(name: string, factory: () => Promise<GcSubject>): void {
  describe(`gcOrphanedBlobs on ${name}`, () => {
    let subject: GcSubject
    let executor: SqlExecutor
    let storage: FailingStorage
    beforeAll(async () => {
      subject = await factory()
      executor = subject.executor
    })
    afterAll(async () => {
      await subject.dispose()
    })
    beforeEach(async () => {
      await subject.reset()
      storage = failingDeletes(subject.storage)
    })
    afterEach(async () => {
      // The invariant: every referenced hash has its bytes.
      const referenced = await executor.all<{ hash: string }>({ text: "SELECT DISTINCT hash FROM _plasma_blob_refs", params: [] })
      const stored = new Set(await subject.storedHashes())
      for (const { hash } of referenced) expect(stored.has(hash), `referenced ${hash} has no bytes`).toBe(true)
    })

    /** Uploads through the PUT route (so the record is what production writes), then ages it. */
    async function upload(content: string, orphanedAgoMs: number | null = 2 * GRACE): Promise<FileRefValue> {
      const blob = await makeBlob(content)
      const response = await blobRoutes({ storage, cache: null }).handle(putRequest(blob.ref.hash, blob.bytes, { "content-type": "text/plain" }), blobContext(executor, blob.ref.hash))
      expect(response.status).toBe(200)
      if (orphanedAgoMs !== null) await age(blob.ref.hash, orphanedAgoMs)
      return blob.ref
    }

    async function age(hash: string, agoMs: number): Promise<void> {
      await executor.run({ text: "UPDATE _plasma_blobs SET orphaned_at = ? WHERE hash = ? AND orphaned_at IS NOT NULL", params: [Date.now() - agoMs, hash] })
    }

    const claims = async (): Promise<string[]> =>
      (await executor.all<{ hash: string }>({ text: "SELECT hash FROM _plasma_blob_gc ORDER BY hash", params: [] })).map((r) => r.hash)

    const gc = (options: Partial<Parameters<typeof gcOrphanedBlobs>[0]> = {}) =>
      gcOrphanedBlobs({ executor, storage, minOrphanAgeMs: GRACE, limit: 100, ...options })

    it("deletes only unreferenced blobs past the grace window", async () => {
      const old = await upload("old orphan")
      const young = await upload("young orphan", 1_000)
      const used = await upload("referenced")
      await createPusher(executor)("createTodo", { id: "t1", ownerId: "alice", attachment: used })
      expect(await gc()).toEqual({ deleted: 1, remaining: 0 })
      expect(await subject.storedHashes()).toEqual([young.hash, used.hash].sort())
      expect([...(await blobRows(executor)).keys()]).toEqual([young.hash, used.hash].sort())
      expect(await claims()).toEqual([])
      expect(old.hash).not.toBe(young.hash)
    })

    it("a blob orphaned by deleting its row (cascades included) is collected after the grace", async () => {
      const a = await upload("todo attachment", null)
      const push = createPusher(executor)
      await push("createTodo", { id: "t1", ownerId: "alice", attachment: a })
      const b = await upload("doc body", null)
      await executor.run({ text: "INSERT INTO docs (id, \"todoId\", body) VALUES ('d1', 't1', ?)", params: [JSON.stringify(b)] })
      expect((await blobRows(executor)).get(b.hash)?.orphaned_at).toBeNull()
      await push("removeTodo", { id: "t1" }) // cascades to docs.d1
      const rows = await blobRows(executor)
      expect(rows.get(a.hash)?.orphaned_at).not.toBeNull()
      expect(rows.get(b.hash)?.orphaned_at).not.toBeNull()
      expect(await gc()).toEqual({ deleted: 0, remaining: 0 }) // inside the grace
      expect(await gc({ now: Date.now() + GRACE + 1_000 })).toEqual({ deleted: 2, remaining: 0 })
      expect(await subject.storedHashes()).toEqual([])
    })

    it("honours `limit` and reports what remains, oldest first", async () => {
      const refs: FileRefValue[] = []
      for (let i = 0; i < 5; i++) {
        const ref = await upload(`orphan ${i}`, null)
        await age(ref.hash, 10 * GRACE - i * 1_000)
        refs.push(ref)
      }
      expect(await gc({ limit: 2 })).toEqual({ deleted: 2, remaining: 3 })
      expect(await subject.storedHashes()).toEqual(refs.slice(2).map((r) => r.hash).sort())
      expect(await gc({ limit: 2 })).toEqual({ deleted: 2, remaining: 1 })
      expect(await gc({ limit: 0 })).toEqual({ deleted: 0, remaining: 1 })
      expect(await gc({ limit: 2 })).toEqual({ deleted: 1, remaining: 0 })
    })

    describe("the race: a mutation re-attaches the hash while the collector runs", () => {
      it("mutation commits after the plan, before the claim → the claim skips it, bytes stay", async () => {
        const blob = await upload("re-attached early")
        const push = createPusher(executor)
        const result = await gc({
          hooks: {
            afterPlan: async (plan) => {
              expect(plan.claim).toEqual([blob.hash])
              const pushed = await push("createTodo", { id: "t1", ownerId: "alice", attachment: blob })
              expect(pushed.dropped).toEqual([])
            },
          },
        })
        expect(result).toEqual({ deleted: 0, remaining: 0 })
        expect(await subject.storedHashes()).toEqual([blob.hash])
        expect((await blobRows(executor)).get(blob.hash)?.orphaned_at).toBeNull()
        expect(await claims()).toEqual([])
      })

      it("mutation arrives after the claim, before the bytes go → refused as poison, no row points at the hash", async () => {
        const blob = await upload("re-attached late")
        const push = createPusher(executor)
        let dropped: unknown[] = []
        const result = await gc({
          hooks: {
            afterClaim: async (claimed) => {
              expect(claimed).toEqual([blob.hash])
              const pushed = await push("createTodo", { id: "t1", ownerId: "alice", attachment: blob })
              dropped = pushed.dropped.map((d) => (d.error as { code?: string }).code)
            },
          },
        })
        expect(dropped).toEqual(["blob-invalid"])
        expect(result).toEqual({ deleted: 1, remaining: 0 })
        expect(await subject.storedHashes()).toEqual([])
        expect(await executor.all({ text: "SELECT id FROM todos", params: [] })).toEqual([])
      })

      it("an update re-attaching the hash to an existing row, just before the bytes are deleted → refused", async () => {
        const blob = await upload("update race")
        const push = createPusher(executor)
        await push("createTodo", { id: "t1", ownerId: "alice", attachment: null })
        let code: unknown
        await gc({
          hooks: {
            beforeStorageDelete: async () => {
              code = ((await push("attach", { id: "t1", attachment: blob })).dropped[0]?.error as { code?: string } | undefined)?.code
            },
          },
        })
        expect(code).toBe("blob-invalid")
        expect(await executor.all({ text: "SELECT attachment FROM todos", params: [] })).toEqual([{ attachment: null }])
      })

      it("a PUT of a hash being collected answers 503 with Retry-After and records nothing; after the run it succeeds", async () => {
        const blob = await makeBlob("re-uploaded")
        const routes = blobRoutes({ storage, cache: null, retryAfterSeconds: 7 })
        const putIt = () => routes.handle(putRequest(blob.ref.hash, blob.bytes, { "content-type": "text/plain" }), blobContext(executor, blob.ref.hash))
        expect((await putIt()).status).toBe(200)
        await age(blob.ref.hash, 2 * GRACE)
        let during: Response | undefined
        await gc({ hooks: { afterClaim: async () => void (during = await putIt()) } })
        expect(during?.status).toBe(503)
        expect(during?.headers.get("retry-after")).toBe("7")
        expect(await during?.json()).toMatchObject({ error: "conflict-retry" })
        expect(await blobRows(executor)).toEqual(new Map())
        expect(await subject.storedHashes()).toEqual([])

        expect((await putIt()).status).toBe(200)
        const pushed = await createPusher(executor)("createTodo", { id: "t1", ownerId: "alice", attachment: blob.ref })
        expect(pushed.dropped).toEqual([])
        expect(await subject.storedHashes()).toEqual([blob.ref.hash])
      })

      /** A storage whose chosen method parks (after doing its work) until released. */
      function parking(method: "head" | "commit") {
        let release!: () => void
        const parked = new Promise<void>((resolve) => (release = resolve))
        let reached!: () => void
        const atPark = new Promise<void>((resolve) => (reached = resolve))
        let once = true
        const park = async () => {
          if (!once) return
          once = false
          reached()
          await parked
        }
        const wrapped: BlobStorage = {
          put: (h, b, m) => storage.put(h, b, m),
          get: (h) => storage.get(h),
          delete: (h) => storage.delete(h),
          head: async (h) => {
            const found = await storage.head(h)
            if (method === "head") await park()
            return found
          },
          stage: async (h, body, m) => {
            const staged = await storage.stage(h, body, m)
            return method === "commit" ? { ...staged, size: staged.size, commit: async () => (await staged.commit(), await park()) } : staged
          },
        }
        return { storage: wrapped, atPark, release }
      }

      it("a PUT publishing its bytes restarts the orphan clock first: a run starting meanwhile leaves the hash alone", async () => {
        const blob = await makeBlob("slow upload")
        await upload("slow upload")
        await storage.delete(blob.ref.hash) // so the next PUT stages and commits rather than only hashing
        const slow = parking("commit")
        const pending = blobRoutes({ storage: slow.storage, cache: null }).handle(putRequest(blob.ref.hash, blob.bytes, { "content-type": "text/plain" }), blobContext(executor, blob.ref.hash))
        await slow.atPark
        expect(await gc()).toEqual({ deleted: 0, remaining: 0 })
        slow.release()
        expect((await pending).status).toBe(200)
        expect(await subject.storedHashes()).toEqual([blob.ref.hash])
        expect((await createPusher(executor)("createTodo", { id: "t1", ownerId: "alice", attachment: blob.ref })).dropped).toEqual([])
      })

      it("a PUT that found the bytes stored, when a whole run collects them before it records, answers 503 and records nothing; its retry stores them", async () => {
        const blob = await makeBlob("vanishing")
        await upload("vanishing")
        const slow = parking("head")
        const pending = blobRoutes({ storage: slow.storage, cache: null }).handle(putRequest(blob.ref.hash, blob.bytes, { "content-type": "text/plain" }), blobContext(executor, blob.ref.hash))
        await slow.atPark
        expect(await gc()).toEqual({ deleted: 1, remaining: 0 })
        slow.release()
        expect((await pending).status).toBe(503)
        expect(await blobRows(executor)).toEqual(new Map())
        const retry = await blobRoutes({ storage, cache: null }).handle(putRequest(blob.ref.hash, blob.bytes, { "content-type": "text/plain" }), blobContext(executor, blob.ref.hash))
        expect(retry.status).toBe(200)
        expect((await createPusher(executor)("createTodo", { id: "t1", ownerId: "alice", attachment: blob.ref })).dropped).toEqual([])
        expect(await subject.storedHashes()).toEqual([blob.ref.hash])
      })
    })

    describe("overlapping runs (a cron firing twice, a manual run during the cron)", () => {
      const code = (d: { error: unknown }) => (d.error as { code?: string }).code

      it("a second run leaves a live run's claims alone: meanwhile PUT is 503 and attach refused; afterwards both succeed and the bytes survive", async () => {
        const blob = await makeBlob("overlap")
        const ref = await upload("overlap")
        const routes = blobRoutes({ storage, cache: null })
        const putIt = () => routes.handle(putRequest(ref.hash, blob.bytes, { "content-type": "text/plain" }), blobContext(executor, ref.hash))
        const push = createPusher(executor)
        let during: { b: GcResult; put: number; dropped: unknown[] } | undefined
        const a = await gc({
          hooks: {
            // Run A is paused just before deleting the bytes it claimed.
            beforeStorageDelete: async () => {
              const b = await gc()
              const put = (await putIt()).status
              const pushed = await push("createTodo", { id: "t1", ownerId: "alice", attachment: ref })
              during = { b, put, dropped: pushed.dropped.map(code) }
            },
          },
        })
        expect(during).toEqual({ b: { deleted: 0, remaining: 0 }, put: 503, dropped: ["blob-invalid"] })
        expect(a).toEqual({ deleted: 1, remaining: 0 })
        expect(await executor.all({ text: "SELECT id FROM todos", params: [] })).toEqual([])

        // Once A is done, the upload and the attach go through and no run takes the bytes again.
        expect((await putIt()).status).toBe(200)
        expect((await push("createTodo", { id: "t2", ownerId: "alice", attachment: ref })).dropped).toEqual([])
        expect(await gc({ now: Date.now() + 10 * GRACE })).toEqual({ deleted: 0, remaining: 0 })
        expect(await subject.storedHashes()).toEqual([ref.hash])
        expect(await claims()).toEqual([])
      })

      it("a run stalled past its lease is fenced: the run that took its claim over finishes, the hash is uploaded and attached again, and the stalled run deletes nothing", async () => {
        const blob = await makeBlob("stalled")
        const ref = await upload("stalled")
        const routes = blobRoutes({ storage, cache: null })
        const push = createPusher(executor)
        let b: GcResult | undefined
        const a = await gc({
          hooks: {
            beforeStorageDelete: async () => {
              // As run B sees it, A's one-second lease ran out long ago: A looks crashed.
              b = await gc({ leaseMs: 1_000, now: Date.now() + 60_000 })
              expect((await routes.handle(putRequest(ref.hash, blob.bytes, { "content-type": "text/plain" }), blobContext(executor, ref.hash))).status).toBe(200)
              expect((await push("createTodo", { id: "t1", ownerId: "alice", attachment: ref })).dropped).toEqual([])
            },
          },
        })
        expect(b).toEqual({ deleted: 1, remaining: 0 })
        expect(a).toEqual({ deleted: 0, remaining: 0 })
        expect(await subject.storedHashes()).toEqual([ref.hash])
        expect(await claims()).toEqual([])
      })

      it("two runs started together claim disjoint hashes and delete each blob once", async () => {
        const refs: FileRefValue[] = []
        for (let i = 0; i < 6; i++) refs.push(await upload(`pair ${i}`))
        const [a, b] = await Promise.all([gc({ chunkSize: 2 }), gc({ chunkSize: 2 })])
        expect((a?.deleted ?? 0) + (b?.deleted ?? 0)).toBe(6)
        expect(storage.deleteCalls).toBe(6)
        expect(await subject.storedHashes()).toEqual([])
        expect(await claims()).toEqual([])
      })
    })

    it("deletes the upload records of the hashes whose bytes it deleted, and only those", async () => {
      const old = await upload("old upload")
      const young = await upload("young upload", 1_000)
      const uploads = async () => (await executor.all<{ hash: string }>({ text: "SELECT hash FROM _plasma_blob_uploads ORDER BY hash", params: [] })).map((r) => r.hash)
      expect(await uploads()).toEqual([old.hash, young.hash].sort())
      expect(await gc()).toEqual({ deleted: 1, remaining: 0 })
      expect(await uploads()).toEqual([young.hash])
    })

    it("storage failing midway leaves the database consistent, and the next run finishes at once (the failed run abandons its claims)", async () => {
      const refs: FileRefValue[] = []
      for (let i = 0; i < 4; i++) refs.push(await upload(`doomed ${i}`))
      storage.failDeleteAt(2)
      const error = await gc().catch((e: unknown) => e)
      expect((error as { code?: string }).code).toBe("storage-failed")

      // One blob went all the way; three are claimed: no record, so nothing can attach them.
      expect(await claims()).toHaveLength(3)
      expect(await blobRows(executor)).toEqual(new Map())
      expect((await subject.storedHashes()).length).toBe(3)
      const pushed = await createPusher(executor)("createTodo", { id: "t1", ownerId: "alice", attachment: refs[3] })
      expect(pushed.dropped.map((d) => (d.error as { code?: string }).code)).toEqual(["blob-invalid"])
      const blob = await makeBlob("doomed 3")
      const put = await blobRoutes({ storage, cache: null }).handle(putRequest(blob.ref.hash, blob.bytes, { "content-type": "text/plain" }), blobContext(executor, blob.ref.hash))
      expect(put.status).toBe(503)

      storage.failDeleteAt(null)
      expect(await gc()).toEqual({ deleted: 3, remaining: 0 })
      expect(await claims()).toEqual([])
      expect(await subject.storedHashes()).toEqual([])
    })
  })
}
