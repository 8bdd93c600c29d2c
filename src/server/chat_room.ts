/**
 * The room: who is in it, the one order of its messages, and who hears what.
 * No sockets and no clock of its own: members are handles that take frames,
 * time is passed in, and the console is a callback.
 *
 * Rules:
 * - A message gets the next room sequence number, is acknowledged to its
 *   sender (`Delivered`) and goes to every other member, so all members see
 *   one order. A sender does not get its own message back.
 * - Message ids are remembered per account (the last DEDUPLICATION_WINDOW),
 *   across reconnects: a repeat is answered with the original `Delivered`
 *   and never broadcast again.
 * - One live session per account: a second join of the same account takes
 *   over, and the old session is told why (`SessionEnded`) and closed.
 * - Rate limits per member (a token bucket); limits answer with `ErrorFrame`
 *   to the sender only.
 *
 * @module
 */

import type { MessageId, RoomSequence, ServerFrame } from "../protocol/mod.ts";
import {
  DEDUPLICATION_WINDOW,
  encodeFrame,
  messageIdToHex,
  roomSequence,
} from "../protocol/mod.ts";
import type { AccountName } from "./names.ts";
import { MESSAGE_RATE, TokenBucket, type TokenBucketConfig } from "./token_bucket.ts";

/** The connection behind a member, as the room sees it. */
export interface MemberHandle {
  /** Queues a frame to this member (never throws; a dead link just drops it). */
  send(frame: ServerFrame): void;
  /** Queues an already encoded frame: a broadcast is encoded once for everyone. */
  sendEncoded(bytes: Uint8Array): void;
  /** Ends the session (after the frames already queued). */
  close(reason: string): void;
  /** `host:port`, for the console. */
  readonly address: string;
  /** The link's round-trip time and retransmissions, for the console's live view. */
  linkStats(): { rttMs: number; retransmissions: number };
}

/** A member of the room. */
export interface Member {
  readonly account: AccountName;
  readonly displayName: string;
  readonly handle: MemberHandle;
  readonly since: number;
  lastActive: number;
  readonly bucket: TokenBucket;
  /** After a rate-limit refusal, every message is refused until then (keeps resends in order). */
  refusingUntil: number;
}

/** One thing the console should show. */
export type RoomEvent =
  | { kind: "joined" | "left" | "replaced"; name: string; address: string; at: number }
  | { kind: "message"; sequence: number; name: string; text: string; emote: boolean; at: number }
  | { kind: "private"; from: string; to: string; bytes: number; at: number };

/** Why a join was refused. */
export type JoinRefusal = "roomFull";

/** What a member may ask of the room once joined. */
export type MemberRequest =
  | { type: "say" | "emote"; messageId: MessageId; text: string }
  | { type: "privateMessage"; messageId: MessageId; to: string; text: string };

/** The longest message text, in UTF-8 bytes. */
export const MAX_TEXT_BYTES = 4096;

const encoder = new TextEncoder();

/** The room's state. */
export class ChatRoom {
  readonly #members = new Map<AccountName, Member>();
  readonly #recentIds = new Map<AccountName, Map<string, RoomSequence>>();
  readonly #maxMembers: number;
  readonly #messageRate: TokenBucketConfig;
  readonly #report: (event: RoomEvent) => void;
  #sequence = 0;

  /** A room for at most `maxMembers`, reporting to `report`. */
  constructor(
    options: {
      maxMembers: number;
      report: (event: RoomEvent) => void;
      /** Each member's message rate (default: 10 per 5 s, bursts of 10). */
      messageRate?: TokenBucketConfig;
    },
  ) {
    this.#maxMembers = options.maxMembers;
    this.#messageRate = options.messageRate ?? MESSAGE_RATE;
    this.#report = options.report;
  }

