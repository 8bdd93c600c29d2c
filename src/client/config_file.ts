/**
 * The client's optional settings file, `MOCHI_HOME/config.json`: the server
 * to join and the account to join as, so that `mochi client` needs no
 * options. Command-line options win over it.
 *
 * ```json
 * { "server": "chat.example:55555", "user": "ada" }
 * ```
 *
 * Both keys are optional; any other key, a value of another type, or a file
 * that is not one JSON object is refused with a message naming the file (a
 * typo should not be silently ignored). A missing file is no settings.
 * Whether `server` is a usable address is the CLI's check.
 *
 * @example
 * ```ts
 * import { parseClientConfig } from "./config_file.ts";
 * const config = parseClientConfig('{"user": "ada"}', "/home/ada/.local/share/mochi/config.json");
 * if (config.user !== "ada" || config.server !== undefined) throw new Error("unexpected");
 * ```
 *
 * @module
 */

import { join } from "node:path";
import { MochiError } from "../errors.ts";
import { MAX_NAME_CHARACTERS } from "../protocol/mod.ts";

/** The file's name inside `MOCHI_HOME`. */
export const CONFIG_FILE_NAME = "config.json";

/** Larger files are refused unread: the settings are a few bytes. */
export const MAXIMUM_CONFIG_BYTES = 64 * 1024;

/** The settings; each is absent when the file does not give it. */
export interface ClientConfig {
  /** The server's address as written (`host:port`, `[v6]:port`). */
  readonly server?: string;
  /** The account name. */
  readonly user?: string;
}

/** The file cannot be read or is not valid; the message names the file and the problem. */
export class ConfigFileError extends MochiError {}

/** Where the settings file of the client home `homeDirectory` is. */
export function configFilePath(homeDirectory: string): string {
  return join(homeDirectory, CONFIG_FILE_NAME);
}

/** Parses the file's text; `path` is only used in error messages. */
export function parseClientConfig(text: string, path: string): ClientConfig {
  const problem = (why: string) => new ConfigFileError(`Cannot use ${path}: ${why}`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw problem(`it is not valid JSON (${error instanceof Error ? error.message : error})`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw problem('expected one JSON object, such as {"server": "host:port", "user": "name"}');
  }
  const config: { server?: string; user?: string } = {};
  for (const [key, field] of Object.entries(value)) {
    if (key !== "server" && key !== "user") {
      throw problem(`unknown setting "${key}" (the settings are "server" and "user")`);
    }
    if (typeof field !== "string" || field.trim() === "") {
      throw problem(`"${key}" must be a non-empty string`);
    }
    config[key] = field.trim();
  }
  if (config.user !== undefined && [...config.user].length > MAX_NAME_CHARACTERS) {
    throw problem(`"user" is longer than ${MAX_NAME_CHARACTERS} characters`);
  }
  return config;
}

/** Reads the settings of `homeDirectory`: none when the file does not exist. */
export async function loadClientConfig(homeDirectory: string): Promise<ClientConfig> {
  const path = configFilePath(homeDirectory);
  let bytes: Uint8Array;
  try {
    const info = await Deno.stat(path);
    if (!info.isFile) throw new ConfigFileError(`Cannot use ${path}: it is not a file`);
    if (info.size > MAXIMUM_CONFIG_BYTES) {
      throw new ConfigFileError(`Cannot use ${path}: larger than ${MAXIMUM_CONFIG_BYTES} bytes`);
    }
    bytes = await Deno.readFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return {};
    if (error instanceof ConfigFileError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigFileError(`Cannot read ${path}: ${reason}`, { cause: error });
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new ConfigFileError(`Cannot use ${path}: it is not UTF-8`);
  }
  return parseClientConfig(text, path);
}
