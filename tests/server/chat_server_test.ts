/**
 * The chat server over real UDP on loopback, with real Deno KV, spoken to
 * frame by frame: accounts, the room password, one order for everyone,
 * private messages, presence, de-duplication, limits and hostile frames.
 * (The end-to-end tests in tests/e2e drive the real `mochi` processes.)
 */

import assert from "node:assert/strict";
import {
  type ClientFrame,
  decodeServerFrame,
  encodeFrame,
  type MessageId,
  messageId,
  PROTOCOL_VERSION,
  type ServerFrame,
} from "../../src/protocol/mod.ts";
import { ChatServer } from "../../src/server/chat_server.ts";
import type { RoomEvent } from "../../src/server/chat_room.ts";
import { setRoomPassword } from "../../src/server/room_password.ts";
import { type UdpConnection, UdpEndpoint } from "../../src/transport/udp.ts";

const ITERATIONS = 1_000; // PBKDF2 cost for tests; the default is tested in tests/accounts
const ROOM_PASSWORD = "room-password-hunter2";

interface TestServer {
  server: ChatServer;
  endpoint: UdpEndpoint;
  events: RoomEvent[];
  port: number;
}

/** A client speaking frames, collecting what the server sends. */
class FrameClient {
  readonly received: ServerFrame[] = [];
  readonly #connection: UdpConnection;
  readonly #reading: Promise<void>;
  #wake: (() => void) | null = null;

  constructor(connection: UdpConnection) {
    this.#connection = connection;
    this.#reading = this.#read();
  }

  async send(frame: ClientFrame): Promise<void> {
    await this.#connection.send(encodeFrame(frame));
  }

  async sendRaw(bytes: Uint8Array): Promise<void> {
    await this.#connection.send(bytes);
  }

  /** Waits (at most 10 s) for a frame matching `predicate` among those received so far or later. */
  async expect<T extends ServerFrame["type"]>(
    type: T,
    predicate: (frame: ServerFrame & { type: T }) => boolean = () => true,
  ): Promise<ServerFrame & { type: T }> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const found = this.received.find((frame) =>
        frame.type === type && predicate(frame as ServerFrame & { type: T })
      );
      if (found !== undefined) return found as ServerFrame & { type: T };
      if (Date.now() > deadline) {
        throw new Error(`no ${type}; got ${JSON.stringify(this.received.map((f) => f.type))}`);
      }
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        setTimeout(resolve, 50);
      });
    }
  }

  get closed() {
    return this.#connection.closed;
  }

  async close() {
    await this.#connection.close("test done");
    await this.#reading;
  }

  async #read() {
    for (
      let bytes = await this.#connection.receive();
      bytes;
      bytes = await this.#connection.receive()
    ) {
      this.received.push(decodeServerFrame(bytes));
      this.#wake?.();
    }
  }
}

let nextId = 1;
function freshId(): MessageId {
  const bytes = new Uint8Array(16);
  new DataView(bytes.buffer).setUint32(12, nextId++);
  return messageId(bytes);
}

/** Runs `body` with a server (fresh KV in a temp dir) and a client endpoint, then cleans up. */
async function withServer(
  options: { maxMembers?: number; registrationOpen?: boolean },
  body: (test: TestServer, connect: () => Promise<FrameClient>) => Promise<void>,
) {
  const directory = await Deno.makeTempDir({ prefix: "mochi-chat-" });
  const kv = await Deno.openKv(`${directory}/mochi.kv`);
  await setRoomPassword(kv, ROOM_PASSWORD, { iterations: ITERATIONS });
  const endpoint = UdpEndpoint.bind({ hostname: "127.0.0.1", port: 0, accept: true });
  const events: RoomEvent[] = [];
  const server = new ChatServer({
    kv,
    endpoint,
    maxMembers: options.maxMembers ?? 10,
    registrationOpen: options.registrationOpen ?? true,
    report: (event) => events.push(event),
    hashIterations: ITERATIONS,
  });
  const serving = server.serve();
  const clientEndpoint = UdpEndpoint.bind({ hostname: "127.0.0.1", port: 0 });
  const clients: FrameClient[] = [];
  const connect = async () => {
    const client = new FrameClient(await clientEndpoint.connect(endpoint.address));
    clients.push(client);
    return client;
  };
  try {
    await body({ server, endpoint, events, port: endpoint.address.port }, connect);
  } finally {
    await Promise.all(clients.map((client) => client.close().catch(() => {})));
    await clientEndpoint.close();
    await server.stop(500);
    await endpoint.close();
    await serving;
    kv.close();
    await Deno.remove(directory, { recursive: true });
  }
}

