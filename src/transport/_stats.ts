/**
 * A zeroed ConnectionStats, kept apart so the connection file stays about
 * protocol rules.
 *
 * @module
 */

import type { ConnectionStats } from "./events.ts";

/** Fresh counters, all zero. */
export function createStats(): ConnectionStats {
  return {
    packetsSent: 0,
    packetsReceived: 0,
    bytesSent: 0,
    bytesReceived: 0,
    dataPacketsSent: 0,
    packetsRetransmitted: 0,
    fastRetransmits: 0,
    probeTimeouts: 0,
    retransmissionTimeouts: 0,
    duplicatePacketsReceived: 0,
    outOfOrderPacketsDropped: 0,
    beyondWindowPacketsDropped: 0,
    forgedPacketsDropped: 0,
    replayedPacketsDropped: 0,
    invalidAcknowledgements: 0,
    messagesSent: 0,
    messagesReceived: 0,
    smoothedRttMs: 0,
    rttVarianceMs: 0,
    minRttMs: 0,
    retransmissionTimeoutMs: 0,
    congestionWindow: 0,
    slowStartThreshold: 0,
    peerReceiveWindow: 0,
    packetsInFlight: 0,
  };
}
