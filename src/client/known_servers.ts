/**
 * The client's pinned server keys, like SSH's known_hosts: the file
 * `known_servers` under `MOCHI_HOME` holds one server per line,
 *
 * ```text
 * # comments and blank lines are kept as written
 * chat.example:55555 SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU
 * [2001:db8::1]:55555 SHA256:ypeBEsobvcr6wjGzmiPcTaeG7/gUfE5yuYB3ha/uSLs # a trailing comment
 * ```
 *
 * Rules:
 * - an address is normalised before it is stored or looked up: host names in
 *   lower case, IPv6 literals without brackets in their canonical form, so
 *   `CHAT.example:55555` and `chat.example:55555` are one server;
 * - the file is hostile input: a line that cannot be used is reported with
 *   its number (never its content, which could hold terminal escapes) and
 *   kept as written when the file is saved again; nothing in it can crash us;
 * - saving writes a temporary file (mode 0600, in a directory of mode 0700)
 *   and renames it over the old one, so a reader sees the old file or the
 *   new one, never half of one.
 *
 * @module
 */

import { join } from "node:path";
import { MochiError } from "../errors.ts";
import {
  isFingerprint,
  parseStoredAddress,
  type ServerAddress,
  serverAddressKey,
} from "./_pin_syntax.ts";

export { isFingerprint, type ServerAddress, serverAddressKey };

/** Name of the file under `MOCHI_HOME`. */
export const KNOWN_SERVERS_FILE_NAME = "known_servers";

/** A larger file is refused: it cannot be a list of servers someone keeps by hand. */
export const MAXIMUM_KNOWN_SERVERS_BYTES = 1024 * 1024;

const FILE_HEADER = "# mochi known servers: 'host:port SHA256:fingerprint', one per line";

/** One line of the file: a usable entry, or any other line, kept as written. */
export type KnownServersLine =
  | {
    kind: "entry";
    /** The normalised address, {@link serverAddressKey}. */
    address: string;
    /** The pinned `SHA256:...` fingerprint. */
    fingerprint: string;
    /** The line as written (without its line ending). */
    text: string;
  }
  | {
    kind: "other";
    /** The comment, blank or unusable line as written. */
    text: string;
  };

/** A line that could not be used, for a warning. */
export interface KnownServersProblem {
  /** 1-based line number. */
  lineNumber: number;
  /** What is wrong, without quoting the line. */
  reason: string;
}

/** The parsed file: every line in order, and what was wrong with some of them. */
export interface KnownServers {
  /** Every line of the file, in order (line n is `lines[n - 1]`). */
  readonly lines: readonly KnownServersLine[];
  /** The unusable lines found when parsing (empty after a change: found again on load). */
  readonly problems: readonly KnownServersProblem[];
}

/** A pinned server found by {@link findKnownServer}. */
export interface KnownServer {
  /** The normalised address. */
  address: string;
  /** The pinned `SHA256:...` fingerprint. */
  fingerprint: string;
  /** 1-based line number in the file, for messages. */
  lineNumber: number;
}

/** The known-servers file cannot be read or written. */
export class KnownServersError extends MochiError {}

/** No servers, no lines: what a missing file means. */
export const NO_KNOWN_SERVERS: KnownServers = { lines: [], problems: [] };

/** Parses the file's text; never throws. */
export function parseKnownServers(text: string): KnownServers {
  const rawLines = text.replace(/^\uFEFF/, "").split("\n");
  if (rawLines.at(-1) === "") rawLines.pop();
  const lines: KnownServersLine[] = [];
  const problems: KnownServersProblem[] = [];
  const firstSeen = new Map<string, { lineNumber: number; fingerprint: string }>();
  rawLines.forEach((rawLine, index) => {
    const lineNumber = index + 1;
    const parsed = parseLine(rawLine);
    if (parsed === null || typeof parsed === "string") {
      if (parsed !== null) problems.push({ lineNumber, reason: parsed });
      lines.push({ kind: "other", text: rawLine });
      return;
    }
    const earlier = firstSeen.get(parsed.address);
    if (earlier === undefined) {
      firstSeen.set(parsed.address, { lineNumber, fingerprint: parsed.fingerprint });
    } else if (earlier.fingerprint !== parsed.fingerprint) {
      problems.push({
        lineNumber,
        reason: `another key for ${parsed.address}, which line ${earlier.lineNumber} pins: ignored`,
      });
    }
    lines.push({ kind: "entry", ...parsed, text: rawLine });
  });
  return { lines, problems };
}

/** An entry, null for a blank or comment line, or the reason the line is unusable. */
function parseLine(rawLine: string): { address: string; fingerprint: string } | null | string {
  const line = rawLine.replace(/\r$/, "").trim();
  if (line === "" || line.startsWith("#")) return null;
  const fields = line.split(/[ \t]+/);
  const [addressText, fingerprintText, comment] = fields;
  if (fingerprintText === undefined || (comment !== undefined && !comment.startsWith("#"))) {
    return "expected 'host:port SHA256:fingerprint'";
  }
  const address = parseStoredAddress(addressText!);
  if (address === null) return "invalid server address (expected host:port or [ipv6]:port)";
  if (!isFingerprint(fingerprintText)) {
    return "invalid fingerprint (expected SHA256: and 43 base64 characters)";
  }
  return { address: serverAddressKey(address), fingerprint: fingerprintText };
}

