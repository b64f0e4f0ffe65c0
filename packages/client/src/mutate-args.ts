/** The `args` type of `mutate(name, args)`: the mutator's declared args, where `FileRef` fields also take a `Blob`/`File`. */
import type { FileRef, MutatorArgs, MutatorMap } from "@plasma/core"

/** `T` with every `FileRef` position also accepting a `Blob` (a `File` is a `Blob`). */
export type WithBlobs<T> = T extends FileRef
  ? T | Blob
  : T extends Blob | Uint8Array | Date | bigint | ((...args: never[]) => unknown)
    ? T
    : T extends readonly (infer E)[]
      ? WithBlobs<E>[]
      : T extends object
        ? { [K in keyof T]: WithBlobs<T[K]> }
        : T

/** What `mutate(name, args)` accepts for mutator `Name`. */
export type MutateArgs<M extends MutatorMap, Name extends keyof M> = WithBlobs<MutatorArgs<M, Name>>
