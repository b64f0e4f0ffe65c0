/**
 * The sync protocol scenarios, written once and run against every way of serving the handler:
 * in-process on better-sqlite3 and inside workerd on D1. A subject gives `send` (a Request in, a
 * Response out) through two handlers with separate executors (`x-handler: a|b`), `rawQuery` into
 * its database, and the hook events (`onPushed`, `onError`, `onMetric`) recorded since the last
 * call. One database serves the whole suite: each test uses its own client, user and row ids.
 */
import { encodeCookie, decodeCookie, decodePullCookie, errorBodySchema } from "@plasma/core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { SCHEMA_VERSION } from "./app.js"
import { BASE_URL, identityHeaders, pullRequest, pushBody, pushRequest, ScriptedClient, type Identity, type Send } from "./scripted-client.js"

export interface HookEvent {
  readonly type: "pushed" | "error" | "metric"
  readonly [field: string]: unknown
}

export interface SyncSubject {
  readonly send: Send
  rawQuery(sql: string, params?: readonly unknown[]): Promise<Record<string, unknown>[]>
  /** The hook events since the last call (after any `waitUntil` work settled). */
  events(): Promise<HookEvent[]>
  dispose(): Promise<void>
}

let unique = 0
const fresh = (prefix: string): string => `${prefix}-${++unique}`

function who(overrides: Partial<Identity> = {}): Identity {
  const n = ++unique
  return { group: `g${n}`, client: `c${n}`, user: `u${n}`, ...overrides }
}

