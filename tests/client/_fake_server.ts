/**
 * A tiny chat server for the session's unit tests: real UDP on loopback and
 * the real secure transport, but only the protocol rules the client relies
 * on (Hello/Welcome, Register/Login, JoinRoom, Say/Emote/PrivateMessage with
 * de-duplication by id, Who, Leave). Tests change its behaviour through
 * hooks. Not a stand-in for the real server in end-to-end tests.
 *
 * @module
 */

import {
  type ClientFrame,
  decodeClientFrame,
  encodeFrame,
  type MessageId,
  messageIdToHex,
  PROTOCOL_VERSION,
  roomSequence,
  type ServerFrame,
} from "../../src/protocol/mod.ts";
import { type KeyPair, keyPairFromPrivateKey } from "../../src/secure/keys.ts";
import { type UdpConnection, UdpEndpoint } from "../../src/transport/udp.ts";

/** One client connection as the fake server sees it. */
export interface FakeMember {
  readonly connection: UdpConnection;
  name?: string;
  joined: boolean;
  /** Every frame received on this connection, in order. */
  readonly received: ClientFrame[];
}

/** What a hook may decide about a received frame. */
export type HookResult = "handled" | undefined;

/** Settings of the fake server. */
export interface FakeServerOptions {
  accounts?: Record<string, string>;
  roomPassword?: string;
  registrationOpen?: boolean;
  protocolVersion?: number;
  /** Called first for every frame; "handled" skips the normal handling. */
  hook?: (member: FakeMember, frame: ClientFrame, server: FakeChatServer) => HookResult;
  /** Bind to this port (a restart on the same address); 0 by default. */
  port?: number;
  /** The identity key (keep it across a restart); a fresh one by default. */
  identity?: KeyPair;
}

/** The fake server; `port` is where it listens. */
export class FakeChatServer {
  readonly endpoint: UdpEndpoint;
  readonly identity: KeyPair;
  readonly accounts: Map<string, string>;
  readonly members: FakeMember[] = [];
  /** Message ids taken per account, with their sequence. */
  readonly taken = new Map<string, number>();
  sequence = 0;
  /** The room password (tests may change it). */
  roomPassword: string;
  readonly #options: FakeServerOptions;
  readonly #serving: Promise<void>;

  constructor(options: FakeServerOptions = {}) {
    this.#options = options;
    this.identity = options.identity ??
      keyPairFromPrivateKey(crypto.getRandomValues(new Uint8Array(32)));
    this.accounts = new Map(Object.entries(options.accounts ?? {}));
    this.roomPassword = options.roomPassword ?? "room";
    this.endpoint = UdpEndpoint.bind({
      hostname: "127.0.0.1",
      port: options.port ?? 0,
      accept: true,
      identity: this.identity,
    });
    this.#serving = this.#serve();
  }

  get port(): number {
    return this.endpoint.address.port;
  }

  /** Sends a frame to a member (ignoring a closed connection). */
  async send(member: FakeMember, frame: ServerFrame): Promise<void> {
    await member.connection.send(encodeFrame(frame)).catch(() => {});
  }

  /** Sends to every joined member but `except`. */
  async broadcast(frame: ServerFrame, except?: FakeMember): Promise<void> {
    for (const member of this.members) {
      if (member.joined && member !== except) await this.send(member, frame);
    }
  }

  /** Waits until `condition` holds, checking every 10 ms (at most `timeoutMs`). */
  async until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (!condition()) {
      if (performance.now() > deadline) throw new Error("timed out waiting on the fake server");
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** Stops: closes every connection (telling the clients) and the socket. */
  async close(): Promise<void> {
    await this.endpoint.close();
    await this.#serving;
  }

  async #serve(): Promise<void> {
    for (
      let connection = await this.endpoint.accept();
      connection;
      connection = await this.endpoint.accept()
    ) {
      const member: FakeMember = { connection, joined: false, received: [] };
      this.members.push(member);
      void this.#serveMember(member);
    }
  }

