/**
 * `mochi send-file`, `recv-file` and `files` against a real `mochi server`
 * over real UDP (and `mochi netsim`): the edge sizes around one chunk,
 * pipes both ways, 100 MB at 5 % loss, resuming after either side is
 * killed, a size limit hit mid-stream, hostile names, two receivers.
 */

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { FileRefusedByServer } from "../../src/client/file_errors.ts";
import { openFileLink } from "../../src/client/file_link.ts";
import { uploadFile } from "../../src/client/file_upload.ts";
import { FILE_CHUNK_BYTES } from "../../src/protocol/mod.ts";
import { type MochiProcess, startMochi, startNetsim } from "../_processes.ts";
import {
  registerAccount,
  type Room,
  ROOM_PASSWORD,
  startClient,
  startServer,
  withRoom,
} from "./_room.ts";

const TRANSFER_TIMEOUT_MS = 120_000;

const test = (name: string, fn: () => Promise<void>) =>
  Deno.test({ name, fn, sanitizeResources: false, sanitizeOps: false });

/** Starts a file command as `name` (whose password is `<name>-password`). */
function fileCommand(
  room: Room,
  name: string,
  args: string[],
  options: { stdin?: boolean; rawStdout?: boolean } = {},
): MochiProcess {
  const process = startMochi(args, {
    ...options,
    cwd: room.root,
    env: {
      MOCHI_HOME: `${room.root}/home-${name}`,
      MOCHI_PASSWORD: `${name}-password`,
      MOCHI_ROOM_PASSWORD: ROOM_PASSWORD,
    },
  });
  room.started.push(process);
  return process;
}

function sendFile(room: Room, port: number, name: string, args: string[], stdin = false) {
  return fileCommand(
    room,
    name,
    ["send-file", "--server", `127.0.0.1:${port}`, "--user", name, ...args],
    { stdin },
  );
}

function recvFile(room: Room, port: number, name: string, args: string[], rawStdout = false) {
  return fileCommand(
    room,
    name,
    ["recv-file", "--server", `127.0.0.1:${port}`, "--user", name, ...args],
    { rawStdout },
  );
}

/** Waits for a command to exit and checks its status, showing its stderr when it differs. */
async function exits(process: MochiProcess, code: number): Promise<void> {
  const status = await withTimeout(process.status, TRANSFER_TIMEOUT_MS, "the command to exit");
  assert.equal(status.code, code, process.stderr.text);
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Random bytes (getRandomValues gives at most 64 KiB per call). */
function randomBytes(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let offset = 0; offset < length; offset += 65_536) {
    crypto.getRandomValues(bytes.subarray(offset, Math.min(length, offset + 65_536)));
  }
  return bytes;
}

async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash("sha256");
  using file = await Deno.open(path);
  for await (const chunk of file.readable) hash.update(chunk);
  return hash.digest("hex");
}

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** A server with accounts ada and bob (and any `more`), and its port. */
async function roomWithAccounts(room: Room, extra: string[] = [], more: string[] = []) {
  const { server, port } = await startServer(room, 0, extra);
  for (const name of ["ada", "bob", ...more]) await registerAccount(room, port, name);
  return { server, port };
}

/** The id `send-file` printed on stdout. */
function fileIdOf(sender: MochiProcess): string {
  const id = sender.stdout.text.trim();
  assert.match(id, /^[0-9a-z]{10}$/, sender.stderr.text);
  return id;
}

