/**
 * The pin against the real transport: a server endpoint bound with the
 * stored identity proves it in the handshake, the client pins it on first
 * use, accepts it again, and refuses (closing the connection) when the
 * server comes back with another key on the same address.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { loadKnownServers } from "../../src/client/known_servers.ts";
import {
  ServerKeyChanged,
  verifyServer,
  type VerifyServerOptions,
} from "../../src/client/trust.ts";
import { loadOrCreateServerIdentity, openServerKv } from "../../src/server/identity.ts";
import { UdpEndpoint } from "../../src/transport/udp.ts";
import { seededRandom } from "../secure/_helpers.ts";
import { withTemporaryDirectory } from "./_temporary.ts";

async function identityIn(data: string, seed: number) {
  const kv = await openServerKv(data);
  try {
    return await loadOrCreateServerIdentity(kv, seededRandom(seed));
  } finally {
    kv.close();
  }
}

/** Connects to a fresh server endpoint with `identity` on `port` and verifies it. */
async function connectAndVerify(
  keyPair: { privateKey: Uint8Array; publicKey: Uint8Array },
  port: number,
  options: Omit<VerifyServerOptions, "address">,
): Promise<{ port: number; outcome: Promise<unknown> }> {
  const server = UdpEndpoint.bind({ hostname: "127.0.0.1", port, accept: true, identity: keyPair });
  const client = UdpEndpoint.bind({ hostname: "127.0.0.1", port: 0 });
  const serving = (async () => {
    for (let peer = await server.accept(); peer; peer = await server.accept()) {
      peer.closed.catch(() => {});
    }
  })();
  const outcome = (async () => {
    const connection = await client.connect(server.address);
    return await verifyServer(connection, { ...options, address: server.address });
  })();
  await outcome.catch(() => {});
  await client.close();
  await server.close();
  await serving;
  return { port: server.address.port, outcome };
}

Deno.test("a real handshake: pinned on first use, trusted again, refused with another key", async () => {
  await withTemporaryDirectory(async (directory) => {
    const home = join(directory, "client");
    const reports: string[] = [];
    const options = {
      homeDirectory: home,
      interactive: false,
      ask: () => Promise.reject(new Error("no terminal")),
      report: (text: string) => reports.push(text),
    };
    const first = await identityIn(join(directory, "server-a"), 1);
    const { port, outcome } = await connectAndVerify(first.keyPair, 0, options);
    assert.deepEqual(await outcome, { kind: "trusted-new", how: "first-use" });
    assert.ok(reports[0]?.includes(first.fingerprint));
    const file = await loadKnownServers(home);
    assert.deepEqual(
      file.lines.filter((line) => line.kind === "entry").map((line) => line.text),
      [`127.0.0.1:${port} ${first.fingerprint}`],
    );

    const again = await connectAndVerify(first.keyPair, port, options);
    assert.deepEqual(await again.outcome, { kind: "trusted-known" });

    const impostor = await identityIn(join(directory, "server-b"), 2);
    const changed = await connectAndVerify(impostor.keyPair, port, options);
    await assert.rejects(
      () => changed.outcome,
      (error: unknown) =>
        error instanceof ServerKeyChanged && error.decision.expected === first.fingerprint &&
        error.decision.presented === impostor.fingerprint,
    );
  });
});
