/** "My todos": the live list, the add form, and the per-row actions, all through the hooks. */
import { asc, eq } from "@plasma/core"
import { useLiveQuery, useMutation, useSyncStatus } from "@plasma/react"
import { useCallback, useEffect, useState, type ReactNode } from "react"
import { todos } from "../schema.js"
import { TodoItem } from "./todo-item.js"

/**
 * Ids that sort by creation time (base-36 ms, fixed width) with a random tail, so the list can be
 * ordered by id. Any id matching the mutators' pattern works; this one just reads well.
 */
function newTodoId(): string {
  return `t${Date.now().toString(36).padStart(9, "0")}${crypto.randomUUID().replaceAll("-", "").slice(0, 10)}`
}

/**
 * The rows this tab changed that the server has not confirmed yet. The outbox depth of the client
 * group is what `useSyncStatus` knows; when it reaches zero, everything was confirmed.
 */
function usePendingIds(): readonly [ReadonlySet<string>, (id: string) => void] {
  const { outboxDepth } = useSyncStatus()
  const [pending, setPending] = useState<ReadonlySet<string>>(() => new Set())
  useEffect(() => {
    if (outboxDepth === 0) setPending((ids) => (ids.size === 0 ? ids : new Set()))
  }, [outboxDepth])
  const mark = useCallback((id: string) => setPending((ids) => new Set(ids).add(id)), [])
  return [pending, mark]
}

/** The todo list of `user`. */
export function TodoList({ user }: { readonly user: string }): ReactNode {
  const rows = useLiveQuery((db) => db.select().from(todos).where(eq(todos.ownerId, user)).orderBy(asc(todos.id)), [user])
  const [title, setTitle] = useState("")
  const [pending, markPending] = usePendingIds()
  const addTodo = useMutation("addTodo", { onSuccess: (args) => (markPending(args.id), setTitle("")) })

  return (
    <section>
      <h2>My todos</h2>
      <form
        id="add"
        onSubmit={(event) => {
          event.preventDefault()
          void addTodo.mutate({ id: newTodoId(), title, updatedAt: Date.now() })
        }}
      >
        <input type="text" id="title" value={title} onChange={(event) => setTitle(event.target.value)} placeholder="What needs doing?" autoComplete="off" maxLength={500} aria-label="new todo" />
        <button className="primary" type="submit" disabled={addTodo.isPending}>
          Add
        </button>
      </form>
      <div className="error" id="todo-error">
        {addTodo.error === null ? "" : addTodo.error instanceof Error ? addTodo.error.message : String(addTodo.error)}
      </div>
      {rows === undefined ? (
        <div className="empty">Loading the local copy…</div>
      ) : rows.length === 0 ? (
        <div className="empty" id="empty">
          Nothing yet. Add a todo, then open this page in a second tab.
        </div>
      ) : (
        <ul className="todos" id="todos">
          {rows.map((todo) => (
            <TodoItem key={todo.id} todo={todo} pending={pending.has(todo.id)} onChanged={markPending} />
          ))}
        </ul>
      )}
    </section>
  )
}
