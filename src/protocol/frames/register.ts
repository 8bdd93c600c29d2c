/**
 * Register (client -> server, type 0x02): creates an account and logs in as
 * it. Only inside the secure channel does the password travel; the server
 * stores a PBKDF2 hash of it, never the password.
 *
 * @module
 */

import type { Reader, Writer } from "../buffer.ts";
import { nameField, passwordField } from "../fields.ts";

/** Asks for a new account with this name and password; answered by AuthResult. */
export interface Register {
  /** Discriminant. */
  readonly type: "register";
  /** The wanted name, 1 to 32 characters, as typed (the server normalises it). */
  readonly name: string;
  /** The new account's password, 1 to 1024 bytes of UTF-8. */
  readonly password: string;
}

/** Writes a Register's fields (after the type byte). */
export function encodeRegister(writer: Writer, frame: Register): void {
  nameField.encode(writer, frame.name, "name");
  passwordField.encode(writer, frame.password, "password");
}

/** Reads a Register's fields (after the type byte). */
export function decodeRegister(reader: Reader): Register {
  return {
    type: "register",
    name: nameField.decode(reader, "name"),
    password: passwordField.decode(reader, "password"),
  };
}
