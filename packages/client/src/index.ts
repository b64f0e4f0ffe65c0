/** @module @plasma/client — placeholder, being built. */
export {}
