/** `PlasmaProvider` and `usePlasma`: the client in React context. */
import { createContext, useContext, type ReactNode } from "react"
import type { AnyPlasmaClient, RegisteredClient } from "./register.js"

const PlasmaContext = createContext<AnyPlasmaClient | null>(null)
PlasmaContext.displayName = "PlasmaContext"

/** Props of {@link PlasmaProvider}. */
export interface PlasmaProviderProps {
  /** A client from `createPlasmaClient`; the provider neither starts nor closes it (the app owns its lifetime). */
  readonly client: AnyPlasmaClient
  readonly children?: ReactNode
}

/**
 * Makes a plasma client available to the hooks below it.
 *
 * @example
 * const plasma = createPlasmaClient({ schema, mutators, schemaVersion, dbName, endpoint: "/sync", clientGroupID })
 * plasma.start()
 * createRoot(el).render(<PlasmaProvider client={plasma}><App /></PlasmaProvider>)
 */
export function PlasmaProvider({ client, children }: PlasmaProviderProps): ReactNode {
  return <PlasmaContext.Provider value={client}>{children}</PlasmaContext.Provider>
}

/**
 * The client given to the nearest {@link PlasmaProvider}, typed as the registered client.
 *
 * @throws Error when no provider is above the component.
 * @example
 * const plasma = usePlasma()
 * const onAdd = () => plasma.mutate("addTodo", { id: plasma.newId(), title, updatedAt: Date.now() })
 */
export function usePlasma(): RegisteredClient {
  const client = useContext(PlasmaContext)
  if (client === null) throw new Error("usePlasma: no <PlasmaProvider client={…}> above this component")
  return client as RegisteredClient
}
