/**
 * The protocol version and every limit the codec enforces. docs/protocol.md
 * lists the same numbers; change both together (and the version, since an
 * older peer would refuse what a newer one sends).
 *
 * @module
 */

/** The application protocol version sent in Hello and Welcome. */
export const PROTOCOL_VERSION = 1;

/** A member name holds 1 to this many Unicode code points. */
export const MAX_NAME_CHARACTERS = 32;
/** A member name's UTF-8 length bound that follows from its character limit (4 bytes each). */
export const MAX_NAME_BYTES = MAX_NAME_CHARACTERS * 4;
/** An account password or the room password is 1 to this many UTF-8 bytes. */
export const MAX_PASSWORD_BYTES = 1024;
/** A chat text (Say, Emote, private message) is 0 to this many UTF-8 bytes. */
export const MAX_TEXT_BYTES = 4096;
/** A human-readable explanation (the `message` of a server frame) is 0 to this many bytes. */
export const MAX_EXPLANATION_BYTES = 1024;
/** A server's display name (Welcome) is 1 to this many UTF-8 bytes when present. */
export const MAX_SERVER_NAME_BYTES = 128;
/** A MemberList holds at most this many members. */
export const MAX_MEMBERS = 10_000;
/** Length of a message id: random bytes chosen by the sending client. */
export const MESSAGE_ID_BYTES = 16;
/**
 * The server remembers at least this many recent message ids per account
 * (docs/protocol.md, "De-duplication"), so a client keeps at most this many
 * messages unacknowledged by Delivered.
 */
export const DEDUPLICATION_WINDOW = 1024;