/** Polls until `path` holds at least `bytes` bytes. */
async function waitForSize(path: string, bytes: number, what: string): Promise<number> {
  const deadline = Date.now() + TRANSFER_TIMEOUT_MS;
  for (;;) {
    const size = await Deno.stat(path).then((info) => info.size, () => 0);
    if (size >= bytes) return size;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function partFiles(directory: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(directory)) names.push(entry.name);
  return names.filter((name) => name.endsWith(".part") || name.endsWith(".mochi-part"));
}

test("files of 0, 1, one chunk and one chunk + 1 bytes arrive identical", () =>
  withRoom(async (room) => {
    const { port } = await roomWithAccounts(room);
    const sizes = [0, 1, FILE_CHUNK_BYTES, FILE_CHUNK_BYTES + 1];
    await Deno.mkdir(join(room.root, "out"));
    for (const size of sizes) {
      const content = randomBytes(size);
      const path = join(room.root, `file-${size}.bin`);
      await Deno.writeFile(path, content);
      const sender = sendFile(room, port, "ada", [path]);
      await exits(sender, 0);
      const id = fileIdOf(sender);
      const receiver = recvFile(room, port, "bob", [id, "-o", join(room.root, "out")]);
      await exits(receiver, 0);
      assert.match(receiver.stderr.text, /SHA-256 verified/);
      const received = await Deno.readFile(join(room.root, "out", `file-${size}.bin`));
      assert.equal(sha256(received), sha256(content), `size ${size}`);
    }
    assert.deepEqual(await partFiles(join(room.root, "out")), []);
    const list = fileCommand(room, "bob", [
      "files",
      "--server",
      `127.0.0.1:${port}`,
      "--user",
      "bob",
      "--json",
    ]);
    await exits(list, 0);
    const files = JSON.parse(list.stdout.text) as Array<{ size: number; complete: boolean }>;
    assert.deepEqual(files.map((file) => file.size), sizes);
    assert.ok(files.every((file) => file.complete));
  }));

test("standard input to standard output: tar-style piping round trip", () =>
  withRoom(async (room) => {
    const { port } = await roomWithAccounts(room);
    const content = randomBytes(3 * FILE_CHUNK_BYTES + 12_345);
    const receiver = recvFile(room, port, "bob", ["--from", "ada", "-o", "-"], true);
    await receiver.stderr.waitFor(/waiting for the next file/, TRANSFER_TIMEOUT_MS);
    const sender = sendFile(room, port, "ada", ["--name", "dir.tgz", "-"], true);
    await sender.writeBytes(content);
    await sender.closeStdin();
    await exits(sender, 0);
    await exits(receiver, 0);
    assert.equal(sha256(await receiver.stdoutBytes), sha256(content));
  }));

test("two receivers waiting at once both get the file", () =>
  withRoom(async (room) => {
    const { port } = await roomWithAccounts(room, [], ["cyd"]);
    const content = randomBytes(2_000_000);
    const path = join(room.root, "shared.bin");
    await Deno.writeFile(path, content);
    const receivers = ["bob", "cyd"].map((name) => {
      const directory = join(room.root, `in-${name}`);
      Deno.mkdirSync(directory);
      return { directory, process: recvFile(room, port, name, ["-o", directory]) };
    });
    for (const { process } of receivers) {
      await process.stderr.waitFor(/waiting for the next file/, TRANSFER_TIMEOUT_MS);
    }
    await exits(sendFile(room, port, "ada", [path]), 0);
    for (const { directory, process } of receivers) {
      await exits(process, 0);
      assert.equal(await sha256OfFile(join(directory, "shared.bin")), sha256(content));
    }
  }));

test("100 MB through netsim at 5 % loss with duplication and corruption: same SHA-256", () =>
  withRoom(async (room) => {
    const { port } = await roomWithAccounts(room);
    const netsim = await startNetsim(port, [
      "--loss",
      "5",
      "--duplicate",
      "1",
      "--corrupt",
      "1",
      "--seed",
      "5",
    ]);
    room.started.push(netsim.process);
    const path = join(room.root, "big.bin");
    {
      using file = await Deno.open(path, { write: true, create: true });
      for (let written = 0; written < 100_000_000; written += 4_000_000) {
        await file.write(randomBytes(4_000_000));
      }
    }
    const expected = await sha256OfFile(path);
    const sender = sendFile(room, netsim.port, "ada", [path]);
    await exits(sender, 0);
    const out = join(room.root, "received.bin");
    const receiver = recvFile(room, netsim.port, "bob", [fileIdOf(sender), "-o", out]);
    await exits(receiver, 0);
    assert.equal(await sha256OfFile(out), expected);
  }));

/** Starts a slow path (netsim with a 40 ms round trip) in front of the server. */
async function slowPath(room: Room, port: number): Promise<number> {
  const netsim = await startNetsim(port, ["--delay", "20"]);
  room.started.push(netsim.process);
  return netsim.port;
}

test("a sender killed half-way resumes without resending what the server acknowledged", () =>
  withRoom(async (room) => {
    const { port } = await roomWithAccounts(room);
    const slowPort = await slowPath(room, port);
    const content = randomBytes(24_000_000);
    const path = join(room.root, "resume-up.bin");
    await Deno.writeFile(path, content);
    const first = sendFile(room, slowPort, "ada", [path]);
    const files = join(room.root, "server", "files");
    const part = await waitForPart(files);
    const heldAtKill = await waitForSize(part, 4_000_000, "half an upload");
    first.child.kill("SIGKILL");
    await first.status;
    const held = (await Deno.stat(part)).size;
    assert.ok(held >= heldAtKill && held < content.length, `held ${held}`);
    const second = sendFile(room, slowPort, "ada", [path]);
    await exits(second, 0);
    const resumed = Number(second.stderr.text.match(/resumed after ([\d.]+) (\w+)/)?.[1]);
    assert.ok(resumed > 0, second.stderr.text);
    const out = join(room.root, "resume-up.out");
    await exits(recvFile(room, port, "bob", [fileIdOf(second), "-o", out]), 0);
    assert.equal(await sha256OfFile(out), sha256(content));
  }));

/** The first `.part` file to appear in the server's file directory. */
async function waitForPart(directory: string): Promise<string> {
  const deadline = Date.now() + TRANSFER_TIMEOUT_MS;
  for (;;) {
    const parts = await partFiles(directory).catch(() => []);
    if (parts.length > 0) return join(directory, parts[0]!);
    if (Date.now() > deadline) throw new Error("timed out waiting for an upload to start");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test("a receiver killed half-way resumes from the bytes it had", () =>
  withRoom(async (room) => {
    const { port } = await roomWithAccounts(room);
    const content = randomBytes(24_000_000);
    const path = join(room.root, "resume-down.bin");
    await Deno.writeFile(path, content);
    const sender = sendFile(room, port, "ada", [path]);
    await exits(sender, 0);
    const id = fileIdOf(sender);
    const slowPort = await slowPath(room, port);
    const out = join(room.root, "down");
    await Deno.mkdir(out);
    const first = recvFile(room, slowPort, "bob", [id, "-o", out]);
    const partial = join(out, `.resume-down.bin.${id}.mochi-part`);
    await waitForSize(partial, 4_000_000, "half a download");
    first.child.kill("SIGKILL");
    await first.status;
    const had = (await Deno.stat(partial)).size;
    assert.ok(had < content.length);
    await assert.rejects(Deno.stat(join(out, "resume-down.bin")), Deno.errors.NotFound);
    const second = recvFile(room, slowPort, "bob", [id, "-o", out]);
    await exits(second, 0);
    assert.match(second.stderr.text, /resumed after/);
    assert.equal(await sha256OfFile(join(out, "resume-down.bin")), sha256(content));
    assert.deepEqual(await partFiles(out), []);
  }));

test("a size limit hit mid-stream: a clear error, and nothing left that looks complete", () =>
  withRoom(async (room) => {
    const { port } = await roomWithAccounts(room, ["--max-file-size", "1MiB"]);
    const out = join(room.root, "limited");
    await Deno.mkdir(out);
    const receiver = recvFile(room, port, "bob", ["-o", out]);
    await receiver.stderr.waitFor(/waiting for the next file/, TRANSFER_TIMEOUT_MS);
    const sender = sendFile(room, port, "ada", ["--name", "too-big.bin", "-"], true);
    const writing = sender.writeBytes(randomBytes(3_000_000)).then(() => sender.closeStdin())
      .catch(() => {}); // the sender may exit before taking all of it
    await exits(sender, 1);
    await writing;
    assert.match(sender.stderr.text, /1\.0 MiB/);
    await exits(receiver, 1);
    assert.match(receiver.stderr.text, /upload failed/);
    const left = [...Deno.readDirSync(out)].map((entry) => entry.name);
    assert.deepEqual(left, []);
    const files = [...Deno.readDirSync(join(room.root, "server", "files"))];
    assert.deepEqual(files, []);
    // A known size over the limit is refused before any byte is sent.
    const path = join(room.root, "known.bin");
    await Deno.writeFile(path, randomBytes(2_000_000));
    const known = sendFile(room, port, "ada", [path]);
    await exits(known, 1);
    assert.match(known.stderr.text, /exceeds/);
  }));

test("an existing file is never replaced without --force", () =>
  withRoom(async (room) => {
    const { port } = await roomWithAccounts(room);
    const path = join(room.root, "notes.txt");
    await Deno.writeTextFile(path, "new contents");
    const sender = sendFile(room, port, "ada", [path]);
    await exits(sender, 0);
    const out = join(room.root, "mine");
    await Deno.mkdir(out);
    await Deno.writeTextFile(join(out, "notes.txt"), "precious");
    const refused = recvFile(room, port, "bob", [fileIdOf(sender), "-o", out]);
    await exits(refused, 1);
    assert.match(refused.stderr.text, /already exists.*--force/);
    assert.equal(await Deno.readTextFile(join(out, "notes.txt")), "precious");
    await exits(recvFile(room, port, "bob", [fileIdOf(sender), "-o", out, "--force"]), 0);
    assert.equal(await Deno.readTextFile(join(out, "notes.txt")), "new contents");
  }));

/** Reads `content` like a stream (Deno.stdin's `read`). */
function bytesReader(content: Uint8Array) {
  let position = 0;
  return {
    read(buffer: Uint8Array): Promise<number | null> {
      if (position === content.length) return Promise.resolve(null);
      const count = Math.min(buffer.length, content.length - position);
      buffer.set(content.subarray(position, position + count));
      position += count;
      return Promise.resolve(count);
    },
  };
}

/** Uploads `content` under any name, as the library does for send-file, to the real server. */
async function uploadAs(room: Room, port: number, name: string, content: Uint8Array) {
  return await uploadFile({
    source: { kind: "stream", reader: bytesReader(content) },
    name,
    connect: () =>
      openFileLink({
        server: { hostname: "127.0.0.1", port },
        trust: {
          address: { hostname: "127.0.0.1", port },
          homeDirectory: `${room.root}/home-ada`,
          interactive: false,
          ask: () => Promise.resolve(false),
          report: () => {},
        },
        credentials: { name: "ada", password: "ada-password", register: false },
        roomPassword: ROOM_PASSWORD,
      }),
  });
}

test("hostile file names: refused by the server, or made harmless by the receiver", () =>
  withRoom(async (room) => {
    const { port } = await roomWithAccounts(room);
    for (const name of ["../../escape.txt", "/etc/passwd", "..", "a\u001b]0;owned\u0007b"]) {
      await assert.rejects(
        uploadAs(room, port, name, new Uint8Array([1])),
        (error: Error) => error instanceof FileRefusedByServer && error.code === "badFileName",
        name,
      );
    }
    const out = join(room.root, "inbox");
    await Deno.mkdir(out);
    const hostile = ["CON", ".bashrc", "\u202Etxt.exe", "what?:*.txt", " .. "];
    for (const name of hostile) {
      const { fileId } = await uploadAs(room, port, name, new TextEncoder().encode(name));
      const receiver = recvFile(room, port, "bob", [fileId, "-o", out]);
      await exits(receiver, 0);
      // Control characters are exactly what must not reach a terminal.
      // deno-lint-ignore no-control-regex
      assert.doesNotMatch(receiver.stderr.text, /[\u0000-\u0009\u000b-\u001f\u202a-\u202e]/u);
    }
    const names = [...Deno.readDirSync(out)].map((entry) => entry.name).sort();
    assert.equal(names.length, hostile.length);
    for (const name of names) {
      // deno-lint-ignore no-control-regex
      assert.doesNotMatch(name, /^\.|[\/\\<>:"|?*\u0000-\u001f\u202a-\u202e]/u);
      assert.notEqual(name.toUpperCase(), "CON");
    }
    // Nothing was written outside the output directory.
    const top = [...Deno.readDirSync(room.root)].map((entry) => entry.name).sort();
    assert.deepEqual(top, ["home-ada", "home-bob", "inbox", "server"]);
  }));

test("a server restart mid-upload: the same send-file run reconnects and resumes", () =>
  withRoom(async (room) => {
    const { server, port } = await roomWithAccounts(room);
    const slowPort = await slowPath(room, port);
    const content = randomBytes(16_000_000);
    const path = join(room.root, "restart.bin");
    await Deno.writeFile(path, content);
    const sender = sendFile(room, slowPort, "ada", [path]);
    const part = await waitForPart(join(room.root, "server", "files"));
    await waitForSize(part, 3_000_000, "part of an upload");
    await server.stop();
    await startServer(room, port);
    await exits(sender, 0);
    assert.match(sender.stderr.text, /trying again/);
    assert.match(sender.stderr.text, /resuming: the server already holds [1-9]/);
    const out = join(room.root, "restart.out");
    await exits(recvFile(room, port, "bob", [fileIdOf(sender), "-o", out]), 0);
    assert.equal(await sha256OfFile(out), sha256(content));
  }));

test("an interrupted upload from standard input says it cannot be resumed", () =>
  withRoom(async (room) => {
    const { server, port } = await roomWithAccounts(room);
    const sender = sendFile(room, port, "ada", ["--name", "stream.bin", "-"], true);
    await sender.writeBytes(randomBytes(1_000_000));
    await waitForPart(join(room.root, "server", "files"));
    await server.stop();
    await startServer(room, port);
    // More input after the interruption: the sender must not pretend to continue.
    await sender.writeBytes(randomBytes(1_000)).catch(() => {});
    await sender.closeStdin();
    await exits(sender, 1);
    assert.match(sender.stderr.text, /standard input cannot be read again/);
    const files = [...Deno.readDirSync(join(room.root, "server", "files"))];
    assert.deepEqual(files, [], "the server kept no partial copy of the stream");
  }));

test("in the chat: /send offers a file, /files lists it, /get fetches it", () =>
  withRoom(async (room) => {
    const { port } = await roomWithAccounts(room);
    const bob = startClient(room, port, "bob", { json: true });
    await bob.stderr.waitFor(/joined the room/, TRANSFER_TIMEOUT_MS);
    const content = randomBytes(300_000);
    await Deno.writeFile(join(room.root, "photo.jpg"), content);
    const ada = startClient(room, port, "ada");
    await ada.write(`/send ${join(room.root, "photo.jpg")}\n`);
    const offer = await bob.stdout.waitFor(
      /"type":"fileOffered","id":"([0-9a-z]+)","name":"photo.jpg"/,
      TRANSFER_TIMEOUT_MS,
    );
    await ada.stderr.waitFor(/sent photo.jpg as/, TRANSFER_TIMEOUT_MS);
    await ada.closeStdin();
    await exits(ada, 0);
    await Deno.mkdir(join(room.root, "bob-inbox"));
    await bob.write(`/files\n/get ${offer[1]} ${join(room.root, "bob-inbox")}\n`);
    await bob.stdout.waitFor(/"type":"files"/, TRANSFER_TIMEOUT_MS);
    await bob.stderr.waitFor(/received photo.jpg .*SHA-256 verified/, TRANSFER_TIMEOUT_MS);
    await bob.closeStdin();
    await exits(bob, 0);
    const received = await Deno.readFile(join(room.root, "bob-inbox", "photo.jpg"));
    assert.equal(sha256(received), sha256(content));
  }));

test("a receiver waiting for the next offer, killed half-way: the same command resumes", () =>
  withRoom(async (room) => {
    const { port } = await roomWithAccounts(room);
    const slowPort = await slowPath(room, port);
    const content = randomBytes(16_000_000);
    const path = join(room.root, "next.bin");
    await Deno.writeFile(path, content);
    const out = join(room.root, "next-inbox");
    await Deno.mkdir(out);
    const command = ["--from", "ada", "-o", out];
    const first = recvFile(room, slowPort, "bob", command);
    await first.stderr.waitFor(/waiting for the next file/, TRANSFER_TIMEOUT_MS);
    const sender = sendFile(room, port, "ada", [path]);
    await exits(sender, 0);
    const partial = join(out, `.next.bin.${fileIdOf(sender)}.mochi-part`);
    await waitForSize(partial, 3_000_000, "part of a download");
    first.child.kill("SIGKILL");
    await first.status;
    const second = recvFile(room, slowPort, "bob", command);
    await exits(second, 0);
    assert.doesNotMatch(second.stderr.text, /waiting for the next file/);
    assert.match(second.stderr.text, /resumed after/);
    assert.equal(await sha256OfFile(join(out, "next.bin")), sha256(content));
    assert.deepEqual(await partFiles(out), []);
  }));

test("a receiver following an upload whose sender was killed says so, and completes after the rerun", () =>
  withRoom(async (room) => {
    const { port } = await roomWithAccounts(room);
    const slowPort = await slowPath(room, port);
    const content = randomBytes(12_000_000);
    const path = join(room.root, "paused.bin");
    await Deno.writeFile(path, content);
    const out = join(room.root, "paused-inbox");
    await Deno.mkdir(out);
    const receiver = recvFile(room, port, "bob", ["--from", "ada", "-o", out]);
    await receiver.stderr.waitFor(/waiting for the next file/, TRANSFER_TIMEOUT_MS);
    const first = sendFile(room, slowPort, "ada", [path]);
    const part = await waitForPart(join(room.root, "server", "files"));
    await waitForSize(part, 2_000_000, "part of an upload");
    first.child.kill("SIGKILL");
    await first.status;
    await receiver.stderr.waitFor(/the sender's upload is paused at/, TRANSFER_TIMEOUT_MS);
    await exits(sendFile(room, port, "ada", [path]), 0);
    await exits(receiver, 0);
    assert.equal(await sha256OfFile(join(out, "paused.bin")), sha256(content));
  }));
