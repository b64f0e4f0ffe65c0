/**
 * `usePlasmaFile`: the bytes behind a `FileRef` as an object URL for `<img src>` and links.
 *
 * One object URL per mounted hook and file; it is revoked when the component unmounts or the ref
 * points at another file, so nothing leaks. While the file is `local` or `uploading`, the hook
 * follows the client's sync status and reads again when it moves, so `status` turns `ready` once
 * the upload is through (the URL stays the same: the bytes did not change).
 */
import type { FileRef } from "@plasma/core"
import { useEffect, useState } from "react"
import { usePlasma } from "./plasma-provider.js"

/** What {@link usePlasmaFile} returns (SPEC §14). */
export type UsePlasmaFileResult =
  | { readonly status: "pending" }
  | { readonly status: "local" | "uploading" | "ready"; readonly url: string; readonly mime: string; readonly name?: string }
  | { readonly status: "missing" }
  | { readonly status: "error"; readonly error: unknown }

const PENDING: UsePlasmaFileResult = Object.freeze({ status: "pending" })

/**
 * The file as an object URL; `{ status: "pending" }` while it is read, `null` for a null ref.
 *
 * @example
 * const file = usePlasmaFile(todo.attachment)
 * return file?.status === "ready" || file?.status === "local" || file?.status === "uploading" ? <img src={file.url} alt={file.name ?? ""} /> : null
 */
export function usePlasmaFile(ref: FileRef): UsePlasmaFileResult
export function usePlasmaFile(ref: FileRef | null | undefined): UsePlasmaFileResult | null
export function usePlasmaFile(ref: FileRef | null | undefined): UsePlasmaFileResult | null {
  const plasma = usePlasma()
  const [state, setState] = useState<{ readonly hash: string | null; readonly result: UsePlasmaFileResult }>({ hash: null, result: PENDING })
  const hash = ref?.hash ?? null

  useEffect(() => {
    if (ref === null || ref === undefined) return
    let active = true
    let url: string | null = null
    let unsubscribe: (() => void) | null = null
    let reading = false

    const read = async (): Promise<void> => {
      if (reading) return
      reading = true
      try {
        const result = await plasma.readFile(ref)
        if (!active) return
        if (result.status === "missing") setState({ hash: ref.hash, result: { status: "missing" } })
        else if (result.status === "error") setState({ hash: ref.hash, result: { status: "error", error: result.cause } })
        else {
          url ??= URL.createObjectURL(new Blob([result.bytes as Uint8Array<ArrayBuffer>], { type: result.mime }))
          const name = result.name ?? ref.name
          setState({ hash: ref.hash, result: name === undefined ? { status: result.status, url, mime: result.mime } : { status: result.status, url, mime: result.mime, name } })
          if (result.status !== "ready" && unsubscribe === null) unsubscribe = plasma.status.subscribe(() => void read())
          if (result.status === "ready" && unsubscribe !== null) {
            unsubscribe()
            unsubscribe = null
          }
        }
      } catch (error) {
        if (active) setState({ hash: ref.hash, result: { status: "error", error } })
      } finally {
        reading = false
      }
    }
    void read()
    return () => {
      active = false
      unsubscribe?.()
      if (url !== null) URL.revokeObjectURL(url)
    }
    // The bytes are addressed by hash: a new ref object for the same file reads nothing again.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [plasma, hash])

  if (hash === null) return null
  return state.hash === hash ? state.result : PENDING
}
