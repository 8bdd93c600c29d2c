/**
 * Pure parsers for network addresses given on the command line: `HOST:PORT`
 * (`127.0.0.1:55555`, `chat.example:55555`, `[::1]:55555`), bare hosts, and
 * ports. They throw {@link ArgumentError} with a message fit for the user.
 *
 * @module
 */

import { ArgumentError } from "./_argument_error.ts";

/** A host (name or IP literal, IPv6 without brackets) and a UDP port. */
export interface HostPort {
  /** Host name or IP literal; IPv6 literals carry no brackets (`::1`). */
  hostname: string;
  /** Port number, 1-65535 (0 only where explicitly allowed: "any free port"). */
  port: number;
}

/** Options of {@link parseAddress} and {@link parsePort}. */
export interface PortRules {
  /** Accept port 0, meaning "let the system pick" (only sensible for listening). */
  allowPortZero?: boolean;
}

const EXAMPLE = "e.g. 127.0.0.1:55555 or [::1]:55555";

/**
 * Parses `HOST:PORT` or `[IPV6]:PORT`.
 *
 * @example
 * ```ts
 * import { parseAddress } from "./_address.ts";
 * const address = parseAddress("[::1]:55555");
 * if (address.hostname !== "::1" || address.port !== 55555) throw new Error();
 * ```
 */
export function parseAddress(text: string, rules: PortRules = {}): HostPort {
  if (text.startsWith("[")) {
    const closing = text.indexOf("]");
    if (closing < 0) throw new ArgumentError(`invalid address '${text}': missing ']' (${EXAMPLE})`);
    const rest = text.slice(closing + 1);
    if (!rest.startsWith(":") || rest.length === 1) {
      throw new ArgumentError(`invalid address '${text}': missing port after ']' (${EXAMPLE})`);
    }
    const hostname = parseIpv6(text.slice(1, closing), text);
    return { hostname, port: parsePortIn(rest.slice(1), text, rules) };
  }
  const colon = text.lastIndexOf(":");
  if (colon < 0) {
    throw new ArgumentError(`invalid address '${text}': expected HOST:PORT (${EXAMPLE})`);
  }
  if (text.indexOf(":") !== colon) {
    throw new ArgumentError(
      `invalid address '${text}': an IPv6 address needs brackets, e.g. [::1]:55555`,
    );
  }
  const hostText = text.slice(0, colon);
  if (hostText === "") {
    throw new ArgumentError(`invalid address '${text}': missing host (${EXAMPLE})`);
  }
  return {
    hostname: parseHostIn(hostText, text),
    port: parsePortIn(text.slice(colon + 1), text, rules),
  };
}

/**
 * Parses a host alone (for `--host`): a name, an IPv4 literal, or an IPv6
 * literal with or without brackets.
 */
export function parseHost(text: string): string {
  if (text.startsWith("[") && text.endsWith("]")) return parseIpv6(text.slice(1, -1), text);
  if (text.includes(":")) return parseIpv6(text, text);
  return parseHostIn(text, text);
}

/** Parses a port number, 1-65535 (or 0 when `rules.allowPortZero`). */
export function parsePort(text: string, rules: PortRules = {}): number {
  return parsePortIn(text, text, rules);
}

/**
 * Formats an address back to the form the parser accepts (brackets around
 * IPv6), for messages and for round trips.
 */
export function formatAddress(address: HostPort): string {
  const host = address.hostname.includes(":") ? `[${address.hostname}]` : address.hostname;
  return `${host}:${address.port}`;
}

function parsePortIn(portText: string, whole: string, rules: PortRules): number {
  const minimum = rules.allowPortZero ? 0 : 1;
  if (!/^\d{1,5}$/.test(portText)) {
    throw new ArgumentError(
      portText === ""
        ? `invalid address '${whole}': missing port (${EXAMPLE})`
        : `invalid port '${portText}': expected a number from ${minimum} to 65535`,
    );
  }
  const port = Number(portText);
  if (port < minimum || port > 65535) {
    throw new ArgumentError(
      `invalid port '${portText}': expected a number from ${minimum} to 65535`,
    );
  }
  return port;
}

function parseHostIn(hostText: string, whole: string): string {
  if (/^[\d.]+$/.test(hostText)) {
    const parts = hostText.split(".");
    const valid = parts.length === 4 &&
      parts.every((part) => /^\d{1,3}$/.test(part) && Number(part) <= 255);
    if (!valid) throw new ArgumentError(`invalid IPv4 address '${hostText}' in '${whole}'`);
    return hostText;
  }
  // RFC 1123 host names: dot-separated labels of letters, digits and inner hyphens.
  const labels = hostText.split(".");
  const valid = hostText.length <= 253 &&
    labels.every((label) => /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(label));
  if (!valid) throw new ArgumentError(`invalid host name '${hostText}' in '${whole}'`);
  return hostText;
}

function parseIpv6(hostText: string, whole: string): string {
  // Permissive on purpose: the socket layer does the exact check; this one
  // catches typos early with a clear message. Allows a zone (`fe80::1%eth0`).
  const valid = /^[0-9A-Fa-f:.]+(%[A-Za-z0-9_.-]+)?$/.test(hostText) &&
    hostText.includes(":") && hostText.split(":").length <= 9;
  if (!valid) throw new ArgumentError(`invalid IPv6 address '${hostText}' in '${whole}'`);
  return hostText;
}
