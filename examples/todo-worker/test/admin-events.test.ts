/** The admin event stream (serverLiveSelect over SSE) reports live counts and stops with its client. */
import { describe, expect, it } from "vitest"
import { ADMIN_TOKEN, baseUrl, eventually, SseReader, stats, SyncClient, todoArgs, uniqueUser } from "./helpers.js"

interface Counts {
  readonly reason: string
  readonly version: number
  readonly rows: { ownerId: string; n: number; done: number }[]
}

const countOf = (event: { data: string }, user: string): number => (JSON.parse(event.data) as Counts).rows.find((row) => row.ownerId === user)?.n ?? 0

describe("admin event stream", () => {
  it("reports the live count per user and follows pushes", async () => {
    const user = uniqueUser("dave")
    const client = new SyncClient(user)
    await client.push(todoArgs(`${user}-d1`, "one"))

    const sse = new SseReader()
    const response = await sse.open(`${baseUrl()}/admin/events?token=${ADMIN_TOKEN}`)
    expect(response.status).toBe(200)
    expect(response.headers.get("content-type")).toContain("text/event-stream")
    try {
      const initial = await sse.next((event) => event.event === "counts")
      expect((JSON.parse(initial.data) as Counts).reason).toBe("initial")
      expect(countOf(initial, user)).toBe(1)

      const from = sse.events.length
      await client.push(todoArgs(`${user}-d2`, "two"), todoArgs(`${user}-d3`, "three"))
      const changed = await sse.next((event) => event.event === "counts" && countOf(event, user) === 3, { from })
      expect((JSON.parse(changed.data) as Counts).version).toBeGreaterThan((JSON.parse(initial.data) as Counts).version)

      await client.push({ name: "toggleTodo", args: { id: `${user}-d1`, updatedAt: Date.now() } })
      await sse.next((event) => event.event === "counts" && JSON.parse(event.data).rows.some((row: Counts["rows"][number]) => row.ownerId === user && row.done === 1))
      expect((await stats()).openStreams).toBeGreaterThanOrEqual(1)
    } finally {
      await sse.close()
    }
    // The stream's live select stops once its client has gone.
    await eventually(async () => (await stats()).openStreams === 0, { what: "the stream to stop" })
  })
})
