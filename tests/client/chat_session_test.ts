/**
 * ChatSession against a small fake server over real loopback UDP: the
 * conversation and typed refusals (reconnecting: chat_session_reconnect_test.ts).
 */

import assert from "node:assert/strict";
import { ChatSession } from "../../src/client/chat_session.ts";
import {
  NameTaken,
  UnsupportedServerVersion,
  WrongCredentials,
  WrongRoomPassword,
} from "../../src/client/session_errors.ts";
import { UsageError } from "../../src/errors.ts";
import { type FileInfo, PROTOCOL_VERSION, roomSequence } from "../../src/protocol/mod.ts";
import { FakeChatServer } from "./_fake_server.ts";
import { joined, optionsFor, Recorder, withHome } from "./_session_helpers.ts";

const quiet = { sanitizeOps: false, sanitizeResources: false };

Deno.test({
  name: "register, join, talk (say, emote, private, who), drain and leave",
  ...quiet,
  fn: () =>
    withHome(async (home) => {
      const server = new FakeChatServer({ accounts: { bob: "pw" } });
      try {
        const bob = await joined(optionsFor(server, home), "bob", "pw");
        const bobEvents = new Recorder(bob);
        const ada = await joined(optionsFor(server, home), "ada", "secret", true);
        const adaEvents = new Recorder(ada);
        assert.equal(ada.you, "ada");
        assert.equal(ada.welcome.serverName, "fake");
        await ada.say("hi");
        await ada.emote("waves");
        await ada.privateMessage("bob", "psst");
        await ada.who();
        await ada.drain();
        assert.equal(ada.pendingCount, 0);
        await bobEvents.until((events) => events.some((event) => event.type === "private"));
        assert.deepEqual(bobEvents.texts(), ["hi", "waves"]);
        assert.equal(bobEvents.of("message")[1]!.message.kind, "emote");
        assert.equal(bobEvents.of("private")[0]!.message.text, "psst");
        assert.deepEqual(bobEvents.of("presence").map((e) => e.presence.name), ["ada"]);
        await adaEvents.until((events) => events.some((event) => event.type === "members"));
        assert.deepEqual(adaEvents.of("delivered").map((e) => e.sequence), [1, 2, 0]);
        assert.deepEqual(
          adaEvents.of("members")[0]!.members.map((m) => m.name).sort(),
          ["ada", "bob"],
        );
        await ada.leave();
        await adaEvents.done;
        assert.deepEqual(adaEvents.events.at(-1), { type: "ended" });
        const adaFrames = server.members[1]!.received.map((frame) => frame.type);
        assert.deepEqual(adaFrames, [
          "hello",
          "register",
          "joinRoom",
          "say",
          "emote",
          "privateMessage",
          "whoRequest",
          "leave",
        ]);
        await bobEvents.until((events) =>
          events.some((e) => e.type === "presence" && e.presence.kind === "left")
        );
        await bob.leave();
      } finally {
        await server.close();
      }
    }),
});

Deno.test({
  name: "refusals are typed errors, and a step can be tried again on the same session",
  ...quiet,
  fn: () =>
    withHome(async (home) => {
      const server = new FakeChatServer({ accounts: { ada: "secret" } });
      try {
        const session = await ChatSession.open(optionsFor(server, home));
        await assert.rejects(
          session.authenticate({ name: "ada", password: "wrong", register: false }),
          (error) =>
            error instanceof WrongCredentials && /Cannot log in as ada/.test(error.message),
        );
        await assert.rejects(
          session.authenticate({ name: "ada", password: "x", register: true }),
          NameTaken,
        );
        await session.authenticate({ name: "ada", password: "secret", register: false });
        await assert.rejects(session.join("nope"), WrongRoomPassword);
        assert.equal(await session.join("room"), "ada");
        await session.leave();
      } finally {
        await server.close();
      }
    }),
});

