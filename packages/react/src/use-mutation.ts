/**
 * `useMutation`: one mutator as a callback with pending and error state.
 *
 * `mutate(args)` resolves once the mutator ran on the local optimistic view (the client's
 * `mutate`), which is also when the callbacks run: `onSuccess(args)` or `onError(error, args)`,
 * then `onSettled(error | null, args)`. Server confirmation is not awaited: the push happens in
 * the background and the sync status (`useSyncStatus`) shows the outbox. `mutate` never rejects
 * (a click handler need not catch; only a throwing callback of yours rejects it); it resolves
 * `true` on success, `false` on failure.
 * `mutate` and `reset` keep their identity for the component's life (per client and name).
 */
import type { MutatorNameOf, MutationArgsOf, RegisteredClient } from "./register.js"
import { useCallback, useEffect, useMemo, useRef, useState } from "react"
import { usePlasma } from "./plasma-provider.js"

/** Callbacks of {@link useMutation}; the latest ones given are used. */
export interface UseMutationOptions<Args> {
  readonly onSuccess?: (args: Args) => void
  readonly onError?: (error: unknown, args: Args) => void
  readonly onSettled?: (error: unknown, args: Args) => void
}

/** What {@link useMutation} returns. */
export interface UseMutationResult<Args> {
  /** Runs the mutator locally and queues it; resolves `true` on success, `false` on failure (never rejects). */
  readonly mutate: (args: Args) => Promise<boolean>
  /** Some call of `mutate` from this hook has not finished its local run. */
  readonly isPending: boolean
  /** The error of the last failed call, until the next call or `reset()`. */
  readonly error: unknown
  /** Clears `error`. */
  readonly reset: () => void
}

/**
 * A mutator of the registered client as a callback with state; `args` are typed from the mutator.
 *
 * @example
 * const addTodo = useMutation("addTodo", { onSuccess: () => setTitle("") })
 * <form onSubmit={(e) => { e.preventDefault(); void addTodo.mutate({ id: plasma.newId(), title, updatedAt: Date.now() }) }}>
 * {addTodo.error ? <p role="alert">{String(addTodo.error)}</p> : null}
 */
export function useMutation<Name extends MutatorNameOf<RegisteredClient>>(
  name: Name,
  options: UseMutationOptions<MutationArgsOf<RegisteredClient, Name>> = {},
): UseMutationResult<MutationArgsOf<RegisteredClient, Name>> {
  type Args = MutationArgsOf<RegisteredClient, Name>
  const plasma = usePlasma()
  const [state, setState] = useState<{ readonly pending: number; readonly error: unknown }>({ pending: 0, error: null })
  // The newest callbacks, without making `mutate` change identity when they do.
  const callbacks = useRef(options)
  useEffect(() => {
    callbacks.current = options
  })

  const mutate = useCallback(
    async (args: Args): Promise<boolean> => {
      setState((s) => ({ pending: s.pending + 1, error: null }))
      let failure: unknown = null
      let ok = true
      try {
        await (plasma.mutate as (name: string, args: unknown) => Promise<void>)(name, args)
      } catch (error) {
        ok = false
        failure = error
      }
      setState((s) => ({ pending: s.pending - 1, error: ok ? s.error : failure }))
      const { onSuccess, onError, onSettled } = callbacks.current
      try {
        if (ok) onSuccess?.(args)
        else onError?.(failure, args)
      } finally {
        onSettled?.(failure, args)
      }
      return ok
    },
    [plasma, name],
  )
  const reset = useCallback(() => setState((s) => (s.error === null ? s : { pending: s.pending, error: null })), [])
  return useMemo(() => ({ mutate, isPending: state.pending > 0, error: state.error, reset }), [mutate, reset, state])
}
