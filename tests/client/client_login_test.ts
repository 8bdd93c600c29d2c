/**
 * Logging in from the CLI: one try without a terminal (inputs checked before
 * connecting), and in a terminal every refused step asked again.
 */

import assert from "node:assert/strict";
import {
  type JoinableSession,
  logInInteractively,
  type LoginPrompts,
} from "../../src/cli/_client_login.ts";
import { clientExitStatus, givenLogin, MissingInput } from "../../src/cli/_client_run.ts";
import { EXIT } from "../../src/cli/exit_codes.ts";
import {
  NameTaken,
  RateLimited,
  SessionEndedByServer,
  WrongCredentials,
  WrongRoomPassword,
} from "../../src/client/session_errors.ts";
import type { Credentials } from "../../src/client/session_link.ts";
import { ServerKeyChanged } from "../../src/client/trust.ts";
import { ConnectionLost, UsageError } from "../../src/errors.ts";

/** A session whose answers are scripted: each call takes the next outcome. */
class ScriptedSession implements JoinableSession {
  readonly welcome = { type: "welcome", protocolVersion: 1, registrationOpen: true } as const;
  readonly attempts: Credentials[] = [];
  readonly roomPasswords: string[] = [];
  constructor(readonly authOutcomes: (Error | null)[], readonly joinOutcomes: (Error | null)[]) {}

  authenticate(credentials: Credentials): Promise<void> {
    this.attempts.push(credentials);
    const outcome = this.authOutcomes.shift() ?? null;
    return outcome === null ? Promise.resolve() : Promise.reject(outcome);
  }

  join(roomPassword: string): Promise<string> {
    this.roomPasswords.push(roomPassword);
    const outcome = this.joinOutcomes.shift() ?? null;
    return outcome === null ? Promise.resolve("ada") : Promise.reject(outcome);
  }
}

/** Prompts that answer from a list and record what they were asked. */
function scriptedPrompts(answers: string[], action: "login" | "register" = "login") {
  const asked: string[] = [];
  const notices: string[] = [];
  const waits: number[] = [];
  const prompts: LoginPrompts = {
    chooseAction: () => {
      asked.push("action");
      return Promise.resolve(action);
    },
    askName: (previous) => {
      asked.push(`name(${previous ?? ""})`);
      return Promise.resolve(answers.shift()!);
    },
    askPassword: (question) => {
      asked.push(question);
      return Promise.resolve(answers.shift()!);
    },
    notify: (message) => notices.push(message),
    wait: (ms) => {
      waits.push(ms);
      return Promise.resolve();
    },
  };
  return { prompts, asked, notices, waits };
}

Deno.test("a wrong password and a wrong room password are explained and asked again", async () => {
  const session = new ScriptedSession(
    [new WrongCredentials("Cannot log in as ada", "wrong name or password")],
    [new WrongRoomPassword("Cannot join the room", "wrong room password", "", 1500)],
  );
  const { prompts, asked, notices, waits } = scriptedPrompts([
    "ada",
    "bad",
    "ada",
    "good",
    "no",
    "yes",
  ]);
  const you = await logInInteractively(session, { register: false, askAction: true }, prompts);
  assert.equal(you, "ada");
  assert.deepEqual(asked, [
    "action",
    "name()",
    "Password for ada: ",
    "action",
    "name(ada)",
    "Password for ada: ",
    "Room password: ",
    "Room password: ",
  ]);
  assert.deepEqual(notices, [
    "Cannot log in as ada: wrong name or password",
    "Cannot join the room: wrong room password; try again in 2 s",
  ]);
  assert.deepEqual(waits, [1500], "the delay after a wrong password is waited out");
  assert.deepEqual(session.attempts.map((c) => c.password), ["bad", "good"]);
  assert.deepEqual(session.roomPasswords, ["no", "yes"]);
});

Deno.test("registering asks the password twice; a taken name asks for another", async () => {
  const session = new ScriptedSession(
    [new NameTaken("Cannot register ada", "the name is taken")],
    [],
  );
  const { prompts, asked } = scriptedPrompts([
    "ada",
    "pw1",
    "pw2", // differs: asked again
    "pw",
    "pw",
    "ada2",
    "pw",
    "pw",
    "room",
  ], "register");
  await logInInteractively(session, { register: false, askAction: true }, prompts);
  assert.deepEqual(session.attempts, [
    { name: "ada", password: "pw", register: true },
    { name: "ada2", password: "pw", register: true },
  ]);
  assert.equal(asked.filter((q) => q === "Type it again: ").length, 3);
});