/** Hello, Register (or Login), JoinRoom: a member. */
async function member(
  connect: () => Promise<FrameClient>,
  name: string,
  how: "register" | "login" = "register",
): Promise<FrameClient> {
  const client = await connect();
  await client.send({ type: "hello", protocolVersion: PROTOCOL_VERSION });
  await client.expect("welcome");
  await client.send({ type: how, name, password: `${name.toLowerCase()}-password` });
  assert.equal((await client.expect("authResult")).outcome, "ok");
  await client.send({ type: "joinRoom", roomPassword: ROOM_PASSWORD });
  assert.equal((await client.expect("joinResult")).outcome, "ok");
  return client;
}

const test = (name: string, fn: () => Promise<void>) =>
  Deno.test({ name, fn, sanitizeResources: false, sanitizeOps: false });

test("register, then log in again; a wrong password and a taken name are refused", () =>
  withServer({}, async (_test, connect) => {
    const ada = await member(connect, "Ada");
    const again = await connect();
    await again.send({ type: "hello", protocolVersion: PROTOCOL_VERSION });
    await again.send({ type: "register", name: "ada", password: "whatever" });
    assert.equal(
      (await again.expect("authResult")).outcome,
      "nameTaken",
      "Ada and ada are one name",
    );
    const wrong = await connect();
    await wrong.send({ type: "hello", protocolVersion: PROTOCOL_VERSION });
    await wrong.send({ type: "login", name: "ada", password: "not it" });
    assert.equal((await wrong.expect("authResult")).outcome, "wrongCredentials");
    await ada.send({ type: "leave" });
    await ada.closed;
    await member(connect, "ADA", "login");
  }));

test("a wrong room password is refused and nothing is shown to the room", () =>
  withServer({}, async (server, connect) => {
    const client = await connect();
    await client.send({ type: "hello", protocolVersion: PROTOCOL_VERSION });
    await client.send({ type: "register", name: "eve", password: "eve-password" });
    await client.expect("authResult");
    await client.send({ type: "joinRoom", roomPassword: "guess" });
    assert.equal((await client.expect("joinResult")).outcome, "wrongRoomPassword");
    await client.send({ type: "say", messageId: freshId(), text: "let me in" });
    assert.equal((await client.expect("error")).code, "unexpectedFrame");
    assert.equal(server.events.length, 0);
  }));

test("messages reach every other member in one order; the sender gets Delivered", () =>
  withServer({}, async (server, connect) => {
    const [ada, bob, cyd] = [
      await member(connect, "ada"),
      await member(connect, "bob"),
      await member(connect, "cyd"),
    ];
    const sent: Array<[FrameClient, string]> = [];
    for (let i = 0; i < 10; i++) {
      for (const [client, name] of [[ada, "ada"], [bob, "bob"], [cyd, "cyd"]] as const) {
        const text = `${name} ${i}`;
        sent.push([client, text]);
        await client.send({ type: "say", messageId: freshId(), text });
      }
    }
    const order = (client: FrameClient) =>
      client.received.filter((f) => f.type === "roomMessage").map((f) =>
        f.type === "roomMessage" ? `${f.sequence}:${f.text}` : ""
      );
    await ada.expect("roomMessage", (f) => f.text === "cyd 9");
    await bob.expect("roomMessage", (f) => f.text === "cyd 9");
    await cyd.expect("roomMessage", (f) => f.text === "bob 9");
    const everyone = new Map<string, string>();
    for (const client of [ada, bob, cyd]) {
      for (const line of order(client)) everyone.set(line.split(":")[0]!, line);
      const delivered = client.received.filter((f) => f.type === "delivered").length;
      assert.equal(delivered, 10);
    }
    assert.equal(everyone.size, 30, "30 sequence numbers, each with one text");
    for (const client of [ada, bob, cyd]) {
      const seen = order(client);
      assert.deepEqual(
        seen,
        [...seen].sort((a, b) => Number(a.split(":")[0]) - Number(b.split(":")[0])),
      );
      assert.equal(seen.length, 20, "everyone else's messages, not its own");
    }
    const consoleMessages = server.events.filter((e) => e.kind === "message");
    assert.equal(consoleMessages.length, 30, "the console shows every message");
  }));

