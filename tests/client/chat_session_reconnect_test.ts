/**
 * ChatSession reconnecting, against a small fake server over real loopback
 * UDP: Login again, rejoin, resend with the same ids, nothing shown twice;
 * the endings that are final; pacing after a rate limit.
 */

import assert from "node:assert/strict";
import { SessionEndedByServer, WrongRoomPassword } from "../../src/client/session_errors.ts";
import { ConnectionLost } from "../../src/errors.ts";
import { messageId, messageIdToHex, roomSequence } from "../../src/protocol/mod.ts";
import { FakeChatServer } from "./_fake_server.ts";
import { joined, optionsFor, Recorder, withHome } from "./_session_helpers.ts";

const quiet = { sanitizeOps: false, sanitizeResources: false };

Deno.test({
  name: "after serverStopping: Login again, rejoin, same ids resent, nothing shown twice",
  ...quiet,
  fn: () =>
    withHome(async (home) => {
      let adaConnections = 0;
      const server = new FakeChatServer({
        accounts: { bob: "pw" },
        hook(member, frame, server) {
          if (member.name === "ada" && frame.type === "joinRoom") adaConnections++;
          // ada's first Say is taken and broadcast, but the server stops before its Delivered.
          if (member.name !== "ada" || frame.type !== "say" || adaConnections !== 1) return;
          const sequence = roomSequence(++server.sequence);
          server.taken.set(`ada/${messageIdToHex(frame.messageId)}`, sequence);
          void server.broadcast({
            type: "roomMessage",
            sequence,
            messageId: frame.messageId,
            from: "ada",
            kind: "say",
            text: frame.text,
            sentAt: 0,
          }, member).then(() =>
            server.send(member, { type: "sessionEnded", reason: "serverStopping", message: "" })
          ).then(() => member.connection.close("stopping"));
          return "handled";
        },
      });
      try {
        const bob = await joined(optionsFor(server, home), "bob", "pw");
        const bobEvents = new Recorder(bob);
        const ada = await joined(optionsFor(server, home), "ada", "secret", true);
        const adaEvents = new Recorder(ada);
        await bob.say("b1");
        await adaEvents.until((events) => events.some((e) => e.type === "message"));
        await ada.say("a1");
        await adaEvents.until((events) => events.some((e) => e.type === "reconnected"));
        await ada.drain();
        await adaEvents.until(() => adaEvents.of("delivered").length === 1);
        const delivered = adaEvents.of("delivered");
        assert.deepEqual(delivered.map((e) => [e.frame.text, e.sequence]), [["a1", 2]]);
        assert.equal(adaEvents.of("reconnected")[0]!.resent, 1);
        assert.ok(adaEvents.of("reconnecting").length >= 1);
        const adaMembers = server.members.filter((m) => m.name === "ada");
        assert.equal(adaMembers.length, 2);
        assert.deepEqual(adaMembers[1]!.received.map((f) => f.type), [
          "hello",
          "login",
          "joinRoom",
          "say",
        ]);
        const sayIds = adaMembers.map((m) => {
          const say = m.received.find((frame) => frame.type === "say");
          return say?.type === "say" ? messageIdToHex(say.messageId) : undefined;
        });
        assert.ok(sayIds[0] !== undefined);
        assert.equal(sayIds[1], sayIds[0], "resent with the same id");
        // The server (or a replay of history) sends again what ada has shown: hidden.
        const adaNow = adaMembers[1]!;
        const repeat = { type: "roomMessage", kind: "say", from: "bob", sentAt: 0 } as const;
        const id = messageId(new Uint8Array(16).fill(7));
        await server.send(adaNow, {
          ...repeat,
          sequence: roomSequence(1),
          messageId: id,
          text: "b1",
        });
        await server.send(adaNow, {
          ...repeat,
          sequence: roomSequence(3),
          messageId: id,
          text: "b2",
        });
        const privately = {
          type: "privateDelivery",
          messageId: id,
          from: "bob",
          to: "ada",
          text: "p",
          sentAt: 0,
        } as const;
        await server.send(adaNow, privately);
        await server.send(adaNow, privately);
        await server.send(adaNow, {
          ...repeat,
          sequence: roomSequence(4),
          messageId: id,
          text: "end",
        });
        await adaEvents.until((events) =>
          events.some((e) => e.type === "message" && e.message.text === "end")
        );
        assert.deepEqual(adaEvents.texts(), ["b1", "b2", "end"]);
        assert.equal(adaEvents.of("private").length, 1);
        await bobEvents.until((events) => events.some((e) => e.type === "message"));
        assert.deepEqual(bobEvents.texts(), ["a1"], "the resent message was not broadcast again");
        await ada.leave();
        await bob.leave();
      } finally {
        await server.close();
      }
    }),
});

