/**
 * The admin history views: "what changed since version N" (`/admin/diff`, from `diffSnapshots`)
 * and one todo's history (`/admin/history`, from `rowHistory`) with who changed it and when.
 * Both refresh when the live stream reports a newer version. Admin only: the server bypasses row
 * auth for them, hence the token.
 */
import { useEffect, useState, type ReactNode } from "react"

interface TodoValue {
  readonly id: string
  readonly title: string
  readonly done: boolean
  readonly ownerId: string
}

interface DiffBody {
  readonly from: number
  readonly to: number
  readonly added: readonly { readonly id: string; readonly after: TodoValue }[]
  readonly removed: readonly { readonly id: string; readonly before: TodoValue }[]
  readonly changed: readonly { readonly id: string; readonly before: TodoValue; readonly after: TodoValue }[]
  readonly next: string | null
}

interface HistoryEntry {
  readonly rowVersion: number
  readonly op: "put" | "del"
  readonly value: TodoValue | null
  readonly createdAt: number
  readonly clientGroupID: string | null
  readonly clientID: string | null
  readonly mutationID: number | null
  readonly folded: boolean
}

interface HistoryBody {
  readonly entries: readonly HistoryEntry[]
  readonly next: string | null
  readonly compactionFloor: number
}

interface DiffLine {
  readonly kind: "added" | "changed" | "removed"
  readonly id: string
  readonly text: string
}

const describeTodo = (todo: TodoValue): string => `${todo.title}${todo.done ? " ✓" : ""} (${todo.ownerId})`

function linesOf(body: DiffBody): DiffLine[] {
  return [
    ...body.added.map(({ id, after }): DiffLine => ({ kind: "added", id, text: describeTodo(after) })),
    ...body.changed.map(({ id, before, after }): DiffLine => ({ kind: "changed", id, text: `${describeTodo(before)} → ${describeTodo(after)}` })),
    ...body.removed.map(({ id, before }): DiffLine => ({ kind: "removed", id, text: describeTodo(before) })),
  ]
}

/** Fetches an admin JSON route; an error answer becomes its message. */
async function adminJson<T>(path: string, token: string, signal: AbortSignal): Promise<T> {
  const response = await fetch(path, { headers: { authorization: `Bearer ${token}` }, signal })
  const body = (await response.json()) as T & { error?: string; message?: string }
  if (!response.ok) throw new Error(body.error === "version-compacted" ? `compacted: ${body.message ?? ""}` : (body.message ?? `HTTP ${response.status}`))
  return body
}

const errorText = (cause: unknown): string => (cause instanceof Error ? cause.message : String(cause))

