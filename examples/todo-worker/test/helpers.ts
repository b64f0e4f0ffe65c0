/** Small clients for the e2e tests: a sync client over HTTP, a coordinator socket, an SSE reader. */
import { randomUUID } from "node:crypto"
import { inject } from "vitest"
import WebSocket from "ws"

export const baseUrl = (): string => inject("baseUrl")
export const ADMIN_TOKEN = "dev-admin-token"
export const COORDINATOR_TOKEN = "dev-coordinator-token"
export const SCHEMA_VERSION = "todos-v1"

export type Row = Record<string, unknown> & { readonly id: string }
export interface PatchOp {
  readonly op: "put" | "del"
  readonly table: string
  readonly id: string
  readonly value?: Row
}
export interface PullBody {
  readonly cookie: string
  readonly patch: readonly PatchOp[]
  readonly lastMutationIDs: Record<string, number>
  readonly hasMore: boolean
  readonly reset?: boolean
}

/** A unique name per test run, so tests never see each other's rows. */
export const uniqueUser = (prefix: string): string => `${prefix}-${randomUUID().slice(0, 8)}`

export const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms))

/** Polls `check` until it returns something other than undefined/false. */
export async function eventually<T>(check: () => Promise<T | undefined | false>, { timeoutMs = 10_000, intervalMs = 200, what = "condition" } = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value !== undefined && value !== false) return value
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(intervalMs)
  }
}

/** One plasma client (one tab) speaking push/pull over HTTP, with its own copy of the rows. */
export class SyncClient {
  readonly rows = new Map<string, Row>()
  cookie: string | null = null
  resets = 0
  #nextId = 1

  constructor(
    readonly userId: string,
    readonly clientGroupID = `g-${randomUUID()}`,
    readonly clientID = `c-${randomUUID()}`,
  ) {}

  headers(extra: Record<string, string> = {}): Record<string, string> {
    return { authorization: `Bearer user:${this.userId}`, "x-plasma-client-group": this.clientGroupID, "x-plasma-client": this.clientID, ...extra }
  }

  /** Pushes mutations with the next ids; throws unless the server answers 200. */
  async push(...mutations: readonly { name: string; args: unknown }[]): Promise<void> {
    const response = await this.pushRaw(mutations.map((m) => ({ id: this.#nextId++, ...m, timestamp: Date.now() })))
    if (response.status !== 200) throw new Error(`push answered ${response.status}: ${await response.text()}`)
  }

  pushRaw(mutations: readonly unknown[]): Promise<Response> {
    return fetch(`${baseUrl()}/sync/push`, {
      method: "POST",
      headers: this.headers({ "content-type": "application/json" }),
      body: JSON.stringify({ protocolVersion: 1, schemaVersion: SCHEMA_VERSION, clientGroupID: this.clientGroupID, clientID: this.clientID, mutations }),
    })
  }

  pullRaw(cookie: string | null, limit?: number): Promise<Response> {
    const query = new URLSearchParams({ protocolVersion: "1", schemaVersion: SCHEMA_VERSION, clientGroupID: this.clientGroupID, clientID: this.clientID })
    if (cookie !== null) query.set("cookie", cookie)
    if (limit !== undefined) query.set("limit", String(limit))
    return fetch(`${baseUrl()}/sync/pull?${query}`, { headers: this.headers() })
  }

  /** Pulls until `hasMore` is false, applying every page; returns the last page. */
  async pull(limit?: number): Promise<PullBody> {
    for (;;) {
      const response = await this.pullRaw(this.cookie, limit)
      if (response.status !== 200) throw new Error(`pull answered ${response.status}: ${await response.text()}`)
      const body = (await response.json()) as PullBody
      if (body.reset === true) {
        this.rows.clear()
        this.resets++
      }
      for (const change of body.patch) {
        if (change.table !== "todos") continue
        if (change.op === "put" && change.value !== undefined) this.rows.set(change.id, change.value)
        else this.rows.delete(change.id)
      }
      this.cookie = body.cookie
      if (!body.hasMore) return body
    }
  }

  /** The rows sorted by id, for comparisons. */
  snapshot(): Row[] {
    return [...this.rows.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  }
}

export const todoArgs = (id: string, title: string): { name: string; args: unknown } => ({ name: "addTodo", args: { id, title, updatedAt: Date.now() } })

/** A coordinator WebSocket that records every message. */
export class CoordinatorSocket {
  readonly messages: Record<string, unknown>[] = []
  readonly #waiters = new Set<() => void>()

  private constructor(readonly socket: WebSocket) {
    socket.on("message", (data) => {
      const text = data.toString()
      if (text === "pong") return
      this.messages.push(JSON.parse(text) as Record<string, unknown>)
      for (const wake of this.#waiters) wake()
    })
  }

  /**
   * Connects; rejects with the HTTP status when the upgrade is refused. `token` goes in the
   * `Authorization` header (the documented way); a `token` in `query` tests the legacy `?token=`.
   */
  static connect(query: Record<string, string>, { token }: { token?: string } = {}): Promise<CoordinatorSocket> {
    const url = `${baseUrl().replace(/^http/, "ws")}/sync/coordinator?${new URLSearchParams(query)}`
    const socket = token === undefined ? new WebSocket(url) : new WebSocket(url, { headers: { authorization: `Bearer ${token}` } })
    return new Promise((done, fail) => {
      socket.once("open", () => done(new CoordinatorSocket(socket)))
      socket.once("unexpected-response", (_request, response) => fail(Object.assign(new Error(`upgrade refused: ${response.statusCode}`), { status: response.statusCode })))
      socket.once("error", fail)
    })
  }

  /** Resolves with the first message (recorded after `from`) that matches. */
  async next(match: (message: Record<string, unknown>) => boolean, { from = 0, timeoutMs = 10_000 } = {}): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const found = this.messages.slice(from).find(match)
      if (found !== undefined) return found
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`no matching coordinator message within ${timeoutMs} ms; got ${JSON.stringify(this.messages)}`)
      await new Promise<void>((wake) => {
        const timer = setTimeout(wake, left)
        this.#waiters.add(() => {
          clearTimeout(timer)
          wake()
        })
      })
      this.#waiters.clear()
    }
  }

  close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return Promise.resolve()
    return new Promise((done) => {
      this.socket.once("close", () => done())
      this.socket.close()
    })
  }
}

