/** The live console's member table: fixed height, fitted to the width, hostile names inert. */

import assert from "node:assert/strict";
import { formatMemberTable, TABLE_HEIGHT, TABLE_ROWS } from "../../src/server/live_console.ts";

const row = (name: string) => ({
  name,
  address: "127.0.0.1:40000",
  rttMs: 12.345,
  retransmissions: 3,
  idleMs: 61_000,
});

Deno.test("the table has a fixed height and fits the terminal's width", () => {
  for (const count of [0, 1, TABLE_ROWS, TABLE_ROWS + 50]) {
    const lines = formatMemberTable(
      Array.from({ length: count }, (_, i) => row(`m${i}`)),
      80,
      "room",
    );
    assert.equal(lines.length, TABLE_HEIGHT, `${count} members`);
    assert.ok(lines.every((line) => line.length === 80));
  }
  const many = formatMemberTable(Array.from({ length: 20 }, (_, i) => row(`m${i}`)), 80, "room");
  assert.match(many.join("\n"), /and 13 more/);
  const one = formatMemberTable([row("ada")], 80, "room");
  assert.match(one[2]!, /^ada\s+127\.0\.0\.1:40000\s+12\.3\s+3\s+61/);
});

Deno.test("a hostile name cannot move the cursor", () => {
  const lines = formatMemberTable([row("\u001b[2J\u001b[1;1Hevil")], 80, "room");
  assert.ok(lines.every((line) => !line.includes("\u001b")));
});
