/**
 * The gc and reconcile examples of the server-side operations guide, run as written there with
 * only the imports renamed (SPEC §9), against D1 and R2 in workerd. `env` is what a Worker's
 * `scheduled(event, env, ctx)` receives.
 */
import { sqliteDialect } from "@plasma/executors"
import { fromD1 } from "@plasma/executors/d1"
import { afterAll, beforeAll, expect, it } from "vitest"
import { gcOrphanedBlobs, r2Storage, reconcileBlobRefs } from "./index.js"
import { blobRoutes } from "./routes/blob-routes.js"
import { blobContext, createMiniflareD1R2, makeBlob, putRequest, schema, type MiniflareD1R2 } from "./testing/blob-fixtures.js"

let mf: MiniflareD1R2
let env: MiniflareD1R2["env"]
beforeAll(async () => {
  mf = await createMiniflareD1R2()
  env = mf.env
})
afterAll(async () => {
  await mf.dispose()
})

it("gcOrphanedBlobs example: 7 day grace, 500 per invocation", async () => {
  const blob = await makeBlob("eight days unreferenced")
  const routes = blobRoutes({ storage: r2Storage({ bucket: env.BUCKET }), cache: null })
  expect((await routes.handle(putRequest(blob.ref.hash, blob.bytes, { "content-type": "text/plain" }), blobContext(mf.executor, blob.ref.hash))).status).toBe(200)
  await mf.executor.run({ text: "UPDATE _plasma_blobs SET orphaned_at = ?", params: [Date.now() - 8 * 24 * 3600 * 1000] })
  const logs: string[] = []
  const console = { log: (line: string) => logs.push(line) }

  // --- as in the guide ---
  const result = await gcOrphanedBlobs({
    executor: fromD1(env.DB),
    storage: r2Storage({ bucket: env.BUCKET }),
    minOrphanAgeMs: 7 * 24 * 3600 * 1000, // 7 day grace
    limit: 500, // per invocation cap
  })
  console.log(`Deleted ${result.deleted} blobs, ${result.remaining} more waiting`)
  // --- end ---

  expect(logs).toEqual(["Deleted 1 blobs, 0 more waiting"])
  expect(await env.BUCKET.head(`blobs/${blob.ref.hash}`)).toBeNull()
})

it("reconcileBlobRefs example", async () => {
  await mf.executor.run({ text: "INSERT INTO _plasma_blob_refs (hash, table_name, row_id, column_name) VALUES (?, 'todos', 'gone', 'attachment')", params: ["f".repeat(64)] })

  // --- as in the guide ---
  await reconcileBlobRefs({
    schema,
    executor: fromD1(env.DB),
    dialect: sqliteDialect,
  })
  // --- end ---

  expect(await mf.executor.all({ text: "SELECT * FROM _plasma_blob_refs", params: [] })).toEqual([])
})
