/**
 * Starts `mochi netsim` (the project's user-space impairment relay) as its own
 * process, exactly as a user would run it, between a benchmark sender and
 * receiver. It gets its own process (and so a core of its own when one is
 * free) instead of sharing an event loop with either peer.
 */

import { PeerProcess } from "./process.ts";

/** Impairments the transport benchmark applies; delay is one-way, per direction. */
export interface NetsimSettings {
  lossPercent: number;
  oneWayDelayMs: number;
  seed: number;
}

/** A running relay and the port that senders should use instead of the receiver's. */
export interface RunningNetsim {
  process: PeerProcess;
  port: number;
}

/** Permissions of `deno task mochi`, which is how a user runs the relay. */
const MOCHI_PERMISSIONS = ["--allow-net", "--allow-read", "--allow-write", "--allow-env"];

/** What the relay prints on stderr once it listens; the port it picked is group 1. */
const LISTENING_PATTERN = /listening on [^\s,]*:(\d+)/;

/**
 * Starts the relay on a free port in front of `upstreamPort` and waits until
 * it reports on stderr where it listens.
 */
export async function startNetsim(
  upstreamPort: number,
  settings: NetsimSettings,
  deadline: number,
): Promise<RunningNetsim> {
  const process = PeerProcess.spawn({
    name: "netsim relay",
    script: "main.ts",
    permissions: MOCHI_PERMISSIONS,
    args: [
      "netsim",
      "--listen",
      "127.0.0.1:0",
      "--upstream",
      `127.0.0.1:${upstreamPort}`,
      "--loss",
      String(settings.lossPercent),
      "--delay",
      String(settings.oneWayDelayMs),
      "--seed",
      String(settings.seed),
    ],
  });
  try {
    const listening = await process.stderrMatch(LISTENING_PATTERN, deadline);
    return { process, port: Number(listening[1]) };
  } catch (error) {
    await process.stop();
    throw error;
  }
}

/**
 * Stops the relay (SIGTERM, on which it prints its counters) and returns the
 * counter lines it printed last.
 */
export async function stopNetsim(netsim: RunningNetsim): Promise<string[]> {
  await netsim.process.stop();
  const lines = netsim.process.stderrText().trim().split("\n");
  const stoppedAt = lines.findIndex((line) => line.includes("stopped"));
  return stoppedAt < 0 ? [] : lines.slice(stoppedAt + 1);
}
