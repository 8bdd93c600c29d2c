/**
 * What a chat session reports to its user interface, one event at a time
 * (`ChatSession.events()`). Room traffic arrives already de-duplicated:
 * an event is never reported twice, even across reconnects.
 *
 * @module
 */

import type {
  ErrorCode,
  FileErrorCode,
  FileInfo,
  MemberEntry,
  Presence,
  PrivateDelivery,
  RoomMessage,
} from "../protocol/mod.ts";
import type { OutgoingFrame } from "./outbox.ts";

/** One thing that happened in the session. Text from the network is not sanitised yet. */
export type ChatEvent =
  /** Another member's Say or Emote, in room order. */
  | { readonly type: "message"; readonly message: RoomMessage }
  /** A private message to us. */
  | { readonly type: "private"; readonly message: PrivateDelivery }
  /** A member joined, left, or came back from a new session. */
  | { readonly type: "presence"; readonly presence: Presence }
  /** The answer to `who()`. */
  | { readonly type: "members"; readonly members: readonly MemberEntry[] }
  /** A file was put on offer to the room, or to us alone (`file.to`); it may still be streaming. */
  | { readonly type: "fileOffered"; readonly file: FileInfo }
  /** The answer to `listFiles()`: the files the server holds for us, oldest offer first. */
  | { readonly type: "files"; readonly files: readonly FileInfo[] }
  /**
   * The server's FileError on the chat link (transfers run on links of their
   * own and get theirs there); `fileId` is the file concerned, when known.
   */
  | {
    readonly type: "fileError";
    readonly code: FileErrorCode;
    readonly message: string;
    readonly fileId?: string;
  }
  /** The server took one of our messages (`sequence` 0 for a private message). */
  | {
    readonly type: "delivered";
    readonly frame: OutgoingFrame;
    readonly sequence: number;
    /** When the Delivered arrived, in milliseconds since the Unix epoch (our clock). */
    readonly at: number;
  }
  /** The server refused something; `refused` is our message it concerns, dropped from the outbox. */
  | {
    readonly type: "error";
    readonly code: ErrorCode;
    readonly message: string;
    readonly retryAfterMs: number;
    readonly refused?: OutgoingFrame;
  }
  /** The link is down; the next attempt to reconnect comes after `delayMs`. */
  | {
    readonly type: "reconnecting";
    /** 1 for the first attempt after the loss. */
    readonly attempt: number;
    readonly delayMs: number;
    /** Why the link is down or why the last attempt failed. */
    readonly reason: string;
  }
  /** Back in the room (logged in and joined again); unacknowledged messages are sent again. */
  | { readonly type: "reconnected"; readonly you: string; readonly resent: number }
  /**
   * The session is over: the last event. `error` is undefined after `leave()`;
   * otherwise it says why (a `SessionEndedByServer`, `ConnectionLost` after
   * giving up, `ServerKeyChanged`, a `JoinRefused` on rejoining...).
   */
  | { readonly type: "ended"; readonly error?: Error };
