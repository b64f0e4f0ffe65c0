/**
 * Compile-time proof that the real Workers types satisfy our structural interfaces (checked by
 * `tsc --noEmit`, which includes this file). If workers-types changes a signature we rely on,
 * typecheck fails here rather than in a user's Worker.
 */
import type { DurableObjectNamespace, DurableObjectState, WebSocket } from "@cloudflare/workers-types"
import type { CoordinatorState, HibernatableWebSocket } from "./runtime-types.js"

type Assignable<From, To> = [From] extends [To] ? true : false
const assertTrue = <T extends true>(): T | undefined => undefined

assertTrue<Assignable<DurableObjectState, CoordinatorState>>()
assertTrue<Assignable<WebSocket, HibernatableWebSocket>>()
// The namespace is checked through its methods: its Request type is workers-types' own, which
// differs nominally from the ambient one our tsconfig loads, so the stub's fetch is left out here.
assertTrue<Assignable<ReturnType<DurableObjectNamespace["idFromName"]>, Parameters<DurableObjectNamespace["get"]>[0]>>()
