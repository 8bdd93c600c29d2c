/**
 * The trust policy, branch by branch with a fake `ask`, and verifyServer
 * end to end on a fake connection and a real known_servers file.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import {
  knownServersPath,
  loadKnownServers,
  parseKnownServers,
  saveKnownServers,
  withKnownServer,
} from "../../src/client/known_servers.ts";
import {
  decideTrust,
  ServerKeyChanged,
  ServerNotTrusted,
  type TrustPolicyOptions,
  verifyServer,
  type VerifyServerOptions,
} from "../../src/client/trust.ts";
import { fingerprint, publicKeyFromPrivateKey } from "../../src/secure/mod.ts";
import { seededRandom } from "../secure/_helpers.ts";
import { withTemporaryDirectory } from "./_temporary.ts";

const OLD_KEY = publicKeyFromPrivateKey(seededRandom(10)(32));
const NEW_KEY = publicKeyFromPrivateKey(seededRandom(11)(32));
const OLD = fingerprint(OLD_KEY);
const NEW = fingerprint(NEW_KEY);
const ADDRESS = "chat.example:55555";

/** A fake `ask` that answers `answer` and records each question. */
function fakeAsk(
  answer: boolean,
): { ask: (question: string) => Promise<boolean>; asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    ask: (question) => {
      asked.push(question);
      return Promise.resolve(answer);
    },
  };
}

function policy(overrides: Partial<TrustPolicyOptions> = {}): TrustPolicyOptions {
  return {
    interactive: false,
    ask: () => Promise.reject(new Error("asked without a terminal")),
    ...overrides,
  };
}

const known = (fingerprintText: string) => ({
  address: ADDRESS,
  fingerprint: fingerprintText,
  lineNumber: 2,
});

Deno.test("--fingerprint: equal is trusted and pinned, different is a key change", async () => {
  for (const interactive of [false, true]) {
    const options = policy({ pinnedFingerprint: NEW, interactive });
    assert.deepEqual(await decideTrust(ADDRESS, NEW, undefined, options), {
      kind: "trusted-new",
      how: "fingerprint-option",
    });
    assert.deepEqual(await decideTrust(ADDRESS, NEW, known(NEW), options), {
      kind: "trusted-known",
    });
    assert.deepEqual(await decideTrust(ADDRESS, NEW, known(OLD), options), {
      kind: "trusted-new",
      how: "fingerprint-option",
      replaces: OLD,
    });
    for (const entry of [undefined, known(OLD), known(NEW)]) {
      assert.deepEqual(await decideTrust(ADDRESS, OLD, entry, options), {
        kind: "key-changed",
        expected: NEW,
        presented: OLD,
        pinnedBy: "fingerprint-option",
      });
    }
  }
});

Deno.test("pinned: the same key is trusted, another is a key change, and nobody is asked", async () => {
  for (const interactive of [false, true]) {
    const yes = fakeAsk(true);
    const options = policy({ interactive, ask: yes.ask });
    assert.deepEqual(await decideTrust(ADDRESS, OLD, known(OLD), options), {
      kind: "trusted-known",
    });
    assert.deepEqual(await decideTrust(ADDRESS, NEW, known(OLD), options), {
      kind: "key-changed",
      expected: OLD,
      presented: NEW,
      pinnedBy: "known-servers",
    });
    assert.deepEqual(yes.asked, []);
  }
});

Deno.test("unknown in a terminal: the fingerprint is shown and the answer decides", async () => {
  const yes = fakeAsk(true);
  assert.deepEqual(
    await decideTrust(ADDRESS, NEW, undefined, policy({ interactive: true, ...yes })),
    {
      kind: "trusted-new",
      how: "confirmed",
    },
  );
  assert.equal(yes.asked.length, 1);
  assert.match(yes.asked[0]!, new RegExp(`${ADDRESS}[^]*${NEW.replace(/[+/]/g, "\\$&")}`));
  const no = fakeAsk(false);
  assert.deepEqual(
    await decideTrust(ADDRESS, NEW, undefined, policy({ interactive: true, ...no })),
    {
      kind: "refused",
    },
  );
  assert.equal(no.asked.length, 1);
});

Deno.test("unknown without a terminal: trusted on first use, never asked", async () => {
  assert.deepEqual(await decideTrust(ADDRESS, NEW, undefined, policy()), {
    kind: "trusted-new",
    how: "first-use",
  });
});

/** A connection stand-in that records whether it was closed. */
function fakeConnection(serverPublicKey: Uint8Array | null) {
  const closes: string[] = [];
  return {
    closes,
    serverPublicKey,
    close(reason = "") {
      closes.push(reason);
      return Promise.resolve();
    },
  };
}

function verifyOptions(home: string, overrides: Partial<VerifyServerOptions> = {}) {
  const reports: string[] = [];
  const options: VerifyServerOptions = {
    address: { hostname: "Chat.Example", port: 55555 },
    homeDirectory: home,
    interactive: false,
    ask: () => Promise.reject(new Error("asked without a terminal")),
    report: (text) => reports.push(text),
    ...overrides,
  };
  return { options, reports };
}

