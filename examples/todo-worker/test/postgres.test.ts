/**
 * The same Worker on Postgres: `wrangler dev --env postgres`, its Hyperdrive binding pointed at a
 * fresh database on the server `PLASMA_PG_URL` names (through
 * CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_HYPERDRIVE, which wins over the file's
 * `localConnectionString`). A push and a pull from another client group; a blob uploaded,
 * attached, served, detached and collected by the cron; all checked in the database itself (so
 * the rows are known to be in Postgres, not D1); and no connection left open after.
 *
 * Skips with one message when `PLASMA_PG_URL` is unset (start a server: `export
 * PLASMA_PG_URL=$(bash scripts/postgres.sh start)`); under CI a missing URL fails instead.
 */
import { randomUUID } from "node:crypto"
import { join } from "node:path"
import { postgresTestUrl, POSTGRES_SKIP_MESSAGE } from "@plasma/executors/testing"
import pg from "pg"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { resultsDir } from "./global-setup.js"
import { ADMIN_TOKEN, eventually, SCHEMA_VERSION, uniqueUser, type PullBody, type Stats } from "./helpers.js"
import { startWranglerDev, type WranglerDev } from "./wrangler-dev.js"

const url = postgresTestUrl()
if (url === null) console.warn(POSTGRES_SKIP_MESSAGE)

