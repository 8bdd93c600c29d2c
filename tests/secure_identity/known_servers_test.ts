/**
 * known_servers: parse and format round trips, normalised lookups, hostile
 * and corrupt lines reported by number and kept, and atomic saving.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import {
  findKnownServer,
  formatKnownServers,
  isFingerprint,
  KnownServersError,
  knownServersPath,
  loadKnownServers,
  MAXIMUM_KNOWN_SERVERS_BYTES,
  parseKnownServers,
  saveKnownServers,
  serverAddressKey,
  updateKnownServers,
  withKnownServer,
  withoutKnownServer,
} from "../../src/client/known_servers.ts";
import { fingerprint, publicKeyFromPrivateKey } from "../../src/secure/mod.ts";
import { seededRandom } from "../secure/_helpers.ts";
import { withTemporaryDirectory } from "./_temporary.ts";

/** A real fingerprint, different for each seed. */
function fingerprintOf(seed: number): string {
  return fingerprint(publicKeyFromPrivateKey(seededRandom(seed)(32)));
}

const ALPHA = fingerprintOf(1);
const BETA = fingerprintOf(2);

Deno.test("fingerprints are recognised exactly", () => {
  assert.ok(isFingerprint(ALPHA));
  assert.ok(isFingerprint("SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU"));
  for (
    const bad of [
      "",
      ALPHA.slice(7),
      `sha256:${ALPHA.slice(7)}`,
      `${ALPHA}=`,
      ALPHA.slice(0, -1),
      `${ALPHA}A`,
      `SHA256:${"-".repeat(43)}`,
      "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFV", // padding bits set
      ` ${ALPHA}`,
    ]
  ) {
    assert.equal(isFingerprint(bad), false, bad);
  }
});

Deno.test("addresses are normalised as the user might type them", () => {
  assert.equal(serverAddressKey({ hostname: "Chat.EXAMPLE", port: 55555 }), "chat.example:55555");
  assert.equal(serverAddressKey({ hostname: "::1", port: 1 }), "[::1]:1");
  assert.equal(serverAddressKey({ hostname: "0:0:0:0:0:0:0:1", port: 1 }), "[::1]:1");
  assert.equal(serverAddressKey({ hostname: "2001:DB8::A", port: 2 }), "[2001:db8::a]:2");
  assert.equal(serverAddressKey({ hostname: "fe80::1%eth0", port: 3 }), "[fe80::1%eth0]:3");
  assert.equal(serverAddressKey({ hostname: "192.0.2.1", port: 4 }), "192.0.2.1:4");
});

Deno.test("parse and format round-trip, comments and blank lines included", () => {
  const text = [
    "# my servers",
    "",
    `chat.example:55555 ${ALPHA}`,
    `[2001:db8::1]:6000\t${BETA}   # the office`,
    `  192.0.2.7:1 ${ALPHA}`,
    "",
  ].join("\n");
  const known = parseKnownServers(text);
  assert.deepEqual(known.problems, []);
  assert.equal(formatKnownServers(known), text);
  assert.deepEqual(findKnownServer(known, { hostname: "CHAT.example", port: 55555 }), {
    address: "chat.example:55555",
    fingerprint: ALPHA,
    lineNumber: 3,
  });
  assert.equal(
    findKnownServer(known, { hostname: "2001:db8:0::1", port: 6000 })?.fingerprint,
    BETA,
  );
  assert.equal(findKnownServer(known, { hostname: "192.0.2.7", port: 1 })?.lineNumber, 5);
  assert.equal(findKnownServer(known, { hostname: "chat.example", port: 55556 }), undefined);
  // A file without a final newline and with CRLF endings is read the same way.
  const windows = parseKnownServers(`chat.example:55555 ${ALPHA}\r\nb.example:2 ${BETA}`);
  assert.deepEqual(windows.problems, []);
  assert.equal(findKnownServer(windows, { hostname: "b.example", port: 2 })?.fingerprint, BETA);
});

Deno.test("hostile and corrupt lines are reported by number, kept, and never crash", () => {
  const hostile = [
    `ok.example:1 ${ALPHA}`,
    "just-one-field",
    `no-port.example ${ALPHA}`,
    `bad.example:0 ${ALPHA}`,
    `bad.example:65536 ${ALPHA}`,
    `[::1:1 ${ALPHA}`,
    `[zz::1]:1 ${ALPHA}`,
    `::1:1 ${ALPHA}`,
    `under_score.example:1 ${ALPHA}`,
    "ok.example:2 SHA256:short",
    `ok.example:3 ${ALPHA} extra-field`,
    `\u001b]0;pwned\u0007evil.example:1 ${ALPHA}`,
    `evil.example:1 ${ALPHA}\u0000`,
    `${"a".repeat(100_000)}.example:1 ${ALPHA}`,
    `\uFFFD.example:1 ${ALPHA}`,
    `ok.example:1 ${BETA}`,
    `OK.example:1 ${ALPHA}`,
  ];
  const text = hostile.join("\n") + "\n";
  const known = parseKnownServers(text);
  assert.deepEqual(
    known.problems.map((problem) => problem.lineNumber),
    Array.from({ length: 15 }, (_, index) => index + 2).filter((line) => line !== 17),
  );
  for (const problem of known.problems) {
    // Reasons never quote the line: it could hold terminal escapes.
    // Matching control characters is the point here.
    // deno-lint-ignore no-control-regex
    assert.doesNotMatch(problem.reason, /[\u0000-\u001f]|pwned|aaaa/);
  }
  assert.match(known.problems.at(-1)!.reason, /another key for ok\.example:1, which line 1 pins/);
  assert.equal(findKnownServer(known, { hostname: "ok.example", port: 1 })?.fingerprint, ALPHA);
  assert.equal(findKnownServer(known, { hostname: "evil.example", port: 1 }), undefined);
  // Saving keeps every line the user wrote, usable or not.
  assert.equal(formatKnownServers(known), text);
  const updated = withKnownServer(known, { hostname: "new.example", port: 9 }, BETA);
  assert.equal(formatKnownServers(updated), `${text}new.example:9 ${BETA}\n`);
});

