/** The input-line parser: messages, commands, `//`, and local errors. */

import assert from "node:assert/strict";
import { HELP_LINES, parseInput } from "../../src/client/commands.ts";

Deno.test("plain lines are messages, kept as typed", () => {
  assert.deepEqual(parseInput("hello"), { kind: "say", text: "hello" });
  assert.deepEqual(parseInput("  two  spaces  "), { kind: "say", text: "  two  spaces  " });
  assert.deepEqual(parseInput("a/b is not a command"), {
    kind: "say",
    text: "a/b is not a command",
  });
});

Deno.test("empty and blank lines mean nothing", () => {
  assert.deepEqual(parseInput(""), { kind: "empty" });
  assert.deepEqual(parseInput("   \t"), { kind: "empty" });
});

Deno.test("a line starting with // sends the rest, starting with /", () => {
  assert.deepEqual(parseInput("//shrug"), { kind: "say", text: "/shrug" });
  assert.deepEqual(parseInput("//"), { kind: "say", text: "/" });
  assert.deepEqual(parseInput("///x"), { kind: "say", text: "//x" });
});

Deno.test("/me, /msg, /who, /quit, /help", () => {
  assert.deepEqual(parseInput("/me waves  hello"), { kind: "emote", text: "waves  hello" });
  assert.deepEqual(parseInput("/msg bob see you at 5"), {
    kind: "private",
    to: "bob",
    text: "see you at 5",
  });
  assert.deepEqual(parseInput("/msg   bob   hi"), { kind: "private", to: "bob", text: "hi" });
  assert.deepEqual(parseInput("/who"), { kind: "who" });
  assert.deepEqual(parseInput("/quit "), { kind: "quit" });
  assert.deepEqual(parseInput("/help"), { kind: "help" });
  assert.deepEqual(parseInput("/WHO"), { kind: "who" }, "command names ignore case");
  assert.ok(HELP_LINES.some((line) => line.startsWith("/msg")));
});

Deno.test("/msg normalises the name to NFC, as the protocol asks", () => {
  const decomposed = "Zoe\u0301";
  const input = parseInput(`/msg ${decomposed} hi`);
  assert.ok(input.kind === "private");
  assert.equal(input.to, "Zo\u00e9");
});

Deno.test("misuse gives a clear local error", () => {
  assert.deepEqual(parseInput("/me"), { kind: "error", message: "Usage: /me TEXT" });
  assert.deepEqual(parseInput("/msg"), { kind: "error", message: "Usage: /msg NAME TEXT" });
  assert.deepEqual(parseInput("/msg bob"), { kind: "error", message: "Usage: /msg NAME TEXT" });
  assert.deepEqual(parseInput("/who is here"), {
    kind: "error",
    message: "/who takes no arguments",
  });
  const unknown = parseInput("/shrug ok");
  assert.equal(unknown.kind, "error");
  assert.match(unknown.kind === "error" ? unknown.message : "", /^Unknown command \/shrug .*\/\//);
  assert.equal(parseInput("/").kind, "error");
});

Deno.test("texts and names over the protocol's limits never reach the wire", () => {
  const long = parseInput("x".repeat(4097));
  assert.ok(long.kind === "error" && /4097 bytes long, at most 4096/.test(long.message));
  assert.deepEqual(parseInput("é".repeat(2048)).kind, "say", "4096 bytes exactly is fine");
  const name = parseInput(`/msg ${"n".repeat(33)} hi`);
  assert.ok(name.kind === "error" && /at most 32 characters/.test(name.message));
  assert.equal(parseInput(`/me ${"x".repeat(5000)}`).kind, "error");
});
