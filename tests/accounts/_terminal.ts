/**
 * Runs `mochi` in a pseudo-terminal (through util-linux `script`), so the
 * hidden prompt can be driven like a person at a keyboard: the test waits
 * for a question, types, and reads everything the terminal showed.
 *
 * @module
 */

import { CONFIG, MAIN } from "../_processes.ts";

/** True where `script` can give the child a terminal (Linux with util-linux). */
export const HAS_SCRIPT = Deno.build.os === "linux" && (() => {
  try {
    return new Deno.Command("script", { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
})();

/** A `mochi` process on a terminal. */
export interface TerminalSession {
  /** Everything the terminal showed so far (the child's stdout and stderr). */
  readonly shown: () => string;
  /** Waits until `pattern` appears on the terminal. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Types `text` (use `\r` for Enter). */
  type(text: string): Promise<void>;
  /** Waits for the end; resolves with mochi's exit status and whether the terminal was restored. */
  finish(): Promise<{ code: number; terminalRestored: boolean; shown: string }>;
  /** Ends the session whatever its state (for `finally`). */
  stop(): Promise<void>;
}

/**
 * Starts `mochi <args>` on a fresh terminal, with MOCHI_PASSWORD and
 * MOCHI_ROOM_PASSWORD unset. After it exits, the shell prints its status and
 * whether the terminal settings are back to what they were before.
 */
export function startOnTerminal(args: string[]): TerminalSession {
  const quoted = [
    Deno.execPath(),
    "run",
    "--quiet",
    "--allow-all",
    "--config",
    CONFIG,
    MAIN,
    ...args,
  ]
    .map((word) => `'${word.replaceAll("'", `'\\''`)}'`).join(" ");
  const shell = `unset MOCHI_PASSWORD MOCHI_ROOM_PASSWORD; before=$(stty -g); ${quoted}; ` +
    `code=$?; if [ "$(stty -g)" = "$before" ]; then r=yes; else r=no; fi; ` +
    `echo "[exit=$code restored=$r]"`;
  const child = new Deno.Command("script", {
    args: ["-qfec", shell, "/dev/null"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    env: { TERM: "dumb", NO_COLOR: "1" },
  }).spawn();
  const writer = child.stdin.getWriter();
  let text = "";
  const reading = (async () => {
    for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) text += chunk;
  })();
  const errors = new Response(child.stderr).text();
  const waitFor = async (pattern: RegExp, timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(text)) {
      if (Date.now() > deadline) {
        throw new Error(`timed out waiting for ${pattern} in ${JSON.stringify(text)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  return {
    shown: () => text,
    waitFor,
    async type(typed) {
      await writer.write(new TextEncoder().encode(typed));
    },
    async finish() {
      await waitFor(/\[exit=\d+ restored=\w+\]/);
      await writer.close().catch(() => {});
      await child.status;
      await reading;
      await errors;
      const match = text.match(/\[exit=(\d+) restored=(\w+)\]/)!;
      return { code: Number(match[1]), terminalRestored: match[2] === "yes", shown: text };
    },
    async stop() {
      await writer.close().catch(() => {});
      try {
        child.kill("SIGKILL");
      } catch { /* already gone */ }
      await child.status;
      await reading.catch(() => {});
      await errors.catch(() => {});
    },
  };
}
