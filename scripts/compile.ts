/**
 * `deno task compile`: builds the single-file `mochi` executable with
 * `deno compile`, with the same permission and unstable flags as the `mochi`
 * task (read from deno.json, so the two cannot drift apart).
 *
 * - Default: one executable per release target, `dist/mochi-<target>`.
 *   `deno compile` downloads the Deno runtime (denort) of each target from
 *   Deno's servers, so this needs that network access.
 * - `DENORT_BIN=/path/to/denort`: Deno uses that local runtime instead of
 *   downloading one; it can only match this machine, so only the host target
 *   is built, to `dist/mochi` (`dist/mochi.exe` on Windows).
 *
 * @module
 */

import { fileURLToPath } from "node:url";

/** The targets of a release build. */
export const RELEASE_TARGETS = [
  "x86_64-unknown-linux-gnu",
  "aarch64-apple-darwin",
  "x86_64-apple-darwin",
  "x86_64-pc-windows-msvc",
] as const;

/** One `deno compile` run. */
export interface Build {
  /** Rust target triple, as `deno compile --target` wants it. */
  target: string;
  /** Output path relative to the repository root (Deno adds `.exe` for Windows). */
  output: string;
}

interface DenoConfig {
  tasks: Record<string, string | { command: string }>;
  unstable?: string[];
}

/**
 * The permission flags of the `mochi` task (`--allow-*` and `--deny-*`
 * words), so the binary gets exactly what `deno task mochi` gets.
 */
export function permissionFlags(config: DenoConfig): string[] {
  const task = config.tasks.mochi;
  const command = typeof task === "string" ? task : task?.command ?? "";
  const flags = command.split(/\s+/).filter((word) => /^--(allow|deny)-/.test(word));
  if (flags.length === 0) throw new Error("deno.json's mochi task has no permission flags");
  return flags;
}

/** `--unstable-<feature>` for each feature deno.json enables. */
export function unstableFlags(config: DenoConfig): string[] {
  return (config.unstable ?? []).map((feature) => `--unstable-${feature}`);
}

/** What to build: every release target, or only the host when DENORT_BIN is set. */
export function plannedBuilds(denortBin: string | undefined, hostTarget: string): Build[] {
  if (denortBin) return [{ target: hostTarget, output: "dist/mochi" }];
  return RELEASE_TARGETS.map((target) => ({ target, output: `dist/mochi-${target}` }));
}

async function main(): Promise<number> {
  const root = fileURLToPath(new URL("../", import.meta.url));
  const config: DenoConfig = JSON.parse(await Deno.readTextFile(`${root}deno.json`));
  const denortBin = Deno.env.get("DENORT_BIN");
  const builds = plannedBuilds(denortBin, Deno.build.target);
  if (denortBin) console.error(`compile: DENORT_BIN=${denortBin}: building the host target only`);
  for (const build of builds) {
    console.error(`compile: ${build.target} -> ${build.output}`);
    const { code } = await new Deno.Command(Deno.execPath(), {
      args: [
        "compile",
        "--target",
        build.target,
        "--output",
        build.output,
        ...permissionFlags(config),
        ...unstableFlags(config),
        "--config",
        "deno.json",
        "main.ts",
      ],
      cwd: root,
      stdin: "null",
      stdout: "inherit",
      stderr: "inherit",
    }).output();
    if (code !== 0) {
      console.error(
        `compile: building ${build.target} failed (deno compile exited ${code}).\n` +
          (denortBin
            ? `compile: check that DENORT_BIN points to a denort ${Deno.version.deno} binary for ${build.target}.`
            : "compile: deno compile downloads the runtime (denort) for each target from Deno's " +
              "servers; if this machine cannot reach them, set DENORT_BIN to a local denort " +
              `${Deno.version.deno} binary to build dist/mochi for this machine only.`),
      );
      return 1;
    }
  }
  console.error(`compile: built ${builds.map((build) => build.output).join(", ")}`);
  return 0;
}

if (import.meta.main) Deno.exit(await main());
