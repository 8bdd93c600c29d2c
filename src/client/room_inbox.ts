/**
 * The pure core of a joined session: what each frame from the server means
 * for the outbox and for what the user is shown. No I/O and no clock of its
 * own: the session feeds it frames and the time, and pushes the events it
 * returns.
 *
 * Rules:
 * - RoomMessage and PrivateDelivery go through {@link ShownMessages}: a
 *   repeat (after a reconnect) yields nothing.
 * - Delivered takes the message out of the {@link Outbox} and yields a
 *   `delivered` event; a Delivered for an unknown id (already answered)
 *   yields nothing.
 * - An ErrorFrame `rateLimited` about a message in the outbox keeps it there
 *   to be sent again (no event: the user's message is not lost); any other
 *   refusal of a message drops it and yields an `error` event naming it.
 * - Presence and MemberList pass through; frames that only make sense
 *   before the join are ignored.
 * - FileOffered, FileList and FileError pass through (offers and listings
 *   reach the chat link; a FileError there answers nothing of a transfer,
 *   which runs on a file link of its own). The other file frames belong to
 *   a transfer's link and are ignored here.
 *
 * @example
 * ```ts
 * import { RoomInbox } from "./room_inbox.ts";
 * import { messageId, roomSequence } from "../protocol/mod.ts";
 * const inbox = new RoomInbox();
 * const message = {
 *   type: "roomMessage", sequence: roomSequence(1), messageId: messageId(new Uint8Array(16)),
 *   from: "bob", kind: "say", text: "hi", sentAt: 0,
 * } as const;
 * if (inbox.handleFrame(message, 0, 0)?.type !== "message") throw new Error("shown");
 * if (inbox.handleFrame(message, 0, 0) !== null) throw new Error("a repeat is not shown");
 * ```
 *
 * @module
 */

import type { ServerFrame } from "../protocol/mod.ts";
import type { ChatEvent } from "./chat_events.ts";
import { Outbox } from "./outbox.ts";
import { ShownMessages } from "./shown_messages.ts";

/** The outbox and the shown-messages filter, driven by server frames. */
export class RoomInbox {
  /** Messages sent and not yet acknowledged. */
  readonly outbox: Outbox;
  /** What the user has been shown. */
  readonly shown: ShownMessages;

  /** A fresh state (an empty outbox, nothing shown yet). */
  constructor(outbox: Outbox = new Outbox(), shown: ShownMessages = new ShownMessages()) {
    this.outbox = outbox;
    this.shown = shown;
  }

  /** A (re)join: the room's latest sequence, and every queued message to be sent again. */
  handleJoined(lastSequence: number): void {
    this.shown.handleJoined(lastSequence);
    this.outbox.handleNewLink();
  }

  /**
   * Applies one frame of a joined session; returns the event to report, or
   * null. `now` is the monotonic clock (for the outbox's pacing) and
   * `wallClock` milliseconds since the Unix epoch (stamped on `delivered`).
   */
  handleFrame(frame: ServerFrame, now: number, wallClock: number): ChatEvent | null {
    switch (frame.type) {
      case "roomMessage":
        return this.shown.acceptRoomMessage(frame.sequence)
          ? { type: "message", message: frame }
          : null;
      case "privateDelivery":
        return this.shown.acceptPrivate(frame.messageId)
          ? { type: "private", message: frame }
          : null;
      case "presence":
        return { type: "presence", presence: frame };
      case "memberList":
        return { type: "members", members: frame.members };
      case "delivered": {
        const entry = this.outbox.handleDelivered(frame.messageId);
        if (entry === undefined) return null;
        return { type: "delivered", frame: entry.frame, sequence: frame.sequence, at: wallClock };
      }
      case "error": {
        const { code, inReplyTo, retryAfterMs, message } = frame;
        if (inReplyTo === undefined) return { type: "error", code, message, retryAfterMs };
        if (code === "rateLimited" && this.outbox.handleRateLimited(inReplyTo, retryAfterMs, now)) {
          return null;
        }
        const refused = this.outbox.handleRefused(inReplyTo)?.frame;
        return refused === undefined
          ? { type: "error", code, message, retryAfterMs }
          : { type: "error", code, message, retryAfterMs, refused };
      }
      case "fileOffered":
        return { type: "fileOffered", file: frame.file };
      case "fileList":
        return { type: "files", files: frame.files };
      case "fileError": {
        const { code, message, fileId } = frame;
        return fileId === undefined
          ? { type: "fileError", code, message }
          : { type: "fileError", code, message, fileId };
      }
      default: // Welcome, AuthResult, JoinResult, SessionEnded: the session's, not ours;
        // UploadReady, UploadProgress, UploadDone, FileData, DownloadEnd: a file link's.
        return null;
    }
  }
}
