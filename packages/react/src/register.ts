/**
 * Type registration: declare your client's type once, and every hook infers row types from your
 * schema and `args` types from your mutators without type parameters.
 *
 * ```ts
 * declare module "@plasma/react" {
 *   interface Register {
 *     client: typeof plasma // or PlasmaClient<typeof schema, typeof mutators>
 *   }
 * }
 * ```
 */
import type { PlasmaClient } from "@plasma/client"
import type { AnySchema, MutatorArgs, MutatorMap } from "@plasma/core"
import type { MutateArgs } from "@plasma/client"

/** Augment with `client: typeof yourClient` (see the module comment). Empty by default. */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface Register {}

/** Any plasma client. */
export type AnyPlasmaClient = PlasmaClient<AnySchema, MutatorMap>

/** The client type the app registered, or any client. */
export type RegisteredClient = Register extends { readonly client: infer C extends AnyPlasmaClient } ? C : AnyPlasmaClient

/** The schema of a client type. */
export type SchemaOf<C> = C extends PlasmaClient<infer S, MutatorMap> ? S : AnySchema

/** The mutator map of a client type. */
export type MutatorsOf<C> = C extends PlasmaClient<AnySchema, infer M> ? M : MutatorMap

/** The mutator names of a client type. */
export type MutatorNameOf<C> = keyof MutatorsOf<C> & string

/** What `mutate` of mutator `Name` takes (`FileRef` fields also accept a `Blob`/`File`). */
export type MutationArgsOf<C, Name extends MutatorNameOf<C>> = MutateArgs<MutatorsOf<C>, Name>

/** The args type a mutator declares (without the `Blob` widening). */
export type DeclaredArgsOf<C, Name extends MutatorNameOf<C>> = MutatorArgs<MutatorsOf<C>, Name>
