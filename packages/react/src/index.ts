/** @module @plasma/react — `PlasmaProvider` and hooks over a `@plasma/client` client (SPEC §14). */
export { PlasmaProvider, usePlasma, type PlasmaProviderProps } from "./plasma-provider.js"
export { useLiveQuery, type LiveQuerySource } from "./use-live-query.js"
export { useMutation, type UseMutationOptions, type UseMutationResult } from "./use-mutation.js"
export { usePlasmaFile, type UsePlasmaFileResult } from "./use-plasma-file.js"
export { usePresence, type UsePresenceOptions, type UsePresenceResult } from "./use-presence.js"
export { useSyncStatus } from "./use-sync-status.js"
export type {
  AnyPlasmaClient,
  DeclaredArgsOf,
  MutationArgsOf,
  MutatorNameOf,
  MutatorsOf,
  Register,
  RegisteredClient,
  SchemaOf,
} from "./register.js"
