/**
 * `mochi netsim`: a user-space impairment relay (loss, delay, jitter,
 * reordering, duplication, corruption) to put between clients and a server,
 * where kernel traffic shaping (netem) is not available. The relay itself is
 * in `src/netsim/`; this file declares the command, prints, and handles signals.
 *
 * @module
 */

import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { Command, type CommandUnknownOpts, Option } from "@commander-js/extra-typings";
import { formatAddress, type HostPort, parseAddress } from "./_address.ts";
import { commanderParser } from "./_commander.ts";
import { fail, writeStderrSync } from "./_fail.ts";
import { parseDecimal, parseMilliseconds, parsePercent, parseSeed } from "./_numbers.ts";
import { EXIT } from "./exit_codes.ts";
import type { Impairments } from "../netsim/impairments.ts";
import { type DirectionCounters, type RelayCounters, startRelay } from "../netsim/relay.ts";

/** The parsed, validated options of `mochi netsim`. */
export interface NetsimOptions {
  /** Where clients send to. */
  listen: HostPort;
  /** The server datagrams are relayed to. */
  upstream: HostPort;
  /** What to do to the datagrams, in each direction. */
  impairments: Impairments;
  /** Forget a client after this long without traffic, in milliseconds. */
  idleTimeoutMs: number;
}

const DEFAULT_LISTEN = "127.0.0.1:55556";
const DEFAULT_UPSTREAM = "127.0.0.1:55555";

/** Builds the `netsim` command; its action calls {@link runNetsim}. */
export function netsimCommand(): CommandUnknownOpts {
  const listenAddress = commanderParser((text) => parseAddress(text, { allowPortZero: true }));
  return new Command("netsim")
    .description("Relay UDP between clients and a server, impairing it like a bad network.")
    .addOption(
      new Option("--listen <host:port>", "where clients send to (port 0: any free port)")
        .argParser(listenAddress)
        .default(parseAddress(DEFAULT_LISTEN), DEFAULT_LISTEN),
    )
    .addOption(
      new Option("--upstream <host:port>", "the server to relay to")
        .argParser(commanderParser(parseAddress))
        .default(parseAddress(DEFAULT_UPSTREAM), DEFAULT_UPSTREAM),
    )
    .option("--loss <percent>", "drop this share of datagrams", commanderParser(parsePercent), 0)
    .option(
      "--delay <ms>",
      "ONE-WAY delay, added in each direction (round trip: twice this)",
      commanderParser(parseMilliseconds),
      0,
    )
    .option(
      "--jitter <ms>",
      "vary each delay uniformly by +/- this",
      commanderParser(parseMilliseconds),
      0,
    )
    .option(
      "--reorder <percent>",
      "hold this share back so that later datagrams overtake them",
      commanderParser(parsePercent),
      0,
    )
    .option("--duplicate <percent>", "send this share twice", commanderParser(parsePercent), 0)
    .option(
      "--corrupt <percent>",
      "flip one random bit in this share",
      commanderParser(parsePercent),
      0,
    )
    .option(
      "--seed <n>",
      "PRNG seed: the same seed replays the same fates",
      commanderParser(parseSeed),
      1,
    )
    .option(
      "--idle-timeout <seconds>",
      "forget a client after this long without traffic",
      commanderParser((text) => parseDecimal(text, { minimum: 0.1, maximum: 86_400 })),
      60,
    )
    .addHelpText(
      "after",
      `
Every percentage is per datagram and applies in both directions. A reordered
datagram is held max(1, delay) + 2 x jitter ms longer than the others. Each
client (source address) gets its own upstream socket, so the server sees
distinct clients. Ctrl-C (or SIGTERM) prints the counters and exits 0.

Examples:
  $ mochi netsim --upstream 127.0.0.1:55555 --delay 5
      a 10 ms round trip, clients use 127.0.0.1:55556
  $ mochi netsim --listen 127.0.0.1:55556 --upstream 127.0.0.1:55555 \\
      --loss 5 --delay 10 --jitter 2 --reorder 1 --duplicate 1 --corrupt 0.5 --seed 7`,
    )
    .action((options) =>
      runNetsim({
        listen: options.listen,
        upstream: options.upstream,
        impairments: {
          lossPercent: options.loss,
          delayMs: options.delay,
          jitterMs: options.jitter,
          reorderPercent: options.reorder,
          duplicatePercent: options.duplicate,
          corruptPercent: options.corrupt,
          seed: options.seed,
        },
        idleTimeoutMs: options.idleTimeout * 1000,
      })
    );
}

