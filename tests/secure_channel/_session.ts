/**
 * Helpers for the secure-channel tests: a scripted session on the simulated
 * network that can be stopped just before any delivery (a fresh replica of
 * both endpoints' state at that instant, rebuilt by replaying the same seeded
 * steps), a snapshot of what an endpoint has done so far, and byte tools.
 *
 * Everything here is deterministic: the same seed and script give the same
 * datagrams, byte for byte, every run.
 *
 * @module
 */

import type { Connection } from "../../src/transport/connection.ts";
import type { Endpoint, EndpointCounters, PeerAddress } from "../../src/transport/endpoint.ts";
import type { ConnectionStats } from "../../src/transport/events.ts";
import { PacketType } from "../../src/transport/packet.ts";
import { SimulatedNetwork } from "../transport/_simulated_network.ts";

const encoder = new TextEncoder();

/** UTF-8 bytes of `value`. */
export function utf8(value: string): Uint8Array {
  return encoder.encode(value);
}

/** A copy of `bytes` with bit `index` flipped (bit 0 is the lowest bit of byte 0). */
export function flipped(bytes: Uint8Array, index: number): Uint8Array {
  const copy = bytes.slice();
  copy[index >>> 3]! ^= 1 << (index & 7);
  return copy;
}

/** Whether `needle` occurs anywhere in `haystack`. */
export function contains(haystack: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let start = 0; start + needle.length <= haystack.length; start++) {
    for (let index = 0; index < needle.length; index++) {
      if (haystack[start + index] !== needle[index]) continue outer;
    }
    return true;
  }
  return false;
}

/** The name of a packet type, for readable failures. */
export function typeName(type: number): string {
  const entry = Object.entries(PacketType).find(([, value]) => value === type);
  return entry?.[0] ?? `type ${type}`;
}

/** Which endpoint of the simulated network. */
export type Side = "client" | "server";

/** One datagram handed to an endpoint, copied before the endpoint opened it in place. */
export interface Delivery {
  /** 0 for the first datagram any endpoint received, then 1, 2, ... */
  ordinal: number;
  to: Side;
  from: PeerAddress;
  now: number;
  bytes: Uint8Array;
}

/** The steps of a session, run against a fresh network. */
export type Script = (network: SimulatedNetwork) => void;

/** A network under observation: every delivery recorded, and a way to inject around it. */
export interface ObservedNetwork {
  network: SimulatedNetwork;
  deliveries: Delivery[];
  /** Every connection either endpoint has had, in creation order. */
  connections: Record<Side, Connection[]>;
  /** Hands `bytes` (a copy) to an endpoint directly: not recorded as a delivery. */
  inject(to: Side, bytes: Uint8Array, from: PeerAddress, now: number): void;
}

class Paused extends Error {}

/**
 * Wraps a fresh network's endpoints so that every delivery is recorded and
 * every connection is known; `beforeDelivery` may throw to stop the session.
 */
function observe(
  network: SimulatedNetwork,
  beforeDelivery?: (delivery: Delivery) => void,
): ObservedNetwork {
  const deliveries: Delivery[] = [];
  const connections: Record<Side, Connection[]> = { client: [], server: [] };
  const originals = {} as Record<Side, Endpoint["handleDatagram"]>;
  for (const side of ["client", "server"] as const) {
    const endpoint = network[side];
    const handle = endpoint.handleDatagram.bind(endpoint);
    originals[side] = handle;
    endpoint.handleDatagram = (bytes, from, now) => {
      const delivery = { ordinal: deliveries.length, to: side, from, now, bytes: bytes.slice() };
      beforeDelivery?.(delivery);
      deliveries.push(delivery);
      handle(bytes, from, now);
    };
    const pollEvent = endpoint.pollEvent.bind(endpoint);
    endpoint.pollEvent = () => {
      const event = pollEvent();
      if (event?.type === "accepted") connections.server.push(event.connection);
      return event;
    };
  }
  const connect = network.client.connect.bind(network.client);
  network.client.connect = (address, now) => {
    const connection = connect(address, now);
    connections.client.push(connection);
    return connection;
  };
  return {
    network,
    deliveries,
    connections,
    inject: (to, bytes, from, now) => originals[to](bytes.slice(), from, now),
  };
}

/** Runs `script` on `makeNetwork()` to the end, recording every delivery. */
export function recordSession(
  makeNetwork: () => SimulatedNetwork,
  script: Script,
): ObservedNetwork {
  const observed = observe(makeNetwork());
  script(observed.network);
  return observed;
}

/** A session stopped just before one delivery, which has not happened. */
export interface Replica extends ObservedNetwork {
  /** The delivery the session stopped before. */
  pending: Delivery;
}