test("a private message reaches only its target; /who lists members", () =>
  withServer({}, async (server, connect) => {
    const ada = await member(connect, "ada");
    const bob = await member(connect, "bob");
    const cyd = await member(connect, "cyd");
    await ada.send({ type: "privateMessage", messageId: freshId(), to: "BOB", text: "psst" });
    assert.equal((await bob.expect("privateDelivery")).text, "psst");
    await ada.expect("delivered");
    await ada.send({ type: "privateMessage", messageId: freshId(), to: "nobody", text: "?" });
    assert.equal((await ada.expect("error")).code, "noSuchMember");
    await cyd.send({ type: "whoRequest" });
    const list = await cyd.expect("memberList");
    assert.deepEqual(list.members.map((m) => m.name).sort(), ["ada", "bob", "cyd"]);
    assert.equal(cyd.received.some((f) => f.type === "privateDelivery"), false);
    const logged = server.events.find((e) => e.kind === "private")!;
    assert.equal(
      JSON.stringify(logged).includes("psst"),
      false,
      "the console keeps no private text",
    );
  }));

test("join and leave notices; a repeated message id is acknowledged, never re-broadcast", () =>
  withServer({}, async (_server, connect) => {
    const ada = await member(connect, "ada");
    const bob = await member(connect, "bob");
    assert.equal((await ada.expect("presence")).name, "bob");
    const id = freshId();
    await bob.send({ type: "say", messageId: id, text: "once" });
    await bob.send({ type: "say", messageId: id, text: "once" });
    await ada.expect("roomMessage");
    const delivered = await bob.expect("delivered");
    await bob.send({ type: "leave" });
    await ada.expect("presence", (f) => f.kind === "left");
    assert.equal(ada.received.filter((f) => f.type === "roomMessage").length, 1);
    assert.equal(bob.received.filter((f) => f.type === "delivered").length, 2);
    assert.ok(
      bob.received.every((f) => f.type !== "delivered" || f.sequence === delivered.sequence),
    );
  }));

test("limits: message size, rate, room size; a second login takes over the session", () =>
  withServer({ maxMembers: 2 }, async (_server, connect) => {
    const ada = await member(connect, "ada");
    // The codec caps text at 4096 bytes (a longer Say cannot even be encoded).
    await ada.send({ type: "say", messageId: freshId(), text: "é".repeat(2048) });
    await ada.expect("delivered");
    await assert.rejects(
      () => ada.send({ type: "say", messageId: freshId(), text: "x".repeat(4097) }),
      /longer than 4096 bytes/,
    );
    for (let i = 0; i < 15; i++) {
      await ada.send({ type: "say", messageId: freshId(), text: `m${i}` });
    }
    assert.equal((await ada.expect("error", (f) => f.code === "rateLimited")).code, "rateLimited");
    await member(connect, "bob");
    const cyd = await connect();
    await cyd.send({ type: "hello", protocolVersion: PROTOCOL_VERSION });
    await cyd.send({ type: "register", name: "cyd", password: "cyd-password" });
    await cyd.expect("authResult");
    await cyd.send({ type: "joinRoom", roomPassword: ROOM_PASSWORD });
    assert.equal((await cyd.expect("joinResult")).outcome, "roomFull");
    await member(connect, "ada", "login");
    assert.equal((await ada.expect("sessionEnded")).reason, "replacedByNewLogin");
    await ada.closed;
  }));

test("a malformed frame is answered and the connection closed; others are not disturbed", () =>
  withServer({}, async (_server, connect) => {
    const ada = await member(connect, "ada");
    const hostile = await connect();
    await hostile.sendRaw(new Uint8Array([0x03, 0xff, 0xff, 0xff]));
    assert.equal((await hostile.expect("error")).code, "malformed");
    await hostile.closed;
    await ada.send({ type: "whoRequest" });
    await ada.expect("memberList");
  }));

test("another protocol version is told so and closed", () =>
  withServer({}, async (_server, connect) => {
    const client = await connect();
    await client.send({ type: "hello", protocolVersion: PROTOCOL_VERSION + 1 });
    assert.equal((await client.expect("welcome")).protocolVersion, PROTOCOL_VERSION);
    assert.equal((await client.expect("error")).code, "unsupportedVersion");
    await client.closed;
  }));

test("a frame before Hello is answered unexpectedFrame and the connection closed", () =>
  withServer({}, async (_server, connect) => {
    const client = await connect();
    await client.send({ type: "whoRequest" });
    assert.equal((await client.expect("error")).code, "unexpectedFrame");
    await client.closed;
  }));
