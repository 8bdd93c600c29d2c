/**
 * The protocol version and every limit the codec enforces. docs/protocol.md
 * lists the same numbers; change both together (and the version, since an
 * older peer would refuse what a newer one sends).
 *
 * @module
 */

/** The application protocol version sent in Hello and Welcome. */
export const PROTOCOL_VERSION = 2;

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

/** The bytes of file content a sender puts in each FileChunk (the last one may be shorter). */
export const FILE_CHUNK_BYTES = 65_536;
/** FileChunk and FileData carry 0 to this many bytes of content (the codec's limit). */
export const MAX_CHUNK_BYTES = 262_144;
/** A file name is 1 to this many UTF-8 bytes. */
export const MAX_FILE_NAME_BYTES = 255;
/** A FileList holds at most this many files. */
export const MAX_FILES = 1_000;
/**
 * The characters of the file ids the server generates: Crockford's base32 in
 * lower case (no i, l, o, u), so an id read aloud or typed is hard to get wrong.
 */
export const FILE_ID_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";
/**
 * A file id on the wire is 1 to this many characters of `[0-9a-z]`: wider
 * than what the server generates, so the id format can change without a new
 * protocol version.
 */
export const MAX_FILE_ID_CHARACTERS = 32;
/** Length of a SHA-256 hash: raw bytes, not hex. */
export const SHA256_BYTES = 32;
/** Length of an UploadStart's resume key: random bytes chosen by the uploading client. */
export const RESUME_KEY_BYTES = 16;
