/**
 * mochi's go-back-N transport: a sans-IO core (Endpoint, Connection) and the
 * UDP driver around it. See docs/transport.md and docs/wire_format.md.
 *
 * @module
 */

export {
  DEFAULT_TRANSPORT_CONFIG,
  resolveTransportConfig,
  type TransportConfig,
} from "./config.ts";
export { Connection, type ConnectionState } from "./connection.ts";
export {
  Endpoint,
  type EndpointCounters,
  type EndpointEvent,
  type PeerAddress,
  type Transmit,
} from "./endpoint.ts";
export { CloseCode, type CloseInfo, type ConnectionEvent, type ConnectionStats } from "./events.ts";
export { UdpConnection, UdpEndpoint, type UdpEndpointOptions } from "./udp.ts";
