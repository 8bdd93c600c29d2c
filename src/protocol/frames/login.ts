/**
 * Login (client -> server, type 0x03): authenticates as an existing account.
 * Same layout as Register.
 *
 * @module
 */

import type { Reader, Writer } from "../buffer.ts";
import { nameField, passwordField } from "../fields.ts";

/** Asks to log in with this name and password; answered by AuthResult. */
export interface Login {
  /** Discriminant. */
  readonly type: "login";
  /** The account's name, 1 to 32 characters, as typed (the server normalises it). */
  readonly name: string;
  /** The account's password, 1 to 1024 bytes of UTF-8. */
  readonly password: string;
}

/** Writes a Login's fields (after the type byte). */
export function encodeLogin(writer: Writer, frame: Login): void {
  nameField.encode(writer, frame.name, "name");
  passwordField.encode(writer, frame.password, "password");
}

/** Reads a Login's fields (after the type byte). */
export function decodeLogin(reader: Reader): Login {
  return {
    type: "login",
    name: nameField.decode(reader, "name"),
    password: passwordField.decode(reader, "password"),
  };
}
