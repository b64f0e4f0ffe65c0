/**
 * The admin views: todo counts per user, live from `serverLiveSelect` over SSE, time travel
 * through `snapshotAsOf`, and the change history (`diffSnapshots`, `rowHistory`). Both bypass row auth on the server, hence the admin token.
 */
import { useEffect, useState, type ReactNode } from "react"
import { ChangeHistory } from "./change-history.js"
import { readEventStream } from "./read-event-stream.js"
import { TimeTravel } from "./time-travel.js"

interface CountRow {
  readonly ownerId: string
  readonly n: number
  readonly done: number
}

/** The admin section: token form, live counts, and time travel once connected. */
export function AdminPanel(): ReactNode {
  const [draft, setDraft] = useState("")
  const [token, setToken] = useState<string | null>(null)
  const [counts, setCounts] = useState<readonly CountRow[] | null>(null)
  const [latest, setLatest] = useState(0)
  const [error, setError] = useState("")

  useEffect(() => {
    if (token === null) return
    const abort = new AbortController()
    setError("")
    readEventStream("/admin/events", { headers: { authorization: `Bearer ${token}` }, signal: abort.signal }, ({ event, data }) => {
      if (event !== "counts") return
      const body = JSON.parse(data) as { version: number; rows: CountRow[] }
      setCounts(body.rows)
      setLatest(body.version)
    }).catch((cause: unknown) => {
      if (abort.signal.aborted) return
      setError(cause instanceof Error ? cause.message : String(cause))
      setToken(null)
    })
    return () => abort.abort()
  }, [token])

  return (
    <>
      <section>
        <h2>Admin · todos per user (live)</h2>
        <form
          id="admin-form"
          onSubmit={(event) => {
            event.preventDefault()
            setToken(draft)
          }}
        >
          <input type="password" id="admin-token" value={draft} onChange={(event) => setDraft(event.target.value)} autoComplete="off" placeholder="admin token (dev: dev-admin-token)" aria-label="admin token" />
          <button type="submit">Connect</button>
        </form>
        <div className="error" id="admin-error">
          {error}
        </div>
        {counts === null ? null : (
          <table id="counts">
            <thead>
              <tr>
                <th>user</th>
                <th>todos</th>
                <th>done</th>
              </tr>
            </thead>
            <tbody>
              {counts.map((row) => (
                <tr key={row.ownerId}>
                  <td>{row.ownerId}</td>
                  <td>{row.n}</td>
                  <td>{row.done}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <div className="muted" id="admin-status">
          {token === null ? "Server-sent events from serverLiveSelect; bypasses row auth, hence the token." : `live at change-log version ${latest}`}
        </div>
      </section>
      <TimeTravel token={token} latest={latest} />
      <ChangeHistory token={token} latest={latest} />
    </>
  )
}