Deno.test({
  name: "a server restart on the same address and key: messages sent meanwhile arrive",
  ...quiet,
  fn: () =>
    withHome(async (home) => {
      const accounts = { ada: "secret" };
      const first = new FakeChatServer({ accounts });
      const port = first.port;
      const ada = await joined(optionsFor(first, home), "ada");
      const events = new Recorder(ada);
      await first.close(); // tells ada the connection is closed
      await events.until((list) => list.some((e) => e.type === "reconnecting"));
      const queued = ada.say("sent while down");
      const second = new FakeChatServer({ accounts, port, identity: first.identity });
      try {
        await queued;
        await ada.drain();
        await events.until(() => events.of("delivered").length === 1);
        assert.deepEqual(events.of("delivered").map((e) => e.frame.text), ["sent while down"]);
        const frames = second.members.flatMap((m) => m.received.map((f) => f.type));
        assert.deepEqual(frames, ["hello", "login", "joinRoom", "say"]);
        await ada.leave();
      } finally {
        await second.close();
      }
    }),
});

Deno.test({
  name: "SessionEnded replacedByNewLogin ends the session for good",
  ...quiet,
  fn: () =>
    withHome(async (home) => {
      const server = new FakeChatServer({ accounts: { ada: "secret" } });
      try {
        const ada = await joined(optionsFor(server, home), "ada");
        const events = new Recorder(ada);
        await server.send(server.members[0]!, {
          type: "sessionEnded",
          reason: "replacedByNewLogin",
          message: "",
        });
        await events.done;
        const ended = events.events.at(-1)!;
        assert.ok(ended.type === "ended" && ended.error instanceof SessionEndedByServer);
        assert.match(ended.error.message, /logged in from somewhere else/);
        assert.equal(events.of("reconnecting").length, 0);
        await assert.rejects(ada.say("too late"), SessionEndedByServer);
        assert.equal(server.members.length, 1, "no reconnect");
      } finally {
        await server.close();
      }
    }),
});

Deno.test({
  name: "a changed room password on rejoin ends the session (asking again cannot be automatic)",
  ...quiet,
  fn: () =>
    withHome(async (home) => {
      const server = new FakeChatServer({ accounts: { ada: "secret" } });
      try {
        const ada = await joined(optionsFor(server, home), "ada");
        const events = new Recorder(ada);
        server.roomPassword = "changed";
        await server.members[0]!.connection.close("bye");
        await events.done;
        const ended = events.events.at(-1)!;
        assert.ok(ended.type === "ended" && ended.error instanceof WrongRoomPassword);
      } finally {
        await server.close();
      }
    }),
});

Deno.test({
  name: "reconnecting gives up after the policy's time with ConnectionLost",
  ...quiet,
  fn: () =>
    withHome(async (home) => {
      const server = new FakeChatServer({ accounts: { ada: "secret" } });
      const ada = await joined(
        optionsFor(server, home, {
          reconnect: { initialDelayMs: 20, maxDelayMs: 100, giveUpAfterMs: 800 },
        }),
        "ada",
      );
      const events = new Recorder(ada);
      await ada.say("never delivered").catch(() => {});
      await server.close();
      await events.done;
      const ended = events.events.at(-1)!;
      assert.ok(ended.type === "ended" && ended.error instanceof ConnectionLost);
      assert.match(ended.error.message, /still no connection after 1 s/);
      await assert.rejects(ada.drain(), ConnectionLost);
    }),
});

Deno.test({
  name: "messages refused for their rate are sent again after the wait, in order",
  ...quiet,
  fn: () =>
    withHome(async (home) => {
      let blockedUntil = 0;
      const server = new FakeChatServer({
        accounts: { ada: "secret" },
        hook(member, frame, server) {
          if (frame.type !== "say") return;
          if (performance.now() >= blockedUntil && blockedUntil !== 0) return;
          if (blockedUntil === 0) blockedUntil = performance.now() + 150;
          void server.send(member, {
            type: "error",
            code: "rateLimited",
            inReplyTo: frame.messageId,
            retryAfterMs: 150,
            message: "slow down",
          });
          return "handled";
        },
      });
      try {
        const ada = await joined(optionsFor(server, home), "ada");
        const events = new Recorder(ada);
        for (const text of ["one", "two", "three"]) await ada.say(text);
        await ada.drain();
        await events.until(() => events.of("delivered").length === 3);
        assert.deepEqual(events.of("delivered").map((e) => [e.frame.text, e.sequence]), [
          ["one", 1],
          ["two", 2],
          ["three", 3],
        ]);
        assert.equal(events.of("error").length, 0);
        await ada.leave();
      } finally {
        await server.close();
      }
    }),
});