export interface SseEvent {
  readonly event: string
  readonly data: string
}

/** Reads a server-sent event stream with fetch + a reader (what EventSource does underneath). */
export class SseReader {
  readonly events: SseEvent[] = []
  readonly #controller = new AbortController()
  #done: Promise<void> = Promise.resolve()

  async open(url: string, headers: Record<string, string> = {}): Promise<Response> {
    const response = await fetch(url, { headers, signal: this.#controller.signal })
    if (response.body === null || !response.ok) return response
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader()
    this.#done = (async () => {
      let buffer = ""
      try {
        for (;;) {
          const { value, done } = await reader.read()
          if (done) return
          buffer += value
          let end: number
          while ((end = buffer.indexOf("\n\n")) >= 0) {
            const block = buffer.slice(0, end)
            buffer = buffer.slice(end + 2)
            let event = "message"
            const data: string[] = []
            for (const line of block.split("\n")) {
              if (line.startsWith("event:")) event = line.slice(6).trim()
              else if (line.startsWith("data:")) data.push(line.slice(5).trimStart())
            }
            if (data.length > 0) this.events.push({ event, data: data.join("\n") })
          }
        }
      } catch {
        // aborted
      }
    })()
    return response
  }

  async next(match: (event: SseEvent) => boolean, { from = 0, timeoutMs = 10_000 } = {}): Promise<SseEvent> {
    return eventually(async () => this.events.slice(from).find(match), { timeoutMs, intervalMs: 50, what: "a matching server-sent event" })
  }

  async close(): Promise<void> {
    this.#controller.abort()
    await this.#done
  }
}

export async function admin(path: string): Promise<Response> {
  return fetch(`${baseUrl()}${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
}

export interface Stats {
  readonly changes: { entries: number; oldest: number | null; latest: number | null }
  readonly meta: { key: string; value: string }[]
  readonly blobs: { hash: string; orphaned_at: number | null }[]
  readonly openStreams: number
  readonly lastMaintenance: null | {
    at: number
    safeUpToVersion: number
    compaction: { removed: number; kept: number }
    gc: { deleted: number; remaining: number }
  }
}

export async function stats(): Promise<Stats> {
  const response = await admin("/admin/stats")
  if (response.status !== 200) throw new Error(`stats answered ${response.status}: ${await response.text()}`)
  return (await response.json()) as Stats
}

/**
 * Fires the Worker's `scheduled` handler through `wrangler dev --test-scheduled`'s `/__scheduled`
 * route and waits until the maintenance report of this run is visible. (With static assets
 * configured, wrangler 4.86's `/cdn-cgi/handler/scheduled` answers "exception" without ever
 * reaching the Worker; `/__scheduled` is served inside the Worker, after the asset lookup misses.)
 */
export async function runCron(): Promise<NonNullable<Stats["lastMaintenance"]>> {
  const before = Date.now()
  const response = await fetch(`${baseUrl()}/__scheduled?cron=${encodeURIComponent("*/30 * * * *")}`)
  if (response.status !== 200) throw new Error(`scheduled trigger answered ${response.status}: ${await response.text()}`)
  return eventually(async () => {
    const report = (await stats()).lastMaintenance
    return report !== null && report.at >= before ? report : undefined
  }, { what: "the maintenance report" })
}
