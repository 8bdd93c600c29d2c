/**
 * The server console on a terminal: a live table of members (address,
 * round-trip time, retransmissions, idle time) pinned to the top of the
 * screen, redrawn every second, with the message log scrolling beneath it
 * (an ANSI scrolling region, so the log keeps the terminal's scrollback
 * behaviour). Without a terminal the console is plain lines (console.ts).
 *
 * @module
 */

import { sanitizeForTerminal } from "../ui/sanitize.ts";
import { writeAllSync } from "../ui/write_all.ts";

/** One member's row. */
export interface MemberRow {
  name: string;
  address: string;
  /** Smoothed round-trip time, in ms. */
  rttMs: number;
  retransmissions: number;
  idleMs: number;
}

/** Member rows shown at most; the rest are summed up in one line. */
export const TABLE_ROWS = 8;
/** Lines the table takes: a title, a header, the rows, a rule. */
export const TABLE_HEIGHT = TABLE_ROWS + 3;

/** The table's lines, each at most `columns` wide (pure, for tests). */
export function formatMemberTable(rows: MemberRow[], columns: number, title: string): string[] {
  const fit = (line: string) =>
    line.length > columns ? line.slice(0, columns) : line.padEnd(columns);
  const lines = [
    fit(`${title} — ${rows.length} member${rows.length === 1 ? "" : "s"}`),
    fit(
      `${"name".padEnd(24)} ${"address".padEnd(22)} ${"rtt ms".padStart(7)} ${"retx".padStart(7)} ${
        "idle s".padStart(7)
      }`,
    ),
  ];
  const shown = rows.length > TABLE_ROWS ? rows.slice(0, TABLE_ROWS - 1) : rows;
  for (const row of shown) {
    lines.push(fit(
      `${sanitizeForTerminal(row.name).slice(0, 24).padEnd(24)} ${
        row.address.slice(0, 22).padEnd(22)
      } ` +
        `${row.rttMs.toFixed(1).padStart(7)} ${String(row.retransmissions).padStart(7)} ` +
        `${Math.floor(row.idleMs / 1000).toString().padStart(7)}`,
    ));
  }
  if (rows.length > shown.length) lines.push(fit(`... and ${rows.length - shown.length} more`));
  while (lines.length < TABLE_HEIGHT - 1) lines.push(fit(""));
  lines.push("-".repeat(columns));
  return lines;
}

/** A terminal split into the live table and the scrolling log. */
export class LiveConsole {
  readonly #rows: () => MemberRow[];
  readonly #title: string;
  #timer: ReturnType<typeof setInterval> | undefined;

  /** A console for `rows` (called at each redraw). */
  constructor(rows: () => MemberRow[], title: string) {
    this.#rows = rows;
    this.#title = title;
  }

  /** Clears the screen, sets the scrolling region below the table and starts redrawing. */
  start(): void {
    const { rows } = Deno.consoleSize();
    this.#write(`\u001b[2J\u001b[${TABLE_HEIGHT + 1};${rows}r\u001b[${rows};1H`);
    this.#draw();
    this.#timer = setInterval(() => this.#draw(), 1000);
  }

  /** Adds a line to the log (already sanitised by the caller's formatter). */
  log(line: string): void {
    this.#write(`${line}\n`);
  }

  /** Restores the whole screen as a scrolling region. */
  stop(): void {
    clearInterval(this.#timer);
    const { rows } = Deno.consoleSize();
    this.#write(`\u001b[r\u001b[${rows};1H\n`);
  }

  #draw(): void {
    const { columns } = Deno.consoleSize();
    const lines = formatMemberTable(this.#rows(), columns, this.#title);
    // Save the cursor, draw at the top, restore: the log's position is untouched.
    let frame = "\u001b7";
    lines.forEach((line, index) => frame += `\u001b[${index + 1};1H${line}`);
    this.#write(`${frame}\u001b8`);
  }

  #write(text: string): void {
    writeAllSync(Deno.stdout, text);
  }
}