async function pinned(home: string): Promise<string | undefined> {
  const file = await loadKnownServers(home);
  const line = file.lines.find((entry) => entry.kind === "entry" && entry.address === ADDRESS);
  return line?.kind === "entry" ? line.fingerprint : undefined;
}

Deno.test("verifyServer: first use pins the key and says so on one stderr line", async () => {
  await withTemporaryDirectory(async (home) => {
    const connection = fakeConnection(NEW_KEY);
    const { options, reports } = verifyOptions(home);
    assert.deepEqual(await verifyServer(connection, options), {
      kind: "trusted-new",
      how: "first-use",
    });
    assert.deepEqual(connection.closes, []);
    assert.equal(await pinned(home), NEW);
    assert.equal(reports.length, 1);
    assert.match(reports[0]!, /^mochi: first connection to chat\.example:55555: trusting its key/);
    assert.ok(reports[0]!.includes(NEW) && !reports[0]!.includes("\n"));
    // The second time it is known: no notice at all.
    const again = verifyOptions(home);
    assert.deepEqual(await verifyServer(fakeConnection(NEW_KEY), again.options), {
      kind: "trusted-known",
    });
    assert.deepEqual(again.reports, []);
  });
});

Deno.test("verifyServer: a changed key closes the connection and explains loudly", async () => {
  await withTemporaryDirectory(async (home) => {
    const start = withKnownServer(parseKnownServers("# mine\n"), {
      hostname: "chat.example",
      port: 55555,
    }, OLD);
    await saveKnownServers(home, start);
    const connection = fakeConnection(NEW_KEY);
    const { options } = verifyOptions(home, { interactive: true, ask: fakeAsk(true).ask });
    const error = await verifyServer(connection, options).then(
      () => assert.fail("a changed key was accepted"),
      (error: unknown) => error,
    );
    assert.ok(error instanceof ServerKeyChanged);
    assert.equal(
      error.message,
      `Cannot connect to ${ADDRESS}: the server's identity key has changed`,
    );
    for (
      const expected of [
        OLD,
        NEW,
        knownServersPath(home),
        "line 2",
        "reinstalled",
        "intercepting",
        `mochi client --forget-server ${ADDRESS}`,
      ]
    ) {
      assert.ok(error.explanation.includes(expected), `${expected} in:\n${error.explanation}`);
    }
    assert.equal(connection.closes.length, 1);
    assert.equal(await pinned(home), OLD, "the old pin stays");
  });
});

Deno.test("verifyServer: --fingerprint pins, replaces, or refuses", async () => {
  await withTemporaryDirectory(async (home) => {
    const first = verifyOptions(home, { pinnedFingerprint: OLD });
    await verifyServer(fakeConnection(OLD_KEY), first.options);
    assert.equal(await pinned(home), OLD);
    const replaced = verifyOptions(home, { pinnedFingerprint: NEW });
    await verifyServer(fakeConnection(NEW_KEY), replaced.options);
    assert.equal(await pinned(home), NEW);
    assert.match(replaced.reports.join("\n"), /replacing SHA256:/);
    const connection = fakeConnection(OLD_KEY);
    await assert.rejects(
      () => verifyServer(connection, verifyOptions(home, { pinnedFingerprint: NEW }).options),
      (error: unknown) =>
        error instanceof ServerKeyChanged && /--fingerprint/.test(error.message) &&
        error.explanation.includes(NEW) && error.explanation.includes(OLD),
    );
    assert.equal(connection.closes.length, 1);
    assert.equal(await pinned(home), NEW);
  });
});

Deno.test("verifyServer: a declined key or no proven key closes and pins nothing", async () => {
  await withTemporaryDirectory(async (home) => {
    const declined = fakeConnection(NEW_KEY);
    const no = fakeAsk(false);
    await assert.rejects(
      () => verifyServer(declined, verifyOptions(home, { interactive: true, ask: no.ask }).options),
      ServerNotTrusted,
    );
    assert.equal(no.asked.length, 1);
    assert.equal(declined.closes.length, 1);
    const anonymous = fakeConnection(null);
    await assert.rejects(() => verifyServer(anonymous, verifyOptions(home).options), /no identity/);
    assert.equal(anonymous.closes.length, 1);
    assert.equal(await pinned(home), undefined);
  });
});

Deno.test("verifyServer: unusable lines are warned about; an unreadable file refuses", async () => {
  await withTemporaryDirectory(async (home) => {
    await Deno.writeTextFile(knownServersPath(home), `garbage\n${ADDRESS} ${OLD}\n`);
    const { options, reports } = verifyOptions(home);
    await verifyServer(fakeConnection(OLD_KEY), options);
    assert.deepEqual(reports.length, 1);
    assert.match(reports[0]!, /line 1: expected 'host:port SHA256:fingerprint'/);
    await Deno.remove(knownServersPath(home));
    await Deno.mkdir(join(knownServersPath(home), "oops"), { recursive: true });
    const connection = fakeConnection(NEW_KEY);
    await assert.rejects(
      () => verifyServer(connection, verifyOptions(home).options),
      /Cannot read/,
    );
    assert.equal(connection.closes.length, 1);
  });
});
