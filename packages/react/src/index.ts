/** @module @plasma/react — placeholder, being built. */
export {}
