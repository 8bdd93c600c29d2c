/**
 * A progress display for file transfers, on standard error.
 *
 * On a terminal it is one line, redrawn at most {@link PROGRESS_FPS} times a
 * second by `cli-progress`: the file's name, a bar, percent, bytes, rate and
 * time left (bytes and rate only when the size is unknown). Off a terminal
 * (stderr redirected to a file or a pipe) it draws nothing: a log full of
 * carriage returns and percentages helps no one. Lines passed to `log()` and
 * `finish()` are printed in both cases, so callers can route notices through
 * it without asking which case they are in.
 *
 * Everything shown is passed through {@link sanitizeForTerminal}: the label
 * is usually a file name chosen by another member.
 *
 * @module
 */

import cliProgress from "cli-progress";
import { formatBytes, formatDuration, formatRate } from "../files/units.ts";
import { sanitizeForTerminal } from "./sanitize.ts";
import { writeAllSync } from "./write_all.ts";

/**
 * The part of cli-progress's `SingleBar` used here. Its published types
 * (`@types/cli-progress`) pull in `@types/node`, whose declarations replace
 * Deno's own for the whole program and break type checks elsewhere.
 */
interface SingleBar {
  start(total: number, startValue: number): void;
  update(current: number): void;
  /** Redraws now (and reschedules the next redraw). */
  render(): void;
  /** Draws a last time, stops the redraw timer, and clears the line (clearOnComplete). */
  stop(): void;
}

/** The options of `SingleBar` set here; the rest keep cli-progress's defaults. */
interface SingleBarOptions {
  stream: ReturnType<typeof terminalAdapter>;
  format: () => string;
  fps: number;
  linewrap: boolean;
  hideCursor: boolean;
  clearOnComplete: boolean;
  forceRedraw: boolean;
  gracefulExit: boolean;
}

const { SingleBar: SingleBarClass } = cliProgress as {
  SingleBar: new (options: SingleBarOptions) => SingleBar;
};

/** Most redraws per second: smooth enough to look alive, cheap on a slow terminal or SSH. */
export const PROGRESS_FPS = 10;

/** Where the display writes: `Deno.stderr`, or a fake in tests. */
export interface ProgressStream {
  /** Writes some of `bytes`, returning how many (as `Deno.stderr.writeSync`). */
  writeSync(bytes: Uint8Array): number;
}

/** What {@link createTransferProgress} needs. */
export interface TransferProgressOptions {
  /** What is being transferred, usually the file's name; sanitised before display. */
  label: string;
  /** The transfer's size in bytes, or undefined while unknown (e.g. from a pipe). */
  total: number | undefined;
  /** Whether to draw the bar; default `Deno.stderr.isTerminal()`. */
  isTerminal?: boolean;
  /** Where to write; default `Deno.stderr`. */
  stream?: ProgressStream;
  /** The terminal's width; default the console's width, or 80 when unknown. */
  columns?: number;
  /** The clock for rate and time left, in milliseconds; default `Date.now`. */
  now?: () => number;
}

/**
 * A transfer's progress display. End it with `finish()` or `fail()`:
 * until then a redraw timer keeps running (and keeps the process alive).
 */
export interface TransferProgress {
  /** Records that `bytesDone` bytes are transferred in all (not an increment). */
  update(bytesDone: number): void;
  /** Removes the bar and prints `message`, when given, in its place. */
  finish(message?: string): void;
  /**
   * Stops the bar where it is, with `message` after it, so the user sees how
   * far the transfer got. Off a terminal there is no bar and nothing is
   * printed: report the error itself separately.
   */
  fail(message: string): void;
  /** Prints `line` above the bar without breaking it (or just prints it, without a bar). */
  log(line: string): void;
}

/**
 * Starts a progress display for one transfer.
 *
 * @example
 * ```ts
 * import { createTransferProgress } from "./progress.ts";
 * const progress = createTransferProgress({ label: "notes.pdf", total: 2048, isTerminal: false });
 * progress.update(1024);
 * progress.update(2048);
 * progress.finish();
 * ```
 */
