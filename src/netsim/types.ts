/**
 * The relay's public shapes: addresses, options, counters and the handle a
 * running relay returns. Kept apart from the socket code in `relay.ts`.
 *
 * @module
 */

import type { Impairments } from "./impairments.ts";

/** A UDP address: host name or IP literal (IPv6 without brackets) and port. */
export interface RelayAddress {
  /** Host name or IP literal. */
  hostname: string;
  /** UDP port. */
  port: number;
}

/** What happened to the datagrams of one direction. */
export interface DirectionCounters {
  /** Datagrams received from the sending side. */
  received: number;
  /** Datagrams handed to the socket toward the other side, duplicates included. */
  forwarded: number;
  /** Datagrams dropped by the loss setting. */
  dropped: number;
  /** Datagrams that got a second copy. */
  duplicated: number;
  /** Datagrams with a bit flipped. */
  corrupted: number;
  /** Datagrams held back to be overtaken. */
  reordered: number;
  /** Datagrams dropped because the delay queue was full (a router's tail drop). */
  overflowed: number;
  /** Sends that the operating system refused. */
  sendErrors: number;
}

/** All of the relay's counters. */
export interface RelayCounters {
  /** Client to upstream server. */
  clientToUpstream: DirectionCounters;
  /** Upstream server to client. */
  upstreamToClient: DirectionCounters;
  /** Clients with a live mapping now. */
  clientsActive: number;
  /** Clients seen since start. */
  clientsTotal: number;
  /** Mappings closed for idleness. */
  clientsExpired: number;
  /** Datagrams from new clients refused (too many clients, or no socket could be opened). */
  clientsRejected: number;
  /** Receive errors survived (e.g. ICMP errors that Windows reports on receive). */
  receiveErrors: number;
  /** Datagrams on an upstream socket from another port than the server's (ignored). */
  strayDatagrams: number;
}

/** A running relay. */
export interface Relay {
  /** The bound listen address (the real port when 0 was asked). */
  readonly address: RelayAddress;
  /** A snapshot of the counters. */
  counters(): RelayCounters;
  /** Stops: closes every socket, discards queued datagrams, waits for loops and sends. */
  close(): Promise<void>;
}

/** Options of `startRelay` (in `relay.ts`). */
export interface RelayOptions {
  /** Where clients send to; port 0 picks a free port. */
  listen: RelayAddress;
  /** The server to forward to. Use an IP literal: a name would be resolved on every send. */
  upstream: RelayAddress;
  /** What to do to the datagrams, in both directions. */
  impairments: Impairments;
  /** Close a client's mapping after this long without traffic (default 60 s). */
  idleTimeoutMs?: number;
  /** Most datagrams waiting for their send time; more are dropped (default 100,000). */
  maxQueuedDatagrams?: number;
  /** Most simultaneous client mappings, each one socket (default 4096). */
  maxClients?: number;
}

/** Counters of one direction, all zero. */
export function newDirectionCounters(): DirectionCounters {
  return {
    received: 0,
    forwarded: 0,
    dropped: 0,
    duplicated: 0,
    corrupted: 0,
    reordered: 0,
    overflowed: 0,
    sendErrors: 0,
  };
}
