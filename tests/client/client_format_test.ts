/** How events look: text lines, JSON lines, notices; nothing active reaches a terminal. */

import assert from "node:assert/strict";
import type { ChatEvent } from "../../src/client/chat_events.ts";
import {
  clockTime,
  formatEventJson,
  formatEventLine,
  formatNotice,
  jsonLine,
} from "../../src/cli/_client_format.ts";
import { type FileInfo, messageId, roomSequence } from "../../src/protocol/mod.ts";

const at = new Date(2026, 10, 3, 12, 1, 2).getTime(); // local time 12:01:02
const id = messageId(new Uint8Array(16));

function message(kind: "say" | "emote", text: string, from = "ada"): ChatEvent {
  return {
    type: "message",
    message: {
      type: "roomMessage",
      sequence: roomSequence(12),
      messageId: id,
      from,
      kind,
      text,
      sentAt: at,
    },
  };
}

Deno.test("text lines", () => {
  assert.equal(clockTime(at), "12:01:02");
  assert.equal(formatEventLine(message("say", "hi")), "[12:01:02] ada: hi");
  assert.equal(formatEventLine(message("emote", "waves")), "[12:01:02] * ada waves");
  const privately: ChatEvent = {
    type: "private",
    message: {
      type: "privateDelivery",
      messageId: id,
      from: "ada",
      to: "bob",
      text: "hi",
      sentAt: at,
    },
  };
  assert.equal(formatEventLine(privately), "[12:01:02] ada -> you (private): hi");
  for (
    const [kind, word] of [["joined", "joined"], ["left", "left"], ["replaced", "reconnected"]]
  ) {
    const event: ChatEvent = {
      type: "presence",
      presence: { type: "presence", kind: kind as "joined", name: "ada", at },
    };
    assert.equal(formatEventLine(event), `[12:01:02] * ada ${word}`);
  }
  const members: ChatEvent = {
    type: "members",
    members: [{ name: "ada", since: 0, idleMs: 0 }, { name: "bob", since: 0, idleMs: 0 }],
  };
  assert.match(formatEventLine(members)!, /^\[\d\d:\d\d:\d\d\] \* 2 in the room: ada, bob$/);
});

Deno.test("own messages appear only when asked (the terminal), under our name", () => {
  const delivered: ChatEvent = {
    type: "delivered",
    frame: { type: "privateMessage", messageId: id, to: "bob", text: "psst" },
    sequence: 0,
    at,
  };
  assert.equal(formatEventLine(delivered), null);
  assert.equal(formatEventLine(delivered, "ada"), "[12:01:02] ada -> bob (private): psst");
  const emote: ChatEvent = { ...delivered, frame: { type: "emote", messageId: id, text: "nods" } };
  assert.equal(formatEventLine(emote, "ada"), "[12:01:02] * ada nods");
});

Deno.test("network text is sanitised in text lines", () => {
  const line = formatEventLine(message("say", "\u001b[2Jhi\u0007\u202e", "e\u001b]0;x\u0007vil"));
  assert.equal(line, "[12:01:02] evil: hi");
});

Deno.test("JSON lines", () => {
  assert.equal(
    formatEventJson(message("say", "hi")),
    `{"type":"message","sequence":12,"from":"ada","text":"hi","time":"${
      new Date(at).toISOString()
    }"}`,
  );
  assert.equal(JSON.parse(formatEventJson(message("emote", "waves"))!).type, "emote");
  const sent = formatEventJson({
    type: "delivered",
    frame: { type: "say", messageId: id, text: "hi" },
    sequence: 13,
    at,
  });
  assert.deepEqual(JSON.parse(sent!), {
    type: "sent",
    sequence: 13,
    kind: "say",
    text: "hi",
    time: new Date(at).toISOString(),
  });
  const refused = formatEventJson({
    type: "error",
    code: "noSuchMember",
    message: "no zed",
    retryAfterMs: 0,
    refused: { type: "privateMessage", messageId: id, to: "zed", text: "hi" },
  });
  assert.deepEqual(JSON.parse(refused!), {
    type: "error",
    code: "noSuchMember",
    message: "no zed",
    retryAfterMs: 0,
    refused: { kind: "private", to: "zed", text: "hi" },
  });
  assert.equal(formatEventJson({ type: "reconnected", you: "ada", resent: 0 }), null);
});

Deno.test("JSON keeps the exact text but writes active characters as escapes", () => {
  const line = jsonLine({ text: "\u001b[2J\u009b\u202e\u2028x" });
  assert.equal(line, '{"text":"\\u001b[2J\\u009b\\u202e\\u2028x"}');
  assert.deepEqual(JSON.parse(line), { text: "\u001b[2J\u009b\u202e\u2028x" });
});

Deno.test("notices for reconnects and refusals", () => {
  assert.equal(
    formatNotice({
      type: "reconnecting",
      attempt: 1,
      delayMs: 250,
      reason: "the server is stopping",
    }),
    "Connection lost (the server is stopping); reconnecting in 0.3 s (attempt 1)",
  );
  assert.equal(
    formatNotice({ type: "reconnected", you: "ada", resent: 2 }),
    "Reconnected as ada; sending 2 unacknowledged message(s) again",
  );
  assert.equal(
    formatNotice({
      type: "error",
      code: "noSuchMember",
      message: "no \u001b[1mzed",
      retryAfterMs: 0,
      refused: { type: "privateMessage", messageId: id, to: "zed", text: "hi" },
    }),
    "Cannot send to zed: no zed",
  );
  assert.equal(formatNotice(message("say", "hi")), null);
});

