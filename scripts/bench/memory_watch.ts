/**
 * Peak memory of a few processes from the outside: every SAMPLE_EVERY_MS it
 * reads /proc/PID/status of each (VmRSS, and VmHWM, the kernel's own peak
 * since the process started) and keeps the largest value seen per process.
 * A process that has exited keeps the last peak read; so a peak reached in
 * its last SAMPLE_EVERY_MS can be missed, one reached earlier cannot (VmHWM).
 *
 * A process can also be found by its command line among this process's
 * children (`ps --ppid`), for runs whose helpers keep the PIDs to themselves.
 *
 * /proc is read by `cat` (one per sample for all the processes): Deno asks
 * for --allow-all to read /proc itself.
 */

/** How often the processes are read. */
const SAMPLE_EVERY_MS = 100;

/** The largest resident set seen for each watched process, in bytes (null: never read). */
export type PeakRss = Record<string, number | null>;

/** Samples named processes until stopped. */
export class MemoryWatch {
  readonly #pids = new Map<string, number>();
  /** Names still to be found among the children, with the pattern of their command lines. */
  readonly #wanted = new Map<string, RegExp>();
  readonly #peaks = new Map<string, number>();
  #running = true;
  readonly #loop: Promise<void>;

  constructor() {
    this.#loop = this.#sampleUntilStopped();
  }

  /** Starts watching the process `pid` under `name`. */
  watch(name: string, pid: number): void {
    this.#pids.set(name, pid);
  }

  /** Watches, under `name`, the first child of this process whose command line matches. */
  watchChild(name: string, commandLine: RegExp): void {
    this.#wanted.set(name, commandLine);
  }

  /** Reads every process once more, stops, and returns each one's peak. */
  async stop(): Promise<PeakRss> {
    this.#running = false;
    await this.#loop;
    await this.#sample();
    const peaks: PeakRss = {};
    for (const name of [...this.#pids.keys(), ...this.#wanted.keys()]) {
      peaks[name] = this.#peaks.get(name) ?? null;
    }
    return peaks;
  }

  async #sampleUntilStopped(): Promise<void> {
    while (this.#running) {
      await this.#sample();
      await new Promise((resolve) => setTimeout(resolve, SAMPLE_EVERY_MS));
    }
  }

  async #sample(): Promise<void> {
    if (this.#wanted.size > 0) await this.#findChildren();
    const watched = [...this.#pids];
    if (watched.length === 0) return;
    const byPid = await readStatusFiles(watched.map(([, pid]) => pid));
    for (const [name, pid] of watched) {
      const bytes = byPid.get(pid);
      if (bytes !== undefined) this.#peaks.set(name, Math.max(this.#peaks.get(name) ?? 0, bytes));
    }
  }

  async #findChildren(): Promise<void> {
    const output = await new Deno.Command("ps", {
      args: ["-o", "pid=,args=", "--ppid", String(Deno.pid)],
      stdout: "piped",
      stderr: "null",
    }).output();
    const children = new TextDecoder().decode(output.stdout).trim().split("\n");
    for (const [name, pattern] of this.#wanted) {
      const line = children.find((child) => pattern.test(child));
      if (line === undefined) continue;
      this.#pids.set(name, Number.parseInt(line, 10));
      this.#wanted.delete(name);
    }
  }
}

/** max(VmRSS, VmHWM) in bytes of each readable process; exited ones are left out. */
async function readStatusFiles(pids: number[]): Promise<Map<number, number>> {
  const output = await new Deno.Command("cat", {
    args: pids.map((pid) => `/proc/${pid}/status`),
    stdout: "piped",
    stderr: "null",
  }).output();
  // cat fails when one file is gone but still prints the others: parse what came.
  const text = new TextDecoder().decode(output.stdout);
  const found = new Map<number, number>();
  for (const status of text.split(/^(?=Name:)/m)) {
    const field = (name: string) =>
      Number(status.match(new RegExp(`^${name}:\\s+(\\d+)`, "m"))?.[1]);
    const pid = field("Pid");
    const kibibytes = Math.max(field("VmRSS") || 0, field("VmHWM") || 0);
    if (Number.isInteger(pid) && kibibytes > 0) found.set(pid, kibibytes * 1024);
  }
  return found;
}
