/** The clear prompt shown when the server runs another schema version than this page. */
import type { ReactNode } from "react"
import { SCHEMA_VERSION } from "../schema.js"
import { useSchemaPrompt } from "./schema-prompt.js"

/** Shown while a schema mismatch waits for the user's decision. */
export function SchemaMismatchBanner(): ReactNode {
  const prompt = useSchemaPrompt()
  if (prompt === null) return null
  return (
    <div className="banner" id="schema-mismatch" role="alert">
      <strong>This page is out of date.</strong> The server runs schema <code>{prompt.expected ?? "(unknown)"}</code>, this page{" "}
      <code>{SCHEMA_VERSION}</code>. Your changes are kept locally until you decide.
      <button className="primary" onClick={() => (prompt.answer("reset"), location.reload())}>
        Reload with a fresh local copy
      </button>
      <button onClick={() => prompt.answer("stay")}>Keep my local changes for now</button>
    </div>
  )
}
