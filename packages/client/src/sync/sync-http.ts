/**
 * The client's four requests (SPEC §8, §10): push, pull, blob PUT, blob GET. Every request
 * carries `x-plasma-client-group`, `x-plasma-client` (the clientID it is for) and the app's
 * `authHeaders()`. Every failure becomes one `SyncClientError`: no answer → `network`; an error
 * status → `push-http` / `pull-http` / `blob-upload-failed` (409 → `schema-mismatch`), with the
 * server's `error` code, its `expected` schema version and a `Retry-After` as `retryAfterMs`.
 * A pull answer that does not validate is a `pull-http` error (status 200, code `invalid-response`).
 */
import { PROTOCOL_VERSION, pullResponseSchema, type PullResponse } from "@plasma/core"
import type { HeadersLike } from "../plasma-client.js"
import { SyncClientError, toSyncClientErrorCode, type SyncClientErrorKind } from "../sync-client-error.js"
import { CLIENT_GROUP_HEADER, CLIENT_HEADER } from "../sync-headers.js"
import type { OutboxEntry } from "./outbox-entry.js"
import { parseRetryAfter } from "./retry.js"

export interface SyncHttpOptions {
  readonly endpoint: string
  readonly clientGroupID: string
  readonly schemaVersion: string
  readonly fetcher: (request: Request) => Promise<Response>
  readonly authHeaders: (() => HeadersLike | Promise<HeadersLike>) | undefined
  readonly now: () => number
}

/** What a blob GET found. */
export type BlobFetch = { readonly status: "ok"; readonly bytes: Uint8Array; readonly mime: string } | { readonly status: "missing" }

/** Resolves `endpoint` against the page's address when it is relative. */
export function resolveEndpoint(endpoint: string): string {
  const base = typeof location === "object" && location !== null && typeof location.href === "string" ? location.href : undefined
  try {
    return new URL(endpoint, base).toString().replace(/\/+$/, "")
  } catch (cause) {
    throw new TypeError(`endpoint "${endpoint}" is not an absolute URL (outside a browser page, pass e.g. "https://app.example.com/sync")`, { cause })
  }
}

export class SyncHttp {
  readonly #options: SyncHttpOptions
  readonly #base: string

  constructor(options: SyncHttpOptions) {
    this.#options = options
    this.#base = resolveEndpoint(options.endpoint)
  }

  async push(clientID: string, entries: readonly OutboxEntry[]): Promise<void> {
    const body = JSON.stringify({
      protocolVersion: PROTOCOL_VERSION,
      schemaVersion: this.#options.schemaVersion,
      clientGroupID: this.#options.clientGroupID,
      clientID,
      mutations: entries.map((e) => ({ id: e.mutationID, name: e.name, args: e.args, timestamp: e.timestamp })),
    })
    const response = await this.#send("push-http", clientID, `${this.#base}/push`, { method: "POST", body, contentType: "application/json" })
    await response.body?.cancel()
  }

  async pull(clientID: string, cookie: string | null, limit: number | undefined): Promise<PullResponse> {
    const params = new URLSearchParams({
      protocolVersion: String(PROTOCOL_VERSION),
      schemaVersion: this.#options.schemaVersion,
      clientGroupID: this.#options.clientGroupID,
      clientID,
    })
    if (cookie !== null) params.set("cookie", cookie)
    if (limit !== undefined) params.set("limit", String(limit))
    const response = await this.#send("pull-http", clientID, `${this.#base}/pull?${params}`, { method: "GET" })
    let json: unknown
    try {
      json = await response.json()
    } catch (cause) {
      throw new SyncClientError("pull-http", "pull answered with a body that is not JSON", { status: response.status, code: "invalid-response", cause })
    }
    const parsed = pullResponseSchema.safeParse(json)
    if (!parsed.success) throw new SyncClientError("pull-http", `pull answered with an invalid response: ${parsed.error.message}`, { status: response.status, code: "invalid-response" })
    return parsed.data
  }

  async putBlob(clientID: string, hash: string, bytes: Uint8Array, mime: string): Promise<void> {
    const response = await this.#send("blob-upload-failed", clientID, `${this.#base}/blob/${hash}`, {
      method: "PUT",
      body: bytes,
      contentType: mime === "" ? "application/octet-stream" : mime,
    })
    await response.body?.cancel()
  }

  async getBlob(clientID: string, hash: string): Promise<BlobFetch> {
    let response: Response
    try {
      response = await this.#send("pull-http", clientID, `${this.#base}/blob/${hash}`, { method: "GET" })
    } catch (error) {
      if (error instanceof SyncClientError && error.status === 404) return { status: "missing" }
      throw error
    }
    const bytes = new Uint8Array(await response.arrayBuffer())
    return { status: "ok", bytes, mime: response.headers.get("content-type") ?? "application/octet-stream" }
  }

  async #send(kind: SyncClientErrorKind, clientID: string, url: string, init: { method: string; body?: string | Uint8Array; contentType?: string }): Promise<Response> {
    const headers = new Headers()
    const extra = this.#options.authHeaders === undefined ? undefined : await this.#options.authHeaders()
    if (extra !== undefined) new Headers(extra as HeadersInit).forEach((value, name) => headers.set(name, value))
    headers.set(CLIENT_GROUP_HEADER, this.#options.clientGroupID)
    headers.set(CLIENT_HEADER, clientID)
    if (init.contentType !== undefined) headers.set("content-type", init.contentType)
    let response: Response
    try {
      const request = new Request(url, { method: init.method, headers, ...(init.body === undefined ? {} : { body: init.body as BodyInit }) })
      response = await this.#options.fetcher(request)
    } catch (cause) {
      throw new SyncClientError("network", `${init.method} ${new URL(url).pathname} got no answer: ${cause instanceof Error ? cause.message : String(cause)}`, { cause })
    }
    if (response.ok) return response
    throw await toHttpError(kind, response, this.#options.now())
  }
}

async function toHttpError(kind: SyncClientErrorKind, response: Response, now: number): Promise<SyncClientError> {
  let body: Record<string, unknown> = {}
  try {
    const json: unknown = await response.json()
    if (typeof json === "object" && json !== null) body = json as Record<string, unknown>
  } catch {
    // A bare 5xx body carries nothing to read.
  }
  const code = typeof body.error === "string" ? toSyncClientErrorCode(body.error) : undefined
  const message = typeof body.message === "string" ? body.message : `HTTP ${response.status}`
  const retryAfterMs = parseRetryAfter(response.headers.get("retry-after"), now)
  const details: Record<string, unknown> = {}
  if (typeof body.expected === "string") details.expected = body.expected
  if (code === "unrecognized") details.serverCode = body.error
  if (retryAfterMs !== undefined) details.retryAfterMs = retryAfterMs
  const finalKind: SyncClientErrorKind = response.status === 409 && kind !== "blob-upload-failed" ? "schema-mismatch" : kind
  return new SyncClientError(finalKind, `${response.status} ${message}`, { status: response.status, ...(code === undefined ? {} : { code }), details })
}
