/**
 * A real `SyncCoordinator` in workerd (Miniflare) for the `usePresence` tests: the package's own
 * class behind `routeToCoordinator`, bundled with esbuild, spoken to over real WebSockets (`ws`).
 */
import { build } from "esbuild"
import { Miniflare } from "miniflare"
import { dirname } from "node:path"
import { fileURLToPath } from "node:url"

export const COORDINATOR_TOKEN = "react-test-token-0123456789"

const WORKER = `
import { routeToCoordinator } from "@plasma/coordinator"
export { SyncCoordinator } from "@plasma/coordinator"
export default {
  fetch: (request, env) => routeToCoordinator(request, env.COORDINATOR) ?? new Response("not found", { status: 404 }),
}
`

/** Starts the coordinator; `url` is its http base. */
export async function startCoordinator(): Promise<{ readonly url: string; dispose(): Promise<void> }> {
  const bundled = await build({
    stdin: { contents: WORKER, resolveDir: dirname(fileURLToPath(import.meta.url)), loader: "js" },
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    write: false,
    logLevel: "silent",
  })
  const script = bundled.outputFiles[0]?.text
  if (script === undefined) throw new Error("esbuild produced no coordinator worker")
  const mf = new Miniflare({
    modules: true,
    script,
    compatibilityDate: "2026-04-20",
    durableObjects: { COORDINATOR: { className: "SyncCoordinator", useSQLite: true } },
    bindings: { PLASMA_COORDINATOR_TOKEN: COORDINATOR_TOKEN },
    host: "127.0.0.1",
    port: 0,
    cf: false,
  })
  const url = (await mf.ready).toString()
  return { url, dispose: () => mf.dispose() }
}
