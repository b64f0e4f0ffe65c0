/** @module The plasma coordinator: the `SyncCoordinator` Durable Object, `pokeCoordinator`, the Worker router and the WebSocket protocol. */
export { SyncCoordinator, DEFAULT_SYNC_COORDINATOR_OPTIONS, type SyncCoordinatorOptions } from "./sync-coordinator.js"
export {
  readBearerToken,
  readCoordinatorToken,
  verifyCoordinatorToken,
  type CoordinatorRequestKind,
} from "./coordinator-token.js"
export {
  MAX_SOCKETS_PER_ROOM,
  ROOM_BROADCAST_BUDGET,
  PRESENCE_COALESCE_MS,
  PRESENCE_MIN_INTERVAL_MS,
  PRESENCE_BYTES_PER_SECOND,
  PRESENCE_DIFF_MIN_BYTES,
  PRESENCE_MAX_JOIN_DELAY_MS,
} from "./room-limits.js"
export { toRoomName, toRoomObjectName, MAX_ROOM_BYTES, HASHED_ROOM_PREFIX } from "./room-object-name.js"
export { toPresenceDiff, applyPresenceDiff, type PresenceDiff } from "./presence-diff.js"
export { pokeCoordinator, type PokeCoordinatorOptions, type PokeCoordinatorResult } from "./poke-coordinator.js"
export { routeToCoordinator, DEFAULT_COORDINATOR_PATH, type RouteToCoordinatorOptions } from "./route-to-coordinator.js"
export { CoordinatorError, COORDINATOR_ERROR_STATUS, type CoordinatorErrorCode, type CoordinatorErrorOptions } from "./coordinator-error.js"
export { constantTimeEqual } from "./constant-time-equal.js"
export {
  createHibernatingConnectionManager,
  toPresenceEntries,
  type Connection,
  type ConnectionAttachment,
  type ConnectionManager,
} from "./connection-manager.js"
export { TokenBucket, DEFAULT_RATE_LIMIT, type TokenBucketOptions } from "./token-bucket.js"
export {
  parseClientMessage,
  clientMessageSchema,
  serverMessageSchema,
  MAX_MESSAGE_BYTES,
  MAX_USER_INFO_BYTES,
  ROOM_PATTERN,
  CLIENT_ID_PATTERN,
  DEFAULT_ROOM,
  type ClientMessage,
  type FrameErrorCode,
  type JsonValue,
  type ParseClientMessageResult,
  type PresenceEntry,
  type ServerMessage,
} from "./protocol.js"
export type {
  CoordinatorEnv,
  CoordinatorNamespace,
  CoordinatorState,
  CoordinatorStub,
  HibernatableWebSocket,
} from "./runtime-types.js"