/** Registers the scenarios for one subject. */
export function describeSyncScenarios(name: string, createSubject: () => Promise<SyncSubject>, options: { timeoutMs?: number } = {}): void {
  describe(`sync protocol on ${name}`, { timeout: options.timeoutMs ?? 20_000 }, () => {
    let subject: SyncSubject
    let send: Send

    beforeAll(async () => {
      subject = await createSubject()
      send = subject.send
      // Create the schema through the handler itself, so "database unchanged" dumps have tables.
      const c = new ScriptedClient(send, who())
      await c.push([{ name: "addNote", args: { id: fresh("n"), body: "setup" } }])
      await subject.events()
    }, 60_000)
    afterAll(async () => {
      await subject?.dispose()
    })

    const dump = async (): Promise<string> => {
      const parts: Record<string, unknown> = {}
      for (const [label, sql] of [
        ["changes", "SELECT * FROM _plasma_changes ORDER BY row_version"],
        ["clients", "SELECT * FROM _plasma_client_mutations ORDER BY client_group_id, client_id"],
        ["meta", "SELECT * FROM _plasma_meta ORDER BY key"],
        ["todos", "SELECT * FROM todos ORDER BY id"],
        ["counters", "SELECT * FROM counters ORDER BY id"],
        ["notes", "SELECT * FROM notes ORDER BY id"],
      ] as const) {
        parts[label] = await subject.rawQuery(sql)
      }
      return JSON.stringify(parts)
    }
    const head = async (): Promise<number> => Number((await subject.rawQuery("SELECT COALESCE(MAX(row_version), 0) AS v FROM _plasma_changes"))[0]?.v)
    const lastMutationID = async (id: Identity): Promise<number | undefined> => {
      const rows = await subject.rawQuery("SELECT last_mutation_id AS m FROM _plasma_client_mutations WHERE client_group_id = ? AND client_id = ?", [id.group, id.client])
      return rows[0] === undefined ? undefined : Number(rows[0].m)
    }
    const countOf = async (sql: string, params: readonly unknown[] = []): Promise<number> => Number((await subject.rawQuery(sql, params))[0]?.n)

    it("push then pull: the client gets its rows, its cookie and its last mutation id", async () => {
      const id = who()
      const client = new ScriptedClient(send, id)
      const note = fresh("n")
      const todo = fresh("t")
      await client.push([
        { name: "addNote", args: { id: note, body: "hello" } },
        { name: "addTodo", args: { id: todo, title: "write tests", ownerId: id.user } },
      ])
      const pages = await client.pullAll()
      expect(pages.at(-1)?.hasMore).toBe(false)
      expect(client.rows.get("notes")?.get(note)).toEqual({ id: note, body: "hello" })
      expect(client.rows.get("todos")?.get(todo)).toEqual({ id: todo, title: "write tests", ownerId: id.user, shared: false })
      expect(client.lastMutationIDs).toEqual({ [id.client]: 2 })
      expect(decodeCookie(client.cookie ?? "")).toBe(await head())
      // Local-only tables never travel.
      expect(client.rows.has("scratch")).toBe(false)
      // A pull with nothing new keeps the cookie.
      const again = await client.pull()
      expect(again.patch).toEqual([])
      expect(again.cookie).toBe(client.cookie)
    })

    it("pages to the end with a small limit", async () => {
      const client = new ScriptedClient(send, who())
      await client.pullAll()
      const ids = Array.from({ length: 25 }, () => fresh("page"))
      await client.push(ids.map((id) => ({ name: "addNote", args: { id, body: id } })))
      const pages = await client.pullAll(7)
      expect(pages.map((p) => p.patch.length)).toEqual([7, 7, 7, 4])
      expect(pages.map((p) => p.hasMore)).toEqual([true, true, true, false])
      const versions = pages.map((p) => decodeCookie(p.cookie))
      expect([...versions].sort((a, b) => a - b)).toEqual(versions)
      for (const id of ids) expect(client.rows.get("notes")?.get(id)).toEqual({ id, body: id })
    })

    it("applies a retried push once", async () => {
      const id = who()
      const note = fresh("n")
      const body = pushBody(id, [{ id: 1, name: "addNote", args: { id: note, body: "once" } }])
      await subject.events()
      expect((await send(pushRequest(id, body))).status).toBe(200)
      expect((await send(pushRequest(id, body))).status).toBe(200)
      expect(await countOf("SELECT COUNT(*) AS n FROM _plasma_changes WHERE table_name = 'notes' AND row_id = ?", [note])).toBe(1)
      expect(await lastMutationID(id)).toBe(1)
      const pushed = (await subject.events()).filter((e) => e.type === "pushed")
      expect(pushed).toEqual([{ type: "pushed", clientGroupID: id.group, clientID: id.client }])
    })

    it("applies the same push sent twice concurrently once (two executors)", async () => {
      const id = who()
      const note = fresh("n")
      const body = pushBody(id, [
        { id: 1, name: "addNote", args: { id: note, body: "x" } },
        { id: 2, name: "editNote", args: { id: note, body: "x2" } },
      ])
      const [a, b] = await Promise.all([send(pushRequest({ ...id, handler: "a" }, body)), send(pushRequest({ ...id, handler: "b" }, body))])
      expect([a.status, b.status]).toEqual([200, 200])
      expect(await countOf("SELECT COUNT(*) AS n FROM _plasma_changes WHERE table_name = 'notes' AND row_id = ?", [note])).toBe(2)
      expect(await subject.rawQuery("SELECT body FROM notes WHERE id = ?", [note])).toEqual([{ body: "x2" }])
      expect(await lastMutationID(id)).toBe(2)
    })

    it("answers a gap with 400 mutation-id-gap and keeps the mutations before it", async () => {
      const id = who()
      const [n1, n2, n3] = [fresh("n"), fresh("n"), fresh("n")]
      const add = (mid: number, note: string) => ({ id: mid, name: "addNote", args: { id: note, body: note } })
      expect((await send(pushRequest(id, pushBody(id, [add(1, n1), add(2, n2)])))).status).toBe(200)
      const gap = await send(pushRequest(id, pushBody(id, [add(3, n3), add(5, fresh("n"))])))
      expect(gap.status).toBe(400)
      expect(await gap.json()).toMatchObject({ error: "mutation-id-gap", expected: 4, got: 5 })
      expect(await lastMutationID(id)).toBe(3)
      expect(await countOf("SELECT COUNT(*) AS n FROM notes WHERE id IN (?, ?, ?)", [n1, n2, n3])).toBe(3)
      // A push that starts past the gap changes nothing at all.
      const before = await dump()
      const only = await send(pushRequest(id, pushBody(id, [add(7, fresh("n"))])))
      expect(only.status).toBe(400)
      expect(await only.json()).toMatchObject({ error: "mutation-id-gap", expected: 4, got: 7 })
      expect(await dump()).toBe(before)
    })

    it("drops a throwing mutator, rolls back its writes, still advances its id and tells onError", async () => {
      const id = who()
      const client = new ScriptedClient(send, id)
      const poisoned = fresh("n")
      const after = fresh("n")
      await subject.events()
      await client.push([
        { name: "boom", args: { id: poisoned } },
        { name: "addNote", args: { id: after, body: "after the poison" } },
      ])
      expect(await lastMutationID(id)).toBe(2)
      expect(await subject.rawQuery("SELECT id FROM notes WHERE id IN (?, ?)", [poisoned, after])).toEqual([{ id: after }])
      expect(await countOf("SELECT COUNT(*) AS n FROM _plasma_changes WHERE row_id = ?", [poisoned])).toBe(0)
      const errors = (await subject.events()).filter((e) => e.type === "error")
      expect(errors).toHaveLength(1)
      expect(errors[0]).toMatchObject({ kind: "mutation-error", mutation: { id: 1, name: "boom" }, error: { message: "boom" } })
    })

    it("drops a mutation whose write fails the write predicate, and still advances its id", async () => {
      const id = who()
      const client = new ScriptedClient(send, id)
      const stolen = fresh("t")
      await subject.events()
      await client.push([{ name: "addTodo", args: { id: stolen, title: "not mine", ownerId: "someone-else" } }])
      expect(await lastMutationID(id)).toBe(1)
      expect(await countOf("SELECT COUNT(*) AS n FROM todos WHERE id = ?", [stolen])).toBe(0)
      const errors = (await subject.events()).filter((e) => e.type === "error")
      expect(errors).toMatchObject([{ kind: "mutation-error", mutation: { id: 1, name: "addTodo" } }])
    })

    it("gives each user only the rows they may read; a row that becomes unreadable arrives as a del", async () => {
      const alice = new ScriptedClient(send, who())
      const bob = new ScriptedClient(send, who())
      const [a1, aShared, b1] = [fresh("t"), fresh("t"), fresh("t")]
      await alice.push([
        { name: "addTodo", args: { id: a1, title: "alice private", ownerId: alice.who.user } },
        { name: "addTodo", args: { id: aShared, title: "alice shared", ownerId: alice.who.user, shared: true } },
      ])
      await bob.push([{ name: "addTodo", args: { id: b1, title: "bob private", ownerId: bob.who.user } }])
      await alice.pullAll()
      await bob.pullAll(2)
      const mine = (c: ScriptedClient) => c.table("todos").filter((r) => [a1, aShared, b1].includes(String(r.id))).map((r) => r.id)
      expect(mine(alice)).toEqual([a1, aShared].sort())
      expect(mine(bob)).toEqual([aShared, b1].sort())
      // Every todo bob holds passes his predicate.
      for (const row of bob.table("todos")) expect(row.ownerId === bob.who.user || row.shared === true).toBe(true)

      await alice.push([{ name: "shareTodo", args: { id: aShared, shared: false } }])
      const page = await bob.pull()
      expect(page.patch).toContainEqual({ op: "del", table: "todos", id: aShared })
      expect(mine(bob)).toEqual([b1])
      await alice.pull()
      expect(alice.rows.get("todos")?.get(aShared)).toMatchObject({ shared: false })
      // A delete of a row alice could never read tells her nothing, not even its id.
      await bob.push([{ name: "deleteTodo", args: { id: b1 } }])
      const afterDelete = await alice.pull()
      expect(afterDelete.patch.map((op) => op.id)).not.toContain(b1)
      // Bob held it: he hears of the delete.
      expect((await bob.pull()).patch).toContainEqual({ op: "del", table: "todos", id: b1 })
    })

    it("returns lastMutationIDs for every client of the group, and only of the group", async () => {
      const group = fresh("group")
      const first = new ScriptedClient(send, who({ group }))
      const sibling = new ScriptedClient(send, who({ group }))
      const stranger = new ScriptedClient(send, who())
      await first.push([{ name: "addNote", args: { id: fresh("n"), body: "1" } }])
      await sibling.push([
        { name: "addNote", args: { id: fresh("n"), body: "2" } },
        { name: "addNote", args: { id: fresh("n"), body: "3" } },
      ])
      await stranger.push([{ name: "addNote", args: { id: fresh("n"), body: "4" } }])
      await first.pull()
      expect(first.lastMutationIDs).toEqual({ [first.who.client]: 1, [sibling.who.client]: 2 })
    })

    it("ends at exactly 50 after 50 concurrent +1 pushes from 50 clients", async () => {
      const counter = fresh("counter")
      const clients = Array.from({ length: 50 }, (_, i) => new ScriptedClient(send, who({ handler: i % 2 === 0 ? "a" : "b" })))
      const answers = await Promise.all(clients.map((c) => send(c.nextPush([{ name: "increment", args: { id: counter } }]))))
      expect(answers.map((r) => r.status)).toEqual(answers.map(() => 200))
      expect(await subject.rawQuery("SELECT value FROM counters WHERE id = ?", [counter])).toEqual([{ value: 50 }])
      expect(await countOf("SELECT COUNT(*) AS n FROM _plasma_changes WHERE table_name = 'counters' AND row_id = ?", [counter])).toBe(50)
      const reader = new ScriptedClient(send, who())
      await reader.pullAll()
      expect(reader.rows.get("counters")?.get(counter)).toEqual({ id: counter, value: 50 })
    }, 60_000)

    describe("bad input is refused with the right 4xx and leaves the database unchanged", () => {
      const id = who()
      const mutation = (mid: number, name = "addNote") => ({ id: mid, name, args: { id: `bad-${mid}`, body: "never" } })
      const valid = () => pushBody(id, [mutation(1)])
      const cases: [string, () => Request | Promise<Request>, number, string, Record<string, unknown>?][] = [
        ["a body that is not JSON", () => pushRequest(id, "{not json"), 400, "invalid-request"],
        ["an empty body", () => pushRequest(id, ""), 400, "invalid-request"],
        ["a mutation id of the wrong type", () => pushRequest(id, pushBody(id, [{ id: "1" as unknown as number, name: "addNote", args: {} }])), 400, "invalid-request"],
        ["a missing mutations field", () => pushRequest(id, { ...valid(), mutations: undefined }), 400, "invalid-request"],
        ["a missing clientID", () => pushRequest(id, { ...valid(), clientID: undefined }), 400, "invalid-request"],
        ["ids not increasing", () => pushRequest(id, pushBody(id, [mutation(2), mutation(1)])), 400, "invalid-request"],
        ["an unknown mutator after a valid one", () => pushRequest(id, pushBody(id, [mutation(1), mutation(2, "dropTables")])), 400, "unknown-mutator", { mutator: "dropTables" }],
        ["an inherited name as mutator", () => pushRequest(id, pushBody(id, [mutation(1, "constructor")])), 400, "unknown-mutator"],
        ["protocolVersion 2", () => pushRequest(id, { ...valid(), protocolVersion: 2 }), 400, "protocol-mismatch"],
        ["another schemaVersion (push)", () => pushRequest(id, { ...valid(), schemaVersion: "old" }), 409, "schema-mismatch", { expected: SCHEMA_VERSION }],
        ["201 mutations", () => pushRequest(id, pushBody(id, Array.from({ length: 201 }, (_, i) => mutation(i + 1)))), 413, "payload-too-large"],
        [
          "a body of 1 MiB + 1 byte",
          () => {
            const text = JSON.stringify(valid())
            return pushRequest(id, text + " ".repeat(1_048_577 - text.length))
          },
          413,
          "payload-too-large",
        ],
        ["a push whose ids differ from auth's", () => pushRequest(id, { ...valid(), clientID: "someone-else" }), 400, "client-id-mismatch"],
        ["a push whose group differs from auth's", () => pushRequest(id, { ...valid(), clientGroupID: "other-group" }), 400, "client-id-mismatch"],
        ["a push refused by auth", () => pushRequest(id, valid(), { "x-auth": "deny" }), 401, "unauthorized"],
        ["a push when auth throws", () => pushRequest(id, valid(), { "x-auth": "throw" }), 401, "unauthorized"],
        ["GET on the push route", () => new Request(`${BASE_URL}/push`, { headers: identityHeaders(id) }), 405, "method-not-allowed"],
        ["POST on the pull route", () => new Request(`${BASE_URL}/pull`, { method: "POST", headers: identityHeaders(id), body: "{}" }), 405, "method-not-allowed"],
        ["an unknown path", () => new Request(`${BASE_URL}/poke`, { method: "POST", headers: identityHeaders(id), body: "{}" }), 404, "not-found"],
        ["a path outside basePath", () => new Request("http://sync.test/push", { method: "POST", headers: identityHeaders(id), body: JSON.stringify(valid()) }), 404, "not-found"],
        ["a malformed cookie", () => pullRequest(id, { cookie: "c1:garbage!" }), 400, "invalid-request"],
        ["a cookie of another format", () => pullRequest(id, { cookie: "c1:" + btoa('{"0":"01"}') }), 400, "invalid-request"],
        ["a cookie with an unknown field", () => pullRequest(id, { cookie: "c1:" + btoa('{"0":"1","reset":true}') }), 400, "invalid-request"],
        ["a negative limit", () => pullRequest(id, { limit: "-5" }), 400, "invalid-request"],
        ["a zero limit", () => pullRequest(id, { limit: "0" }), 400, "invalid-request"],
        ["a huge limit", () => pullRequest(id, { limit: "1000000" }), 400, "invalid-request"],
        ["a non-numeric limit", () => pullRequest(id, { limit: "lots" }), 400, "invalid-request"],
        ["a pull of protocol version 2", () => pullRequest(id, { protocolVersion: "2" }), 400, "protocol-mismatch"],
        ["a pull of another schemaVersion", () => pullRequest(id, { schemaVersion: "old" }), 409, "schema-mismatch", { expected: SCHEMA_VERSION }],
        ["a pull whose ids differ from auth's", () => pullRequest(id, { clientID: "someone-else" }), 400, "client-id-mismatch"],
        ["a pull refused by auth", () => pullRequest(id, {}, { "x-auth": "deny" }), 401, "unauthorized"],
        ["a pull missing clientGroupID", () => pullRequest(id, { clientGroupID: undefined }), 400, "invalid-request"],
      ]
      it.each(cases)("%s", async (_label, build, status, code, details) => {
        const request = await build()
        const before = await dump()
        const response = await send(request)
        expect(response.status).toBe(status)
        expect(response.headers.get("content-type")).toBe("application/json")
        const body = errorBodySchema.parse(await response.json())
        expect(body.error).toBe(code)
        expect(body.message.length).toBeGreaterThan(0)
        if (details !== undefined) expect(body).toMatchObject(details)
        if (status === 405) expect(response.headers.get("allow")).toMatch(/^(GET|POST)$/)
        expect(await dump()).toBe(before)
      })

      it("names the offending path of a shape error", async () => {
        const response = await send(pushRequest(id, { ...valid(), mutations: [{ id: 1, name: "addNote", args: {}, timestamp: "soon" }] }))
        const body = (await response.json()) as { message: string; issues: { path: string }[] }
        expect(body.issues.map((i) => i.path)).toContain("mutations.0.timestamp")
        expect(body.message).toContain("mutations.0.timestamp")
      })
    })

    it("reports one metric per request and runs onPushed only for pushes that changed something", async () => {
      const id = who()
      const note = fresh("n")
      const body = pushBody(id, [{ id: 1, name: "addNote", args: { id: note, body: "m" } }])
      await subject.events()
      expect((await send(pushRequest(id, body))).status).toBe(200)
      let events = await subject.events()
      expect(events.filter((e) => e.type === "pushed")).toHaveLength(1)
      expect(events.filter((e) => e.type === "metric")).toMatchObject([{ kind: "push", ok: true, status: 200, mutations: 1, processed: 1, dropped: 0 }])
      expect(typeof events.find((e) => e.type === "metric")?.latencyMs).toBe("number")

      // The retry changes nothing: no onPushed.
      expect((await send(pushRequest(id, body))).status).toBe(200)
      events = await subject.events()
      expect(events.filter((e) => e.type === "pushed")).toHaveLength(0)
      expect(events.filter((e) => e.type === "metric")).toMatchObject([{ kind: "push", ok: true, status: 200, processed: 0 }])

      expect((await send(pullRequest(id, { limit: "3" }))).status).toBe(200)
      events = await subject.events()
      // `changes` counts what was sent: at most the limit (rows this user may not read are left out).
      expect(events).toMatchObject([{ type: "metric", kind: "pull", ok: true, status: 200, hasMore: true }])
      expect(Number(events[0]?.changes)).toBeLessThanOrEqual(3)

      expect((await send(pullRequest(id, {}, { "x-auth": "deny" }))).status).toBe(401)
      events = await subject.events()
      expect(events).toMatchObject([
        { type: "error", kind: "unauthorized" },
        { type: "metric", kind: "pull", ok: false, status: 401 },
      ])
    })

    it("answers 200 when onPushed throws, and onError hears it", async () => {
      const id = who()
      const client = new ScriptedClient(send, id)
      await subject.events()
      await client.push([{ name: "addNote", args: { id: fresh("n"), body: "p" } }], { "x-fail-pushed": "1" })
      const events = await subject.events()
      expect(events.filter((e) => e.type === "pushed")).toHaveLength(1)
      expect(events.filter((e) => e.type === "error")).toMatchObject([{ kind: "onPushed-failed", error: { message: "poke failed" } }])
    })

    it("records each client's pull position and last-seen time", async () => {
      const id = who()
      const client = new ScriptedClient(send, id)
      const started = Date.now()
      await client.pull(5)
      let rows = await subject.rawQuery("SELECT last_mutation_id, last_pull_version, last_seen_at FROM _plasma_client_mutations WHERE client_group_id = ? AND client_id = ?", [id.group, id.client])
      // A client that never pushed gets a row with last_mutation_id 0, and the position is the
      // cookie it was handed, so computeSafeCursor protects it from its first pull on.
      const firstCookie = decodeCookie(client.cookie ?? "")
      expect(firstCookie).toBeGreaterThan(0)
      expect(rows).toHaveLength(1)
      expect(rows[0]).toMatchObject({ last_mutation_id: 0, last_pull_version: firstCookie })
      expect(Number(rows[0]?.last_seen_at)).toBeGreaterThanOrEqual(started - 5)
      await client.pull(5)
      const secondCookie = decodeCookie(client.cookie ?? "")
      rows = await subject.rawQuery("SELECT last_pull_version FROM _plasma_client_mutations WHERE client_group_id = ? AND client_id = ?", [id.group, id.client])
      expect(rows).toEqual([{ last_pull_version: secondCookie }])
      // Pushing keeps the recorded position.
      await client.push([{ name: "addNote", args: { id: fresh("n"), body: "pos" } }])
      rows = await subject.rawQuery("SELECT last_mutation_id, last_pull_version FROM _plasma_client_mutations WHERE client_group_id = ? AND client_id = ?", [id.group, id.client])
      expect(rows).toEqual([{ last_mutation_id: 1, last_pull_version: secondCookie }])
    })

    /** A client that pulled everything, then other clients change things while it is away. */
    async function clientAway(): Promise<{ client: ScriptedClient; cookie: number; gone: string; edited: string }> {
      const client = new ScriptedClient(send, who())
      const [keep, gone, edited] = [fresh("n"), fresh("n"), fresh("n")]
      await client.push([
        { name: "addNote", args: { id: keep, body: "keep" } },
        { name: "addNote", args: { id: gone, body: "gone" } },
        { name: "addNote", args: { id: edited, body: "v1" } },
      ])
      await client.pullAll()
      const cookie = decodeCookie(client.cookie ?? "")
      const other = new ScriptedClient(send, who())
      await other.push([{ name: "editNote", args: { id: edited, body: "v2" } }])
      await subject.rawQuery("DELETE FROM notes WHERE id = ?", [gone])
      await other.push(Array.from({ length: 4 }, () => ({ name: "addNote", args: { id: fresh("n"), body: "later" } })))
      return { client, cookie, gone, edited }
    }
    const serverNotes = async () => [...(await subject.rawQuery("SELECT id, body FROM notes ORDER BY id"))].sort((a, b) => String(a.id).localeCompare(String(b.id)))
    const setFloor = (key: string, value: number) => subject.rawQuery("INSERT INTO _plasma_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", [key, String(value)])

    it("serves a cookie below the compaction floor like any other: bounded pages, no reset, deletes included", async () => {
      const { client, cookie, gone, edited } = await clientAway()
      await setFloor("compaction_floor", cookie + 3)
      try {
        const pages = await client.pullAll(2)
        expect(pages.every((p) => p.reset === undefined && p.patch.length <= 2)).toBe(true)
        expect(client.rows.get("notes")?.has(gone)).toBe(false)
        expect(client.rows.get("notes")?.get(edited)).toEqual({ id: edited, body: "v2" })
        expect(client.table("notes")).toEqual(await serverNotes())
      } finally {
        await subject.rawQuery("DELETE FROM _plasma_meta WHERE key = 'compaction_floor'")
      }
    })

    it("walks a paged reset for a cookie below the tombstone floor: reset on every page, resetting cookies, the state swapped after the last page", async () => {
      const { client, cookie, gone, edited } = await clientAway()
      // A row the client holds but the server never had: the reset must drop it.
      client.rows.get("notes")?.set("phantom", { id: "phantom", body: "stale" })
      await setFloor("tombstone_floor", cookie + 3)
      try {
        const pages = await client.pullAll(5)
        expect(pages.length).toBeGreaterThan(1)
        expect(pages.every((p) => p.reset === true && p.patch.length <= 5)).toBe(true)
        const cookies = pages.map((p) => decodePullCookie(p.cookie))
        expect(cookies.slice(0, -1).every((c) => c.resetting)).toBe(true)
        expect(cookies.at(-1)?.resetting).toBe(false)
        // The walk's first cookies are below the floor, and it never starts over.
        expect(cookies[0]?.version).toBeLessThan(cookie + 3)
        expect(client.rows.get("notes")?.has("phantom")).toBe(false)
        expect(client.rows.get("notes")?.has(gone)).toBe(false)
        expect(client.rows.get("notes")?.get(edited)).toEqual({ id: edited, body: "v2" })
        expect(client.table("notes")).toEqual(await serverNotes())
        // Its next pull is an ordinary one.
        expect((await client.pull()).reset).toBeUndefined()
      } finally {
        await subject.rawQuery("DELETE FROM _plasma_meta WHERE key = 'tombstone_floor'")
      }
    })

    it("walks a paged reset for a cookie past the newest change (a restored database)", async () => {
      const client = new ScriptedClient(send, who())
      client.cookie = encodeCookie((await head()) + 1000)
      client.rows.set("notes", new Map([["ghost", { id: "ghost", body: "from the old database" }]]))
      const pages = await client.pullAll(50)
      expect(pages.every((p) => p.reset === true && p.patch.length <= 50)).toBe(true)
      expect(client.table("notes")).toEqual(await serverNotes())
    })
  })
}
