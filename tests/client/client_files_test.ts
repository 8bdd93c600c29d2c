/**
 * `/send` and `/get` in the chat client: started in the background, reported
 * line by line, waited for at the end of input. The network is replaced by
 * fake transfers; the pipe test uses the fake chat server.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { applyInput, type InputTarget } from "../../src/cli/_client_actions.ts";
import { FileTransfers, PROGRESS_LINES_FROM_BYTES } from "../../src/cli/_client_files.ts";
import { runPipeChat } from "../../src/cli/_client_pipe.ts";
import { parseInput } from "../../src/client/commands.ts";
import type { DownloadRequest, DownloadResult } from "../../src/client/file_download.ts";
import { FileRefusedByServer } from "../../src/client/file_errors.ts";
import type { FileLink } from "../../src/client/file_link.ts";
import type { UploadRequest } from "../../src/client/file_upload.ts";
import { UsageError } from "../../src/errors.ts";
import { OutputExists } from "../../src/files/output_target.ts";
import type { FileInfo } from "../../src/protocol/mod.ts";
import { FakeChatServer } from "./_fake_server.ts";
import { joined, optionsFor, withHome } from "./_session_helpers.ts";

const quiet = { sanitizeOps: false, sanitizeResources: false };
const MIB = 1024 * 1024;

/** A promise and the function that resolves it. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {};
  const promise = new Promise<void>((done) => resolve = done);
  return { promise, resolve };
}

const connect = () => Promise.reject(new Error("the fakes never connect"));

/** A session that records what is asked of it. */
function fakeSession(calls: string[] = []): InputTarget {
  return {
    say: (text) => (calls.push(`say ${text}`), Promise.resolve()),
    emote: (text) => (calls.push(`emote ${text}`), Promise.resolve()),
    privateMessage: (to, text) => (calls.push(`private ${to} ${text}`), Promise.resolve()),
    who: () => (calls.push("who"), Promise.resolve()),
    listFiles: () => (calls.push("files"), Promise.resolve()),
    fileLinkConnector: () => connect as () => Promise<FileLink>,
  };
}

/** Feedback that keeps every line, each kind marked. */
function recorder() {
  const lines: string[] = [];
  return {
    lines,
    feedback: {
      problem: (message: string) => lines.push(`problem: ${message}`),
      help: () => lines.push("help"),
      notice: (line: string) => lines.push(line),
    },
  };
}

async function withDirectory<T>(body: (directory: string) => Promise<T>): Promise<T> {
  const directory = await Deno.makeTempDir({ prefix: "mochi-client-files-" });
  try {
    return await body(directory);
  } finally {
    await Deno.remove(directory, { recursive: true });
  }
}

function file(overrides: Partial<FileInfo> = {}): FileInfo {
  return {
    fileId: "k3j4h5m7q2",
    name: "notes.pdf",
    size: 3,
    stored: 3,
    complete: true,
    sha256: new Uint8Array(32),
    sender: "ada",
    offeredAt: 0,
    expiresAt: 0,
    ...overrides,
  };
}

Deno.test("/send starts in the background, reports quarters of a large file, then the id", () =>
  withDirectory(async (directory) => {
    await Deno.writeTextFile(join(directory, "my notes.pdf"), "abc");
    const release = deferred();
    const requests: UploadRequest[] = [];
    const transfers = new FileTransfers({
      resolvePath: (path) => join(directory, path),
      upload: async (request) => {
        requests.push(request);
        const total = 40 * MIB; // what the server is told; the real file is small
        request.onStart?.({ fileId: "k3j4h5m7q2", offset: 0, total });
        for (const stored of [5, 10, 11, 20, 35, 40].map((n) => n * MIB)) {
          request.onProgress?.(stored);
        }
        await release.promise;
        return { fileId: "k3j4h5m7q2", size: total, sha256: new Uint8Array(32), resumedFrom: 0 };
      },
    });
    const { lines, feedback } = recorder();
    const input = parseInput("/send @bob my notes.pdf");
    assert.equal(await applyInput(fakeSession(), input, feedback, transfers), "continue");
    assert.equal(transfers.count, 1, "running, not awaited by the input loop");
    const again = await applyInput(fakeSession(), input, feedback, transfers);
    assert.equal(again, "continue");
    release.resolve();
    await transfers.settled();
    assert.equal(transfers.count, 0);
    assert.deepEqual(lines.filter((line) => line.startsWith("problem")), [
      "problem: Cannot send my notes.pdf: it is being sent already",
    ]);
    assert.deepEqual(lines.filter((line) => !line.startsWith("problem")), [
      "sending my notes.pdf (3 B) to bob...",
      "sending my notes.pdf: 25 % (10.0 MiB of 40.0 MiB)",
      "sending my notes.pdf: 50 % (20.0 MiB of 40.0 MiB)",
      "sending my notes.pdf: 75 % (35.0 MiB of 40.0 MiB)",
      "sent my notes.pdf as k3j4h5m7q2 to bob",
    ]);
    const request = requests[0]!;
    assert.deepEqual(request.source, { kind: "file", path: join(directory, "my notes.pdf") });
    assert.equal(request.name, "my notes.pdf");
    assert.equal(request.to, "bob");
    assert.equal(request.connect, connect);
  }));

