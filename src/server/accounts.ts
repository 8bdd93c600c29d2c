/**
 * Accounts in the server's Deno KV: `["accounts", normalisedName]` holds a
 * {@link StoredAccount} (the name as shown, a password record, when it was
 * made).
 *
 * Rules:
 * - a name is unique under its normalised form (`names.ts`), enforced by an
 *   atomic "only if absent" commit, so two registrations racing for one name
 *   (in one process or in two, on the same KV file) cannot both succeed;
 * - changes to an existing account (new password, removal) commit only if
 *   the record is still the one read, so a removal is never undone by a
 *   password change landing just after it;
 * - `verifyLogin` costs one hash whether or not the account exists, so its
 *   timing does not tell which names exist (a name that breaks the naming
 *   rules is refused without hashing: that it cannot exist is public);
 * - records are validated when read; a damaged one is
 *   {@link AccountRecordCorrupt}, never silently replaced;
 * - every hash goes through the {@link HashPool} given (if any).
 *
 * Use the module as a namespace: `accounts.register(kv, ...)`.
 *
 * @example
 * ```ts
 * import * as accounts from "./accounts.ts";
 * const kv = await Deno.openKv(":memory:");
 * await accounts.register(kv, "Ada", "pw", { iterations: 1_000 });
 * const account = await accounts.verifyLogin(kv, "ADA", "pw", { iterations: 1_000 });
 * if (account.displayName !== "Ada") throw new Error(account.displayName);
 * kv.close();
 * ```
 *
 * @module
 */

import { MochiError } from "../errors.ts";
import type { HashPool } from "./hash_pool.ts";
import { retryWhileLocked } from "./kv_retry.ts";
import { type AccountName, requireValidName, validateName } from "./names.ts";
import {
  DEFAULT_ITERATIONS,
  HASH_LENGTH,
  hashPassword,
  parsePasswordRecord,
  PASSWORD_ALGORITHM,
  passwordProblem,
  type PasswordRecord,
  SALT_LENGTH,
  UnacceptablePassword,
  verifyPassword,
} from "./password_hash.ts";

/** The KV prefix under which accounts live: `["accounts", <normalised name>]`. */
export const ACCOUNTS_PREFIX = ["accounts"] as const;

/** What is stored per account. */
export interface StoredAccount {
  /** The name as its owner typed it (NFKC, case kept). */
  displayName: string;
  /** The password's PBKDF2 record. */
  password: PasswordRecord;
  /** When the account was made (ISO 8601). */
  createdAt: string;
}

/** An account as callers see it: no password material. */
export interface Account {
  /** The normalised name: the account's identity. */
  name: AccountName;
  /** The name as shown to others. */
  displayName: string;
  /** When the account was made (ISO 8601). */
  createdAt: string;
}

/** Options of the operations that hash. */
export interface AccountOptions {
  /** PBKDF2 iterations for new records (default 600,000); tests pass small counts. */
  iterations?: number;
  /** Bounds concurrent hashing (the server passes its pool; the CLI none). */
  pool?: HashPool;
  /** Salt source (default `crypto.getRandomValues`). */
  randomBytes?: (length: number) => Uint8Array;
  /** The clock for `createdAt` (default: now). */
  now?: () => Date;
}

/** Registration asked for a name another account holds (in its normalised form). */
export class NameTaken extends MochiError {}

/** Login failed: no such account, or a wrong password. Deliberately the same error. */
export class WrongCredentials extends MochiError {}

/** An operator's operation named an account that does not exist. */
export class NoSuchAccount extends MochiError {}

/** A stored account record is damaged: local state gone bad. */
export class AccountRecordCorrupt extends MochiError {}

/** The KV key of the account named (normalised) `name`. */
export function accountKey(name: AccountName): Deno.KvKey {
  return [...ACCOUNTS_PREFIX, name];
}

/**
 * Creates an account. Throws `InvalidName` (names.ts), `UnacceptablePassword`
 * (password_hash.ts), {@link NameTaken}, or `HashPoolBusy` (hash_pool.ts).
 */
