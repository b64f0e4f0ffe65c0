/** The page's layout: header with status, the todo list and presence, the admin views. */
import { useState, type ReactNode } from "react"
import { AdminPanel } from "./admin-panel.js"
import { PresencePanel } from "./presence-panel.js"
import { SchemaMismatchBanner } from "./schema-mismatch-banner.js"
import { StatusBar } from "./status-bar.js"
import { TodoList } from "./todo-list.js"

/** The whole page for one demo user. */
export function App({ user }: { readonly user: string }): ReactNode {
  const [otherUser, setOtherUser] = useState("")
  return (
    <>
      <header>
        <h1>
          <span>plasma</span> todos
        </h1>
        <span className="pill" title="demo-only auth: the user is whatever ?user= says">
          user <strong id="user">{user}</strong>
        </span>
        <StatusBar />
        <span className="spacer" />
        <form
          id="switch-user"
          onSubmit={(event) => {
            event.preventDefault()
            if (otherUser.trim() !== "") location.search = `?user=${encodeURIComponent(otherUser.trim().toLowerCase())}`
          }}
        >
          <input type="text" value={otherUser} onChange={(event) => setOtherUser(event.target.value)} placeholder="switch user (e.g. bob)" aria-label="switch user" />
          <button>Switch</button>
        </form>
      </header>
      <SchemaMismatchBanner />
      <main>
        <div>
          <TodoList user={user} />
          <PresencePanel user={user} />
        </div>
        <div>
          <AdminPanel />
        </div>
      </main>
    </>
  )
}
