/**
 * The sync scenarios through a real Worker in workerd on D1: `worker.ts` is bundled with esbuild
 * (as wrangler would) and run by Miniflare; requests go through `dispatchFetch`, and the test
 * reads the same D1 database from Node for its before/after dumps.
 */
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { build } from "esbuild"
import { Miniflare } from "miniflare"
import type { HookEvent, SyncSubject } from "./sync-scenarios.js"
import { describeSyncScenarios } from "./sync-scenarios.js"

const here = dirname(fileURLToPath(import.meta.url))

async function bundleWorker(): Promise<string> {
  const result = await build({
    entryPoints: [join(here, "worker.ts")],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    write: false,
    logLevel: "silent",
  })
  const output = result.outputFiles[0]
  if (output === undefined) throw new Error("esbuild produced no worker bundle")
  return output.text
}

async function workerdSubject(): Promise<SyncSubject> {
  const mf = new Miniflare({ modules: true, script: await bundleWorker(), compatibilityDate: "2026-04-20", d1Databases: ["DB"], cf: false })
  const d1 = await mf.getD1Database("DB")
  return {
    send: async (request) => {
      const headers = [...request.headers]
      const response =
        request.method === "GET" || request.method === "HEAD"
          ? await mf.dispatchFetch(request.url, { method: request.method, headers })
          : await mf.dispatchFetch(request.url, { method: request.method, headers, body: new Uint8Array(await request.arrayBuffer()) })
      return response as unknown as Response
    },
    rawQuery: async (sql, params = []) => {
      const result = await d1.prepare(sql).bind(...params).all()
      return result.results as Record<string, unknown>[]
    },
    events: async () => (await (await mf.dispatchFetch("http://sync.test/test/events")).json()) as HookEvent[],
    dispose: () => mf.dispose(),
  }
}

describeSyncScenarios("D1 inside workerd (Miniflare)", workerdSubject, { timeoutMs: 60_000 })
