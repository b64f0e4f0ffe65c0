/** One todo: tick, delete, attach or detach an image (file column + usePlasmaFile). */
import type { InferRow } from "@plasma/core"
import { useMutation, usePlasmaFile } from "@plasma/react"
import { useRef, type ReactNode } from "react"
import type { todos } from "../schema.js"

type Todo = InferRow<typeof todos>

/** The attachment's image, from the local cache or the blob route. */
function Attachment({ file }: { readonly file: NonNullable<Todo["attachment"]> }): ReactNode {
  const result = usePlasmaFile(file)
  if (result.status === "pending") return <span className="muted">loading…</span>
  if (result.status === "missing") return <span className="muted">image gone</span>
  if (result.status === "error") return <span className="error">image failed</span>
  return <img src={result.url} alt={result.name ?? "attachment"} title={result.status === "ready" ? result.name : `${result.status}…`} />
}

/** A row of the list; `pending` dims it until the server confirmed this tab's change. */
export function TodoItem({ todo, pending, onChanged }: { readonly todo: Todo; readonly pending: boolean; readonly onChanged: (id: string) => void }): ReactNode {
  const picker = useRef<HTMLInputElement>(null)
  const changed = { onSuccess: () => onChanged(todo.id) }
  const toggle = useMutation("toggleTodo", changed)
  const remove = useMutation("deleteTodo", changed)
  const attach = useMutation("attachFile", changed)
  const detach = useMutation("detachFile", changed)
  const error = [toggle, remove, attach, detach].find((m) => m.error !== null)?.error

  return (
    <li className={[todo.done ? "done" : "", pending ? "pending" : ""].join(" ").trim()} data-id={todo.id}>
      <input type="checkbox" checked={todo.done} onChange={() => void toggle.mutate({ id: todo.id, updatedAt: Date.now() })} aria-label="done" />
      <span className="title">{todo.title}</span>
      {pending ? <span className="marker">pending</span> : null}
      {error === undefined ? null : <span className="error">{error instanceof Error ? error.message : String(error)}</span>}
      {todo.attachment === null ? (
        <button className="icon" onClick={() => picker.current?.click()}>
          attach image
        </button>
      ) : (
        <>
          <Attachment file={todo.attachment} />
          <button className="icon" onClick={() => void detach.mutate({ id: todo.id, updatedAt: Date.now() })}>
            detach
          </button>
        </>
      )}
      <button className="icon" onClick={() => void remove.mutate({ id: todo.id })} aria-label="delete">
        ✕
      </button>
      <input
        ref={picker}
        type="file"
        accept="image/*"
        hidden
        onChange={(event) => {
          const file = event.target.files?.[0]
          event.target.value = ""
          // The client hashes the File, keeps the bytes locally and uploads them before it pushes.
          if (file !== undefined) void attach.mutate({ id: todo.id, attachment: file, updatedAt: Date.now() })
        }}
      />
    </li>
  )
}
