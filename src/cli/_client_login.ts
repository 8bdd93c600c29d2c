/**
 * Logging in and joining the room from `mochi client`. Without a terminal it
 * is one try with what was given (a failure ends the client with its exit
 * status); in a terminal every refused step is explained and asked again:
 * a wrong password, a taken name, a wrong room password, a rate limit
 * (waited out). The questions themselves are behind {@link LoginPrompts},
 * so these rules are tested without a terminal.
 *
 * @module
 */

import {
  InvalidName,
  JoinRefused,
  NameTaken,
  RateLimited,
  RegistrationClosed,
  WrongCredentials,
  WrongRoomPassword,
} from "../client/session_errors.ts";
import type { Credentials } from "../client/session_link.ts";
import { MAX_PASSWORD_BYTES, type Welcome } from "../protocol/mod.ts";

/** The part of a `ChatSession` that logging in uses. */
export interface JoinableSession {
  readonly welcome: Welcome;
  authenticate(credentials: Credentials): Promise<void>;
  join(roomPassword: string): Promise<string>;
}

/** The questions asked in a terminal. */
export interface LoginPrompts {
  /**
   * Log in to an existing account, or create one (offered only when the
   * server accepts); `previous` is the choice to start from after a refusal.
   */
  chooseAction(
    registrationOpen: boolean,
    previous?: "login" | "register",
  ): Promise<"login" | "register">;
  /** The account name; `previous` is offered for editing after a refusal. */
  askName(previous?: string): Promise<string>;
  /** A password, without echo. */
  askPassword(question: string): Promise<string>;
  /** Tells the user something (a refusal and what happens next). */
  notify(message: string): void;
  /** Waits, telling the user why (a rate limit). */
  wait(ms: number): Promise<void>;
}

/** What is known before asking anything. */
export interface LoginStart {
  /** From `--user` or the config file. */
  readonly user?: string;
  /** `--register`: create the account. */
  readonly register: boolean;
  /** Ask whether to log in or register (no `--register`, no account in the config file). */
  readonly askAction: boolean;
  /** From `MOCHI_PASSWORD`: tried first, asked for after a refusal. */
  readonly password?: string;
  /** From `MOCHI_ROOM_PASSWORD`: likewise. */
  readonly roomPassword?: string;
}

/** Everything needed without a terminal. */
export interface GivenLogin extends Credentials {
  readonly roomPassword: string;
}

/** One try: authenticate, then join. Throws the session's errors. Returns our name. */
export async function logInOnce(session: JoinableSession, login: GivenLogin): Promise<string> {
  await session.authenticate(login);
  return await session.join(login.roomPassword);
}

/** Asks, tries and asks again until logged in and joined. Returns our name in the room. */
export async function logInInteractively(
  session: JoinableSession,
  start: LoginStart,
  prompts: LoginPrompts,
): Promise<string> {
  let action: "login" | "register" = start.register
    ? "register"
    : start.askAction
    ? await prompts.chooseAction(session.welcome.registrationOpen)
    : "login";
  let name = start.user;
  let password = start.password;
  let previousName: string | undefined;
  let waitMs = 0;
  for (;;) {
    name ??= await prompts.askName(previousName);
    password ??= action === "register"
      ? await askNewPassword(prompts)
      : await askPassword(prompts, `Password for ${name}: `);
    if (waitMs > 0) await prompts.wait(waitMs);
    try {
      await session.authenticate({ name, password, register: action === "register" });
      break;
    } catch (error) {
      if (!(error instanceof JoinRefused)) throw error;
      prompts.notify(error.message);
      // A wrong password may come with a delay before the next try is accepted.
      waitMs = error.retryAfterMs;
      if (error instanceof RateLimited) continue;
      password = undefined;
      if (error instanceof RegistrationClosed) action = "login";
      if (
        error instanceof WrongCredentials || error instanceof NameTaken ||
        error instanceof InvalidName
      ) {
        previousName = name;
        name = undefined;
        // "No such account" looks like a wrong password: offer the other way in again.
        if (start.askAction) {
          action = await prompts.chooseAction(session.welcome.registrationOpen, action);
        }
      }
    }
  }
  let roomPassword = start.roomPassword;
  waitMs = 0;
  for (;;) {
    roomPassword ??= await askPassword(prompts, "Room password: ");
    if (waitMs > 0) await prompts.wait(waitMs);
    try {
      return await session.join(roomPassword);
    } catch (error) {
      if (!(error instanceof WrongRoomPassword || error instanceof RateLimited)) throw error;
      prompts.notify(error.message);
      waitMs = error.retryAfterMs;
      if (error instanceof WrongRoomPassword) roomPassword = undefined;
    }
  }
}

/** Asks for a new password twice until both entries match. */
async function askNewPassword(prompts: LoginPrompts): Promise<string> {
  for (;;) {
    const first = await askPassword(prompts, "New password: ");
    if (await prompts.askPassword("Type it again: ") === first) return first;
    prompts.notify("The two passwords differ; once more");
  }
}

/** Asks until the answer is a password the protocol can carry (1 to 1024 bytes). */
async function askPassword(prompts: LoginPrompts, question: string): Promise<string> {
  for (;;) {
    const answer = await prompts.askPassword(question);
    const problem = passwordProblem(answer);
    if (problem === undefined) return answer;
    prompts.notify(`Cannot use this password: ${problem}`);
  }
}

/** Why a password cannot be sent, or undefined when it can. */
export function passwordProblem(password: string): string | undefined {
  if (password === "") return "it is empty";
  const bytes = new TextEncoder().encode(password).length;
  if (bytes > MAX_PASSWORD_BYTES) return `it is ${bytes} bytes long, at most ${MAX_PASSWORD_BYTES}`;
  return undefined;
}