export async function register(
  kv: Deno.Kv,
  name: string,
  password: string,
  options: AccountOptions = {},
): Promise<Account> {
  const valid = requireValidName(name);
  requireAcceptablePassword(password);
  const key = accountKey(valid.name);
  const taken = () => new NameTaken("Cannot register: the name is taken");
  // Cheap early answer; the atomic check below is what guarantees uniqueness.
  if ((await retryWhileLocked(() => kv.get(key))).versionstamp !== null) throw taken();
  const record = await hashWith(options, () => hashPassword(password, options));
  const stored: StoredAccount = {
    displayName: valid.displayName,
    password: record,
    createdAt: (options.now ?? (() => new Date()))().toISOString(),
  };
  const result = await retryWhileLocked(() =>
    kv.atomic().check({ key, versionstamp: null }).set(key, stored).commit()
  );
  if (!result.ok) throw taken();
  return { name: valid.name, displayName: stored.displayName, createdAt: stored.createdAt };
}

/**
 * Checks a login. Resolves with the account, or throws {@link WrongCredentials}
 * (unknown name and wrong password alike, after the same hashing work),
 * `HashPoolBusy`, or {@link AccountRecordCorrupt}. A record hashed with fewer
 * iterations than `options.iterations` is re-hashed on success.
 */
export async function verifyLogin(
  kv: Deno.Kv,
  name: string,
  password: string,
  options: AccountOptions = {},
): Promise<Account> {
  const wrong = () => new WrongCredentials("Cannot log in: wrong name or password");
  const checked = validateName(name);
  if (!checked.ok) throw wrong();
  const entry = await retryWhileLocked(() => kv.get(accountKey(checked.name)));
  const iterations = options.iterations ?? DEFAULT_ITERATIONS;
  if (entry.versionstamp === null) {
    await hashWith(options, () => verifyPassword(password, decoyRecord(iterations)));
    throw wrong();
  }
  const stored = parseStoredAccount(entry.value, checked.name);
  const matches = await hashWith(options, () => verifyPassword(password, stored.password));
  if (!matches) throw wrong();
  if (stored.password.iterations < iterations) {
    // Best effort: if the record changed meanwhile, the newer one stands.
    const upgraded = await hashWith(options, () => hashPassword(password, options));
    await retryWhileLocked(() =>
      kv.atomic().check(entry).set(entry.key, { ...stored, password: upgraded }).commit()
    );
  }
  return { name: checked.name, displayName: stored.displayName, createdAt: stored.createdAt };
}

/** Sets a new password. Throws `InvalidName`, `UnacceptablePassword` or {@link NoSuchAccount}. */
export async function setPassword(
  kv: Deno.Kv,
  name: string,
  password: string,
  options: AccountOptions = {},
): Promise<void> {
  const valid = requireValidName(name);
  requireAcceptablePassword(password);
  const key = accountKey(valid.name);
  if ((await retryWhileLocked(() => kv.get(key))).versionstamp === null) throw noSuchAccount();
  const record = await hashWith(options, () => hashPassword(password, options));
  for (let attempt = 0; attempt < 5; attempt++) {
    const entry = await retryWhileLocked(() => kv.get(key));
    if (entry.versionstamp === null) throw noSuchAccount();
    const stored = parseStoredAccount(entry.value, valid.name);
    const result = await retryWhileLocked(() =>
      kv.atomic().check(entry).set(key, { ...stored, password: record }).commit()
    );
    if (result.ok) return;
  }
  throw new MochiError("Cannot set the password: the account keeps changing under us");
}

/**
 * Deletes an account (even one whose record is damaged). Throws
 * `InvalidName` or {@link NoSuchAccount}.
 */
