/** @module @plasma/blobs/fs — blob storage on the local filesystem (Node only: uses `node:fs`). */
export { fsStorage, type FsStorageOptions } from "./storage/fs-storage.js"
