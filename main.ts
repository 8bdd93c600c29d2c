/**
 * mochi's entry point: builds the command tree and hands each subcommand to
 * its file under `src/cli/`. Nothing else belongs here.
 *
 * @module
 */

import { Command } from "@commander-js/extra-typings";
import denoConfig from "./deno.json" with { type: "json" };
import { installUsageErrors } from "./src/cli/_commander.ts";
import { fail } from "./src/cli/_fail.ts";
import { EXIT } from "./src/cli/exit_codes.ts";
import { clientCommand } from "./src/cli/client.ts";
import { netsimCommand } from "./src/cli/netsim.ts";
import { filesCommand } from "./src/cli/files.ts";
import { recvFileCommand } from "./src/cli/recv_file.ts";
import { sendFileCommand } from "./src/cli/send_file.ts";
import { serverCommand } from "./src/cli/server.ts";
import { usersCommand } from "./src/cli/users.ts";

const program = new Command("mochi")
  .description("A self-hosted, end-to-end encrypted chat room over UDP.")
  .version(denoConfig.version, "-V, --version", "print the version")
  .addCommand(serverCommand())
  .addCommand(clientCommand())
  .addCommand(sendFileCommand())
  .addCommand(recvFileCommand())
  .addCommand(filesCommand())
  .addCommand(usersCommand())
  .addCommand(netsimCommand())
  .addHelpText(
    "after",
    `
Run 'mochi <command> --help' for a command's options and examples.
Exit statuses: 0 ok, 1 failure, 2 usage, 3 wrong credentials, 4 wrong room password,
5 name taken, 6 server unreachable, 7 server key changed, 8 integrity.`,
  );
installUsageErrors(program);

try {
  await program.parseAsync(Deno.args, { from: "user" });
} catch (error) {
  // Usage errors never get here (they exit 2 in installUsageErrors): this is a failure.
  fail(error instanceof Error ? error.message : String(error), EXIT.FAILURE);
}