  async #serveMember(member: FakeMember): Promise<void> {
    for (
      let bytes = await member.connection.receive();
      bytes;
      bytes = await member.connection.receive()
    ) {
      const frame = decodeClientFrame(bytes);
      member.received.push(frame);
      if (this.#options.hook?.(member, frame, this) === "handled") continue;
      await this.#handle(member, frame);
    }
    if (member.joined) {
      member.joined = false;
      await this.broadcast({ type: "presence", kind: "left", name: member.name!, at: Date.now() });
    }
  }

  async #handle(member: FakeMember, frame: ClientFrame): Promise<void> {
    switch (frame.type) {
      case "hello":
        return await this.send(member, {
          type: "welcome",
          protocolVersion: this.#options.protocolVersion ?? PROTOCOL_VERSION,
          registrationOpen: this.#options.registrationOpen ?? true,
          serverName: "fake",
        });
      case "register":
      case "login": {
        const known = this.accounts.get(frame.name);
        let outcome: "ok" | "wrongCredentials" | "nameTaken" = "ok";
        if (frame.type === "register") {
          if (known !== undefined) outcome = "nameTaken";
          else this.accounts.set(frame.name, frame.password);
        } else if (known !== frame.password) outcome = "wrongCredentials";
        if (outcome === "ok") member.name = frame.name;
        return await this.send(member, {
          type: "authResult",
          outcome,
          retryAfterMs: 0,
          message: "",
        });
      }
      case "joinRoom": {
        const ok = frame.roomPassword === this.roomPassword;
        if (ok) member.joined = true;
        await this.send(member, {
          type: "joinResult",
          outcome: ok ? "ok" : "wrongRoomPassword",
          retryAfterMs: 0,
          message: "",
          you: member.name ?? "?",
          lastSequence: roomSequence(this.sequence),
        });
        if (ok) {
          await this.broadcast(
            { type: "presence", kind: "joined", name: member.name!, at: 0 },
            member,
          );
        }
        return;
      }
      case "say":
      case "emote":
      case "privateMessage":
        return await this.#take(member, frame);
      case "whoRequest":
        return await this.send(member, {
          type: "memberList",
          members: this.members.filter((m) => m.joined).map((m) => ({
            name: m.name!,
            since: 0,
            idleMs: 0,
          })),
        });
      case "leave":
        member.joined = false;
        await this.broadcast({ type: "presence", kind: "left", name: member.name!, at: 0 }, member);
        return void member.connection.close("left");
    }
  }

  async #take(
    member: FakeMember,
    frame: Extract<ClientFrame, { messageId: MessageId }>,
  ): Promise<void> {
    const key = `${member.name}/${messageIdToHex(frame.messageId)}`;
    const known = this.taken.get(key);
    if (known !== undefined) {
      return await this.send(member, {
        type: "delivered",
        messageId: frame.messageId,
        sequence: roomSequence(known),
      });
    }
    if (frame.type === "privateMessage") {
      const to = this.members.find((m) => m.joined && m.name === frame.to);
      if (to === undefined) {
        return await this.send(member, {
          type: "error",
          code: "noSuchMember",
          inReplyTo: frame.messageId,
          retryAfterMs: 0,
          message: `no ${frame.to}`,
        });
      }
      this.taken.set(key, 0);
      await this.send(to, {
        type: "privateDelivery",
        messageId: frame.messageId,
        from: member.name!,
        to: frame.to,
        text: frame.text,
        sentAt: 0,
      });
      return await this.send(member, {
        type: "delivered",
        messageId: frame.messageId,
        sequence: roomSequence(0),
      });
    }
    const sequence = roomSequence(++this.sequence);
    this.taken.set(key, sequence);
    await this.broadcast({
      type: "roomMessage",
      sequence,
      messageId: frame.messageId,
      from: member.name!,
      kind: frame.type,
      text: frame.text,
      sentAt: 0,
    }, member);
    await this.send(member, { type: "delivered", messageId: frame.messageId, sequence });
  }
}
