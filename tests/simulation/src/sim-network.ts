/**
 * The simulated network: the clients' `fetcher`, in front of the REAL sync handler. It is the
 * one fake of the simulation, for failures that cannot be produced in-process otherwise.
 *
 * Requests are served one at a time (the driver awaits each step), so a run is a deterministic
 * function of its steps. Each request takes the next fault of the current step's plan (`ok`
 * once the plan is used up). A request whose fault is `dup` or `delay` leaves a copy in the
 * `held` list; a later `deliver` step hands that copy to the server (its answer goes nowhere),
 * which is how old requests arrive after newer ones.
 */
import type { Fault } from "./sim-action.js"

/** Called after the server handled a request (the history recorder reads the change log then). */
export type AfterServe = () => Promise<void>

export class SimNetwork {
  readonly #handler: (request: Request) => Promise<Response>
  readonly #afterServe: AfterServe
  #plan: Fault[] = []
  readonly #held: Request[] = []
  /** Group IDs whose requests fail as if the device were offline, keyed by tab id. */
  readonly #offline = new Set<string>()
  /** Counts of what happened, for the run summary. */
  readonly counts: Record<Fault | "offline", number> = { ok: 0, drop: 0, lose: 0, dup: 0, delay: 0, offline: 0 }

  constructor(handler: (request: Request) => Promise<Response>, afterServe: AfterServe) {
    this.#handler = handler
    this.#afterServe = afterServe
  }

  /** The faults of the next requests, in order (the current step's plan). */
  setPlan(faults: readonly Fault[]): void {
    this.#plan = [...faults]
  }

  setOffline(tabKey: string, offline: boolean): void {
    if (offline) this.#offline.add(tabKey)
    else this.#offline.delete(tabKey)
  }

  isOffline(tabKey: string): boolean {
    return this.#offline.has(tabKey)
  }

  get heldCount(): number {
    return this.#held.length
  }

  /** A fetcher for one tab (its offline switch is its own). */
  fetcherFor(tabKey: string): (request: Request) => Promise<Response> {
    return async (request) => {
      if (this.#offline.has(tabKey)) {
        this.counts.offline++
        throw new TypeError("fetch failed (offline)")
      }
      const fault = this.#plan.shift() ?? "ok"
      this.counts[fault]++
      if (fault === "drop") throw new TypeError("fetch failed (request lost)")
      if (fault === "delay") {
        this.#held.push(await cloneRequest(request))
        throw new TypeError("fetch failed (timed out)")
      }
      if (fault === "dup") this.#held.push(await cloneRequest(request))
      const response = await this.#serve(request)
      if (fault === "lose") {
        await response.arrayBuffer()
        throw new TypeError("fetch failed (response lost)")
      }
      return response
    }
  }

  /** Forgets every held copy (they timed out: a day passed). */
  dropHeld(): void {
    this.#held.length = 0
  }

  /** Delivers held copy `pick` (mod the count) to the server; its answer is dropped. */
  async deliverHeld(pick: number): Promise<boolean> {
    if (this.#held.length === 0) return false
    const [request] = this.#held.splice(pick % this.#held.length, 1)
    if (request === undefined) return false
    const response = await this.#serve(request)
    await response.arrayBuffer()
    return true
  }

  async #serve(request: Request): Promise<Response> {
    const trace = process.env.SIM_TRACE === undefined ? null : `${request.method} ${new URL(request.url).pathname} ${request.headers.get("x-plasma-client")} ${request.method === "POST" ? (await request.clone().text()).slice(0, 300) : ""}`
    if (trace !== null) console.error(`start ${trace.slice(0, 60)}`)
    const response = await this.#handler(request)
    // Buffer the body so the server's work is done before the change log is read.
    const body = await response.arrayBuffer()
    if (trace !== null) console.error(`${trace} → ${response.status} ${new TextDecoder().decode(body).slice(0, 300)}`)
    await this.#afterServe()
    return new Response(body, { status: response.status, headers: response.headers })
  }
}

/** A copy that can be sent again later (the original's body is consumed by the first send). */
async function cloneRequest(request: Request): Promise<Request> {
  const body = request.method === "GET" || request.method === "HEAD" ? undefined : await request.clone().arrayBuffer()
  return new Request(request.url, { method: request.method, headers: request.headers, ...(body === undefined ? {} : { body }) })
}
