/** useLiveQuery against a real client on a real sync handler (better-sqlite3, in-process fetcher). */
import { asc, eq } from "@plasma/core"
import { act, cleanup, render, screen, waitFor } from "@testing-library/react"
import { StrictMode, type ReactNode } from "react"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { countSubscriptions, createTestLoop, providerFor, type TestClient, type TestLoop } from "./tests/harness.js"
import { notes, todos } from "./tests/fixture.js"
import "./tests/register.js"
import { useLiveQuery } from "./use-live-query.js"

describe("useLiveQuery", () => {
  let loop: TestLoop
  let client: TestClient

  beforeEach(async () => {
    loop = createTestLoop()
    client = loop.client()
    await client.mutate("addTodo", { id: "t1", title: "milk", updatedAt: 1 })
  })
  afterEach(async () => {
    cleanup()
    await loop.dispose()
  })

  it("renders the rows and follows changes to its table, but never renders for an unrelated table", async () => {
    let renders = 0
    function Titles(): ReactNode {
      renders++
      const rows = useLiveQuery((db) => db.select().from(todos).orderBy(asc(todos.id)), [])
      return <p data-testid="titles">{rows === undefined ? "loading" : rows.map((row) => row.title).join(",")}</p>
    }
    render(<Titles />, { wrapper: providerFor(client) })
    await waitFor(() => expect(screen.getByTestId("titles").textContent).toBe("milk"))

    await act(() => client.mutate("addTodo", { id: "t2", title: "eggs", updatedAt: 2 }))
    expect(screen.getByTestId("titles").textContent).toBe("milk,eggs")

    const before = renders
    await act(async () => {
      await client.mutate("addNote", { id: "n1", body: "unrelated" })
      await client.mutate("addNote", { id: "n2", body: "still unrelated" })
    })
    expect(await client.db.select().from(notes)).toHaveLength(2)
    expect(renders).toBe(before)

    // A change that leaves this query's result equal renders nothing either.
    await act(() => client.mutate("toggleTodo", { id: "t1" }))
    const afterToggle = renders
    await act(() => client.mutate("addNote", { id: "n3", body: "x" }))
    expect(renders).toBe(afterToggle)
  })

  it("is StrictMode safe: double mounting leaves one subscription, and unmounting leaves none", async () => {
    const counts = { active: 0, total: 0 }
    function Count(): ReactNode {
      const rows = useLiveQuery(() => countSubscriptions(client.db.select().from(todos).live(), counts), [])
      return <p data-testid="count">{rows?.length ?? "loading"}</p>
    }
    const view = render(
      <StrictMode>
        <Count />
      </StrictMode>,
      { wrapper: providerFor(client) },
    )
    await waitFor(() => expect(screen.getByTestId("count").textContent).toBe("1"))
    // StrictMode rendered twice (and may have built the query twice); exactly one subscription is live.
    expect(counts.active).toBe(1)
    await act(() => client.mutate("addTodo", { id: "t2", title: "eggs", updatedAt: 2 }))
    expect(screen.getByTestId("count").textContent).toBe("2")
    view.unmount()
    expect(counts.active).toBe(0)
  })

  it("re-subscribes when deps change, and only then", async () => {
    await client.mutate("addTodo", { id: "t2", title: "eggs", updatedAt: 2 })
    await client.mutate("toggleTodo", { id: "t2" })
    const counts = { active: 0, total: 0 }
    function Filtered({ done, label }: { readonly done: boolean; readonly label: string }): ReactNode {
      const rows = useLiveQuery(() => countSubscriptions(client.db.select().from(todos).where(eq(todos.done, done)).live(), counts), [done])
      return <p data-testid="filtered">{`${label}:${rows?.map((row) => row.title).join(",") ?? "loading"}`}</p>
    }
    const view = render(<Filtered done={false} label="a" />, { wrapper: providerFor(client) })
    await waitFor(() => expect(screen.getByTestId("filtered").textContent).toBe("a:milk"))
    expect(counts).toEqual({ active: 1, total: 1 })

    view.rerender(<Filtered done={false} label="b" />) // same deps: same query
    expect(screen.getByTestId("filtered").textContent).toBe("b:milk")
    expect(counts).toEqual({ active: 1, total: 1 })

    view.rerender(<Filtered done={true} label="b" />)
    await waitFor(() => expect(screen.getByTestId("filtered").textContent).toBe("b:eggs"))
    expect(counts).toEqual({ active: 1, total: 2 })
    view.unmount()
    expect(counts.active).toBe(0)
  })

  it("shows rows that reach the client through a pull (another client's write)", async () => {
    await client.pushOnce()
    const other = loop.client()
    function Titles(): ReactNode {
      const rows = useLiveQuery((db) => db.select().from(todos), [])
      return <p data-testid="other">{rows?.map((row) => row.title).join(",") ?? "loading"}</p>
    }
    render(<Titles />, { wrapper: providerFor(other) })
    await act(() => other.pullOnce())
    await waitFor(() => expect(screen.getByTestId("other").textContent).toBe("milk"))
  })
})
