/** Malformed or unauthorised requests get a 4xx with a JSON error, never a 5xx. */
import { request } from "node:http"
import { describe, expect, it } from "vitest"
import { ADMIN_TOKEN, baseUrl, CoordinatorSocket, SCHEMA_VERSION, SyncClient, todoArgs, uniqueUser } from "./helpers.js"

async function expectError(response: Response, status: number): Promise<Record<string, unknown>> {
  const text = await response.text()
  expect(response.status, text).toBe(status)
  const body = JSON.parse(text) as Record<string, unknown>
  expect(typeof body["error"]).toBe("string")
  return body
}

describe("bad requests", () => {
  const client = new SyncClient(uniqueUser("bad"))

  it("refuses a push body that is not JSON or not a push", async () => {
    const post = (body: string) => fetch(`${baseUrl()}/sync/push`, { method: "POST", headers: client.headers({ "content-type": "application/json" }), body })
    await expectError(await post("{not json"), 400)
    await expectError(await post(JSON.stringify({ protocolVersion: 1, schemaVersion: SCHEMA_VERSION, clientGroupID: client.clientGroupID })), 400)
    await expectError(await post(JSON.stringify({ protocolVersion: 1, schemaVersion: SCHEMA_VERSION, clientGroupID: client.clientGroupID, clientID: client.clientID, mutations: [{ id: "one", name: "addTodo" }] })), 400)
  })

  it("refuses ids that differ from auth's, a protocol or schema mismatch, and a mutation-id gap", async () => {
    const other = new SyncClient(client.userId)
    const response = await fetch(`${baseUrl()}/sync/push`, {
      method: "POST",
      headers: other.headers({ "content-type": "application/json" }),
      body: JSON.stringify({ protocolVersion: 1, schemaVersion: SCHEMA_VERSION, clientGroupID: client.clientGroupID, clientID: client.clientID, mutations: [] }),
    })
    await expectError(response, 400)
    const query = (overrides: Record<string, string>) =>
      new URLSearchParams({ protocolVersion: "1", schemaVersion: SCHEMA_VERSION, clientGroupID: client.clientGroupID, clientID: client.clientID, ...overrides })
    await expectError(await fetch(`${baseUrl()}/sync/pull?${query({ protocolVersion: "2" })}`, { headers: client.headers() }), 400)
    const mismatch = await expectError(await fetch(`${baseUrl()}/sync/pull?${query({ schemaVersion: "todos-v0" })}`, { headers: client.headers() }), 409)
    expect(mismatch["expected"]).toBe(SCHEMA_VERSION)
    const unknown = await expectError(await client.pushRaw([{ id: 1, name: "addTodo", args: { id: `${client.userId}-u1`, title: "x", updatedAt: 1 }, timestamp: 1 }, { id: 2, name: "noSuchMutator", args: {}, timestamp: 1 }]), 400)
    expect(unknown["error"]).toBe("unknown-mutator")
    await expectError(await client.pushRaw([{ id: 5, name: "addTodo", args: { id: `${client.userId}-gap`, title: "x", updatedAt: 1 }, timestamp: 1 }]), 400)
  })

  it("refuses a malformed cookie instead of resyncing silently", async () => {
    await expectError(await client.pullRaw("garbage"), 400)
    await expectError(await client.pullRaw("c1:!!!not-base64"), 400)
    await expectError(await client.pullRaw(`c1:${btoa(JSON.stringify({ "0": "abc" }))}`), 400)
  })

  it("refuses requests without demo auth", async () => {
    const response = await fetch(`${baseUrl()}/sync/pull?protocolVersion=1&schemaVersion=${SCHEMA_VERSION}&clientGroupID=g&clientID=c`)
    await expectError(response, 401)
  })

  it("refuses bad blob hashes, wrong bytes, wrong types and unknown routes", async () => {
    const put = (hash: string, body: Uint8Array<ArrayBuffer>, type = "image/png") =>
      fetch(`${baseUrl()}/sync/blob/${hash}`, { method: "PUT", headers: client.headers({ "content-type": type }), body })
    const bytes = new TextEncoder().encode("not really a png")
    const hash = Buffer.from(await crypto.subtle.digest("SHA-256", bytes)).toString("hex")
    await expectError(await put("not-a-hash", bytes), 400)
    await expectError(await put(hash.toUpperCase(), bytes), 400)
    await expectError(await put("0".repeat(64), bytes), 400) // body does not hash to the name
    const wrongType = await put(hash, bytes, "text/plain")
    expect(wrongType.status).toBeGreaterThanOrEqual(400)
    expect(wrongType.status).toBeLessThan(500)
    await expectError(await fetch(`${baseUrl()}/sync/blob/${"f".repeat(64)}`, { headers: client.headers() }), 404)
    await expectError(await fetch(`${baseUrl()}/sync/nowhere`, { headers: client.headers() }), 404)
    await expectError(await fetch(`${baseUrl()}/sync/push`, { headers: client.headers() }), 405)
    await expectError(await fetch(`${baseUrl()}/nowhere`), 404)
  })

  it("a refused upload leaves the keep-alive connection usable for the next request", async () => {
    // Cancelling the unread body broke wrangler dev's connection: the next request on it got 503
    // "worker restarted mid-request" or a reset. Refused bodies are now drained (bounded).
    const body = new TextEncoder().encode("x".repeat(4000))
    for (let i = 0; i < 10; i++) {
      const headers = client.headers({ "content-type": "image/png" })
      await expectError(await fetch(`${baseUrl()}/sync/blob/not-a-hash`, { method: "PUT", headers, body }), 400)
      await expectError(await fetch(`${baseUrl()}/sync/blob/${"A".repeat(64)}`, { method: "PUT", headers, body }), 400)
    }
  })

  it("refuses a wrong coordinator token, a foreign room and admin calls without the admin token", async () => {
    await expect(CoordinatorSocket.connect({ room: "user-x", clientID: "c" }, { token: "wrong" })).rejects.toMatchObject({ status: 401 })
    // The legacy ?token= is still checked the same way.
    await expect(CoordinatorSocket.connect({ room: "user-x", token: "wrong", clientID: "c" })).rejects.toMatchObject({ status: 401 })
    await expect(CoordinatorSocket.connect({ room: "user-someone-else", user: "x", clientID: "c" })).rejects.toMatchObject({ status: 403 })
    const poke = await fetch(`${baseUrl()}/sync/coordinator?room=user-x`, { method: "POST", headers: { authorization: "Bearer wrong" } })
    await expectError(poke, 401)
    await expectError(await fetch(`${baseUrl()}/admin/stats`), 401)
    await expectError(await fetch(`${baseUrl()}/admin/stats`, { headers: { authorization: "Bearer nope" } }), 401)
    await expectError(await fetch(`${baseUrl()}/admin/events?token=nope`), 401)
  })

  it("refuses the dev admin token when the host is not localhost", async () => {
    const { port } = new URL(baseUrl())
    const answer = await new Promise<{ status: number; body: string }>((done, fail) => {
      const req = request({ host: "127.0.0.1", port, path: "/admin/stats", headers: { host: "todos.example.com", authorization: `Bearer ${ADMIN_TOKEN}` } }, (res) => {
        let body = ""
        res.setEncoding("utf8").on("data", (chunk: string) => (body += chunk)).on("end", () => done({ status: res.statusCode ?? 0, body }))
      })
      req.once("error", fail).end()
    })
    expect(answer.status, answer.body).toBe(403)
    expect(JSON.parse(answer.body)).toMatchObject({ error: "dev-token-refused" })
    // The same token on 127.0.0.1 works.
    expect((await fetch(`${baseUrl()}/admin/stats`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).status).toBe(200)
  })

  it("still serves the client normally afterwards", async () => {
    await client.push(todoArgs(`${client.userId}-ok1`, "still fine"))
    await client.pull()
    expect(client.snapshot().map((row) => row.id)).toEqual([`${client.userId}-ok1`])
  })
})
