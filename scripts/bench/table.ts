/**
 * What every benchmark section returns, and how it is rendered as markdown.
 * A section is a function that measures something and returns one table;
 * `scripts/bench.ts` runs the sections and prints and stores their tables.
 */

/** A target a section checks: a human description and whether it was met. */
export interface TargetCheck {
  /** The target, e.g. "p99 latency at 5 % loss at most 60 ms". */
  description: string;
  /** What was measured, e.g. "41.2 ms". */
  measured: string;
  /** True met, false missed, null not measured (error or timeout). */
  met: boolean | null;
}

/** One section's result. */
export interface BenchTable {
  /** Heading of the section. */
  title: string;
  /** Column headings. */
  columns: string[];
  /** Rows of cells, one cell per column. */
  rows: string[][];
  /** Sentences printed under the table: method, units, caveats. */
  notes: string[];
  /** Targets this section checks. */
  targets: TargetCheck[];
}

/** Options passed to every section by scripts/bench.ts. */
export interface BenchOptions {
  /** Smaller workloads for a quick smoke run; the result is not written to docs. */
  quick: boolean;
}

/** A benchmark section: measures, then returns its table. */
export type BenchSection = (options: BenchOptions) => Promise<BenchTable>;

/** The word for a target's state in the notes and the targets list. */
export function targetVerdict(met: boolean | null): string {
  if (met === null) return "not measured";
  return met ? "met" : "missed";
}

/** Renders one table, its notes and its targets as markdown. */
export function renderMarkdown(table: BenchTable, headingLevel = 2): string {
  const escape = (cell: string) => cell.replaceAll("|", "\\|");
  const line = (cells: string[]) => `| ${cells.map(escape).join(" | ")} |`;
  const lines = [
    `${"#".repeat(headingLevel)} ${table.title}`,
    "",
    line(table.columns),
    line(table.columns.map(() => "---")),
    ...table.rows.map(line),
    "",
  ];
  if (table.targets.length > 0) {
    lines.push("Targets:", "");
    for (const target of table.targets) {
      lines.push(
        `- ${target.description}: **${targetVerdict(target.met)}** (measured ${target.measured})`,
      );
    }
    lines.push("");
  }
  if (table.notes.length > 0) {
    lines.push("Notes:", "");
    for (const note of table.notes) lines.push(`- ${note}`);
    lines.push("");
  }
  return lines.join("\n");
}
