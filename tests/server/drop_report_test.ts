/** The server console's drop report: every counter named, printed only when something changed. */

import assert from "node:assert/strict";
import { DropReporter, formatDropReport } from "../../src/server/drop_report.ts";
import { createEndpointCounters, type EndpointCounters } from "../../src/transport/endpoint.ts";

function counters(overrides: Partial<EndpointCounters> = {}): EndpointCounters {
  return { ...createEndpointCounters(), ...overrides };
}

Deno.test("the drop report names each counter", () => {
  const line = formatDropReport(counters({ droppedForged: 3, droppedReplayed: 2, retriesSent: 7 }));
  assert.match(line, /forged 3/);
  assert.match(line, /replayed 2/);
  assert.match(line, /stale or foreign token 0/);
  assert.match(line, /retries sent 7/);
});

Deno.test("the console hears only about changes", () => {
  let current = counters();
  const lines: string[] = [];
  const reporter = new DropReporter(() => current, (line) => lines.push(line));
  reporter.check();
  assert.equal(lines.length, 0, "nothing changed, nothing said");
  current = counters({ droppedForged: 1 });
  reporter.check();
  reporter.check();
  assert.equal(lines.length, 1, "said once");
  assert.match(lines[0]!, /forged 1/);
});
