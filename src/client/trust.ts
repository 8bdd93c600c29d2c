/**
 * Whether to trust the server a client just shook hands with: the key the
 * server proved in the Noise NX handshake is checked against the pin in
 * `known_servers` (trust on first use, like SSH's known_hosts).
 *
 * Rules, in order:
 * 1. `--fingerprint F` given: the key must be F, else "key changed" (exit 7);
 *    when it is, it is pinned (replacing an older pin: the user vouched for it).
 * 2. pinned and equal: trusted.
 * 3. pinned and different: "key changed", a hard failure (exit 7) with a
 *    loud explanation; there is no way to go on but to forget the pin.
 * 4. not pinned, in a terminal: show the fingerprint and ask (default no).
 * 5. not pinned, no terminal (a script): trust on first use, pin it, and say
 *    so on stderr.
 *
 * The check runs right after the handshake, before the client has sent a
 * byte of its own, so refusing leaks nothing: {@link verifyServer} closes
 * the connection and throws.
 *
 * @module
 */

import { MochiError } from "../errors.ts";
import { fingerprint } from "../secure/mod.ts";
import {
  findKnownServer,
  type KnownServer,
  type KnownServers,
  knownServersPath,
  loadKnownServers,
  type ServerAddress,
  serverAddressKey,
  updateKnownServers,
  withKnownServer,
} from "./known_servers.ts";

/** What {@link decideTrust} concluded. */
export type TrustDecision =
  | { kind: "trusted-known" }
  | {
    kind: "trusted-new";
    /** Why: given with --fingerprint, confirmed at the prompt, or first use without a terminal. */
    how: "fingerprint-option" | "confirmed" | "first-use";
    /** The pin this one replaces (only with --fingerprint). */
    replaces?: string;
  }
  | { kind: "refused" }
  | {
    kind: "key-changed";
    /** The fingerprint we expected. */
    expected: string;
    /** The fingerprint the server proved. */
    presented: string;
    /** Where the expectation came from. */
    pinnedBy: "known-servers" | "fingerprint-option";
  };

/** The inputs of the policy besides the key and the pin. */
export interface TrustPolicyOptions {
  /** From `--fingerprint`: the only key to accept. */
  pinnedFingerprint?: string;
  /** Whether a person can answer a question (stdin and stderr are terminals). */
  interactive: boolean;
  /** Asks a yes/no question; only called when `interactive`. */
  ask: (question: string) => Promise<boolean>;
}

/**
 * The trust policy (see the module's rules). Pure but for `options.ask`.
 * `address` is only used in the question.
 */
export async function decideTrust(
  address: string,
  presented: string,
  known: KnownServer | undefined,
  options: TrustPolicyOptions,
): Promise<TrustDecision> {
  const { pinnedFingerprint } = options;
  if (pinnedFingerprint !== undefined) {
    if (presented !== pinnedFingerprint) {
      return {
        kind: "key-changed",
        expected: pinnedFingerprint,
        presented,
        pinnedBy: "fingerprint-option",
      };
    }
    if (known?.fingerprint === presented) return { kind: "trusted-known" };
    return known === undefined
      ? { kind: "trusted-new", how: "fingerprint-option" }
      : { kind: "trusted-new", how: "fingerprint-option", replaces: known.fingerprint };
  }
  if (known !== undefined) {
    if (known.fingerprint === presented) return { kind: "trusted-known" };
    return {
      kind: "key-changed",
      expected: known.fingerprint,
      presented,
      pinnedBy: "known-servers",
    };
  }
  if (!options.interactive) return { kind: "trusted-new", how: "first-use" };
  const question = `The server ${address} is not known yet. Its key fingerprint is\n` +
    `  ${presented}\n` +
    `Compare it with the one the server's administrator gives you ` +
    `('mochi server fingerprint' on the server).\n` +
    `Trust this server and remember its key?`;
  return await options.ask(question)
    ? { kind: "trusted-new", how: "confirmed" }
    : { kind: "refused" };
}

/** The server proved a key other than the pinned one: possibly an attack. Exit status 7. */
export class ServerKeyChanged extends MochiError {
  /** The multi-line explanation to print after the one-line message. */
  readonly explanation: string;

  /** Builds the message and explanation for `address` from a key-changed decision. */
  constructor(
    readonly address: string,
    readonly decision: Extract<TrustDecision, { kind: "key-changed" }>,
    readonly knownServersFile: string,
    readonly lineNumber?: number,
  ) {
    super(
      decision.pinnedBy === "known-servers"
        ? `Cannot connect to ${address}: the server's identity key has changed`
        : `Cannot connect to ${address}: the server's key is not the one given with --fingerprint`,
    );
    this.explanation = explainKeyChange(address, decision, knownServersFile, lineNumber);
  }
}

/** The user declined the key of a server seen for the first time. */
export class ServerNotTrusted extends MochiError {}

