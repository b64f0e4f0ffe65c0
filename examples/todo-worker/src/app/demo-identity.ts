/**
 * DEMO-ONLY identity: the user is `?user=` (remembered in localStorage) and is sent as
 * `Authorization: Bearer user:<id>`, which src/demo-auth.ts believes. A real app signs users in.
 * One client group per user and browser (localStorage), so the tabs of a user share one local
 * database; each tab gets its own clientID from the client.
 */
const USER_PATTERN = /^[a-z0-9_-]{1,32}$/

/** The demo user of this page. */
export function currentUser(): string {
  const fromUrl = new URLSearchParams(location.search).get("user")?.toLowerCase() ?? null
  const user = fromUrl !== null && USER_PATTERN.test(fromUrl) ? fromUrl : (localStorage.getItem("plasma:user") ?? "alice")
  localStorage.setItem("plasma:user", user)
  return user
}

/** The user's client group in this browser, created once. */
export function clientGroupOf(user: string): string {
  const key = `plasma:group:${user}`
  let group = localStorage.getItem(key)
  if (group === null) {
    group = `g-${crypto.randomUUID()}`
    localStorage.setItem(key, group)
  }
  return group
}

/** The coordinator room of a user (the Worker only lets a user join their own). */
export const roomOf = (user: string): string => `user-${user}`
