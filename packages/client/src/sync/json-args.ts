import { PlasmaError } from "@plasma/core"

/** Args travel as JSON: refuse at the call what the push could never send (it would wedge the queue). */
export function toJsonArgs(name: string, args: unknown): unknown {
  let text: string | undefined
  try {
    text = JSON.stringify(args)
  } catch (cause) {
    throw new PlasmaError("invalid-value", `mutate("${name}"): args must be JSON data (${cause instanceof Error ? cause.message : String(cause)})`)
  }
  return text === undefined ? null : (JSON.parse(text) as unknown)
}