/** The file's text for `known`: unchanged lines exactly as they were read. */
export function formatKnownServers(known: KnownServers): string {
  if (known.lines.length === 0) return "";
  return known.lines.map((line) => line.text).join("\n") + "\n";
}

/** The first usable entry for `address`, if any. */
export function findKnownServer(
  known: KnownServers,
  address: ServerAddress,
): KnownServer | undefined {
  const key = serverAddressKey(address);
  const index = known.lines.findIndex((line) => line.kind === "entry" && line.address === key);
  const line = known.lines[index];
  if (line?.kind !== "entry") return undefined;
  return { address: line.address, fingerprint: line.fingerprint, lineNumber: index + 1 };
}

/**
 * `known` with `address` pinned to `fingerprint`: the first entry for the
 * address is replaced in place, any other entry for it dropped, or a new
 * line appended.
 */
export function withKnownServer(
  known: KnownServers,
  address: ServerAddress,
  fingerprint: string,
): KnownServers {
  if (!isFingerprint(fingerprint)) {
    throw new MochiError(`Cannot pin a server to '${fingerprint}': not a key fingerprint`);
  }
  const key = serverAddressKey(address);
  const entry: KnownServersLine = {
    kind: "entry",
    address: key,
    fingerprint,
    text: `${key} ${fingerprint}`,
  };
  const lines: KnownServersLine[] = [];
  let placed = false;
  for (const line of known.lines) {
    if (line.kind === "entry" && line.address === key) {
      if (!placed) lines.push(entry);
      placed = true;
    } else {
      lines.push(line);
    }
  }
  if (!placed) {
    if (lines.length === 0) lines.push({ kind: "other", text: FILE_HEADER });
    lines.push(entry);
  }
  // Line numbers of the old problems may have shifted: they are found again on the next load.
  return { lines, problems: [] };
}

/** `known` without any entry for `address`, and the entries removed. */
export function withoutKnownServer(
  known: KnownServers,
  address: ServerAddress,
): { known: KnownServers; removed: KnownServer[] } {
  const key = serverAddressKey(address);
  const removed: KnownServer[] = [];
  const lines = known.lines.filter((line, index) => {
    if (line.kind !== "entry" || line.address !== key) return true;
    removed.push({ address: key, fingerprint: line.fingerprint, lineNumber: index + 1 });
    return false;
  });
  return { known: { lines, problems: [] }, removed };
}

/** Path of the file under the client's home directory (`MOCHI_HOME`). */
export function knownServersPath(homeDirectory: string): string {
  return join(homeDirectory, KNOWN_SERVERS_FILE_NAME);
}

/**
 * Reads the file; a missing file is no servers. Throws
 * {@link KnownServersError} when it exists but cannot be read: treating
 * that as "no servers" would quietly turn every pin into a first use.
 */
export async function loadKnownServers(homeDirectory: string): Promise<KnownServers> {
  const path = knownServersPath(homeDirectory);
  let bytes: Uint8Array;
  try {
    const info = await Deno.stat(path);
    if (!info.isFile) throw new KnownServersError(`Cannot read ${path}: it is not a file`);
    if (info.size > MAXIMUM_KNOWN_SERVERS_BYTES) {
      throw new KnownServersError(
        `Cannot read ${path}: ${info.size} bytes is more than a list of servers can be`,
      );
    }
    bytes = await Deno.readFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return NO_KNOWN_SERVERS;
    if (error instanceof KnownServersError) throw error;
    throw new KnownServersError(`Cannot read ${path}: ${errorReason(error)}`, { cause: error });
  }
  return parseKnownServers(new TextDecoder().decode(bytes));
}

/**
 * Writes `known` atomically: a temporary file of mode 0600 beside the real
 * one, synced, then renamed over it. Creates the home directory (0700).
 */
export async function saveKnownServers(homeDirectory: string, known: KnownServers): Promise<void> {
  const path = knownServersPath(homeDirectory);
  const temporaryPath = `${path}.${crypto.randomUUID()}.tmp`;
  try {
    await Deno.mkdir(homeDirectory, { recursive: true, mode: 0o700 });
    const file = await Deno.open(temporaryPath, { write: true, createNew: true, mode: 0o600 });
    try {
      let bytes = new TextEncoder().encode(formatKnownServers(known));
      while (bytes.length > 0) bytes = bytes.subarray(await file.write(bytes));
      await file.sync();
    } finally {
      file.close();
    }
    await Deno.rename(temporaryPath, path);
  } catch (error) {
    await Deno.remove(temporaryPath).catch(() => {});
    throw new KnownServersError(`Cannot write ${path}: ${errorReason(error)}`, { cause: error });
  }
}

/**
 * Loads the file, applies `change` and saves the result, in one short step
 * so that two clients pinning at once lose as little as possible (the last
 * writer wins; there is no lock).
 */
export async function updateKnownServers<T>(
  homeDirectory: string,
  change: (known: KnownServers) => { known: KnownServers; result: T },
): Promise<T> {
  const { known, result } = change(await loadKnownServers(homeDirectory));
  await saveKnownServers(homeDirectory, known);
  return result;
}

function errorReason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
