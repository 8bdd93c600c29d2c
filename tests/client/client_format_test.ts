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
import { messageId, roomSequence } from "../../src/protocol/mod.ts";

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
