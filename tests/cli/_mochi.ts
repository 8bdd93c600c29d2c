/**
 * Runs the real CLI the way `deno task mochi` does: same Deno, same flags
 * (read from deno.json's `mochi` task, so a permission the task lacks fails
 * here too), from the repository root.
 *
 * @module
 */

import { fileURLToPath } from "node:url";

/** The repository root. */
export const repositoryRoot = fileURLToPath(new URL("../../", import.meta.url));

interface DenoConfig {
  version: string;
  tasks: Record<string, string | { command: string }>;
}

/** deno.json, parsed. */
export const denoConfig: DenoConfig = JSON.parse(
  Deno.readTextFileSync(`${repositoryRoot}deno.json`),
);

/** The arguments after `deno` in the `mochi` task: `run <flags> main.ts`. */
export function mochiTaskArguments(): string[] {
  const task = denoConfig.tasks.mochi;
  const command = typeof task === "string" ? task : task?.command;
  const words = (command ?? "").trim().split(/\s+/);
  if (words[0] !== "deno") throw new Error(`unexpected mochi task: ${command}`);
  return words.slice(1);
}

/** What a finished run printed and how it ended. */
export interface MochiResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The command that runs mochi with `args`, for tests that drive it themselves. */
export function mochiCommand(args: string[], options: Deno.CommandOptions = {}): Deno.Command {
  return new Deno.Command(Deno.execPath(), {
    args: [...mochiTaskArguments(), ...args],
    cwd: repositoryRoot,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
    ...options,
  });
}

/** Runs mochi with `args` to completion. */
export async function runMochi(args: string[]): Promise<MochiResult> {
  const output = await mochiCommand(args).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}
