/**
 * The admin history routes through the real Worker (wrangler dev, D1): "what changed since
 * version N" from `diffSnapshots` and a todo's history from `rowHistory`, paging, the admin
 * token, and 4xx answers for bad input.
 */
import { describe, expect, it } from "vitest"
import { admin, baseUrl, stats, SyncClient, todoArgs, uniqueUser, type Row } from "./helpers.js"

interface DiffBody {
  from: number
  to: number
  added: { id: string; after: Row }[]
  removed: { id: string; before: Row }[]
  changed: { id: string; before: Row; after: Row }[]
  next: string | null
}

interface HistoryBody {
  entries: { rowVersion: number; op: string; value: Row | null; createdAt: number; clientGroupID: string | null; clientID: string | null; mutationID: number | null; folded: boolean }[]
  next: string | null
  compactionFloor: number
}

async function json<T>(path: string): Promise<T> {
  const response = await admin(path)
  expect(response.status, await response.clone().text()).toBe(200)
  return (await response.json()) as T
}

/** Every page of a diff, merged. */
async function fullDiff(from: number, limit: number): Promise<{ added: string[]; removed: string[]; changed: string[]; pages: number }> {
  const out = { added: [] as string[], removed: [] as string[], changed: [] as string[], pages: 0 }
  let cursor: string | null = null
  do {
    const body: DiffBody = await json<DiffBody>(`/admin/diff?from=${from}&limit=${limit}${cursor === null ? "" : `&cursor=${encodeURIComponent(cursor)}`}`)
    out.pages++
    out.added.push(...body.added.map((r) => r.id))
    out.removed.push(...body.removed.map((r) => r.id))
    out.changed.push(...body.changed.map((r) => r.id))
    cursor = body.next
  } while (cursor !== null)
  return out
}

async function expectError(path: string, status: number, code: string, init?: RequestInit): Promise<void> {
  const response = init === undefined ? await admin(path) : await fetch(`${baseUrl()}${path}`, init)
  expect(response.status, path).toBe(status)
  const body = (await response.json()) as { error: string; message: string }
  expect(body.error, path).toBe(code)
  expect(body.message.length).toBeGreaterThan(0)
}

describe("admin history routes", () => {
  it("diff since a version and a todo's history, with who changed it and when", async () => {
    const user = uniqueUser("hana")
    const client = new SyncClient(user)
    const [a, b, c] = [`${user}-a`, `${user}-b`, `${user}-c`]
    const start = (await stats()).changes.latest ?? 0
    await client.push(todoArgs(a, "alpha"), todoArgs(b, "beta")) // mutations 1, 2
    const middle = (await stats()).changes.latest ?? 0
    const t0 = Date.now()
    await client.push({ name: "toggleTodo", args: { id: a, updatedAt: Date.now() } }) // 3
    await client.push({ name: "deleteTodo", args: { id: b } }, todoArgs(c, "gamma")) // 4, 5

    // Since `start`: b was born and deleted inside the range, so it is not listed.
    const sinceStart = await json<DiffBody>(`/admin/diff?from=${start}`)
    expect(sinceStart.added.map((r) => [r.id, r.after["title"], r.after["done"]])).toEqual([
      [a, "alpha", true],
      [c, "gamma", false],
    ])
    expect(sinceStart.removed).toEqual([])
    expect(sinceStart.changed).toEqual([])
    expect(sinceStart.next).toBeNull()

    // Since `middle`: a changed, b removed, c added, each with its before/after.
    const sinceMiddle = await json<DiffBody>(`/admin/diff?from=${middle}`)
    expect(sinceMiddle.changed.map((r) => [r.id, r.before["done"], r.after["done"]])).toEqual([[a, false, true]])
    expect(sinceMiddle.removed.map((r) => [r.id, r.before["title"]])).toEqual([[b, "beta"]])
    expect(sinceMiddle.added.map((r) => r.id)).toEqual([c])
    // Paged one row at a time: the same answer.
    const paged = await fullDiff(middle, 1)
    expect(paged.pages).toBe(3)
    expect(paged).toMatchObject({ added: [c], removed: [b], changed: [a] })

    // a's history: newest first, the client and mutation of each write.
    const history = await json<HistoryBody>(`/admin/history?id=${encodeURIComponent(a)}`)
    expect(history.entries.map((e) => [e.op, e.value?.["done"], e.clientGroupID, e.clientID, e.mutationID, e.folded])).toEqual([
      ["put", true, client.clientGroupID, client.clientID, 3, false],
      ["put", false, client.clientGroupID, client.clientID, 1, false],
    ])
    expect(history.entries[0]?.createdAt).toBeGreaterThanOrEqual(t0 - 60_000)
    const bHistory = await json<HistoryBody>(`/admin/history?id=${encodeURIComponent(b)}&limit=1`)
    expect(bHistory.entries.map((e) => [e.op, e.mutationID])).toEqual([["del", 4]])
    const older = await json<HistoryBody>(`/admin/history?id=${encodeURIComponent(b)}&limit=1&before=${encodeURIComponent(bHistory.next ?? "")}`)
    expect(older.entries.map((e) => [e.op, e.mutationID])).toEqual([["put", 2]])
    expect(older.next).toBeNull()
  })

  it("refuses bad input with 4xx JSON naming the problem, and everything without the admin token", async () => {
    await expectError("/admin/diff", 400, "invalid-request")
    await expectError("/admin/diff?from=abc", 400, "invalid-request")
    await expectError("/admin/diff?from=-1", 400, "invalid-request")
    await expectError("/admin/diff?from=5&to=2", 400, "invalid-request")
    await expectError("/admin/diff?from=0&limit=0", 400, "invalid-request")
    await expectError("/admin/diff?from=0&cursor=ds1.nonsense", 400, "invalid-request")
    await expectError("/admin/history", 400, "invalid-request")
    await expectError(`/admin/history?id=${"x".repeat(201)}`, 400, "invalid-request")
    await expectError("/admin/history?id=t1&before=rh1.WyJ0b2RvcyIsInQxIiw0Ml0x", 400, "invalid-request")
    await expectError("/admin/history?id=t1&limit=5000", 400, "invalid-request")
    await expectError("/admin/diff?from=0", 401, "unauthorized", {})
    await expectError("/admin/history?id=t1", 401, "unauthorized", { headers: { authorization: "Bearer nope" } })
  })
})