Deno.test("/send: small files have no progress lines; failures are one line with the reason", () =>
  withDirectory(async (directory) => {
    await Deno.writeTextFile(join(directory, "a.txt"), "abc");
    await Deno.mkdir(join(directory, "folder"));
    const transfers = new FileTransfers({
      resolvePath: (path) => join(directory, path),
      upload: (request) => {
        request.onStart?.({ fileId: "x", offset: 0, total: PROGRESS_LINES_FROM_BYTES - 1 });
        request.onProgress?.(PROGRESS_LINES_FROM_BYTES / 2);
        return Promise.reject(new FileRefusedByServer("storageFull", "Cannot store: disk full"));
      },
    });
    const { lines, feedback } = recorder();
    for (const line of ["/send a.txt", "/send missing.txt", "/send folder"]) {
      await applyInput(fakeSession(), parseInput(line), feedback, transfers);
    }
    await transfers.settled();
    assert.deepEqual(lines.filter((line) => line.startsWith("sending")), [
      "sending a.txt (3 B)...",
    ]);
    assert.ok(lines.includes("cannot send a.txt: disk full"), lines.join("\n"));
    assert.ok(lines.some((line) => /^cannot send missing\.txt: .*missing\.txt/.test(line)));
    assert.ok(lines.some((line) => /^cannot send folder: .*not a regular file/.test(line)));
  }));

Deno.test("/get runs in the background: where the file went, verified, or why not", async () => {
  const requests: DownloadRequest[] = [];
  let outcome: "ok" | "exists" = "ok";
  const transfers = new FileTransfers({
    resolvePath: (path) => `/home/ada/${path}`,
    workingDirectory: () => "/home/ada",
    download: (request): Promise<DownloadResult> => {
      requests.push(request);
      const offered = file({ name: "\u001b[2Jnotes.pdf", size: 40 * MIB });
      const path = "/home/ada/in/notes.pdf";
      if (outcome === "exists") return Promise.reject(new OutputExists(path));
      request.onStart?.({ file: offered, offset: 0, path });
      request.onProgress?.(30 * MIB, offered);
      return Promise.resolve({ file: offered, path, resumedFrom: 0 });
    },
  });
  const { lines, feedback } = recorder();
  await applyInput(fakeSession(), parseInput("/get k3j4h5m7q2 in"), feedback, transfers);
  await transfers.settled();
  outcome = "exists";
  await applyInput(fakeSession(), parseInput("/get k3j4h5m7q2"), feedback, transfers);
  await transfers.settled();
  assert.deepEqual(lines, [
    "receiving notes.pdf (40.0 MiB) into /home/ada/in/notes.pdf...",
    "receiving notes.pdf: 75 % (30.0 MiB of 40.0 MiB)",
    "received notes.pdf into /home/ada/in/notes.pdf (SHA-256 verified)",
    "cannot get k3j4h5m7q2: /home/ada/in/notes.pdf already exists " +
    "(give another path: /get k3j4h5m7q2 PATH)",
  ]);
  assert.equal(requests[0]!.fileId, "k3j4h5m7q2");
  assert.equal(requests[0]!.output, "/home/ada/in");
  assert.equal(requests[0]!.cwd, "/home/ada");
  assert.equal(requests[0]!.force, false);
  assert.equal(requests[1]!.output, undefined, "no path: the working directory");
});

Deno.test("/files asks the session; a file command before the join is a problem line", async () => {
  const calls: string[] = [];
  const { lines, feedback } = recorder();
  const transfers = new FileTransfers();
  await applyInput(fakeSession(calls), parseInput("/files"), feedback, transfers);
  assert.deepEqual(calls, ["files"]);
  const notJoined: InputTarget = {
    ...fakeSession(),
    fileLinkConnector: () => {
      throw new UsageError("Cannot move files: join the room first");
    },
  };
  await applyInput(notJoined, parseInput("/get abc"), feedback, transfers);
  assert.deepEqual(lines, ["problem: Cannot move files: join the room first"]);
  assert.equal(transfers.count, 0);
});

Deno.test({
  name: "a pipe's end of input waits for the transfers in flight, then leaves",
  ...quiet,
  fn: () =>
    withHome((home) =>
      withDirectory(async (directory) => {
        await Deno.writeTextFile(join(directory, "x.txt"), "abc");
        const server = new FakeChatServer({ accounts: { ada: "secret" } });
        try {
          const session = await joined(optionsFor(server, home), "ada");
          const diagnostics: string[] = [];
          const transfers = new FileTransfers({
            resolvePath: (path) => join(directory, path),
            upload: async () => {
              await new Promise((resolve) => setTimeout(resolve, 200));
              diagnostics.push("(upload done)");
              return { fileId: "f1", size: 3, sha256: new Uint8Array(32), resumedFrom: 0 };
            },
          });
          await runPipeChat(session, {
            json: false,
            input: ReadableStream.from(["/send x.txt\n"]).pipeThrough(new TextEncoderStream()),
            print: () => {},
            diagnose: (line) => diagnostics.push(line),
            transfers,
          });
          assert.ok(diagnostics.includes("waiting for 1 file transfer(s) to finish..."));
          assert.deepEqual(diagnostics.slice(-2), ["(upload done)", "sent x.txt as f1"]);
          assert.equal(server.members[0]!.received.at(-1)?.type, "leave", "left after");
        } finally {
          await server.close();
        }
      })
    ),
});

Deno.test("a typed ~/ is the home directory (no shell expands it here)", async () => {
  const home = Deno.env.get("HOME");
  if (home === undefined || home === "") return;
  const outputs: (string | undefined)[] = [];
  const transfers = new FileTransfers({
    download: (request) => {
      outputs.push(request.output);
      return Promise.reject(new Error("stop"));
    },
  });
  const { feedback } = recorder();
  await applyInput(fakeSession(), parseInput("/get abc ~/in box"), feedback, transfers);
  await transfers.settled();
  assert.deepEqual(outputs, [join(home, "in box")]);
});
