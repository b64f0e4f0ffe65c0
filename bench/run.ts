/**
 * @module The benchmark runner: imports every workload module, prints a table and writes
 * bench/results.json. `pnpm bench [name-filter]` runs the workloads whose file name contains the
 * filter and merges their results into the file.
 */
import { readdir, readFile, writeFile } from "node:fs/promises"
import { dirname, join } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import type { BenchResult } from "./lib.js"

const here = dirname(fileURLToPath(import.meta.url))
const filter = process.argv[2] ?? ""
const files = (await readdir(join(here, "workloads"))).filter((f) => f.endsWith(".ts") && f.includes(filter)).sort()
const results: BenchResult[] = []
for (const file of files) {
  const mod = (await import(pathToFileURL(join(here, "workloads", file)).href)) as { run(): Promise<BenchResult[]> }
  console.error(`running ${file}…`)
  for (const result of await mod.run()) {
    results.push(result)
    console.error(`  ${result.workload}: ratio ${result.ratio}`)
  }
}
console.table(results.map(({ workload, ratio, ...details }) => ({ workload, ratio, details: JSON.stringify(details) })))
// A filtered run updates its own workloads and keeps the others' last results.
const path = join(here, "results.json")
const previous: BenchResult[] = filter === "" ? [] : await readFile(path, "utf8").then((t) => JSON.parse(t) as BenchResult[], () => [])
const fresh = new Set(results.map((r) => r.workload))
const merged = [...previous.filter((r) => !fresh.has(r.workload)), ...results]
await writeFile(path, JSON.stringify(merged, null, 2) + "\n")