/** Runs the relay until SIGINT or SIGTERM, then prints the counters and exits 0. */
export async function runNetsim(options: NetsimOptions): Promise<void> {
  // Resolve a host name once: the relay would otherwise resolve it on every send.
  const upstream = {
    ...options.upstream,
    hostname: await resolveHostname(options.upstream.hostname),
  };
  let relay;
  try {
    relay = startRelay({
      listen: options.listen,
      upstream,
      impairments: options.impairments,
      idleTimeoutMs: options.idleTimeoutMs,
    });
  } catch (error) {
    fail(`Cannot listen on ${formatAddress(options.listen)}: ${errorMessage(error)}`, EXIT.FAILURE);
  }
  const startedAt = performance.now();
  writeStderrSync(
    `mochi netsim: listening on ${formatAddress(relay.address)}, relaying to ${
      formatAddress(options.upstream)
    } (${describeImpairments(options.impairments)})\n`,
  );
  await waitForTerminationSignal();
  await relay.close();
  const seconds = ((performance.now() - startedAt) / 1000).toFixed(1);
  writeStderrSync(`mochi netsim: stopped after ${seconds} s\n${formatCounters(relay.counters())}`);
  Deno.exit(EXIT.OK);
}

/** One line describing the settings, for the start-up message. */
export function describeImpairments(impairments: Impairments): string {
  return [
    `loss ${impairments.lossPercent}%`,
    `delay ${impairments.delayMs} ms each way`,
    `jitter +/-${impairments.jitterMs} ms`,
    `reorder ${impairments.reorderPercent}%`,
    `duplicate ${impairments.duplicatePercent}%`,
    `corrupt ${impairments.corruptPercent}%`,
    `seed ${impairments.seed}`,
  ].join(", ");
}

/** The counters as an aligned table, one row per direction, for the exit report. */
export function formatCounters(counters: RelayCounters): string {
  const columns: (keyof DirectionCounters)[] = [
    "received",
    "forwarded",
    "dropped",
    "duplicated",
    "corrupted",
    "reordered",
    "overflowed",
    "sendErrors",
  ];
  const rows: string[][] = [
    ["direction", ...columns],
    ["client->upstream", ...columns.map((column) => String(counters.clientToUpstream[column]))],
    ["upstream->client", ...columns.map((column) => String(counters.upstreamToClient[column]))],
  ];
  const widths = rows[0]!.map((_, index) => Math.max(...rows.map((row) => row[index]!.length)));
  const table = rows.map((row) =>
    row.map((cell, index) =>
      index === 0 ? cell.padEnd(widths[index]!) : cell.padStart(widths[index]!)
    )
      .join("  ")
  );
  const clients = `clients: ${counters.clientsTotal} seen, ${counters.clientsActive} active, ` +
    `${counters.clientsExpired} expired, ${counters.clientsRejected} rejected; ` +
    `receive errors: ${counters.receiveErrors}; stray datagrams: ${counters.strayDatagrams}`;
  return `${table.join("\n")}\n${clients}\n`;
}

async function resolveHostname(hostname: string): Promise<string> {
  if (isIP(hostname) !== 0) return hostname;
  try {
    return (await lookup(hostname)).address;
  } catch (error) {
    fail(`Cannot resolve upstream host '${hostname}': ${errorMessage(error)}`, EXIT.USAGE);
  }
}

function waitForTerminationSignal(): Promise<void> {
  return new Promise((resolve) => {
    const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
    const onSignal = () => {
      for (const signal of signals) Deno.removeSignalListener(signal, onSignal);
      resolve();
    };
    for (const signal of signals) Deno.addSignalListener(signal, onSignal);
  });
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