export function createTransferProgress(options: TransferProgressOptions): TransferProgress {
  const stream = options.stream ?? Deno.stderr;
  const writeLine = (line: string) => writeAllSync(stream, `${sanitizeForTerminal(line)}\n`);
  if (!(options.isTerminal ?? Deno.stderr.isTerminal())) {
    return {
      update() {},
      finish(message) {
        if (message !== undefined) writeLine(message);
      },
      fail() {},
      log: writeLine,
    };
  }
  return new TerminalProgress(options, stream, writeLine);
}

/** The line cli-progress redraws, and what it says once the transfer ends. */
class TerminalProgress implements TransferProgress {
  readonly #stream: ProgressStream;
  readonly #label: string;
  readonly #total: number | undefined;
  readonly #now: () => number;
  readonly #columns: () => number;
  readonly #writeLine: (line: string) => void;
  readonly #meter = new RateMeter();
  readonly #bar: SingleBar;
  #bytesDone = 0;
  #ended = false;

  constructor(
    options: TransferProgressOptions,
    stream: ProgressStream,
    writeLine: (line: string) => void,
  ) {
    this.#stream = stream;
    this.#label = sanitizeForTerminal(options.label);
    this.#total = options.total;
    this.#now = options.now ?? Date.now;
    this.#columns = options.columns === undefined ? consoleColumns : () => options.columns ?? 80;
    this.#writeLine = writeLine;
    this.#bar = new SingleBarClass({
      stream: terminalAdapter(stream, this.#columns),
      format: () => this.#line(),
      fps: PROGRESS_FPS,
      // Trim to the width rather than switch the terminal's line wrapping off:
      // a process killed mid-transfer would leave the terminal without it.
      linewrap: true,
      hideCursor: false,
      clearOnComplete: true,
      // Repaint every frame, so a line another writer put over the bar is mended.
      forceRedraw: true,
      gracefulExit: false,
    });
    this.#bar.start(this.#total ?? 0, 0);
  }

  update(bytesDone: number): void {
    if (this.#ended) return;
    this.#bytesDone = bytesDone;
    this.#meter.record(this.#now(), bytesDone);
    this.#bar.update(bytesDone);
  }

  finish(message?: string): void {
    if (!this.#end()) return;
    if (message !== undefined) this.#writeLine(message);
  }

  fail(message: string): void {
    if (!this.#end()) return;
    const done = formatBytes(this.#bytesDone);
    this.#writeLine(
      this.#total === undefined
        ? `${this.#label}: ${message} after ${done}`
        : `${this.#label}: ${message} after ${done} of ${formatBytes(this.#total)} ` +
          `(${percentOf(this.#bytesDone, this.#total)}%)`,
    );
  }

  log(line: string): void {
    if (this.#ended) return this.#writeLine(line);
    // Erase the bar, print the line where it was, and draw the bar again below.
    writeAllSync(this.#stream, CLEAR_LINE);
    this.#writeLine(line);
    this.#bar.render();
  }

  /** Stops the redraws and erases the bar; false when already ended. */
  #end(): boolean {
    if (this.#ended) return false;
    this.#ended = true;
    this.#bar.stop();
    return true;
  }

  #line(): string {
    const width = Math.max(20, this.#columns() - 1); // the last column would wrap on some terminals
    const rate = this.#meter.bytesPerSecond(this.#now());
    const rateText = rate === undefined ? "" : `  ${formatRate(rate)}`;
    if (this.#total === undefined) {
      const info = ` ${formatBytes(this.#bytesDone)}${rateText}`;
      return fit(fit(this.#label, width - info.length) + info, width);
    }
    const remaining = this.#total - this.#bytesDone;
    const eta = rate !== undefined && rate > 0 && remaining > 0
      ? `  ETA ${formatDuration((remaining / rate) * 1000)}`
      : "";
    const percent = String(percentOf(this.#bytesDone, this.#total)).padStart(3);
    const info = ` ${percent}% ${formatBytes(this.#bytesDone)} / ${formatBytes(this.#total)}` +
      rateText + eta;
    const label = fit(this.#label, Math.max(8, Math.min(40, width - info.length - 14)));
    const barWidth = Math.min(30, width - displayWidth(label) - info.length - 3);
    const line = barWidth < 5
      ? label + info
      : `${label} ${bar(this.#bytesDone, this.#total, barWidth)}${info}`;
    // On a very narrow terminal the end (rate, time left) is cut rather than wrapped.
    return fit(line, width);
  }
}

/**
 * Bytes per second over the last {@link RateMeter.WINDOW_MS}: recent enough
 * to follow a change of speed, long enough not to jitter with each chunk.
 * It measures up to the time asked, so a stalled transfer's rate falls.
 * Times are arguments, so tests need no clock.
 */
export class RateMeter {
  /** How far back the rate looks. */
  static readonly WINDOW_MS = 5_000;
  /** Closest spacing of kept samples: bounds memory at thousands of updates a second. */
  static readonly SAMPLE_SPACING_MS = 100;
  // The first sample is the latest one at or before the window's start.
  #samples: Array<{ at: number; bytes: number }> = [];
  #latestBytes = 0;

  /** Notes that `bytes` were done in all at time `at`. The first call is the baseline. */
  record(at: number, bytes: number): void {
    this.#latestBytes = bytes;
    const last = this.#samples.at(-1);
    if (last === undefined || at - last.at >= RateMeter.SAMPLE_SPACING_MS) {
      this.#samples.push({ at, bytes });
    }
  }

  /** The rate up to `now`, or undefined until a second has passed since the baseline. */
  bytesPerSecond(now: number): number | undefined {
    while ((this.#samples[1]?.at ?? Infinity) <= now - RateMeter.WINDOW_MS) this.#samples.shift();
    const first = this.#samples[0];
    if (first === undefined || now - first.at < 1000) return undefined;
    return Math.max(0, ((this.#latestBytes - first.bytes) * 1000) / (now - first.at));
  }
}

const CLEAR_LINE = "\r\u001b[2K";
const SAVE_CURSOR = "\u001b7";
const RESTORE_CURSOR = "\u001b8";

/**
 * The Node-style stream cli-progress writes to. It drops cli-progress's
 * cursor save and restore: restoring would jump back above any line that
 * `log()` printed since, and the bar never leaves its own line anyway.
 */
function terminalAdapter(stream: ProgressStream, columns: () => number) {
  return {
    isTTY: true,
    get columns(): number {
      return columns();
    },
    // cli-progress and node:readline only ever write strings.
    write(chunk: string, callback?: () => void): boolean {
      if (chunk !== SAVE_CURSOR && chunk !== RESTORE_CURSOR) writeAllSync(stream, chunk);
      if (typeof callback === "function") callback();
      return true;
    },
  };
}

function consoleColumns(): number {
  try {
    return Deno.consoleSize().columns || 80;
  } catch {
    return 80; // not a console after all (the caller forced isTerminal)
  }
}

function percentOf(done: number, total: number): number {
  return total <= 0 ? 100 : Math.max(0, Math.min(100, Math.floor((done / total) * 100)));
}

function bar(done: number, total: number, width: number): string {
  const filled = Math.round((percentOf(done, total) / 100) * width);
  return `[${"█".repeat(filled)}${"░".repeat(width - filled)}]`;
}

/** `text` in at most `columns` terminal columns, ending in `…` when cut. */
function fit(text: string, columns: number): string {
  if (displayWidth(text) <= columns) return text;
  let kept = "";
  let used = 0;
  for (const character of text) {
    const width = displayWidth(character);
    if (used + width > columns - 1) break;
    kept += character;
    used += width;
  }
  return `${kept}…`;
}

// East Asian wide and fullwidth characters and most emoji take two columns.
// An approximation (no combining marks, no emoji sequences), but it keeps a
// Chinese or Japanese file name from wrapping the bar onto a second line.
const WIDE_CHARACTERS =
  /[\u1100-\u115f\u2e80-\u303e\u3041-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u{1f300}-\u{1f64f}\u{1f900}-\u{1f9ff}\u{20000}-\u{3fffd}]/gu;

/** Terminal columns `text` takes, approximately. */
function displayWidth(text: string): number {
  return [...text].length + (text.match(WIDE_CHARACTERS)?.length ?? 0);
}
