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

Deno.test("file commands: /send, /send @NAME, /get, /files", () => {
  const table: [string, unknown][] = [
    ["/send notes.pdf", { kind: "sendFile", path: "notes.pdf" }],
    ["/send   my notes (v2).pdf  ", { kind: "sendFile", path: "my notes (v2).pdf" }],
    ["/SEND /tmp/a b", { kind: "sendFile", path: "/tmp/a b" }],
    ["/send @bob notes.pdf", { kind: "sendFile", path: "notes.pdf", to: "bob" }],
    ["/send @bob   two  words.txt ", { kind: "sendFile", path: "two  words.txt", to: "bob" }],
    ["/send ./@odd name", { kind: "sendFile", path: "./@odd name" }],
    ["/send @Zoe\u0301 x", { kind: "sendFile", path: "x", to: "Zo\u00e9" }],
    ["/get k3j4h5m7q2", { kind: "getFile", fileId: "k3j4h5m7q2" }],
    ["/get  k3j4h5m7q2  ", { kind: "getFile", fileId: "k3j4h5m7q2" }],
    ["/get k3j4h5m7q2 ~/in box/", { kind: "getFile", fileId: "k3j4h5m7q2", path: "~/in box/" }],
    [`/get ${"z".repeat(32)}`, { kind: "getFile", fileId: "z".repeat(32) }],
    ["/files", { kind: "files" }],
    ["/Files  ", { kind: "files" }],
    ["/send", { kind: "error", message: "Usage: /send [@NAME] PATH" }],
    ["/send   ", { kind: "error", message: "Usage: /send [@NAME] PATH" }],
    ["/send @bob", { kind: "error", message: "Usage: /send @NAME PATH" }],
    ["/send @bob   ", { kind: "error", message: "Usage: /send @NAME PATH" }],
    ["/send @ x", { kind: "error", message: "Usage: /send @NAME PATH" }],
    ["/get", { kind: "error", message: "Usage: /get ID [PATH]" }],
    ["/files now", { kind: "error", message: "/files takes no arguments" }],
  ];
  for (const [line, expected] of table) assert.deepEqual(parseInput(line), expected, line);
  for (const command of ["/send @NAME PATH", "/send PATH", "/get ID [PATH]", "/files"]) {
    assert.ok(HELP_LINES.some((line) => line.startsWith(command)), command);
  }
});

Deno.test("file commands: bad ids and names are local errors", () => {
  for (const id of ["K3J4", "k3j-4", "é", "x".repeat(33), "../etc"]) {
    const input = parseInput(`/get ${id} out`);
    assert.ok(input.kind === "error", id);
    assert.match(input.message, /^Cannot fetch .*: a file id is 1 to 32 characters of 0-9 and a-z/);
  }
  const name = parseInput(`/send @${"n".repeat(33)} x`);
  assert.ok(name.kind === "error" && /at most 32 characters/.test(name.message));
});
