/** Push, pull, convergence, isolation between users, and pokes over the coordinator socket. */
import { afterEach, describe, expect, it } from "vitest"
import { CoordinatorSocket, COORDINATOR_TOKEN, SyncClient, sleep, todoArgs, uniqueUser } from "./helpers.js"

const sockets: CoordinatorSocket[] = []
afterEach(async () => {
  await Promise.all(sockets.splice(0).map((socket) => socket.close()))
})

async function connect(query: Record<string, string>, options: { token?: string } = {}): Promise<CoordinatorSocket> {
  const socket = await CoordinatorSocket.connect(query, options)
  sockets.push(socket)
  return socket
}

describe("push and pull", () => {
  it("converges two clients of one user and keeps other users out", async () => {
    const user = uniqueUser("alice")
    const t = (name: string) => `${user}-${name}`
    const a = new SyncClient(user)
    const b = new SyncClient(user, a.clientGroupID)
    await a.push(todoArgs(t("t1"), "buy milk"), todoArgs(t("t2"), "call mum"))
    await b.push(todoArgs(t("t3"), "water plants"), { name: "toggleTodo", args: { id: t("t1"), updatedAt: Date.now() } })
    await a.push({ name: "deleteTodo", args: { id: t("t2") } })

    const [pullA, pullB] = [await a.pull(), await b.pull()]
    expect(a.snapshot()).toEqual(b.snapshot())
    expect(a.snapshot().map((row) => [row.id, row.title, row.done, row.ownerId])).toEqual([
      [t("t1"), "buy milk", true, user],
      [t("t3"), "water plants", false, user],
    ])
    // lastMutationIDs covers every client of the group.
    expect(pullA.lastMutationIDs).toMatchObject({ [a.clientID]: 3, [b.clientID]: 2 })
    expect(pullB.lastMutationIDs).toMatchObject({ [a.clientID]: 3, [b.clientID]: 2 })

    // Another user sees none of it, and cannot change it: the mutation is dropped, its id advances.
    const mallory = new SyncClient(uniqueUser("mallory"))
    await mallory.push({ name: "toggleTodo", args: { id: t("t3"), updatedAt: Date.now() } })
    const pullM = await mallory.pull()
    expect(mallory.snapshot()).toEqual([])
    expect(pullM.lastMutationIDs[mallory.clientID]).toBe(1)
    await a.pull()
    expect(a.rows.get(t("t3"))?.["done"]).toBe(false)
  })

  it("drops a mutation with bad args but keeps the client going", async () => {
    const client = new SyncClient(uniqueUser("poison"))
    const t = (name: string) => `${client.userId}-${name}`
    await client.push({ name: "addTodo", args: { id: t("p1"), title: "" } }, todoArgs(t("p2"), "fine"), { name: "toggleTodo", args: { id: t("missing"), updatedAt: 1 } })
    const pull = await client.pull()
    expect(pull.lastMutationIDs[client.clientID]).toBe(3)
    expect(client.snapshot().map((row) => row.id)).toEqual([t("p2")])
  })

  it("pages through a long log with a small limit", async () => {
    const client = new SyncClient(uniqueUser("pager"))
    await client.push(...Array.from({ length: 12 }, (_, i) => todoArgs(`${client.userId}-p${String(i).padStart(2, "0")}`, `item ${i}`)))
    const fresh = new SyncClient(client.userId)
    await fresh.pull(5)
    expect(fresh.snapshot()).toHaveLength(12)
  })
})

describe("pokes and presence", () => {
  it("pokes the other tab after a push, and only the pushing user's room", async () => {
    const user = uniqueUser("poked")
    const other = uniqueUser("quiet")
    const a = new SyncClient(user)
    const b = new SyncClient(user, a.clientGroupID)
    // b connects the way servers do (the token in a header); a the way the page does (the Worker adds it).
    const bSocket = await connect({ room: `user-${user}`, clientID: b.clientID }, { token: COORDINATOR_TOKEN })
    const aSocket = await connect({ room: `user-${user}`, user, clientID: a.clientID })
    const otherSocket = await connect({ room: `user-${other}`, user: other, clientID: "someone-else" })
    await bSocket.next((m) => m["type"] === "presence" && Array.isArray(m["entries"]) && m["entries"].length === 2)

    const from = bSocket.messages.length
    await a.push(todoArgs(`${user}-x1`, "poke me"))
    await bSocket.next((m) => m["type"] === "poke", { from })
    await b.pull()
    expect(b.rows.get(`${user}-x1`)?.["title"]).toBe("poke me")

    await sleep(300)
    expect(otherSocket.messages.filter((m) => m["type"] === "poke")).toEqual([])
    expect(aSocket.messages.some((m) => m["type"] === "presence")).toBe(true)
  })

  it("shows a tab leaving in the others' presence", async () => {
    const user = uniqueUser("presence")
    const one = await connect({ room: `user-${user}`, user, clientID: "tab-one" })
    const two = await CoordinatorSocket.connect({ room: `user-${user}`, user, clientID: "tab-two" })
    await one.next((m) => m["type"] === "presence" && JSON.stringify(m["entries"]).includes("tab-two"))
    const from = one.messages.length
    await two.close()
    const after = await one.next((m) => m["type"] === "presence", { from })
    expect(after["entries"]).toEqual([{ clientID: "tab-one", userInfo: null }])
  })
})
