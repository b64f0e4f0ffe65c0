/**
 * A scripted sync client for tests: builds push and pull `Request`s the way a real client would,
 * numbers its mutations, keeps its cookie, and keeps a local copy of the rows it was sent by
 * applying each pull's patch (staging a reset walk and swapping it in after its last page). It knows nothing of the server
 * but the wire format, and validates every pull answer with core's response schema.
 */
import { pullResponseSchema, type PullResponse } from "@plasma/core"
import { SCHEMA_VERSION } from "./app.js"

export const BASE_URL = "http://sync.test/sync"

/** Sends one request to the system under test. */
export type Send = (request: Request) => Promise<Response>

export interface Identity {
  readonly group: string
  readonly client: string
  readonly user: string
  /** Which of the subject's handlers to use (each has its own executor). */
  readonly handler?: "a" | "b"
}

export function identityHeaders(who: Identity, extra: Record<string, string> = {}): Record<string, string> {
  return { "x-group": who.group, "x-client": who.client, "x-user": who.user, "x-handler": who.handler ?? "a", ...extra }
}

export interface MutationSpec {
  readonly name: string
  readonly args: unknown
}

/** The push body a client sends. */
export function pushBody(who: Identity, mutations: readonly { id: number; name: string; args: unknown }[], overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    protocolVersion: 1,
    schemaVersion: SCHEMA_VERSION,
    clientGroupID: who.group,
    clientID: who.client,
    mutations: mutations.map((m) => ({ ...m, timestamp: 1_730_100_000_000 + m.id })),
    ...overrides,
  }
}

export function pushRequest(who: Identity, body: unknown, headers: Record<string, string> = {}): Request {
  return new Request(`${BASE_URL}/push`, {
    method: "POST",
    headers: { "content-type": "application/json", ...identityHeaders(who, headers) },
    body: typeof body === "string" ? body : JSON.stringify(body),
  })
}

export function pullRequest(who: Identity, params: Record<string, string | undefined> = {}, headers: Record<string, string> = {}): Request {
  const query = new URLSearchParams({ protocolVersion: "1", schemaVersion: SCHEMA_VERSION, clientGroupID: who.group, clientID: who.client })
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined) query.delete(key)
    else query.set(key, value)
  }
  return new Request(`${BASE_URL}/pull?${query.toString()}`, { method: "GET", headers: identityHeaders(who, headers) })
}

export class ScriptedClient {
  readonly who: Identity
  readonly #send: Send
  #lastID = 0
  cookie: string | undefined
  /** table → id → row as sent. */
  readonly rows = new Map<string, Map<string, Record<string, unknown>>>()
  /** The pages of a reset walk under way, not yet swapped in. */
  staged: Map<string, Map<string, Record<string, unknown>>> | null = null
  lastMutationIDs: Record<string, number> = {}
  /** Every pull answer, in order. */
  readonly pulls: PullResponse[] = []

  constructor(send: Send, who: Identity) {
    this.#send = send
    this.who = who
  }

  /** Numbers `mutations` as this client's next ids and builds the push request (not sent). */
  nextPush(mutations: readonly MutationSpec[], headers: Record<string, string> = {}): Request {
    const numbered = mutations.map((m) => ({ id: ++this.#lastID, name: m.name, args: m.args }))
    return pushRequest(this.who, pushBody(this.who, numbered), headers)
  }

  /** Pushes `mutations` as the next ids; throws unless the answer is 200. */
  async push(mutations: readonly MutationSpec[], headers: Record<string, string> = {}): Promise<void> {
    const response = await this.#send(this.nextPush(mutations, headers))
    if (response.status !== 200) throw new Error(`push answered ${response.status}: ${await response.text()}`)
    const body: unknown = await response.json()
    if (JSON.stringify(body) !== '{"ok":true}') throw new Error(`push answered ${JSON.stringify(body)}`)
  }

  /** Pulls one page and applies it. */
  async pull(limit?: number): Promise<PullResponse> {
    const response = await this.#send(pullRequest(this.who, { cookie: this.cookie, limit: limit === undefined ? undefined : String(limit) }))
    if (response.status !== 200) throw new Error(`pull answered ${response.status}: ${await response.text()}`)
    if (response.headers.get("content-type") !== "application/json") throw new Error("pull answer is not JSON")
    const answer = pullResponseSchema.parse(await response.json())
    // A reset walk is staged from empty and swapped in after its last page (hasMore false).
    if (answer.reset === true && this.staged === null) this.staged = new Map()
    const target = this.staged ?? this.rows
    for (const op of answer.patch) {
      let table = target.get(op.table)
      if (table === undefined) target.set(op.table, (table = new Map()))
      if (op.op === "put") table.set(op.id, op.value)
      else table.delete(op.id)
    }
    if (!answer.hasMore && this.staged !== null) {
      this.rows.clear()
      for (const [name, rows] of this.staged) this.rows.set(name, rows)
      this.staged = null
    }
    this.cookie = answer.cookie
    this.lastMutationIDs = answer.lastMutationIDs
    this.pulls.push(answer)
    return answer
  }

  /** Pulls until `hasMore` is false; returns the pages. */
  async pullAll(limit?: number, maxPages = 1000): Promise<PullResponse[]> {
    const pages: PullResponse[] = []
    for (let i = 0; i < maxPages; i++) {
      const page = await this.pull(limit)
      pages.push(page)
      if (!page.hasMore) return pages
    }
    throw new Error(`still hasMore after ${maxPages} pages`)
  }

  /** The local rows of one table, sorted by id. */
  table(name: string): Record<string, unknown>[] {
    return [...(this.rows.get(name)?.values() ?? [])].sort((a, b) => String(a.id).localeCompare(String(b.id)))
  }
}
