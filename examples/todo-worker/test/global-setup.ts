/**
 * Starts ONE real `wrangler dev` for the e2e suite (see wrangler-dev.ts) and stops it in teardown,
 * also when tests fail.
 *
 * `TODO_WORKER_URL=http://127.0.0.1:8787` runs the suite against an already running `pnpm dev`
 * instead (its log is then not checked).
 */
import { mkdir } from "node:fs/promises"
import { join, resolve } from "node:path"
import type { TestProject } from "vitest/node"
import { exampleDir, startWranglerDev } from "./wrangler-dev.js"

declare module "vitest" {
  export interface ProvidedContext {
    baseUrl: string
    wranglerLog: string
  }
}

export const resultsDir = resolve(exampleDir, "../../test-results/todo-worker")

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env["TODO_WORKER_URL"]
  if (external !== undefined && external !== "") {
    project.provide("baseUrl", external.replace(/\/+$/, ""))
    project.provide("wranglerLog", "")
    return async () => {}
  }
  await mkdir(resultsDir, { recursive: true })
  const dev = await startWranglerDev(join(resultsDir, "wrangler.log"))
  project.provide("baseUrl", dev.baseUrl)
  project.provide("wranglerLog", dev.log)
  return () => dev.stop()
}
