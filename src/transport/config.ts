/**
 * Transport tunables, their defaults and their validation. Times are in
 * milliseconds, windows in packets, sizes in bytes.
 *
 * @module
 */

import { UsageError } from "../errors.ts";

/** Everything about a connection's behaviour that a user or a test may change. */
export interface TransportConfig {
  /** Largest datagram we send, header and integrity trailer included. */
  mtu: number;
  /** Largest message the application may send or receive. */
  maxMessageSize: number;
  /** Bytes of unsent messages a sender may queue before `send` reports "full". */
  sendBufferSize: number;
  /** Bytes of delivered but unread messages before the advertised window closes. */
  receiveBufferSize: number;
  /** Upper bound of the congestion window, in packets. */
  maxWindow: number;
  /** Congestion window at the start, in packets (RFC 6928 uses 10). */
  initialWindow: number;
  /** Retransmission timeout before the first RTT sample (RFC 6298 says 1 s). */
  initialRetransmissionTimeout: number;
  /** Lower bound of the retransmission timeout (RFC 6298's 1 s is too slow for a chat). */
  minRetransmissionTimeout: number;
  /** Upper bound of the retransmission timeout. */
  maxRetransmissionTimeout: number;
  /** Consecutive timeouts without progress before the peer is declared unreachable. */
  maxConsecutiveTimeouts: number;
  /** Longest the receiver holds back an acknowledgement of a full packet. */
  maxAckDelay: number;
  /** The receiver acknowledges at once after this many unacknowledged full packets. */
  ackEveryPackets: number;
  /** How long a client keeps retrying its Initial before the server counts as unreachable. */
  handshakeTimeout: number;
  /** Silence after which an open connection is dropped. */
  idleTimeout: number;
  /** Quiet time after which an open connection sends a keepalive. */
  keepaliveInterval: number;
}

/** The defaults: a 1200-byte datagram fits every path IPv6 allows. */
export const DEFAULT_TRANSPORT_CONFIG: Readonly<TransportConfig> = Object.freeze({
  mtu: 1200,
  maxMessageSize: 1 << 20,
  sendBufferSize: 1 << 20,
  receiveBufferSize: 4 << 20,
  maxWindow: 4096,
  initialWindow: 10,
  initialRetransmissionTimeout: 1000,
  minRetransmissionTimeout: 200,
  maxRetransmissionTimeout: 60_000,
  maxConsecutiveTimeouts: 5,
  maxAckDelay: 5,
  ackEveryPackets: 8,
  handshakeTimeout: 10_000,
  idleTimeout: 15_000,
  keepaliveInterval: 5_000,
});

/** Smallest MTU that still leaves room for a handshake and a useful payload. */
export const MIN_MTU = 256;
/** Largest MTU: the largest UDP payload over IPv4. */
export const MAX_MTU = 65_507;

/** Merges overrides into the defaults and rejects values that would break the protocol. */
export function resolveTransportConfig(overrides: Partial<TransportConfig> = {}): TransportConfig {
  const config = { ...DEFAULT_TRANSPORT_CONFIG, ...overrides };
  const require = (condition: boolean, what: string) => {
    if (!condition) throw new UsageError(`Cannot configure the transport: ${what}`);
  };
  for (const [key, value] of Object.entries(config)) {
    require(Number.isFinite(value) && value >= 0, `${key} must be a non-negative number`);
  }
  require(
    Number.isInteger(config.mtu) && config.mtu >= MIN_MTU && config.mtu <= MAX_MTU,
    `mtu must be an integer from ${MIN_MTU} to ${MAX_MTU}`,
  );
  require(config.maxWindow >= 2 && config.maxWindow < 2 ** 30, "maxWindow must be 2 to 2^30");
  require(config.initialWindow >= 2, "initialWindow must be at least 2");
  require(config.ackEveryPackets >= 1, "ackEveryPackets must be at least 1");
  require(config.maxMessageSize >= 1, "maxMessageSize must be at least 1");
  require(config.receiveBufferSize >= 2 * config.mtu, "receiveBufferSize must hold two packets");
  require(
    config.minRetransmissionTimeout <= config.maxRetransmissionTimeout,
    "minRetransmissionTimeout must not exceed maxRetransmissionTimeout",
  );
  require(
    config.keepaliveInterval < config.idleTimeout,
    "keepaliveInterval must be shorter than idleTimeout",
  );
  return config;
}
