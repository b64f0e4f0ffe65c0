/** What `readFile(ref)` answers (SPEC §13). */

/**
 * - `local`: the bytes are in the local cache and were never uploaded from here (or the upload is not needed yet);
 * - `uploading`: the bytes are local and waiting for, or in, `PUT {endpoint}/blob/:hash`;
 * - `ready`: the server has the bytes (uploaded from here, or fetched and cached);
 * - `missing`: the server answered 404 (unknown, or not readable for this user); not retried in a loop;
 * - `error`: anything else (network, 5xx, a hash mismatch); `cause` says what.
 */
export type ReadFileResult =
  | { readonly status: "local" | "uploading" | "ready"; readonly bytes: Uint8Array; readonly mime: string; readonly name?: string }
  | { readonly status: "missing" }
  | { readonly status: "error"; readonly cause: unknown }
