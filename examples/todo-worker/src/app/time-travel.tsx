/** Time travel: every todo as it stood at a change-log version (`snapshotAsOf`), admin only. */
import { useEffect, useState, type ReactNode } from "react"

interface SnapshotTodo {
  readonly id: string
  readonly title: string
  readonly done: boolean
  readonly ownerId: string
}

/** The slider and the snapshot table; follows the newest version until the user drags. */
export function TimeTravel({ token, latest }: { readonly token: string | null; readonly latest: number }): ReactNode {
  const [pinned, setPinned] = useState<number | null>(null)
  const version = pinned ?? latest
  const [rows, setRows] = useState<readonly SnapshotTodo[] | null>(null)
  const [error, setError] = useState("")

  useEffect(() => {
    if (token === null) return
    const abort = new AbortController()
    fetch(`/admin/snapshot?version=${version}`, { headers: { authorization: `Bearer ${token}` }, signal: abort.signal })
      .then(async (response) => {
        const body = (await response.json()) as { tables?: { todos?: SnapshotTodo[] }; error?: string; message?: string }
        if (!response.ok) {
          setRows(null)
          setError(body.error === "version-compacted" ? `version ${version} is compacted away` : (body.message ?? `HTTP ${response.status}`))
          return
        }
        setError("")
        setRows(body.tables?.todos ?? [])
      })
      .catch((cause: unknown) => {
        if (!abort.signal.aborted) setError(String(cause))
      })
    return () => abort.abort()
  }, [token, version])

  return (
    <section>
      <h2>Time travel</h2>
      <div className="row">
        <input type="range" id="tt-range" min={0} max={latest} value={version} disabled={token === null} onChange={(event) => setPinned(Number(event.target.value))} aria-label="version" />
        <button onClick={() => setPinned(null)} disabled={pinned === null}>
          now
        </button>
      </div>
      <div className="error" id="tt-error">
        {error}
      </div>
      {rows === null ? null : (
        <table id="tt-table">
          <thead>
            <tr>
              <th>user</th>
              <th>todo</th>
              <th>done</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.id}>
                <td>{row.ownerId}</td>
                <td>{row.title}</td>
                <td>{row.done ? "✓" : ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div className="muted" id="tt-status">
        {token === null ? "snapshotAsOf: every todo as it stood at a change-log version (needs the admin token)." : `version ${version} of ${latest}`}
      </div>
    </section>
  )
}
