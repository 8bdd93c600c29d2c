/**
 * The syntax of what `known_servers` pins: server addresses in the one
 * normalised form that is stored and compared, and key fingerprints. Pure;
 * `known_servers.ts` re-exports what others need.
 *
 * @module
 */

// 32 bytes in unpadded base64 are 43 characters; the last carries 2 bits of
// padding, so only 16 letters can end a real one.
const FINGERPRINT_PATTERN = /^SHA256:[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]$/;
const IPV6_PATTERN = /^[0-9A-Fa-f:.]+(%[A-Za-z0-9_.-]+)?$/;
const HOST_LABEL_PATTERN = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** A server's address: a host (IPv6 without brackets) and a port. */
export interface ServerAddress {
  /** Host name or IP literal; IPv6 literals carry no brackets. */
  hostname: string;
  /** UDP port, 1-65535. */
  port: number;
}

/** Whether `text` is a key fingerprint as `fingerprint()` prints it (`SHA256:` + 43 base64). */
export function isFingerprint(text: string): boolean {
  return FINGERPRINT_PATTERN.test(text);
}

/**
 * The address in the one form the file stores and lookups compare: lower
 * case, canonical IPv6 in brackets.
 *
 * @example
 * ```ts
 * import { serverAddressKey } from "./_pin_syntax.ts";
 * if (serverAddressKey({ hostname: "0:0::1", port: 5 }) !== "[::1]:5") throw new Error();
 * if (serverAddressKey({ hostname: "Chat.Example", port: 5 }) !== "chat.example:5") throw new Error();
 * ```
 */
export function serverAddressKey(address: ServerAddress): string {
  const host = address.hostname.toLowerCase();
  if (!host.includes(":")) return `${host}:${address.port}`;
  return `${canonicalIpv6(host)}:${address.port}`;
}

function canonicalIpv6(host: string): string {
  try {
    // The URL parser compresses and lower-cases IPv6 literals (RFC 5952 style).
    return new URL(`http://[${host}]/`).hostname;
  } catch {
    // Zone ids (`fe80::1%eth0`) are not URL syntax: keep them as typed.
    return `[${host}]`;
  }
}

/** `host:port` or `[ipv6]:port` as the file stores it; null if it is not one. */
export function parseStoredAddress(text: string): ServerAddress | null {
  const match = /^(?:\[([^\]]+)\]|([^:\[\]]+)):(\d{1,5})$/.exec(text);
  if (match === null) return null;
  const port = Number(match[3]);
  if (port < 1 || port > 65535) return null;
  const [, ipv6, host] = match;
  if (ipv6 !== undefined) {
    const valid = IPV6_PATTERN.test(ipv6) && ipv6.includes(":") && ipv6.split(":").length <= 9;
    return valid ? { hostname: ipv6, port } : null;
  }
  const labels = host!.split(".");
  const valid = host!.length <= 253 && labels.every((label) => HOST_LABEL_PATTERN.test(label));
  return valid ? { hostname: host!, port } : null;
}