Deno.test("pinning replaces an entry in place and forgetting removes every copy", () => {
  const text = `# top\na.example:1 ${ALPHA}\nb.example:2 ${ALPHA}\nA.example:1 ${BETA}\n`;
  const known = parseKnownServers(text);
  const repinned = withKnownServer(known, { hostname: "a.EXAMPLE", port: 1 }, BETA);
  assert.equal(formatKnownServers(repinned), `# top\na.example:1 ${BETA}\nb.example:2 ${ALPHA}\n`);
  const { known: forgotten, removed } = withoutKnownServer(known, {
    hostname: "a.example",
    port: 1,
  });
  assert.deepEqual(removed.map((entry) => [entry.lineNumber, entry.fingerprint]), [
    [2, ALPHA],
    [4, BETA],
  ]);
  assert.equal(formatKnownServers(forgotten), `# top\nb.example:2 ${ALPHA}\n`);
  assert.deepEqual(withoutKnownServer(known, { hostname: "c.example", port: 3 }).removed, []);
  assert.throws(() => withKnownServer(known, { hostname: "a.example", port: 1 }, "SHA256:x"));
});

Deno.test("a first pin starts the file with a header comment", () => {
  const first = withKnownServer(parseKnownServers(""), { hostname: "::1", port: 7 }, ALPHA);
  const text = formatKnownServers(first);
  assert.match(text, /^# mochi known servers: .*\n\[::1\]:7 SHA256:/);
  assert.deepEqual(parseKnownServers(text).problems, []);
});

Deno.test("load: a missing file is empty; a directory or a huge file is an error", async () => {
  await withTemporaryDirectory(async (directory) => {
    const home = join(directory, "home");
    assert.deepEqual(await loadKnownServers(home), { lines: [], problems: [] });
    await Deno.mkdir(knownServersPath(home), { recursive: true });
    await assert.rejects(() => loadKnownServers(home), KnownServersError);
    await Deno.remove(knownServersPath(home));
    await Deno.writeTextFile(knownServersPath(home), "#".repeat(MAXIMUM_KNOWN_SERVERS_BYTES + 1));
    await assert.rejects(() => loadKnownServers(home), /more than a list of servers/);
  });
});

Deno.test("save is atomic: mode 0600 in a 0700 directory, no temporary file left", async () => {
  await withTemporaryDirectory(async (directory) => {
    const home = join(directory, "mochi-home");
    const known = withKnownServer(parseKnownServers(""), { hostname: "a.example", port: 1 }, ALPHA);
    await saveKnownServers(home, known);
    assert.equal(await Deno.readTextFile(knownServersPath(home)), formatKnownServers(known));
    if (Deno.build.os !== "windows") {
      assert.equal((await Deno.stat(home)).mode! & 0o777, 0o700);
      assert.equal((await Deno.stat(knownServersPath(home))).mode! & 0o777, 0o600);
    }
    // A reader holding the old file keeps the old contents: the new one is a new inode.
    const reader = await Deno.open(knownServersPath(home));
    const result = await updateKnownServers(home, (current) => ({
      known: withKnownServer(current, { hostname: "b.example", port: 2 }, BETA),
      result: "done",
    }));
    assert.equal(result, "done");
    const oldText = new TextDecoder().decode(await new Response(reader.readable).arrayBuffer());
    assert.equal(oldText, formatKnownServers(known));
    const reloaded = await loadKnownServers(home);
    assert.equal(findKnownServer(reloaded, { hostname: "b.example", port: 2 })?.fingerprint, BETA);
    const names = [];
    for await (const entry of Deno.readDir(home)) names.push(entry.name);
    assert.deepEqual(names, ["known_servers"]);
  });
});

Deno.test("a failed save throws KnownServersError and leaves no temporary file", async () => {
  await withTemporaryDirectory(async (directory) => {
    const home = join(directory, "home");
    // A non-empty directory where the file should be: the rename fails, even for root.
    await Deno.mkdir(join(knownServersPath(home), "inside"), { recursive: true });
    const known = withKnownServer(parseKnownServers(""), { hostname: "a.example", port: 1 }, ALPHA);
    await assert.rejects(() => saveKnownServers(home, known), /^KnownServersError: Cannot write/);
    const names = [];
    for await (const entry of Deno.readDir(home)) names.push(entry.name);
    assert.deepEqual(names, ["known_servers"]);
    assert.ok((await Deno.stat(knownServersPath(home))).isDirectory);
  });
});
