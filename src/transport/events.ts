/**
 * What a connection reports to its owner: events, close reasons and counters.
 *
 * @module
 */

/** Why a connection ended, as carried in a Close packet or decided locally. */
export const CloseCode = {
  /** An orderly close asked for by one side's application. */
  Normal: 0,
  /** The peer sent something the protocol forbids. */
  ProtocolViolation: 1,
  /** No acknowledgement for too long: the peer or the path is gone. */
  Unreachable: 2,
  /** No packet at all for the idle timeout. */
  IdleTimeout: 3,
  /** The endpoint is shutting down. */
  Shutdown: 4,
  /** The server refused the connection (full, or not accepting). */
  Refused: 5,
} as const;

/** A close code value. */
export type CloseCode = typeof CloseCode[keyof typeof CloseCode];

/** How a connection ended and who ended it. */
export interface CloseInfo {
  /** A CloseCode, or an application code received from the peer. */
  code: number;
  /** A human-readable reason, never shown unsanitised. */
  reason: string;
  /** Who decided: our application, the peer, or the transport itself (timeouts, violations). */
  initiator: "local" | "peer" | "transport";
}

/** Something the owner of a connection should react to. */
export type ConnectionEvent =
  | { type: "connected" }
  | { type: "readable" }
  | { type: "writable" }
  | { type: "flushed" }
  | { type: "closed"; info: CloseInfo };

/** Counters of one connection, for the UIs and the tests. */
export interface ConnectionStats {
  packetsSent: number;
  packetsReceived: number;
  bytesSent: number;
  bytesReceived: number;
  dataPacketsSent: number;
  packetsRetransmitted: number;
  fastRetransmits: number;
  probeTimeouts: number;
  retransmissionTimeouts: number;
  duplicatePacketsReceived: number;
  outOfOrderPacketsDropped: number;
  beyondWindowPacketsDropped: number;
  forgedPacketsDropped: number;
  replayedPacketsDropped: number;
  invalidAcknowledgements: number;
  messagesSent: number;
  messagesReceived: number;
  smoothedRttMs: number;
  rttVarianceMs: number;
  minRttMs: number;
  retransmissionTimeoutMs: number;
  congestionWindow: number;
  slowStartThreshold: number;
  peerReceiveWindow: number;
  packetsInFlight: number;
}
