/** The subscription against a real WebSocket server (ws): a poke and every (re)connect call onPoke. */
import { WebSocket, WebSocketServer } from "ws"
import { afterEach, describe, expect, it } from "vitest"
import { createWebSocketSubscription } from "./create-web-socket-subscription.js"

const until = async (check: () => boolean): Promise<void> => {
  for (let i = 0; i < 400 && !check(); i++) await new Promise((r) => setTimeout(r, 5))
  if (!check()) throw new Error("timed out")
}

describe("createWebSocketSubscription", () => {
  let server: WebSocketServer | undefined
  afterEach(() => new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve()))))

  it("counts the connect, every poke and every reconnect as a poke; unsubscribe closes for good", async () => {
    server = new WebSocketServer({ port: 0 })
    const port = (server.address() as { port: number }).port
    const urls: string[] = []
    const sockets: import("ws").WebSocket[] = []
    server.on("connection", (socket, request) => {
      urls.push(request.url ?? "")
      sockets.push(socket)
      socket.send(JSON.stringify({ type: "presence", entries: [] }))
    })
    let pokes = 0
    const subscribe = createWebSocketSubscription({
      url: `http://127.0.0.1:${port}/sync/coordinator`,
      room: "r1",
      token: "secret",
      clientID: "c1",
      initialReconnectDelayMs: 5,
      maxReconnectDelayMs: 20,
      WebSocketImpl: WebSocket as never,
    })
    const unsubscribe = subscribe(() => pokes++)
    await until(() => pokes >= 1)
    expect(urls[0]).toContain("room=r1")
    expect(urls[0]).toContain("clientID=c1")
    sockets[0]?.send(JSON.stringify({ type: "poke" }))
    await until(() => pokes >= 2)
    sockets[0]?.terminate()
    await until(() => sockets.length >= 2 && pokes >= 3)
    unsubscribe()
    await new Promise((r) => setTimeout(r, 50))
    expect(sockets.length).toBe(2)
  })
})
