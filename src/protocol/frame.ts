/**
 * The Frame union and the table that ties each frame's `type` to its type
 * byte, its name in error messages and its codec. Adding a frame means a
 * file in `frames/`, a line in `FrameType`, a line in `FRAME_CODECS`, a
 * member of `ClientFrame` or `ServerFrame`, and a row in docs/protocol.md.
 *
 * Type bytes: client-to-server frames have the high bit clear (0x01...),
 * server-to-client frames have it set (0x81...).
 *
 * @module
 */

import type { Reader, Writer } from "./buffer.ts";
import { type AuthResult, decodeAuthResult, encodeAuthResult } from "./frames/auth_result.ts";
import { decodeDelivered, type Delivered, encodeDelivered } from "./frames/delivered.ts";
import { decodeDownload, type Download, encodeDownload } from "./frames/download.ts";
import { decodeDownloadEnd, type DownloadEnd, encodeDownloadEnd } from "./frames/download_end.ts";
import { decodeEmote, type Emote, encodeEmote } from "./frames/emote.ts";
import { decodeErrorFrame, encodeErrorFrame, type ErrorFrame } from "./frames/error_frame.ts";
import { decodeFileChunk, encodeFileChunk, type FileChunk } from "./frames/file_chunk.ts";
import { decodeFileData, encodeFileData, type FileData } from "./frames/file_data.ts";
import {
  decodeFileErrorFrame,
  encodeFileErrorFrame,
  type FileErrorFrame,
} from "./frames/file_error.ts";
import { decodeFileList, encodeFileList, type FileList } from "./frames/file_list.ts";
import {
  decodeFileListRequest,
  encodeFileListRequest,
  type FileListRequest,
} from "./frames/file_list_request.ts";
import { decodeFileOffered, encodeFileOffered, type FileOffered } from "./frames/file_offered.ts";
import { decodeHello, encodeHello, type Hello } from "./frames/hello.ts";
import { decodeJoinFiles, encodeJoinFiles, type JoinFiles } from "./frames/join_files.ts";
import { decodeJoinResult, encodeJoinResult, type JoinResult } from "./frames/join_result.ts";
import { decodeJoinRoom, encodeJoinRoom, type JoinRoom } from "./frames/join_room.ts";
import { decodeLeave, encodeLeave, type Leave } from "./frames/leave.ts";
import { decodeLogin, encodeLogin, type Login } from "./frames/login.ts";
import { decodeMemberList, encodeMemberList, type MemberList } from "./frames/member_list.ts";
import { decodePresence, encodePresence, type Presence } from "./frames/presence.ts";
import {
  decodePrivateDelivery,
  encodePrivateDelivery,
  type PrivateDelivery,
} from "./frames/private_delivery.ts";
import {
  decodePrivateMessage,
  encodePrivateMessage,
  type PrivateMessage,
} from "./frames/private_message.ts";
import { decodeRegister, encodeRegister, type Register } from "./frames/register.ts";
import { decodeRoomMessage, encodeRoomMessage, type RoomMessage } from "./frames/room_message.ts";
import { decodeSay, encodeSay, type Say } from "./frames/say.ts";
import {
  decodeSessionEnded,
  encodeSessionEnded,
  type SessionEnded,
} from "./frames/session_ended.ts";
import { decodeUploadDone, encodeUploadDone, type UploadDone } from "./frames/upload_done.ts";
import { decodeUploadEnd, encodeUploadEnd, type UploadEnd } from "./frames/upload_end.ts";
import {
  decodeUploadProgress,
  encodeUploadProgress,
  type UploadProgress,
} from "./frames/upload_progress.ts";
import { decodeUploadReady, encodeUploadReady, type UploadReady } from "./frames/upload_ready.ts";
import { decodeUploadStart, encodeUploadStart, type UploadStart } from "./frames/upload_start.ts";
import { decodeWelcome, encodeWelcome, type Welcome } from "./frames/welcome.ts";
import { decodeWhoRequest, encodeWhoRequest, type WhoRequest } from "./frames/who_request.ts";

/** A frame a client sends to the server. */
export type ClientFrame =
  | Hello
  | Register
  | Login
  | JoinRoom
  | Say
  | Emote
  | PrivateMessage
  | WhoRequest
  | Leave
  | JoinFiles
  | UploadStart
  | FileChunk
  | UploadEnd
  | FileListRequest
  | Download;

/** A frame the server sends to a client. */
export type ServerFrame =
  | Welcome
  | AuthResult
  | JoinResult
  | RoomMessage
  | PrivateDelivery
  | Delivered
  | Presence
  | MemberList
  | ErrorFrame
  | SessionEnded
  | UploadReady
  | UploadProgress
  | UploadDone
  | FileErrorFrame
  | FileList
  | FileOffered
  | FileData
  | DownloadEnd;

/** Any frame: exactly one travels in each transport message. Discriminated by `type`. */
export type Frame = ClientFrame | ServerFrame;

