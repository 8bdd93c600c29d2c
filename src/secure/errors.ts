/**
 * Errors of the secure channel.
 *
 * @module
 */

import { ProtocolViolation } from "../errors.ts";

/**
 * The peer's handshake message could not be accepted: a bad MAC, a truncated
 * or oversized message, or an invalid public key. It is the peer's fault (or
 * an attacker's), so it is a `ProtocolViolation`; the handshake that raised it
 * cannot continue and must be discarded.
 */
export class HandshakeError extends ProtocolViolation {}