function explainKeyChange(
  address: string,
  decision: Extract<TrustDecision, { kind: "key-changed" }>,
  knownServersFile: string,
  lineNumber: number | undefined,
): string {
  const banner = "@".repeat(72);
  const where = decision.pinnedBy === "known-servers"
    ? `The key pinned for ${address} (${knownServersFile}` +
      `${lineNumber === undefined ? "" : `, line ${lineNumber}`}) is`
    : `The key given with --fingerprint for ${address} is`;
  const advice = decision.pinnedBy === "known-servers"
    ? [
      "Ask the server's administrator for its fingerprint ('mochi server fingerprint'",
      "on the server). Only if it is the new one above, forget the old key and connect again:",
      `  mochi client --forget-server ${address}`,
    ]
    : ["Check the fingerprint with the server's administrator ('mochi server fingerprint')."];
  return [
    banner,
    "@    WARNING: THE SERVER'S IDENTITY KEY IS NOT THE EXPECTED ONE!",
    banner,
    where,
    `  ${decision.expected}`,
    "but the server proved",
    `  ${decision.presented}`,
    "Either the server was reinstalled or its key replaced, or someone is intercepting",
    "your connection right now (a man-in-the-middle attack). mochi closed the connection",
    "before sending anything: no name, password or message left this machine.",
    ...advice,
  ].join("\n");
}

/** What {@link verifyServer} needs to know about the connection. */
export interface ServerConnection {
  /** The server's static public key, proven in the handshake (null: none was proven). */
  readonly serverPublicKey: Uint8Array | null;
  /** Closes the connection; called before a refusal is thrown. */
  close(reason?: string): Promise<unknown>;
}

/** Everything {@link verifyServer} needs besides the connection. */
export interface VerifyServerOptions extends TrustPolicyOptions {
  /** The server's address as the user gave it (`--server`). */
  address: ServerAddress;
  /** The client's state directory (`MOCHI_HOME`), which holds `known_servers`. */
  homeDirectory: string;
  /** Prints one notice on stderr (first-use trust, a pin saved, unusable lines). */
  report: (text: string) => void;
}

/**
 * Checks the server's proven key right after `connect` and before anything
 * else is sent. Returns the decision when the server is trusted (a new pin
 * is saved first); otherwise closes the connection and throws
 * {@link ServerKeyChanged} (exit 7), {@link ServerNotTrusted} (the user said
 * no), or a `KnownServersError` when the pins cannot be read.
 */
export async function verifyServer(
  connection: ServerConnection,
  options: VerifyServerOptions,
): Promise<TrustDecision> {
  const address = serverAddressKey(options.address);
  const path = knownServersPath(options.homeDirectory);
  const refuse = async (error: Error): Promise<never> => {
    await connection.close("server not trusted").catch(() => {});
    throw error;
  };
  let known: KnownServers;
  try {
    known = await loadKnownServers(options.homeDirectory);
  } catch (error) {
    return await refuse(error instanceof Error ? error : new Error(String(error)));
  }
  for (const problem of known.problems) {
    options.report(`mochi: warning: ${path} line ${problem.lineNumber}: ${problem.reason}`);
  }
  if (connection.serverPublicKey === null) {
    return await refuse(
      new ServerNotTrusted(`Cannot connect to ${address}: the server proved no identity key`),
    );
  }
  const presented = fingerprint(connection.serverPublicKey);
  const entry = findKnownServer(known, options.address);
  const decision = await decideTrust(address, presented, entry, options);
  switch (decision.kind) {
    case "trusted-known":
      return decision;
    case "refused":
      return await refuse(
        new ServerNotTrusted(`Cannot connect to ${address}: its key was not accepted`),
      );
    case "key-changed":
      return await refuse(new ServerKeyChanged(address, decision, path, entry?.lineNumber));
  }
  await rememberServer(options, presented, path, decision);
  return decision;
}

async function rememberServer(
  options: VerifyServerOptions,
  presented: string,
  path: string,
  decision: Extract<TrustDecision, { kind: "trusted-new" }>,
): Promise<void> {
  const address = serverAddressKey(options.address);
  try {
    await updateKnownServers(options.homeDirectory, (known) => ({
      known: withKnownServer(known, options.address, presented),
      result: undefined,
    }));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    options.report(`mochi: warning: ${reason}; the key of ${address} is not remembered`);
    return;
  }
  if (decision.how === "first-use") {
    options.report(
      `mochi: first connection to ${address}: trusting its key ${presented} ` +
        `on first use (pinned in ${path})`,
    );
  } else if (decision.replaces !== undefined) {
    options.report(
      `mochi: pinned ${address} to ${presented} given with --fingerprint, ` +
        `replacing ${decision.replaces} (in ${path})`,
    );
  } else {
    options.report(`mochi: pinned ${address} to ${presented} (in ${path})`);
  }
}