Deno.test("given name and environment passwords are tried first; rate limits are waited out", async () => {
  const session = new ScriptedSession(
    [new RateLimited("Cannot log in as ada", "too many attempts", "", 2000)],
    [],
  );
  const { prompts, asked, waits } = scriptedPrompts([]);
  await logInInteractively(session, {
    user: "ada",
    register: false,
    askAction: false,
    password: "env",
    roomPassword: "room",
  }, prompts);
  assert.deepEqual(asked, [], "nothing asked");
  assert.deepEqual(waits, [2000]);
  assert.deepEqual(session.attempts.map((c) => c.password), ["env", "env"]);
});

Deno.test("empty passwords are not sent; other errors end the login", async () => {
  const session = new ScriptedSession([new ConnectionLost("Cannot log in: gone")], []);
  const { prompts, notices } = scriptedPrompts(["", "pw"]);
  await assert.rejects(
    logInInteractively(session, { user: "ada", register: false, askAction: false }, prompts),
    ConnectionLost,
  );
  assert.deepEqual(notices, ["Cannot use this password: it is empty"]);
});

Deno.test("without a terminal, the name and both passwords must be given", () => {
  const environment = (values: Record<string, string>) => (name: string) => values[name];
  const both = { MOCHI_PASSWORD: "pw", MOCHI_ROOM_PASSWORD: "room" };
  assert.deepEqual(givenLogin({ user: "ada", register: true }, environment(both)), {
    name: "ada",
    password: "pw",
    register: true,
    roomPassword: "room",
  });
  assert.throws(
    () => givenLogin({ user: undefined, register: false }, environment(both)),
    /--user/,
  );
  assert.throws(
    () => givenLogin({ user: "ada", register: false }, environment({ MOCHI_PASSWORD: "pw" })),
    (error) =>
      error instanceof MissingInput && /MOCHI_ROOM_PASSWORD is not set/.test(error.message),
  );
  assert.throws(
    () =>
      givenLogin({ user: "ada", register: false }, environment({ ...both, MOCHI_PASSWORD: "" })),
    /MOCHI_PASSWORD: it is empty/,
  );
});

Deno.test("each failure has its documented exit status", () => {
  const decision = {
    kind: "key-changed",
    expected: "SHA256:a",
    presented: "SHA256:b",
    pinnedBy: "known-servers",
  } as const;
  assert.equal(
    clientExitStatus(new ServerKeyChanged("h:1", decision, "f")),
    EXIT.SERVER_KEY_CHANGED,
  );
  assert.equal(clientExitStatus(new ConnectionLost("x")), EXIT.SERVER_UNREACHABLE);
  assert.equal(clientExitStatus(new WrongCredentials("x", "y")), EXIT.WRONG_CREDENTIALS);
  assert.equal(clientExitStatus(new WrongRoomPassword("x", "y")), EXIT.WRONG_ROOM_PASSWORD);
  assert.equal(clientExitStatus(new NameTaken("x", "y")), EXIT.NAME_TAKEN);
  assert.equal(clientExitStatus(new MissingInput("x")), EXIT.USAGE);
  assert.equal(clientExitStatus(new RateLimited("x", "y", "", 5)), EXIT.FAILURE);
  assert.equal(clientExitStatus(new SessionEndedByServer("replacedByNewLogin", "")), EXIT.FAILURE);
  assert.equal(clientExitStatus(new UsageError("x")), EXIT.FAILURE);
  assert.equal(clientExitStatus(new TypeError("bug")), undefined);
});

Deno.test("refusal messages prefer the server's reason, without its own prefix", () => {
  assert.equal(
    new WrongCredentials("Cannot log in as ada", "wrong name or password", "").message,
    "Cannot log in as ada: wrong name or password",
  );
  assert.equal(
    new NameTaken("Cannot register ada", "the name is taken", "Cannot register: Ada is taken")
      .message,
    "Cannot register ada: Ada is taken",
  );
  assert.equal(
    new RateLimited("Cannot log in as ada", "too many attempts", "slow down", 2500).message,
    "Cannot log in as ada: slow down; try again in 3 s",
  );
});
