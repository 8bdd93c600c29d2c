/**
 * mochi's application wire protocol: the typed frames a client and the server
 * exchange inside the secure channel, one frame per transport message, and
 * their binary codec. Pure code: no sockets, clocks or randomness.
 *
 * A message is byte 0, the frame type, then the frame's fields, nothing more
 * (docs/protocol.md draws every layout). `decodeFrame` accepts exactly the
 * bytes `encodeFrame` produces and throws `FrameError` for anything else;
 * `encodeFrame` throws `FrameEncodingError` for a frame the wire cannot carry.
 *
 * @example
 * ```ts
 * import { decodeFrame, encodeFrame, messageId } from "./mod.ts";
 * const say = { type: "say", messageId: messageId(new Uint8Array(16)), text: "hi" } as const;
 * const frame = decodeFrame(encodeFrame(say));
 * if (frame.type !== "say" || frame.text !== "hi") throw new Error("round trip failed");
 * ```
 *
 * @module
 */

import { Reader, Writer } from "./buffer.ts";
import { FrameEncodingError, FrameError } from "./errors.ts";
import {
  type ClientFrame,
  type Frame,
  FRAME_CODECS,
  type FrameCodec,
  FrameType,
  SERVER_FRAME_BIT,
  type ServerFrame,
} from "./frame.ts";

export * from "./limits.ts";
export { FrameEncodingError, FrameError } from "./errors.ts";
export {
  type ClientFrame,
  type Frame,
  FrameType,
  SERVER_FRAME_BIT,
  type ServerFrame,
} from "./frame.ts";
export {
  type FileInfo,
  isFileIdText,
  type MessageId,
  messageId,
  messageIdToHex,
  type RoomSequence,
  roomSequence,
} from "./fields.ts";
export type { Hello } from "./frames/hello.ts";
export type { Register } from "./frames/register.ts";
export type { Login } from "./frames/login.ts";
export type { JoinRoom } from "./frames/join_room.ts";
export type { Say } from "./frames/say.ts";
export type { Emote } from "./frames/emote.ts";
export type { PrivateMessage } from "./frames/private_message.ts";
export type { WhoRequest } from "./frames/who_request.ts";
export type { Leave } from "./frames/leave.ts";
export type { Welcome } from "./frames/welcome.ts";
export { AuthOutcome, type AuthResult } from "./frames/auth_result.ts";
export { JoinOutcome, type JoinResult } from "./frames/join_result.ts";
export { MessageKind, type RoomMessage } from "./frames/room_message.ts";
export type { PrivateDelivery } from "./frames/private_delivery.ts";
export type { Delivered } from "./frames/delivered.ts";
export { type Presence, PresenceKind } from "./frames/presence.ts";
export type { MemberEntry, MemberList } from "./frames/member_list.ts";
export { ErrorCode, type ErrorFrame } from "./frames/error_frame.ts";
export { type SessionEnded, SessionEndReason } from "./frames/session_ended.ts";
export type { JoinFiles } from "./frames/join_files.ts";
export type { UploadStart } from "./frames/upload_start.ts";
export type { FileChunk } from "./frames/file_chunk.ts";
export type { UploadEnd } from "./frames/upload_end.ts";
export type { FileListRequest } from "./frames/file_list_request.ts";
export type { Download } from "./frames/download.ts";
export type { UploadReady } from "./frames/upload_ready.ts";
export type { UploadProgress } from "./frames/upload_progress.ts";
export type { UploadDone } from "./frames/upload_done.ts";
export { FileErrorCode, type FileErrorFrame } from "./frames/file_error.ts";
export type { FileList } from "./frames/file_list.ts";
export type { FileOffered } from "./frames/file_offered.ts";
export type { FileData } from "./frames/file_data.ts";
export type { DownloadEnd } from "./frames/download_end.ts";

const TYPE_BY_BYTE = new Map<number, Frame["type"]>(
  Object.entries(FrameType).map(([type, byte]) => [byte, type as Frame["type"]]),
);

// TypeScript cannot correlate `frame.type` with the table entry it selects,
// so the lookup widens the entry to accept any frame; the table's own type
// guarantees that each entry handles exactly the frames of its key.
function codecOf(type: Frame["type"]): FrameCodec<Frame> | undefined {
  return Object.hasOwn(FRAME_CODECS, type)
    ? FRAME_CODECS[type] as unknown as FrameCodec<Frame>
    : undefined;
}

/** Encodes one frame as the bytes of one transport message. */
export function encodeFrame(frame: Frame): Uint8Array {
  const codec = codecOf(frame.type);
  if (codec === undefined) {
    throw new FrameEncodingError(`Cannot encode frame: unknown type ${JSON.stringify(frame.type)}`);
  }
  const writer = new Writer(codec.name);
  writer.writeUint(1, FrameType[frame.type]);
  codec.encode(writer, frame);
  return writer.finish();
}

/**
 * Decodes the bytes of one transport message as one frame of either
 * direction. Throws `FrameError`, and nothing else, unless the bytes are
 * exactly one well-formed frame.
 */
export function decodeFrame(bytes: Uint8Array): Frame {
  if (bytes.length === 0) throw new FrameError("Cannot decode frame: the message is empty");
  const typeByte = bytes[0]!;
  const type = TYPE_BY_BYTE.get(typeByte);
  const codec = type === undefined ? undefined : codecOf(type);
  if (codec === undefined) {
    throw new FrameError(`Cannot decode frame: unknown frame type ${hexByte(typeByte)}`);
  }
  const reader = new Reader(bytes, codec.name, 1);
  const frame = codec.decode(reader);
  reader.expectEnd();
  return frame;
}

/** Whether a frame travels from client to server. */
export function isClientFrame(frame: Frame): frame is ClientFrame {
  return (FrameType[frame.type] & SERVER_FRAME_BIT) === 0;
}

/** Decodes a message the server received: a server-to-client frame is a `FrameError` too. */
export function decodeClientFrame(bytes: Uint8Array): ClientFrame {
  refuseDirection(bytes, SERVER_FRAME_BIT, "only travels to clients");
  return decodeFrame(bytes) as ClientFrame;
}

/** Decodes a message a client received: a client-to-server frame is a `FrameError` too. */
export function decodeServerFrame(bytes: Uint8Array): ServerFrame {
  refuseDirection(bytes, 0, "only travels to the server");
  return decodeFrame(bytes) as ServerFrame;
}

/** Refuses, before reading any field, a known frame type whose high bit is `bit`. */
function refuseDirection(bytes: Uint8Array, bit: number, why: string): void {
  const typeByte = bytes[0];
  const type = typeByte === undefined ? undefined : TYPE_BY_BYTE.get(typeByte);
  if (type === undefined || (FrameType[type] & SERVER_FRAME_BIT) !== bit) return;
  throw new FrameError(
    `Cannot decode frame: ${FRAME_CODECS[type].name} (${hexByte(typeByte!)}) ${why}`,
  );
}

function hexByte(byte: number): string {
  return `0x${byte.toString(16).padStart(2, "0")}`;
}
