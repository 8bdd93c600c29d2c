/**
 * Opening the server's data directory from the operator's commands
 * (`mochi users ...`, `mochi server set-room-password`), which may run while
 * the server itself runs: Deno KV (SQLite) serialises the writes, and every
 * operation retries while the database is locked.
 *
 * @module
 */

import { AccountRecordCorrupt } from "../server/accounts.ts";
import { openServerKv, ServerIdentityCorrupt, serverKvPath } from "../server/identity.ts";
import { PasswordRecordCorrupt } from "../server/password_hash.ts";
import { RoomPasswordCorrupt } from "../server/room_password.ts";
import { PromptCancelled } from "./_hidden_prompt.ts";
import { PasswordInputError } from "./_password_input.ts";
import { fail } from "./_fail.ts";
import { EXIT } from "./exit_codes.ts";

/** True when the server's KV file exists in `dataDirectory` (nothing is created). */
export async function serverDataExists(dataDirectory: string): Promise<boolean> {
  try {
    await Deno.stat(serverKvPath(dataDirectory));
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    fail(`Cannot read ${serverKvPath(dataDirectory)}: ${reasonOf(error)}`, EXIT.FAILURE);
  }
}

/**
 * Opens (creating if needed) the data's KV, runs `use`, and closes it. The
 * failures every operator command shares end the process with their status:
 * KV that cannot be opened (1), damaged records (8), a password that cannot
 * be had (its own status), a cancelled prompt (1). Others are rethrown.
 */
export async function withServerData<T>(
  dataDirectory: string,
  use: (kv: Deno.Kv) => Promise<T>,
): Promise<T> {
  let kv: Deno.Kv;
  try {
    kv = await openServerKv(dataDirectory);
  } catch (error) {
    fail(`Cannot open the server data in ${dataDirectory}: ${reasonOf(error)}`, EXIT.FAILURE);
  }
  let result: T;
  try {
    result = await use(kv);
  } catch (error) {
    kv.close();
    failForCommonError(error, dataDirectory);
  }
  kv.close();
  return result;
}

function failForCommonError(error: unknown, dataDirectory: string): never {
  if (
    error instanceof AccountRecordCorrupt || error instanceof RoomPasswordCorrupt ||
    error instanceof PasswordRecordCorrupt || error instanceof ServerIdentityCorrupt
  ) {
    fail(
      `${error.message} (in ${serverKvPath(dataDirectory)})`,
      EXIT.INTEGRITY,
      "Restore the data directory from a backup.",
    );
  }
  if (error instanceof PasswordInputError) fail(error.message, error.exitCode);
  if (error instanceof PromptCancelled) fail(error.message, EXIT.FAILURE);
  throw error;
}

/** An error's message, for a one-line reason. */
export function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
