/**
 * The browser tests' server: one Node `http` server that serves the test page (bundled by
 * esbuild from test-page.ts, the client's source included) and routes `/sync/*` to a real
 * `createSyncHandler` on a real better-sqlite3 database, converting Node's request and response
 * to and from the Fetch API's `Request` / `Response`. The database stays open to the test, which
 * checks what really landed.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import Database from "better-sqlite3"
import { build } from "esbuild"
import { fromBetterSqlite3 } from "@plasma/executors/better-sqlite3"
import { createSyncHandler } from "@plasma/server"
import { mutators, schema, SCHEMA_VERSION, type NoteCtx } from "./test-app.js"

const here = dirname(fileURLToPath(import.meta.url))
const USER_PATTERN = /^[a-z0-9_-]{1,32}$/
const CLIENT_PATTERN = /^[A-Za-z0-9_.:@-]{1,128}$/
const MAX_BODY_BYTES = 2_000_000

const PAGE_HTML = `<!doctype html>
<html><head><meta charset="utf-8"><title>plasma client test page</title></head>
<body><h1>notes</h1><ul id="notes"></ul><script type="module" src="/page.js"></script></body></html>`

/** A running test server. */
export interface TestServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string
  /** The server's database, for checking what landed. */
  readonly database: Database.Database
  /** Sync requests answered so far, by path (`/sync/push`, `/sync/pull`). */
  readonly requests: Map<string, number>
  /** The handler's `onError` events (kind and message), for diagnosing a failing test. */
  readonly errors: string[]
  close(): Promise<void>
}

/** Bundles the test page: one ESM file for the browser, the client and core from source/dist. */
export async function bundleTestPage(): Promise<string> {
  const result = await build({
    entryPoints: [join(here, "test-page.ts")],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    write: false,
    sourcemap: "inline",
    logLevel: "silent",
  })
  const file = result.outputFiles[0]
  if (file === undefined) throw new Error("esbuild produced no output for test-page.ts")
  return file.text
}

/**
 * The demo identity: `Authorization: Bearer user:<id>` names the user, the client headers name
 * the group and client. A group belongs to the first user that uses it (the handler checks).
 */
function auth(request: Request): { ok: true; clientGroupID: string; clientID: string; ctx: NoteCtx; userID: string } | { ok: false; reason: string } {
  const userId = /^Bearer user:(.*)$/.exec(request.headers.get("authorization") ?? "")?.[1]
  if (userId === undefined || !USER_PATTERN.test(userId)) return { ok: false, reason: "send Authorization: Bearer user:<id>" }
  const clientGroupID = request.headers.get("x-plasma-client-group") ?? ""
  const clientID = request.headers.get("x-plasma-client") ?? ""
  if (!CLIENT_PATTERN.test(clientGroupID) || !CLIENT_PATTERN.test(clientID)) return { ok: false, reason: "send x-plasma-client-group and x-plasma-client" }
  return { ok: true, clientGroupID, clientID, ctx: { userId }, userID: userId }
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    const buffer = chunk as Buffer
    size += buffer.length
    // The handler enforces its own payload limit; this only bounds the test server's memory.
    if (size > MAX_BODY_BYTES) throw new Error("request body too large for the test server")
    chunks.push(buffer)
  }
  return Buffer.concat(chunks)
}

function toRequest(req: IncomingMessage, body: Buffer, origin: string): Request {
  const headers = new Headers()
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v)
  }
  const method = req.method ?? "GET"
  const hasBody = method !== "GET" && method !== "HEAD"
  return new Request(new URL(req.url ?? "/", origin), { method, headers, ...(hasBody ? { body: new Uint8Array(body) } : {}) })
}

async function sendResponse(res: ServerResponse, response: Response): Promise<void> {
  const headers: Record<string, string> = {}
  response.headers.forEach((value, name) => (headers[name] = value))
  res.writeHead(response.status, headers)
  res.end(Buffer.from(await response.arrayBuffer()))
}

/** Starts the server on an ephemeral port of 127.0.0.1 with a fresh in-memory database. */
export async function startTestServer(): Promise<TestServer> {
  const pageScript = await bundleTestPage()
  const database = new Database(":memory:")
  const errors: string[] = []
  const handler = createSyncHandler({
    schema,
    mutators,
    executor: fromBetterSqlite3(database),
    schemaVersion: SCHEMA_VERSION,
    auth,
    onError: (event) => errors.push(`${event.kind}: ${String(event.error)}`),
  })
  const requests = new Map<string, number>()
  let origin = ""
  const server = createServer((req, res) => {
    void (async () => {
      const path = new URL(req.url ?? "/", origin).pathname
      if (req.method === "GET" && path === "/") {
        res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" }).end(PAGE_HTML)
      } else if (req.method === "GET" && path === "/page.js") {
        res.writeHead(200, { "content-type": "text/javascript; charset=utf-8", "cache-control": "no-store" }).end(pageScript)
      } else if (path.startsWith("/sync/")) {
        const response = await handler(toRequest(req, await readBody(req), origin))
        requests.set(path, (requests.get(path) ?? 0) + 1)
        await sendResponse(res, response)
      } else {
        res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: "not-found", message: `no route ${path}` }))
      }
    })().catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" })
      res.end(JSON.stringify({ error: "internal", message: String(error) }))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url: origin,
    database,
    requests,
    errors,
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      database.close()
    },
  }
}