/** The type byte (byte 0 of the message) of each frame. */
export const FrameType = {
  hello: 0x01,
  register: 0x02,
  login: 0x03,
  joinRoom: 0x04,
  say: 0x05,
  emote: 0x06,
  privateMessage: 0x07,
  whoRequest: 0x08,
  leave: 0x09,
  joinFiles: 0x0a,
  uploadStart: 0x0b,
  fileChunk: 0x0c,
  uploadEnd: 0x0d,
  fileListRequest: 0x0e,
  download: 0x0f,
  welcome: 0x81,
  authResult: 0x82,
  joinResult: 0x83,
  roomMessage: 0x84,
  privateDelivery: 0x85,
  delivered: 0x86,
  presence: 0x87,
  memberList: 0x88,
  error: 0x89,
  sessionEnded: 0x8a,
  uploadReady: 0x8b,
  uploadProgress: 0x8c,
  uploadDone: 0x8d,
  fileError: 0x8e,
  fileList: 0x8f,
  fileOffered: 0x90,
  fileData: 0x91,
  downloadEnd: 0x92,
} as const satisfies Record<Frame["type"], number>;

/** The high bit of a type byte: set on server-to-client frames. */
export const SERVER_FRAME_BIT = 0x80;

/** How one kind of frame is named, written and read (its fields, after the type byte). */
export interface FrameCodec<F extends Frame> {
  /** The frame's name in error messages and docs (`Cannot decode Say: ...`). */
  readonly name: string;
  /** Writes the fields. */
  readonly encode: (writer: Writer, frame: F) => void;
  /** Reads the fields. */
  readonly decode: (reader: Reader) => F;
}

/** Every frame's codec, by `type`. */
export const FRAME_CODECS: {
  readonly [T in Frame["type"]]: FrameCodec<Extract<Frame, { type: T }>>;
} = {
  hello: { name: "Hello", encode: encodeHello, decode: decodeHello },
  register: { name: "Register", encode: encodeRegister, decode: decodeRegister },
  login: { name: "Login", encode: encodeLogin, decode: decodeLogin },
  joinRoom: { name: "JoinRoom", encode: encodeJoinRoom, decode: decodeJoinRoom },
  say: { name: "Say", encode: encodeSay, decode: decodeSay },
  emote: { name: "Emote", encode: encodeEmote, decode: decodeEmote },
  privateMessage: {
    name: "PrivateMessage",
    encode: encodePrivateMessage,
    decode: decodePrivateMessage,
  },
  whoRequest: { name: "WhoRequest", encode: encodeWhoRequest, decode: decodeWhoRequest },
  leave: { name: "Leave", encode: encodeLeave, decode: decodeLeave },
  joinFiles: { name: "JoinFiles", encode: encodeJoinFiles, decode: decodeJoinFiles },
  uploadStart: { name: "UploadStart", encode: encodeUploadStart, decode: decodeUploadStart },
  fileChunk: { name: "FileChunk", encode: encodeFileChunk, decode: decodeFileChunk },
  uploadEnd: { name: "UploadEnd", encode: encodeUploadEnd, decode: decodeUploadEnd },
  fileListRequest: {
    name: "FileListRequest",
    encode: encodeFileListRequest,
    decode: decodeFileListRequest,
  },
  download: { name: "Download", encode: encodeDownload, decode: decodeDownload },
  welcome: { name: "Welcome", encode: encodeWelcome, decode: decodeWelcome },
  authResult: { name: "AuthResult", encode: encodeAuthResult, decode: decodeAuthResult },
  joinResult: { name: "JoinResult", encode: encodeJoinResult, decode: decodeJoinResult },
  roomMessage: { name: "RoomMessage", encode: encodeRoomMessage, decode: decodeRoomMessage },
  privateDelivery: {
    name: "PrivateDelivery",
    encode: encodePrivateDelivery,
    decode: decodePrivateDelivery,
  },
  delivered: { name: "Delivered", encode: encodeDelivered, decode: decodeDelivered },
  presence: { name: "Presence", encode: encodePresence, decode: decodePresence },
  memberList: { name: "MemberList", encode: encodeMemberList, decode: decodeMemberList },
  error: { name: "ErrorFrame", encode: encodeErrorFrame, decode: decodeErrorFrame },
  sessionEnded: { name: "SessionEnded", encode: encodeSessionEnded, decode: decodeSessionEnded },
  uploadReady: { name: "UploadReady", encode: encodeUploadReady, decode: decodeUploadReady },
  uploadProgress: {
    name: "UploadProgress",
    encode: encodeUploadProgress,
    decode: decodeUploadProgress,
  },
  uploadDone: { name: "UploadDone", encode: encodeUploadDone, decode: decodeUploadDone },
  fileError: { name: "FileErrorFrame", encode: encodeFileErrorFrame, decode: decodeFileErrorFrame },
  fileList: { name: "FileList", encode: encodeFileList, decode: decodeFileList },
  fileOffered: { name: "FileOffered", encode: encodeFileOffered, decode: decodeFileOffered },
  fileData: { name: "FileData", encode: encodeFileData, decode: decodeFileData },
  downloadEnd: { name: "DownloadEnd", encode: encodeDownloadEnd, decode: decodeDownloadEnd },
};
