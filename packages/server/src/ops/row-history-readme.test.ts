/**
 * The README's examples for `rowHistory`, `diffSnapshots` and `serverLiveSelect`'s
 * `checkIntervalMs`, run against a real D1 database inside workerd. Each example sits between
 * `// README:` and `// end` markers below, and the first test checks that the README holds
 * exactly that text (indentation aside), so the documented code is the code that runs.
 * Imports go through the package's public entry, as a user's would.
 */
import { readFileSync } from "node:fs"
import { fromD1 } from "@plasma/executors/d1"
import { afterAll, beforeAll, beforeEach, expect, it, vi } from "vitest"
import { diffSnapshots, rowHistory, serverLiveSelect } from "../index.js"
import { applyPush } from "../sync/push.js"
import { headVersion, mutators, openD1, schema } from "./ops-fixtures.js"

let d1: Awaited<ReturnType<typeof openD1>>
let env: { DB: Awaited<ReturnType<typeof openD1>>["env"]["DB"] }

beforeAll(async () => {
  d1 = await openD1()
  env = d1.env
})
afterAll(async () => {
  await d1.dispose()
})
beforeEach(async () => {
  await d1.wipe()
})

/** The example blocks of this file, by name, dedented. */
function examplesOfThisFile(): Map<string, string> {
  const source = readFileSync(new URL(import.meta.url), "utf8")
  const out = new Map<string, string>()
  for (const match of source.matchAll(/\/\/ README: (\S+)\n([\s\S]*?)\n\s*\/\/ end\n/g)) {
    const lines = (match[2] ?? "").split("\n")
    const indent = Math.min(...lines.filter((l) => l.trim() !== "").map((l) => l.length - l.trimStart().length))
    out.set(match[1] ?? "", lines.map((l) => l.slice(indent)).join("\n"))
  }
  return out
}

/** The README's ts code blocks, dedented. */
function readmeBlocks(): string[] {
  const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8")
  return [...readme.matchAll(/^( *)```ts\n([\s\S]*?)\n\1```$/gm)].map((m) =>
    (m[2] ?? "")
      .split("\n")
      .map((l) => l.slice((m[1] ?? "").length))
      .join("\n"),
  )
}

it("the README shows exactly the examples this file runs", () => {
  const examples = examplesOfThisFile()
  expect([...examples.keys()].sort()).toEqual(["diffSnapshots", "rowHistory", "serverLiveSelect-checkIntervalMs"])
  const blocks = readmeBlocks()
  for (const [name, code] of examples) expect(blocks, name).toContain(code)
})

it("rowHistory example", async () => {
  const executor = fromD1(env.DB)
  await executor.run({ text: "INSERT INTO todos (id, title, done, userId, updatedAt) VALUES ('t1', 'draft', 0, 'u1', 1)", params: [] })
  for (let i = 0; i < 25; i++) await executor.run({ text: "UPDATE todos SET title = ? WHERE id = 't1'", params: [`take ${i}`] })
  await applyPush({ schema, mutators, executor, ctx: { userId: "u1" }, clientGroupID: "g1", clientID: "c1", mutations: [{ id: 1, name: "markDone", args: { id: "t1", updatedAt: 9 } }] })
  const logs: unknown[][] = []
  const console = { log: (...args: unknown[]) => logs.push(args) }

  // README: rowHistory
  const page = await rowHistory({ schema, executor, table: "todos", id: "t1", limit: 20 })
  for (const entry of page.entries) {
    const who = entry.clientID === null ? "server" : `${entry.clientID} (mutation ${entry.mutationID})`
    console.log(entry.rowVersion, entry.op, entry.value?.title, who, entry.folded ? "folded" : "one edit")
  }
  const older = page.next === null ? null : await rowHistory({ schema, executor, table: "todos", id: "t1", limit: 20, before: page.next })
  // end

  expect(logs).toHaveLength(20)
  expect(logs[0]).toEqual([27, "put", "take 24", "c1 (mutation 1)", "one edit"])
  expect(logs[1]).toEqual([26, "put", "take 24", "server", "one edit"])
  expect(older?.entries.map((e) => e.rowVersion)).toEqual([7, 6, 5, 4, 3, 2, 1])
  expect(older?.next).toBeNull()
})

it("diffSnapshots example", async () => {
  const executor = fromD1(env.DB)
  await executor.run({ text: "INSERT INTO todos (id, title, done, userId, updatedAt) VALUES ('t1', 'one', 0, 'u1', 1), ('t2', 'two', 0, 'u1', 1)", params: [] })
  const lastWeek = await headVersion(executor)
  await executor.run({ text: "UPDATE todos SET title = 'ONE' WHERE id = 't1'", params: [] })
  await executor.run({ text: "DELETE FROM todos WHERE id = 't2'", params: [] })
  await executor.run({ text: "INSERT INTO todos (id, title, done, userId, updatedAt) VALUES ('t3', 'three', 0, 'u1', 1)", params: [] })
  const now = String(await headVersion(executor))

  // README: diffSnapshots
  const lines: string[] = []
  let cursor: string | undefined
  do {
    const page = await diffSnapshots({ schema, executor, from: lastWeek, to: now, tables: ["todos"], ...(cursor === undefined ? {} : { cursor }) })
    const todos = page.tables.get("todos")
    for (const { id, after } of todos?.added ?? []) lines.push(`+ ${id} ${after.title}`)
    for (const { id, before, after } of todos?.changed ?? []) lines.push(`~ ${id} ${before.title} → ${after.title}`)
    for (const { id, before } of todos?.removed ?? []) lines.push(`- ${id} ${before.title}`)
    cursor = page.next ?? undefined
  } while (cursor !== undefined)
  // end

  expect(lines).toEqual(["+ t3 three", "~ t1 one → ONE", "- t2 two"])
})

it("serverLiveSelect checkIntervalMs example", { timeout: 60_000 }, async () => {
  const executor = fromD1(env.DB)
  const seen: { rows: unknown; reason: string }[] = []
  const sendToDashboard = (rows: unknown, reason: string): void => {
    seen.push({ rows, reason })
  }

  // README: serverLiveSelect-checkIntervalMs
  const slow = serverLiveSelect({
    executor,
    tables: ["todos"],
    pollIntervalMs: 60_000, // a fetch at least once a minute, as a sign of life
    checkIntervalMs: 5_000, // look for changes every 5 s: 12 queries a minute instead of 240
    fetch: () => executor.all({ text: "SELECT COUNT(*) AS n FROM todos", params: [] }),
    onChange: (rows, { reason }) => sendToDashboard(rows, reason),
  })
  // end

  try {
    await vi.waitFor(() => expect(seen).toHaveLength(1), { timeout: 20_000, interval: 20 })
    await executor.run({ text: "INSERT INTO todos (id, title, done, userId, updatedAt) VALUES ('t1', 'one', 0, 'u1', 1)", params: [] })
    // The next look is 5 s after the initial fetch ended: nothing can have fetched yet (a lower
    // bound only, which load cannot break).
    expect(seen).toHaveLength(1)
    await vi.waitFor(() => expect(seen).toHaveLength(2), { timeout: 30_000, interval: 50 })
  } finally {
    slow.stop()
  }
  expect(seen.map((s) => [s.reason, s.rows])).toEqual([
    ["initial", [{ n: 0 }]],
    ["change", [{ n: 1 }]],
  ])
})