function offer(overrides: Partial<FileInfo> = {}): FileInfo {
  return {
    fileId: "k3j4h5m7q2",
    name: "notes.pdf",
    size: 1_258_291,
    stored: 0,
    complete: false,
    sender: "ada",
    offeredAt: at,
    expiresAt: at + 86_400_000,
    ...overrides,
  };
}

Deno.test("file offers: text lines", () => {
  assert.equal(
    formatEventLine({ type: "fileOffered", file: offer() }),
    "[12:01:02] * ada offers notes.pdf (1.2 MiB) — /get k3j4h5m7q2",
  );
  const unknown = offer({ size: undefined });
  assert.equal(
    formatEventLine({ type: "fileOffered", file: unknown }),
    "[12:01:02] * ada offers notes.pdf (size unknown) — /get k3j4h5m7q2",
  );
  const toBob: ChatEvent = { type: "fileOffered", file: offer({ to: "bob" }) };
  assert.equal(
    formatEventLine(toBob, "bob"),
    "[12:01:02] * ada offers notes.pdf (1.2 MiB) to you — /get k3j4h5m7q2",
  );
  assert.equal(
    formatEventLine(toBob, undefined, "Bob"),
    "[12:01:02] * ada offers notes.pdf (1.2 MiB) to you — /get k3j4h5m7q2",
    "names compare as the server does",
  );
  assert.equal(
    formatEventLine(toBob, "ada"),
    "[12:01:02] * ada offers notes.pdf (1.2 MiB) to bob — /get k3j4h5m7q2",
    "our own offer to bob",
  );
  assert.equal(
    formatEventLine(toBob),
    "[12:01:02] * ada offers notes.pdf (1.2 MiB) to bob — /get k3j4h5m7q2",
  );
});

Deno.test("file offers and listings: hostile names are inert in text lines", () => {
  const hostile = offer({
    name: "\u001b]0;pwned\u0007evil\u001b[2J.pdf\u202e",
    sender: "m\u001b[31mallory",
    to: "b\u009b1mob",
  });
  const line = formatEventLine({ type: "fileOffered", file: hostile })!;
  assert.equal(line, "[12:01:02] * mallory offers evil.pdf (1.2 MiB) to bob — /get k3j4h5m7q2");
  const table = formatEventLine({ type: "files", files: [hostile] })!;
  // deno-lint-ignore no-control-regex
  assert.doesNotMatch(table, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
  assert.match(table, /evil\.pdf/);
});

Deno.test("the /files answer: a compact table", () => {
  const files: FileInfo[] = [
    offer({ complete: true, sha256: new Uint8Array(32), stored: 1_258_291 }),
    offer({ fileId: "a1", name: "big.iso", size: 4096, stored: 1024, sender: "bob", to: "ada" }),
    offer({ fileId: "s2", name: "stdin", size: undefined, stored: 2048 }),
  ];
  const lines = formatEventLine({ type: "files", files })!.split("\n");
  assert.match(lines[0]!, /^\[\d\d:\d\d:\d\d\] \* 3 files on the server for you:$/);
  assert.deepEqual(lines.slice(1), [
    "  ID          NAME       SIZE     FROM        STATE",
    "  k3j4h5m7q2  notes.pdf  1.2 MiB  ada         complete",
    "  a1          big.iso    4.0 KiB  bob -> ada  being sent (25 %)",
    "  s2          stdin      ?        ada         being sent (2.0 KiB)",
  ]);
  assert.match(
    formatEventLine({ type: "files", files: [] })!,
    /^\[\d\d:\d\d:\d\d\] \* no files on the server for you$/,
  );
});

Deno.test("file events: JSON lines", () => {
  const time = new Date(at).toISOString();
  assert.deepEqual(JSON.parse(formatEventJson({ type: "fileOffered", file: offer() })!), {
    type: "fileOffered",
    id: "k3j4h5m7q2",
    name: "notes.pdf",
    size: 1_258_291,
    from: "ada",
    to: null,
    time,
  });
  const hostile = offer({ name: "\u001b[2J\u202ex.pdf", to: "bob", complete: true });
  const line = formatEventJson({
    type: "fileOffered",
    file: { ...hostile, sha256: new Uint8Array(32).fill(0xab) },
  })!;
  assert.ok(!line.includes("\u001b") && !line.includes("\u202e"), "escapes, not raw controls");
  assert.equal(JSON.parse(line).name, "\u001b[2J\u202ex.pdf", "the exact name for bots");
  assert.equal(JSON.parse(line).to, "bob");
  const files = JSON.parse(
    formatEventJson({
      type: "files",
      files: [{ ...hostile, sha256: new Uint8Array(32).fill(0xab) }],
    })!,
  );
  assert.deepEqual(files, {
    type: "files",
    files: [{
      id: "k3j4h5m7q2",
      name: "\u001b[2J\u202ex.pdf",
      size: 1_258_291,
      stored: 0,
      complete: true,
      sha256: "ab".repeat(32),
      from: "ada",
      to: "bob",
      offeredAt: time,
      expiresAt: new Date(at + 86_400_000).toISOString(),
    }],
  });
  assert.deepEqual(
    JSON.parse(formatEventJson({ type: "fileError", code: "noSuchFile", message: "gone" })!),
    { type: "fileError", code: "noSuchFile", message: "gone" },
  );
});

Deno.test("a FileError on the chat link is a notice", () => {
  assert.equal(
    formatNotice({
      type: "fileError",
      code: "noSuchFile",
      message: "Cannot fetch x: \u001b[2Jgone",
      fileId: "x",
    }),
    "The server refused a file request about x: gone",
  );
  assert.equal(
    formatNotice({ type: "fileError", code: "storageFull", message: "" }),
    "The server refused a file request: storageFull",
  );
  assert.equal(formatEventLine({ type: "fileError", code: "storageFull", message: "" }), null);
});
