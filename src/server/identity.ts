/**
 * The server's identity: the static X25519 key pair it proves in every Noise
 * NX handshake, and that clients pin on first use. It is generated on the
 * first start and kept in the server's Deno KV; every later start (and
 * `mochi server fingerprint`) reads the same key back.
 *
 * Rules:
 * - the key is created with an atomic "only if absent" check, so two servers
 *   starting at once on the same data cannot both write a key: the loser
 *   reads and uses the winner's;
 * - what is read back is validated; a damaged record is an error, never a
 *   reason to make a new key, since a new key would make every client refuse
 *   the server (or, worse, teach users to ignore that refusal).
 *
 * @example
 * ```ts ignore
 * import { loadOrCreateServerIdentity, openServerKv } from "./identity.ts";
 * const kv = await openServerKv("/var/lib/mochi");
 * const identity = await loadOrCreateServerIdentity(kv, (n) => crypto.getRandomValues(new Uint8Array(n)));
 * console.log(identity.fingerprint); // SHA256:...
 * kv.close();
 * ```
 *
 * @module
 */

import { join } from "node:path";
import { MochiError } from "../errors.ts";
import {
  fingerprint,
  type KeyPair,
  keyPairFromPrivateKey,
  X25519_KEY_LENGTH,
} from "../secure/mod.ts";
import { retryWhileLocked } from "./kv_retry.ts";

/** Where the identity lives in the server's KV. */
export const SERVER_IDENTITY_KEY: Deno.KvKey = ["server", "identity"];

/** Name of the KV file inside the server's data directory. */
export const SERVER_KV_FILE_NAME = "mochi.kv";

/** The record stored under {@link SERVER_IDENTITY_KEY}. */
export interface StoredServerIdentity {
  /** The 32-byte X25519 private key. */
  privateKey: Uint8Array;
  /** When the key was generated, as an ISO 8601 string. */
  createdAt: string;
}

/** The server's identity, ready for the transport and for display. */
export interface ServerIdentity {
  /** The static key pair (the shape `UdpEndpoint.bind`'s `identity` takes). */
  keyPair: KeyPair;
  /** `SHA256:...` of the public key, as clients show and pin it. */
  fingerprint: string;
  /** When the key was generated (ISO 8601). */
  createdAt: string;
  /** True when this call generated the key (first start). */
  created: boolean;
}

/**
 * The stored identity is unusable (wrong type, wrong length, unreadable).
 * It is local state gone bad, not the user's input nor a peer's fault.
 */
export class ServerIdentityCorrupt extends MochiError {}

/** Path of the server's KV file in `dataDirectory`. */
export function serverKvPath(dataDirectory: string): string {
  return join(dataDirectory, SERVER_KV_FILE_NAME);
}

/**
 * Opens (creating if needed) the server's KV store `<data>/mochi.kv`. The
 * directory is created with mode 0700 and the file with mode 0600 (SQLite
 * gives its -wal and -shm files the same mode), because it holds the
 * private key. An existing directory's mode is left as the admin set it.
 */
export async function openServerKv(dataDirectory: string): Promise<Deno.Kv> {
  await Deno.mkdir(dataDirectory, { recursive: true, mode: 0o700 });
  const path = serverKvPath(dataDirectory);
  try {
    // An empty file is a valid, empty SQLite database: creating it first is
    // what lets us choose its mode.
    await Deno.writeFile(path, new Uint8Array(), { createNew: true, mode: 0o600 });
  } catch (error) {
    if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
  }
  return await retryWhileLocked(() => Deno.openKv(path));
}

/**
 * Reads the stored identity without creating one: null when the server has
 * never started on this data. Throws {@link ServerIdentityCorrupt} when the
 * stored record is damaged.
 */
export async function loadServerIdentity(kv: Deno.Kv): Promise<ServerIdentity | null> {
  const entry = await kv.get(SERVER_IDENTITY_KEY);
  if (entry.versionstamp === null) return null;
  return identityFromStored(entry.value, false);
}

/**
 * The server's identity: the stored one, or on the very first start a new
 * key from `randomBytes`, stored atomically (if another process stored one
 * first, that one is returned instead). Throws {@link ServerIdentityCorrupt}
 * when the stored record is damaged, rather than replacing it.
 */
export async function loadOrCreateServerIdentity(
  kv: Deno.Kv,
  randomBytes: (length: number) => Uint8Array,
  now: () => Date = () => new Date(),
): Promise<ServerIdentity> {
  // Three rounds suffice: a failed check means someone wrote a key, which the
  // next read finds (unless it was deleted in between, which is no race we
  // need to win).
  for (let attempt = 0; attempt < 3; attempt++) {
    const existing = await retryWhileLocked(() => loadServerIdentity(kv));
    if (existing !== null) return existing;
    const privateKey = randomBytes(X25519_KEY_LENGTH);
    const usable = privateKey instanceof Uint8Array && privateKey.length === X25519_KEY_LENGTH &&
      privateKey.some((byte) => byte !== 0);
    if (!usable) {
      throw new MochiError("Cannot create the server identity: the random source gave a bad key");
    }
    const record: StoredServerIdentity = {
      privateKey: privateKey.slice(),
      createdAt: now().toISOString(),
    };
    const result = await retryWhileLocked(() =>
      kv.atomic()
        .check({ key: SERVER_IDENTITY_KEY, versionstamp: null })
        .set(SERVER_IDENTITY_KEY, record)
        .commit()
    );
    if (result.ok) return identityFromStored(record, true);
  }
  throw new MochiError(
    "Cannot create the server identity: another process keeps changing it in the same data",
  );
}

/** Validates a stored record; anything unexpected is {@link ServerIdentityCorrupt}. */
function identityFromStored(value: unknown, created: boolean): ServerIdentity {
  const where = `the stored identity (key ${JSON.stringify(SERVER_IDENTITY_KEY)})`;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ServerIdentityCorrupt(`Cannot use ${where}: it is not a record`);
  }
  const { privateKey, createdAt } = value as Partial<Record<keyof StoredServerIdentity, unknown>>;
  if (!(privateKey instanceof Uint8Array)) {
    throw new ServerIdentityCorrupt(`Cannot use ${where}: its private key is not bytes`);
  }
  if (privateKey.length !== X25519_KEY_LENGTH) {
    throw new ServerIdentityCorrupt(
      `Cannot use ${where}: its private key has ${privateKey.length} bytes, not ${X25519_KEY_LENGTH}`,
    );
  }
  if (privateKey.every((byte) => byte === 0)) {
    throw new ServerIdentityCorrupt(`Cannot use ${where}: its private key is all zeros`);
  }
  if (typeof createdAt !== "string" || Number.isNaN(Date.parse(createdAt))) {
    throw new ServerIdentityCorrupt(`Cannot use ${where}: its creation time is not a date`);
  }
  const keyPair = keyPairFromPrivateKey(privateKey);
  return { keyPair, fingerprint: fingerprint(keyPair.publicKey), createdAt, created };
}