// A 1×1 PNG (the bytes are only checked against their hash, the MIME type against the column).
const PNG = Uint8Array.from(Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==", "base64"))
const BLOB_GRACE_MS = 2_000 // .dev.vars

/** Fires the cron (compaction + blob GC) and waits for its report (see helpers.ts `runCron`). */
async function runCron(base: string): Promise<NonNullable<Stats["lastMaintenance"]>> {
  const before = Date.now()
  const response = await fetch(`${base}/__scheduled?cron=${encodeURIComponent("*/30 * * * *")}`)
  expect(response.status, await response.text()).toBe(200)
  return eventually(async () => {
    const stats = await fetch(`${base}/admin/stats`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
    const report = ((await stats.json()) as Stats).lastMaintenance
    return report !== null && report.at >= before ? report : undefined
  }, { what: "the maintenance report" })
}

/** A throwaway database on the test server, and its connection string. */
async function createDatabase(serverUrl: string): Promise<{ readonly url: string; drop(): Promise<void> }> {
  const name = `todo_e2e_${randomUUID().replaceAll("-", "").slice(0, 12)}`
  const admin = new pg.Client({ connectionString: serverUrl })
  await admin.connect()
  await admin.query(`CREATE DATABASE ${name}`)
  await admin.end()
  const databaseUrl = new URL(serverUrl)
  databaseUrl.pathname = `/${name}`
  // Miniflare's Hyperdrive refuses a connection string without a password; the test server's
  // trust auth ignores whatever is given.
  if (databaseUrl.password === "") databaseUrl.password = "postgres"
  return {
    url: databaseUrl.toString(),
    async drop() {
      const again = new pg.Client({ connectionString: serverUrl })
      await again.connect()
      try {
        await again.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      } finally {
        await again.end()
      }
    },
  }
}

/** One client (user, group, client id) speaking push/pull/blob to the Postgres Worker. */
class Client {
  readonly clientGroupID = `g-${randomUUID()}`
  readonly clientID = `c-${randomUUID()}`
  #nextId = 1

  constructor(
    readonly base: string,
    readonly userId: string,
  ) {}

  headers(extra: Record<string, string> = {}): Record<string, string> {
    return { authorization: `Bearer user:${this.userId}`, "x-plasma-client-group": this.clientGroupID, "x-plasma-client": this.clientID, ...extra }
  }

  async push(...mutations: readonly { name: string; args: unknown }[]): Promise<void> {
    const response = await fetch(`${this.base}/sync/push`, {
      method: "POST",
      headers: this.headers({ "content-type": "application/json" }),
      body: JSON.stringify({
        protocolVersion: 1,
        schemaVersion: SCHEMA_VERSION,
        clientGroupID: this.clientGroupID,
        clientID: this.clientID,
        mutations: mutations.map((m) => ({ id: this.#nextId++, ...m, timestamp: Date.now() })),
      }),
    })
    expect(response.status, await response.text()).toBe(200)
  }

  async pull(cookie: string | null = null): Promise<PullBody> {
    const query = new URLSearchParams({ protocolVersion: "1", schemaVersion: SCHEMA_VERSION, clientGroupID: this.clientGroupID, clientID: this.clientID })
    if (cookie !== null) query.set("cookie", cookie)
    const response = await fetch(`${this.base}/sync/pull?${query}`, { headers: this.headers() })
    const text = await response.text()
    expect(response.status, text).toBe(200)
    return JSON.parse(text) as PullBody
  }
}

describe.skipIf(url === null)("the example on Postgres (wrangler dev --env postgres, Hyperdrive binding)", () => {
  let database: Awaited<ReturnType<typeof createDatabase>>
  let dev: WranglerDev
  let sql: pg.Client

  beforeAll(async () => {
    database = await createDatabase(url as string)
    dev = await startWranglerDev(join(resultsDir, "wrangler-postgres.log"), {
      args: ["--env", "postgres"],
      env: { CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_HYPERDRIVE: database.url },
    })
    sql = new pg.Client({ connectionString: database.url })
    await sql.connect()
  })

  afterAll(async () => {
    await sql?.end()
    await dev?.stop()
    await database?.drop()
  })

  it("pushes, pulls in another client group, and keeps the rows and change log in Postgres", async () => {
    const user = uniqueUser("pg")
    const writer = new Client(dev.baseUrl, user)
    await writer.push(
      { name: "addTodo", args: { id: `${user}-1`, title: "on Postgres", updatedAt: 1 } },
      { name: "addTodo", args: { id: `${user}-2`, title: "through Hyperdrive", updatedAt: 2 } },
      { name: "toggleTodo", args: { id: `${user}-1`, updatedAt: 3 } },
    )

    const reader = new Client(dev.baseUrl, user)
    const page = await reader.pull()
    expect(page.hasMore).toBe(false)
    const values = new Map(page.patch.filter((op) => op.op === "put").map((op) => [op.id, op.value]))
    expect(values.get(`${user}-1`)).toMatchObject({ title: "on Postgres", done: true, ownerId: user })
    expect(values.get(`${user}-2`)).toMatchObject({ title: "through Hyperdrive", done: false, ownerId: user })
    expect((await writer.pull()).lastMutationIDs).toEqual({ [writer.clientID]: 3 })

    // Another user's pull sees none of it (the table's read predicate, on Postgres).
    expect((await new Client(dev.baseUrl, uniqueUser("other")).pull()).patch.filter((op) => op.id.startsWith(user))).toEqual([])

    // The rows and their change log live in the Postgres database, written by this client.
    const rows = await sql.query(`SELECT id, title, done FROM todos WHERE "ownerId" = $1 ORDER BY id`, [user])
    expect(rows.rows).toEqual([
      { id: `${user}-1`, title: "on Postgres", done: 1 },
      { id: `${user}-2`, title: "through Hyperdrive", done: 0 },
    ])
    const changes = await sql.query(`SELECT COUNT(*)::int AS n FROM _plasma_changes WHERE client_id = $1`, [writer.clientID])
    expect(changes.rows[0]).toEqual({ n: 3 })
  })

  it("uploads a blob, attaches it, serves it to its owner only, and the cron collects it once detached", async () => {
    const user = uniqueUser("pgfile")
    const owner = new Client(dev.baseUrl, user)
    const bytes = Uint8Array.from([...PNG, ...new TextEncoder().encode(user)])
    const hash = Buffer.from(await crypto.subtle.digest("SHA-256", bytes)).toString("hex")
    const blobUrl = `${dev.baseUrl}/sync/blob/${hash}`

    const put = await fetch(blobUrl, { method: "PUT", headers: owner.headers({ "content-type": "image/png" }), body: bytes })
    expect(put.status, await put.text()).toBeLessThan(300)
    await owner.push(
      { name: "addTodo", args: { id: `${user}-f`, title: "with a picture", updatedAt: 1 } },
      { name: "attachFile", args: { id: `${user}-f`, attachment: { hash, size: bytes.length, mime: "image/png" }, updatedAt: 2 } },
    )
    const row = (await owner.pull()).patch.findLast((op) => op.id === `${user}-f`) // the log may hold both writes
    expect(row?.value?.["attachment"]).toEqual({ hash, size: bytes.length, mime: "image/png" })

    const download = await fetch(blobUrl, { headers: owner.headers() })
    expect(download.status).toBe(200)
    expect(new Uint8Array(await download.arrayBuffer())).toEqual(bytes)
    expect((await fetch(blobUrl, { headers: new Client(dev.baseUrl, uniqueUser("stranger")).headers() })).status).toBe(404)

    // The blob's bookkeeping is in Postgres: its metadata, the upload record, the row's reference.
    expect((await sql.query("SELECT size, mime FROM _plasma_blobs WHERE hash = $1", [hash])).rows).toEqual([{ size: String(bytes.length), mime: "image/png" }])
    expect((await sql.query("SELECT COUNT(*)::int AS n FROM _plasma_blob_uploads WHERE hash = $1", [hash])).rows).toEqual([{ n: 1 }])
    expect((await sql.query("SELECT table_name, row_id FROM _plasma_blob_refs WHERE hash = $1", [hash])).rows).toEqual([{ table_name: "todos", row_id: `${user}-f` }])

    // Detached, then past the grace (.dev.vars: 2 s), the cron's gcOrphanedBlobs deletes it, on Postgres.
    await owner.push({ name: "detachFile", args: { id: `${user}-f`, updatedAt: 3 } })
    expect((await sql.query("SELECT orphaned_at FROM _plasma_blobs WHERE hash = $1", [hash])).rows[0]?.orphaned_at).not.toBeNull()
    await new Promise((done) => setTimeout(done, BLOB_GRACE_MS + 500))
    const report = await runCron(dev.baseUrl)
    expect(report.gc.deleted).toBeGreaterThanOrEqual(1)
    expect((await fetch(blobUrl, { headers: owner.headers() })).status).toBe(404)
    expect((await sql.query("SELECT COUNT(*)::int AS n FROM _plasma_blobs WHERE hash = $1", [hash])).rows).toEqual([{ n: 0 }])
    expect((await sql.query("SELECT COUNT(*)::int AS n FROM _plasma_blob_uploads WHERE hash = $1", [hash])).rows).toEqual([{ n: 0 }])
  })

  it("holds no database connection open once requests are done", async () => {
    const client = new Client(dev.baseUrl, uniqueUser("pgconn"))
    for (let i = 0; i < 10; i++) await client.pull()
    const open = async () =>
      Number((await sql.query("SELECT COUNT(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")).rows[0]?.n)
    // The runtime closes a request's sockets when it ends; allow the close a moment to land.
    const deadline = Date.now() + 10_000
    while ((await open()) > 0 && Date.now() < deadline) await new Promise((done) => setTimeout(done, 200))
    expect(await open()).toBe(0)
  })
})
