/** usePlasmaFile: object URLs over the real client's file cache, revoked when no longer used. */
import { act, cleanup, render, screen, waitFor } from "@testing-library/react"
import type { FileRef } from "@plasma/core"
import { eq } from "@plasma/core"
import type { ReactNode } from "react"
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest"
import { createTestLoop, providerFor, type TestClient, type TestLoop } from "./tests/harness.js"
import { todos } from "./tests/fixture.js"
import "./tests/register.js"
import { usePlasmaFile } from "./use-plasma-file.js"

function Image({ file }: { readonly file: FileRef | null }): ReactNode {
  const result = usePlasmaFile(file)
  if (result === null) return <p data-testid="file">none</p>
  return <p data-testid="file">{"url" in result ? `${result.status}|${result.mime}|${result.url}` : result.status}</p>
}

describe("usePlasmaFile", () => {
  let loop: TestLoop
  let client: TestClient

  beforeEach(() => {
    loop = createTestLoop()
    client = loop.client()
  })
  afterEach(async () => {
    cleanup()
    vi.restoreAllMocks()
    await loop.dispose()
  })

  it("gives an object URL for a file attached locally, and revokes it on unmount", async () => {
    const revoke = vi.spyOn(URL, "revokeObjectURL")
    await client.mutate("addTodo", { id: "t1", title: "photo", updatedAt: 1 })
    await client.mutate("attach", { id: "t1", attachment: new Blob([new Uint8Array([1, 2, 3])], { type: "image/png" }) })
    const [row] = await client.db.select().from(todos).where(eq(todos.id, "t1"))
    const ref = row?.attachment ?? null
    expect(ref?.size).toBe(3)

    const view = render(<Image file={ref} />, { wrapper: providerFor(client) })
    await waitFor(() => expect(screen.getByTestId("file").textContent).toMatch(/^(local|uploading|ready)\|image\/png\|blob:/))
    const url = screen.getByTestId("file").textContent?.split("|")[2]

    // After the upload and push, the status turns ready with the same URL.
    await act(() => client.flush())
    await waitFor(() => expect(screen.getByTestId("file").textContent).toBe(`ready|image/png|${url}`))

    view.unmount()
    expect(revoke).toHaveBeenCalledWith(url)
  })

  it("revokes the old URL when the ref changes, and answers null for no file", async () => {
    const revoke = vi.spyOn(URL, "revokeObjectURL")
    await client.mutate("addTodo", { id: "t1", title: "a", updatedAt: 1 })
    await client.mutate("attach", { id: "t1", attachment: new Blob([new Uint8Array([9])], { type: "image/png" }) })
    const [row] = await client.db.select().from(todos)
    const view = render(<Image file={row?.attachment ?? null} />, { wrapper: providerFor(client) })
    await waitFor(() => expect(screen.getByTestId("file").textContent).toContain("blob:"))
    const url = screen.getByTestId("file").textContent?.split("|")[2]
    view.rerender(<Image file={null} />)
    expect(screen.getByTestId("file").textContent).toBe("none")
    expect(revoke).toHaveBeenCalledWith(url)
  })

  it("reports missing for bytes the server does not have", async () => {
    const ghost: FileRef = { hash: "0".repeat(64), size: 1, mime: "image/png" }
    render(<Image file={ghost} />, { wrapper: providerFor(client) })
    await waitFor(() => expect(screen.getByTestId("file").textContent).toBe("missing"))
  })
})