/**
 * A fresh replica of the session just before delivery `ordinal`: the same
 * network and script replayed from scratch (everything is seeded), stopped
 * as that datagram reaches its endpoint. Output the endpoints had queued by
 * then is flushed (as if polled a moment earlier) and their pending events
 * are collected, so that whatever comes out afterwards is caused by what the
 * test injects.
 */
export function replicaBefore(
  makeNetwork: () => SimulatedNetwork,
  script: Script,
  ordinal: number,
): Replica {
  let pending: Delivery | null = null;
  const observed = observe(makeNetwork(), (delivery) => {
    if (delivery.ordinal !== ordinal) return;
    pending = delivery;
    throw new Paused();
  });
  try {
    script(observed.network);
  } catch (error) {
    if (!(error instanceof Paused)) throw error;
  }
  if (pending === null) throw new Error(`the session has no delivery ${ordinal}`);
  const replica: Replica = { ...observed, pending };
  for (const side of ["client", "server"] as const) {
    drainTransmits(replica.network[side], replica.pending.now);
    drainEvents(replica.network[side]);
  }
  return replica;
}

/** Everything an endpoint wants to send now (copies). */
export function drainTransmits(endpoint: Endpoint, now: number): Uint8Array[] {
  const datagrams: Uint8Array[] = [];
  for (let transmit = endpoint.pollTransmit(now); transmit; transmit = endpoint.pollTransmit(now)) {
    datagrams.push(transmit.datagram.slice());
  }
  return datagrams;
}

/** Every event an endpoint has queued, by type. */
export function drainEvents(endpoint: Endpoint): string[] {
  const events: string[] = [];
  for (let event = endpoint.pollEvent(); event; event = endpoint.pollEvent()) {
    events.push(event.type === "accepted" ? "accepted" : event.event.type);
  }
  return events;
}

/** What an endpoint and its connections have done so far. */
export interface Snapshot {
  counters: EndpointCounters;
  connections: Array<{ state: string; remoteId: number; stats: ConnectionStats }>;
}

/** A snapshot of one side of an observed network. */
export function snapshot(observed: ObservedNetwork, side: Side): Snapshot {
  return {
    counters: observed.network[side].counters(),
    connections: observed.connections[side].map((connection) => ({
      state: connection.state,
      remoteId: connection.remoteId,
      stats: connection.stats(),
    })),
  };
}

/** The endpoint counters of datagrams dropped, by reason. */
export const DROP_COUNTERS = [
  "droppedForged",
  "droppedReplayed",
  "droppedTruncated",
  "droppedWrongVersion",
  "droppedMalformed",
  "droppedUnknownConnection",
  "droppedUnexpectedInitial",
  "droppedTooManyConnections",
  "droppedShortInitial",
  "droppedBadToken",
  "droppedBadHandshake",
] as const;

/** Each counter that changed between two snapshots, with its increase. */
export function counterChanges(before: EndpointCounters, after: EndpointCounters) {
  const changes: Partial<Record<keyof EndpointCounters, number>> = {};
  for (const key of Object.keys(before) as Array<keyof EndpointCounters>) {
    if (after[key] !== before[key]) changes[key] = after[key] - before[key];
  }
  return changes;
}

/** Total messages the connections of a snapshot have delivered to their application. */
export function messagesDelivered(snapshotted: Snapshot): number {
  return snapshotted.connections.reduce((sum, { stats }) => sum + stats.messagesReceived, 0);
}

/** Reads every message waiting on a connection, as text. */
export function readAll(endpoint: Endpoint, connection: Connection): string[] {
  const decoder = new TextDecoder();
  return SimulatedNetwork.drain(endpoint, connection).map((bytes) => decoder.decode(bytes));
}

/** The seeded, unimpaired network the byte-level tests replay. */
export function quietNetwork(): SimulatedNetwork {
  return new SimulatedNetwork({ seed: 7 });
}

/**
 * A short chat session touching every packet type: Initial, Retry, Initial
 * with token, Accept, Data both ways, Acks, keepalive Pings, Close, CloseAck.
 */
export function chatSession(network: SimulatedNetwork): void {
  const { client, server } = network.connect();
  network.client.send(client, utf8("hello from the client"));
  network.runUntil(() => server.hasUnread);
  readAll(network.server, server);
  network.server.send(server, utf8("hello from the server"));
  network.runUntil(() => client.hasUnread);
  readAll(network.client, client);
  network.runFor(6_000); // long enough for keepalive Pings
  network.client.close(client, network.now);
  network.runUntil(() => client.state === "closed" && server.state === "closed");
}
