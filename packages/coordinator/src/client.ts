/** @module Browser-safe client for the plasma coordinator: `connectCoordinator`, its types and the wire protocol. */
export {
  connectCoordinator,
  toCoordinatorUrl,
  type ConnectCoordinatorOptions,
  type TokenTransport,
  type CoordinatorConnection,
  type WebSocketConstructor,
  type WebSocketLike,
} from "./connect-coordinator.js"
export { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from "./backoff.js"
export { CoordinatorError, type CoordinatorErrorCode } from "./coordinator-error.js"
export { applyPresenceDiff, type PresenceDiff } from "./presence-diff.js"
export {
  serverMessageSchema,
  clientMessageSchema,
  type ClientMessage,
  type FrameErrorCode,
  type JsonValue,
  type PresenceEntry,
  type ServerMessage,
} from "./protocol.js"