Deno.test({
  name: "after the server closes the connection on a failed login, the next try reconnects",
  ...quiet,
  fn: () =>
    withHome(async (home) => {
      const server = new FakeChatServer({
        accounts: { ada: "secret" },
        hook(member, frame, server) {
          if (frame.type !== "login" || frame.password === "secret") return;
          void server.send(member, {
            type: "authResult",
            outcome: "wrongCredentials",
            retryAfterMs: 0,
            message: "",
          }).then(() => member.connection.close("too many failures"));
          return "handled";
        },
      });
      try {
        const session = await ChatSession.open(optionsFor(server, home));
        await assert.rejects(
          session.authenticate({ name: "ada", password: "wrong", register: false }),
          WrongCredentials,
        );
        await server.until(() => server.members[0]!.received.length === 2);
        await new Promise((resolve) => setTimeout(resolve, 50)); // the close reaches the client
        await session.authenticate({ name: "ada", password: "secret", register: false });
        assert.equal(await session.join("room"), "ada");
        assert.equal(server.members.length, 2, "a second connection");
        await session.leave();
      } finally {
        await server.close();
      }
    }),
});

Deno.test({
  name: "a server of another protocol version is refused clearly",
  ...quiet,
  fn: () =>
    withHome(async (home) => {
      const other = PROTOCOL_VERSION + 1;
      const server = new FakeChatServer({ protocolVersion: other });
      try {
        await assert.rejects(
          ChatSession.open(optionsFor(server, home)),
          (error) =>
            error instanceof UnsupportedServerVersion &&
            error.message.includes(`protocol version ${other}`),
        );
      } finally {
        await server.close();
      }
    }),
});

Deno.test({
  name: "listFiles asks on the chat link; offers, listings and file errors arrive as events",
  ...quiet,
  fn: () =>
    withHome(async (home) => {
      const file: FileInfo = {
        fileId: "k3j4h5m7q2",
        name: "notes.pdf",
        size: 3,
        stored: 3,
        complete: true,
        sha256: new Uint8Array(32),
        sender: "bob",
        offeredAt: 1,
        expiresAt: 2,
      };
      const server = new FakeChatServer({
        accounts: { ada: "secret" },
        hook(member, frame, server) {
          if (frame.type !== "fileListRequest") return;
          void server.send(member, { type: "fileOffered", file })
            .then(() => server.send(member, { type: "fileList", files: [file] }))
            .then(() =>
              server.send(member, { type: "fileError", code: "noSuchFile", message: "gone" })
            );
          return "handled";
        },
      });
      try {
        const ada = await joined(optionsFor(server, home), "ada");
        const events = new Recorder(ada);
        await ada.listFiles();
        await events.until((events) => events.some((event) => event.type === "fileError"));
        assert.deepEqual(events.events, [
          { type: "fileOffered", file },
          { type: "files", files: [file] },
          { type: "fileError", code: "noSuchFile", message: "gone" },
        ]);
        assert.equal(server.members[0]!.received.at(-1)?.type, "fileListRequest");
        await ada.leave();
      } finally {
        await server.close();
      }
    }),
});

Deno.test({
  name: "fileLinkConnector opens a separate file link: Login (never Register) and JoinFiles",
  ...quiet,
  fn: () =>
    withHome(async (home) => {
      const server = new FakeChatServer({
        roomPassword: "hush",
        hook(member, frame, server) {
          if (frame.type !== "joinFiles") return;
          void server.send(member, {
            type: "joinResult",
            outcome: frame.roomPassword === server.roomPassword ? "ok" : "wrongRoomPassword",
            retryAfterMs: 0,
            message: "",
            you: member.name ?? "?",
            lastSequence: roomSequence(0),
          });
          return "handled";
        },
      });
      try {
        const session = await ChatSession.open(optionsFor(server, home));
        assert.throws(() => session.fileLinkConnector(), UsageError, "not before the join");
        await session.authenticate({ name: "ada", password: "secret", register: true });
        await session.join("hush");
        const connect = session.fileLinkConnector();
        const fileLink = await connect();
        assert.equal(fileLink.you, "ada");
        assert.equal(server.members.length, 2, "a connection of its own");
        assert.deepEqual(server.members[1]!.received.map((frame) => frame.type), [
          "hello",
          "login",
          "joinFiles",
        ]);
        assert.deepEqual(server.members[1]!.received[2], {
          type: "joinFiles",
          roomPassword: "hush",
        });
        await session.say("still chatting");
        await session.drain();
        await fileLink.close();
        await session.leave();
      } finally {
        await server.close();
      }
    }),
});
