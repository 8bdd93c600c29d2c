/**
 * The terminal's answers to {@link LoginPrompts}: an arrow-key choice and a
 * text field (`@clack/prompts`, drawn on stderr so stdout keeps only the
 * room), and passwords without echo (`promptHidden`). Only used when stdin
 * is a terminal.
 *
 * @module
 */

import * as clack from "@clack/prompts";
import process from "node:process";
import { MAX_NAME_CHARACTERS } from "../protocol/mod.ts";
import { sanitizeForTerminal } from "../ui/sanitize.ts";
import type { LoginPrompts } from "./_client_login.ts";
import { writeStderrSync } from "./_fail.ts";
import { PromptCancelled, promptHidden } from "./_hidden_prompt.ts";

/** Asks on the terminal; Ctrl-C (Escape in a choice) throws `PromptCancelled`. */
export function terminalPrompts(): LoginPrompts {
  const notify = (message: string) => writeStderrSync(`mochi: ${sanitizeForTerminal(message)}\n`);
  return {
    async chooseAction(registrationOpen, previous) {
      if (!registrationOpen) return "login";
      const answer = await clack.select<"login" | "register">({
        message: "Log in or create an account?",
        options: [
          { value: "login", label: "Log in", hint: "an account on this server" },
          { value: "register", label: "Create an account" },
        ],
        initialValue: previous ?? "login",
        output: process.stderr,
      });
      if (clack.isCancel(answer)) throw new PromptCancelled("Cannot log in: cancelled");
      return answer;
    },
    async askName(previous) {
      const answer = await clack.text({
        message: "Account name",
        initialValue: previous,
        validate: (value) => nameProblem(value ?? ""),
        output: process.stderr,
      });
      if (clack.isCancel(answer)) throw new PromptCancelled("Cannot log in: cancelled");
      return answer.trim();
    },
    askPassword: (question) => promptHidden(question),
    notify,
    async wait(ms) {
      notify(`Waiting ${Math.ceil(ms / 1000)} s before trying again...`);
      await new Promise((resolve) => setTimeout(resolve, ms));
    },
  };
}

function nameProblem(value: string): string | undefined {
  const name = value.trim();
  if (name === "") return "Type a name";
  if ([...name].length > MAX_NAME_CHARACTERS) return `At most ${MAX_NAME_CHARACTERS} characters`;
  return undefined;
}