export async function remove(kv: Deno.Kv, name: string): Promise<void> {
  const key = accountKey(requireValidName(name).name);
  for (let attempt = 0; attempt < 5; attempt++) {
    const entry = await retryWhileLocked(() => kv.get(key));
    if (entry.versionstamp === null) throw noSuchAccount();
    const result = await retryWhileLocked(() => kv.atomic().check(entry).delete(key).commit());
    if (result.ok) return;
  }
  throw new MochiError("Cannot remove the account: it keeps changing under us");
}

/** The account named `name` (any form), or null; `InvalidName` for a name that breaks the rules. */
export async function get(kv: Deno.Kv, name: string): Promise<Account | null> {
  const valid = requireValidName(name);
  const entry = await retryWhileLocked(() => kv.get(accountKey(valid.name)));
  if (entry.versionstamp === null) return null;
  const stored = parseStoredAccount(entry.value, valid.name);
  return { name: valid.name, displayName: stored.displayName, createdAt: stored.createdAt };
}

/** Every account, in normalised-name order. Throws {@link AccountRecordCorrupt} on a damaged one. */
export async function list(kv: Deno.Kv): Promise<Account[]> {
  const entries = await retryWhileLocked(() =>
    Array.fromAsync(kv.list<unknown>({ prefix: [...ACCOUNTS_PREFIX] }))
  );
  return entries.map((entry) => {
    const name = entry.key[ACCOUNTS_PREFIX.length];
    const checked = typeof name === "string" && entry.key.length === 2
      ? validateName(name)
      : undefined;
    if (checked === undefined || !checked.ok || checked.name !== name) {
      throw new AccountRecordCorrupt("Cannot list the accounts: one is stored under a bad key");
    }
    const stored = parseStoredAccount(entry.value, checked.name);
    return { name: checked.name, displayName: stored.displayName, createdAt: stored.createdAt };
  });
}

/** Validates a stored account; anything unexpected is {@link AccountRecordCorrupt}. */
export function parseStoredAccount(value: unknown, name: AccountName): StoredAccount {
  // The name went through validateName, so it is safe to print.
  const where = `the stored account ${JSON.stringify(name)}`;
  const bad = (why: string) => new AccountRecordCorrupt(`Cannot use ${where}: ${why}`);
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw bad("it is not a record");
  }
  const { displayName, password, createdAt } = value as Record<string, unknown>;
  const checked = typeof displayName === "string" ? validateName(displayName) : undefined;
  if (checked === undefined || !checked.ok || checked.name !== name) {
    throw bad("its display name does not match its key");
  }
  if (typeof createdAt !== "string" || Number.isNaN(Date.parse(createdAt))) {
    throw bad("its creation time is not a date");
  }
  let record: PasswordRecord;
  try {
    record = parsePasswordRecord(password, `the password of ${where}`);
  } catch (error) {
    throw new AccountRecordCorrupt((error as Error).message, { cause: error });
  }
  return { displayName: checked.displayName, password: record, createdAt };
}

function noSuchAccount(): NoSuchAccount {
  return new NoSuchAccount("Cannot find the account: no such account");
}

function requireAcceptablePassword(password: string): void {
  const problem = passwordProblem(password);
  if (problem !== undefined) throw new UnacceptablePassword(`Cannot use this password: ${problem}`);
}

function hashWith<T>(options: AccountOptions, task: () => Promise<T>): Promise<T> {
  return options.pool === undefined ? task() : options.pool.run(task);
}

const decoys = new Map<number, PasswordRecord>();

/**
 * A record no password matches (random salt and hash), checked against when
 * the account does not exist so the work, and the time, are the same.
 */
function decoyRecord(iterations: number): PasswordRecord {
  let decoy = decoys.get(iterations);
  if (decoy === undefined) {
    decoy = {
      algorithm: PASSWORD_ALGORITHM,
      iterations,
      salt: crypto.getRandomValues(new Uint8Array(SALT_LENGTH)),
      hash: crypto.getRandomValues(new Uint8Array(HASH_LENGTH)),
    };
    if (decoys.size < 8) decoys.set(iterations, decoy);
  }
  return decoy;
}
