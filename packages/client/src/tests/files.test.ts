/** Files in mutate args: hashed, cached, uploaded before the mutation that needs them, and every readFile status. */
import { afterEach, describe, expect, it } from "vitest"
import type { FileRef } from "@plasma/core"
import { sha256Hex } from "../files/replace-blobs.js"
import { clientOf, ENGINES, startServer, todos, type TestServer } from "./harness.js"

const text = (s: string): Uint8Array => new TextEncoder().encode(s)

for (const engine of ENGINES) {
  describe(`files [${engine}]`, () => {
    let server: TestServer
    afterEach(async () => server?.dispose())

    it("a Blob becomes its FileRef before the mutator runs; upload precedes the push; readFile goes local → uploading → ready", async () => {
      server = await startServer(engine)
      const a = clientOf(server)
      const file = new File(["hello plasma"], "note.txt", { type: "text/plain" })
      await a.mutate("addTodo", { id: "t1", title: "with file", attachment: file })
      const [row] = await a.db.select().from(todos)
      const ref = row?.attachment as FileRef
      expect(ref).toEqual({ hash: await sha256Hex(text("hello plasma")), size: 12, mime: "text/plain", name: "note.txt" })
      expect(await a.readFile(ref)).toMatchObject({ status: "local", mime: "text/plain", name: "note.txt", bytes: text("hello plasma") })

      // The upload fails (503 every time): the entry waits, entries before it do not.
      server.network.failNext = { status: 503, times: 100, path: `/blob/${ref.hash}` }
      await expect(a.pushOnce()).resolves.toBeUndefined()
      expect(server.network.requests.filter((r) => r.method === "POST")).toHaveLength(0)
      expect(await a.readFile(ref)).toMatchObject({ status: "uploading" })
      expect(a.status.get().lastError?.kind).toBe("blob-upload-failed")

      server.network.failNext = null
      await a.flush()
      const methods = server.network.requests.filter((r) => r.method !== "GET").map((r) => `${r.method} ${r.path.split("/").slice(-2)[0]}`)
      expect(methods.indexOf("POST sync")).toBeGreaterThan(methods.lastIndexOf("PUT blob"))
      expect(await a.readFile(ref)).toMatchObject({ status: "ready", bytes: text("hello plasma") })
      expect(await server.executor.all({ text: "SELECT hash FROM _plasma_blob_refs", params: [] })).toEqual([{ hash: ref.hash }])
      await a.close()
    })

    it("a blocked upload holds back only the entries from it on, never skipping ahead", async () => {
      server = await startServer(engine)
      const a = clientOf(server)
      await a.mutate("increment", { id: "c" })
      const blob = new Blob(["bytes"], { type: "text/plain" })
      await a.mutate("addTodo", { id: "t1", title: "file", attachment: blob })
      await a.mutate("increment", { id: "c" })
      const hash = await sha256Hex(text("bytes"))
      server.network.failNext = { status: 503, times: 100, path: `/blob/${hash}` }
      await a.pushOnce()
      const sent = server.network.requests.filter((r) => r.method === "POST").flatMap((r) => (r.body as { mutations: { id: number }[] }).mutations.map((m) => m.id))
      expect(sent).toEqual([1])
      server.network.failNext = null
      await a.flush()
      expect(await server.executor.all({ text: "SELECT value FROM counters", params: [] })).toEqual([{ value: 2 }])
      await a.close()
    })

    it("another client reads the file from the server (ready), unknown hashes are missing without a retry storm, failures are errors", async () => {
      server = await startServer(engine)
      const a = clientOf(server, { clientGroupID: "ga" })
      const b = clientOf(server, { clientGroupID: "gb" })
      await a.mutate("addTodo", { id: "t1", title: "f", attachment: new Blob(["shared bytes"], { type: "text/plain" }) })
      await a.flush()
      await b.pullOnce()
      const [row] = await b.db.select().from(todos)
      const ref = row?.attachment as FileRef
      expect(await b.readFile(ref)).toMatchObject({ status: "ready", mime: "text/plain", bytes: text("shared bytes") })
      const gets = () => server.network.requests.filter((r) => r.method === "GET" && r.path.includes("/blob/")).length
      expect(gets()).toBe(1)
      expect(await b.readFile(ref)).toMatchObject({ status: "ready" }) // cached: no second GET
      expect(gets()).toBe(1)

      const unknown: FileRef = { hash: "0".repeat(64), size: 1, mime: "text/plain" }
      expect(await b.readFile(unknown)).toEqual({ status: "missing" })
      expect(await b.readFile(unknown)).toEqual({ status: "missing" })
      expect(gets()).toBe(2)

      server.network.offline = true
      const other: FileRef = { hash: "1".repeat(64), size: 1, mime: "text/plain" }
      expect(await b.readFile(other)).toMatchObject({ status: "error" })
      await a.close()
      await b.close()
    })
  })
}
