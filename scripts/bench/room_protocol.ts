/**
 * What the room benchmark's harness (scripts/bench/room_runs.ts) and its load
 * generators (scripts/bench/room_generator.ts) share: the schedule the harness
 * hands out once every client has joined, the text of a benchmark message
 * (it carries the sender's wall-clock send time), the accounts' names, and a
 * compact latency histogram that generators report and the harness merges.
 */

/** When the load runs, in wall-clock milliseconds (every process reads the same clock). */
export interface RoomSchedule {
  /** Clients start sending (the warm-up begins). */
  loadAt: number;
  /** The measured window opens. */
  startAt: number;
  /** The window closes; clients stop sending. */
  stopAt: number;
  /** Generators report what arrived by then (late deliveries of the window's messages). */
  reportAt: number;
}

/** Writes the schedule where the generators poll for it (atomically: write, then rename). */
export async function writeSchedule(path: string, schedule: RoomSchedule): Promise<void> {
  await Deno.writeTextFile(`${path}.partial`, JSON.stringify(schedule));
  await Deno.rename(`${path}.partial`, path);
}

/** Reads the schedule, or null while the harness has not written it yet. */
export async function readSchedule(path: string): Promise<RoomSchedule | null> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
  const value = JSON.parse(text) as Record<string, unknown>;
  const field = (name: keyof RoomSchedule) => {
    const number = Number(value[name]);
    if (!Number.isFinite(number)) throw new Error(`bad schedule file: ${name}`);
    return number;
  };
  return {
    loadAt: field("loadAt"),
    startAt: field("startAt"),
    stopAt: field("stopAt"),
    reportAt: field("reportAt"),
  };
}

/** The account name of the client with this global index (0-based): bench0001, bench0002... */
export function clientName(index: number): string {
  return `bench${String(index + 1).padStart(4, "0")}`;
}

/**
 * A benchmark message's text: the sender's wall-clock send time (ms, three
 * decimals), then its own counter; about 20 bytes, the size of a short chat
 * line.
 */
export function messageText(sentAtMs: number, counter: number): string {
  return `${sentAtMs.toFixed(3)} ${counter}`;
}

/** The send time written by {@link messageText}; NaN for any other text. */
export function sentAtOf(text: string): number {
  const space = text.indexOf(" ");
  return Number(space < 0 ? text : text.slice(0, space));
}

/**
 * Latencies in milliseconds, counted in buckets of three significant digits
 * (0.5 % relative error at most), so that millions of samples take a few
 * thousand map entries and travel as JSON.
 */
export class LatencyHistogram {
  readonly #counts = new Map<number, number>();
  #total = 0;

  /** Samples counted. */
  get count(): number {
    return this.#total;
  }

  /** Counts one latency. */
  add(ms: number): void {
    const key = ms <= 0 ? 0 : Number(ms.toPrecision(3));
    this.#counts.set(key, (this.#counts.get(key) ?? 0) + 1);
    this.#total++;
  }

  /** Adds every sample of a histogram in its JSON form. */
  merge(json: Record<string, number>): void {
    for (const [key, count] of Object.entries(json)) {
      const bucket = Number(key);
      if (!Number.isFinite(bucket) || !Number.isInteger(count) || count < 0) {
        throw new Error("bad latency histogram");
      }
      this.#counts.set(bucket, (this.#counts.get(bucket) ?? 0) + count);
      this.#total += count;
    }
  }

  /** The JSON form: bucket -> count. */
  toJSON(): Record<string, number> {
    return Object.fromEntries(this.#counts);
  }

  /**
   * Nearest-rank percentile (p in 0..100) over the samples plus `missing`
   * samples that never arrived, counted as later than any: Infinity when the
   * rank falls among those, NaN when there is nothing at all.
   */
  percentile(p: number, missing = 0): number {
    const total = this.#total + Math.max(0, missing);
    if (total === 0) return NaN;
    const rank = Math.max(1, Math.ceil((p / 100) * total));
    if (rank > this.#total) return Infinity;
    let seen = 0;
    for (const bucket of [...this.#counts.keys()].sort((a, b) => a - b)) {
      seen += this.#counts.get(bucket)!;
      if (seen >= rank) return bucket;
    }
    return Infinity;
  }

  /** The largest sample, or NaN. */
  max(): number {
    return this.#total === 0 ? NaN : Math.max(...this.#counts.keys());
  }
}