  /** Members now, in the order they joined. */
  get members(): Member[] {
    return [...this.#members.values()];
  }

  /** The last sequence number given. */
  get lastSequence(): RoomSequence {
    return roomSequence(this.#sequence);
  }

  /** Adds a member (taking over the account's old session), or says why not. */
  join(
    account: AccountName,
    displayName: string,
    handle: MemberHandle,
    now: number,
  ): Member | JoinRefusal {
    const previous = this.#members.get(account);
    if (previous === undefined && this.#members.size >= this.#maxMembers) return "roomFull";
    const member: Member = {
      account,
      displayName,
      handle,
      since: now,
      lastActive: now,
      bucket: new TokenBucket(now, this.#messageRate),
      refusingUntil: 0,
    };
    this.#members.set(account, member);
    if (previous !== undefined) {
      previous.handle.send({
        type: "sessionEnded",
        reason: "replacedByNewLogin",
        message: "You logged in elsewhere; this session is closed",
      });
      previous.handle.close("replaced by a new login");
      this.#broadcast({ type: "presence", kind: "replaced", name: displayName, at: now }, member);
      this.#report({ kind: "replaced", name: displayName, address: handle.address, at: now });
    } else {
      this.#broadcast({ type: "presence", kind: "joined", name: displayName, at: now }, member);
      this.#report({ kind: "joined", name: displayName, address: handle.address, at: now });
    }
    return member;
  }

  /** Removes a member whose session ended (unless a newer session replaced it). */
  leave(member: Member, now: number): void {
    if (this.#members.get(member.account) !== member) return;
    this.#members.delete(member.account);
    this.#broadcast({ type: "presence", kind: "left", name: member.displayName, at: now }, member);
    this.#report({
      kind: "left",
      name: member.displayName,
      address: member.handle.address,
      at: now,
    });
  }

  /** Handles a message from a member. */
  handle(member: Member, request: MemberRequest, now: number): void {
    member.lastActive = now;
    const reply = member.handle;
    const remembered = this.#recentIds.get(member.account)?.get(messageIdToHex(request.messageId));
    if (remembered !== undefined) {
      reply.send({ type: "delivered", messageId: request.messageId, sequence: remembered });
      return;
    }
    const refusal = this.#check(member, request, now);
    if (refusal !== null) {
      reply.send({ ...refusal, type: "error", inReplyTo: request.messageId });
      return;
    }
    if (request.type === "privateMessage") return this.#private(member, request, now);
    const sequence = roomSequence(++this.#sequence);
    this.#remember(member.account, request.messageId, sequence);
    reply.send({ type: "delivered", messageId: request.messageId, sequence });
    this.#broadcast({
      type: "roomMessage",
      sequence,
      messageId: request.messageId,
      from: member.displayName,
      kind: request.type,
      text: request.text,
      sentAt: now,
    }, member);
    this.#report({
      kind: "message",
      sequence,
      name: member.displayName,
      text: request.text,
      emote: request.type === "emote",
      at: now,
    });
  }

  /** The member list, for `/who`. */
  memberList(now: number): ServerFrame {
    return {
      type: "memberList",
      members: this.members.map((member) => ({
        name: member.displayName,
        since: member.since,
        idleMs: Math.min(0xffff_ffff, Math.max(0, Math.round(now - member.lastActive))),
      })),
    };
  }

  /** Tells every member the server is stopping and closes their sessions. */
  stop(): void {
    for (const member of this.#members.values()) {
      member.handle.send({
        type: "sessionEnded",
        reason: "serverStopping",
        message: "The server is stopping",
      });
      member.handle.close("server stopping");
    }
    this.#members.clear();
  }

  #check(member: Member, request: MemberRequest, now: number) {
    const bytes = encoder.encode(request.text).length;
    if (bytes > MAX_TEXT_BYTES) {
      return refusal("messageTooLong", `Cannot send: longer than ${MAX_TEXT_BYTES} bytes`);
    }
    if (request.text.trim() === "") return refusal("invalidText", "Cannot send: empty message");
    // Once one message is refused, the ones already in flight behind it are
    // refused too, so a client that resends in order keeps its order.
    const decision = now < member.refusingUntil
      ? { allowed: false as const, retryAfterMs: member.refusingUntil - now }
      : member.bucket.take(now);
    if (!decision.allowed) {
      member.refusingUntil = Math.max(member.refusingUntil, now + decision.retryAfterMs);
      return {
        ...refusal("rateLimited", "Cannot send: too many messages, slow down"),
        retryAfterMs: Math.ceil(decision.retryAfterMs),
      };
    }
    return null;
  }

  #private(member: Member, request: MemberRequest & { type: "privateMessage" }, now: number) {
    const target = [...this.#members.values()].find((candidate) =>
      candidate.displayName.normalize("NFKC").toLowerCase() ===
        request.to.normalize("NFKC").toLowerCase()
    );
    if (target === undefined) {
      member.handle.send({
        ...refusal("noSuchMember", `Cannot send: ${request.to} is not in the room`),
        type: "error",
        inReplyTo: request.messageId,
      });
      return;
    }
    const delivery: ServerFrame = {
      type: "privateDelivery",
      messageId: request.messageId,
      from: member.displayName,
      to: target.displayName,
      text: request.text,
      sentAt: now,
    };
    target.handle.send(delivery);
    this.#remember(member.account, request.messageId, roomSequence(0));
    member.handle.send({
      type: "delivered",
      messageId: request.messageId,
      sequence: roomSequence(0),
    });
    this.#report({
      kind: "private",
      from: member.displayName,
      to: target.displayName,
      bytes: encoder.encode(request.text).length,
      at: now,
    });
  }

  #remember(account: AccountName, messageId: MessageId, sequence: RoomSequence): void {
    let ids = this.#recentIds.get(account);
    if (ids === undefined) this.#recentIds.set(account, ids = new Map());
    ids.set(messageIdToHex(messageId), sequence);
    if (ids.size > DEDUPLICATION_WINDOW) ids.delete(ids.keys().next().value!);
  }

  #broadcast(frame: ServerFrame, except: Member): void {
    const bytes = encodeFrame(frame);
    for (const member of this.#members.values()) {
      if (member !== except) member.handle.sendEncoded(bytes);
    }
  }
}

function refusal(
  code: "messageTooLong" | "invalidText" | "rateLimited" | "noSuchMember",
  message: string,
) {
  return { code, message, retryAfterMs: 0 };
}