/** "What changed since version N", with a link from each row to its history. */
function ChangesSince({ token, latest, onPick }: { readonly token: string | null; readonly latest: number; readonly onPick: (id: string) => void }): ReactNode {
  const [draft, setDraft] = useState("0")
  const [from, setFrom] = useState<string | null>(null)
  const [lines, setLines] = useState<readonly DiffLine[] | null>(null)
  const [range, setRange] = useState("")
  const [error, setError] = useState("")

  useEffect(() => {
    if (token === null || from === null) return
    const abort = new AbortController()
    // Every page of the diff (a demo has few rows; `next` is passed back with the same from).
    void (async () => {
      const all: DiffLine[] = []
      let cursor: string | null = null
      let to = 0
      for (let pages = 0; pages < 20; pages++) {
        const query: string = `from=${encodeURIComponent(from)}${cursor === null ? "" : `&cursor=${encodeURIComponent(cursor)}`}`
        const body: DiffBody = await adminJson<DiffBody>(`/admin/diff?${query}`, token, abort.signal)
        all.push(...linesOf(body))
        to = body.to
        cursor = body.next
        if (cursor === null) break
      }
      setLines(all)
      setRange(`versions ${from} → ${to}: ${all.length} todo${all.length === 1 ? "" : "s"} changed`)
      setError("")
    })().catch((cause: unknown) => {
      if (abort.signal.aborted) return
      setLines(null)
      setError(errorText(cause))
    })
    return () => abort.abort()
  }, [token, from, latest])

  return (
    <section>
      <h2>What changed since…</h2>
      <form
        id="diff-form"
        className="row"
        onSubmit={(event) => {
          event.preventDefault()
          setFrom(draft.trim())
        }}
      >
        <input type="number" id="diff-from" min={0} value={draft} onChange={(event) => setDraft(event.target.value)} disabled={token === null} aria-label="since version" />
        <button type="submit" disabled={token === null}>
          Show changes
        </button>
      </form>
      <div className="error" id="diff-error">
        {error}
      </div>
      {lines === null ? null : (
        <table id="diff-table">
          <thead>
            <tr>
              <th />
              <th>todo</th>
              <th>what</th>
            </tr>
          </thead>
          <tbody>
            {lines.map((line) => (
              <tr key={line.id} className={line.kind}>
                <td>{line.kind === "added" ? "+" : line.kind === "removed" ? "−" : "~"}</td>
                <td>
                  <button type="button" className="link" onClick={() => onPick(line.id)} title="show this todo's history">
                    {line.id}
                  </button>
                </td>
                <td>{line.text}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div className="muted" id="diff-status">
        {token === null ? "diffSnapshots: rows added, changed and removed since a version (needs the admin token)." : range}
      </div>
    </section>
  )
}

/** One todo's history: every change, newest first, with who and when. */
function TodoHistory({ token, latest, id, onPick }: { readonly token: string | null; readonly latest: number; readonly id: string; readonly onPick: (id: string) => void }): ReactNode {
  const [draft, setDraft] = useState(id)
  const [entries, setEntries] = useState<readonly HistoryEntry[] | null>(null)
  const [floor, setFloor] = useState(0)
  const [error, setError] = useState("")

  useEffect(() => setDraft(id), [id])
  useEffect(() => {
    if (token === null || id === "") return
    const abort = new AbortController()
    adminJson<HistoryBody>(`/admin/history?id=${encodeURIComponent(id)}&limit=50`, token, abort.signal)
      .then((body) => {
        setEntries(body.entries)
        setFloor(body.compactionFloor)
        setError("")
      })
      .catch((cause: unknown) => {
        if (abort.signal.aborted) return
        setEntries(null)
        setError(errorText(cause))
      })
    return () => abort.abort()
  }, [token, id, latest])

  return (
    <section>
      <h2>Todo history</h2>
      <form
        id="history-form"
        className="row"
        onSubmit={(event) => {
          event.preventDefault()
          onPick(draft.trim())
        }}
      >
        <input type="text" id="history-id" value={draft} onChange={(event) => setDraft(event.target.value)} disabled={token === null} placeholder="todo id" aria-label="todo id" />
        <button type="submit" disabled={token === null}>
          Show history
        </button>
      </form>
      <div className="error" id="history-error">
        {error}
      </div>
      {entries === null ? null : (
        <table id="history-table">
          <thead>
            <tr>
              <th>version</th>
              <th>change</th>
              <th>who</th>
              <th>when</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((entry) => (
              <tr key={entry.rowVersion} className={entry.folded ? "folded" : undefined}>
                <td>{entry.rowVersion}</td>
                <td>
                  {entry.value === null ? "deleted" : describeTodo(entry.value)}
                  {entry.folded ? " (folded: earlier edits compacted into this one)" : ""}
                </td>
                <td>{entry.clientID === null ? "server" : `${entry.clientID.slice(0, 10)}… mutation ${entry.mutationID ?? "?"}`}</td>
                <td>{new Date(entry.createdAt).toLocaleTimeString()}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div className="muted" id="history-status">
        {token === null || id === "" ? "rowHistory: one todo's changes, newest first, with client, mutation and time." : `${entries?.length ?? 0} change(s) of ${id}${floor > 0 ? `; history up to version ${floor} is compacted` : ""}`}
      </div>
    </section>
  )
}

/** Both history views; picking a todo in the diff opens its history. */
export function ChangeHistory({ token, latest }: { readonly token: string | null; readonly latest: number }): ReactNode {
  const [picked, setPicked] = useState("")
  return (
    <>
      <ChangesSince token={token} latest={latest} onPick={setPicked} />
      <TodoHistory token={token} latest={latest} id={picked} onPick={setPicked} />
    </>
  )
}
