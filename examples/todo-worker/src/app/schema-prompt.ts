/**
 * The schema-mismatch prompt as a tiny external store. The client's `onSchemaMismatch` may answer
 * through a promise: it opens the prompt and resolves with the user's choice, so the client keeps
 * everything (and retries later) until the user decides.
 */
import { useSyncExternalStore } from "react"

/** An open prompt: the server's schema version and how to answer. */
export interface SchemaPrompt {
  readonly expected: string | undefined
  readonly answer: (choice: "reset" | "stay") => void
}

let current: SchemaPrompt | null = null
const listeners = new Set<() => void>()
const emit = (): void => {
  for (const listener of listeners) listener()
}

/** `onSchemaMismatch` for the client: opens the prompt (once) and waits for the answer. */
export function askAboutSchemaMismatch(info: { readonly expected: string | undefined }): Promise<"reset" | "stay"> {
  return new Promise((resolve) => {
    const previous = current
    current = {
      expected: info.expected,
      answer: (choice) => {
        current = null
        emit()
        previous?.answer(choice)
        resolve(choice)
      },
    }
    emit()
  })
}

/** The open prompt, or null. */
export function useSchemaPrompt(): SchemaPrompt | null {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener)
      return () => void listeners.delete(listener)
    },
    () => current,
  )
}
