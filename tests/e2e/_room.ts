/**
 * What the end-to-end tests share: a temporary room directory, a real
 * `mochi server` on a free loopback port, `mochi client` in line mode, and
 * registering accounts. Everything a test starts is stopped and removed.
 */

import assert from "node:assert/strict";
import { type MochiProcess, startMochi } from "../_processes.ts";

export const TIMEOUT_MS = 60_000;
export const ROOM_PASSWORD = "room-password-hunter2";

export interface Room {
  root: string;
  started: MochiProcess[];
}

/** Runs `body` in a temporary directory; everything started is stopped and removed afterwards. */
export async function withRoom(body: (room: Room) => Promise<void>) {
  const room: Room = { root: await Deno.makeTempDir({ prefix: "mochi-e2e-" }), started: [] };
  try {
    await body(room);
  } finally {
    await Promise.all(room.started.map((process) => process.stop()));
    await Deno.remove(room.root, { recursive: true });
  }
}

/** Starts a server on `port` (0: any) and resolves with it and its port. */
export async function startServer(room: Room, port = 0, extra: string[] = []) {
  const server = startMochi(
    [
      "server",
      "--host",
      "127.0.0.1",
      "--port",
      String(port),
      "--data",
      `${room.root}/server`,
      ...extra,
    ],
    { env: { MOCHI_ROOM_PASSWORD: ROOM_PASSWORD } },
  );
  room.started.push(server);
  const match = await server.stdout.waitFor(/listening on udp 127\.0\.0\.1:(\d+)/, 20_000);
  return { server, port: Number(match[1]) };
}

/** Starts `mochi client` in line mode (stdin a pipe) as `name`. */
export function startClient(
  room: Room,
  port: number,
  name: string,
  options: {
    register?: boolean;
    json?: boolean;
    password?: string;
    roomPassword?: string;
    home?: string;
  } = {},
): MochiProcess {
  const args = ["client", "--server", `127.0.0.1:${port}`, "--user", name];
  if (options.register) args.push("--register");
  if (options.json) args.push("--json");
  const client = startMochi(args, {
    stdin: true,
    env: {
      MOCHI_HOME: `${room.root}/home-${options.home ?? name.toLowerCase()}`,
      MOCHI_PASSWORD: options.password ?? `${name.toLowerCase()}-password`,
      MOCHI_ROOM_PASSWORD: options.roomPassword ?? ROOM_PASSWORD,
    },
  });
  room.started.push(client);
  return client;
}

/** Registers `name` and leaves at once (exit 0). */
export async function registerAccount(room: Room, port: number, name: string) {
  const client = startClient(room, port, name, { register: true });
  await client.closeStdin();
  assert.equal((await client.status).code, 0, client.stderr.text);
}
