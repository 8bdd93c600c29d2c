/** `mochi files`: the table and the JSON of the files a member may fetch. */

import assert from "node:assert/strict";
import { fileTable } from "../../src/cli/files.ts";
import { fileAsJson } from "../../src/cli/_file_json.ts";
import type { FileInfo } from "../../src/protocol/mod.ts";

const at = Date.UTC(2026, 10, 24, 8, 21);
const ready: FileInfo = {
  fileId: "53e2gda8k6",
  name: "slides.pdf",
  size: 2_200_000,
  stored: 2_200_000,
  complete: true,
  sha256: new Uint8Array(32).fill(0x0f),
  sender: "ada",
  offeredAt: at,
  expiresAt: at + 86_400_000,
};
const streaming: FileInfo = {
  fileId: "k3j4h5m7q2",
  name: "\u001b[2Jevil\u202etxt.exe",
  size: undefined,
  stored: 1536,
  complete: false,
  sender: "bob",
  to: "ada",
  offeredAt: at,
  expiresAt: at + 86_400_000,
};

Deno.test("the table aligns columns, shows progress and makes names inert", () => {
  assert.equal(
    fileTable([ready, streaming]),
    [
      "ID          NAME         SIZE     FROM  TO    STATE              EXPIRES (UTC)",
      "53e2gda8k6  slides.pdf   2.1 MiB  ada   room  ready              2026-11-25 08:21",
      "k3j4h5m7q2  eviltxt.exe  ?        bob   ada   uploading 1.5 KiB  2026-11-25 08:21",
      "",
    ].join("\n"),
  );
  assert.equal(fileTable([]), "no files\n");
});

Deno.test("JSON keeps exact names and gives hashes in hex, unknowns as null", () => {
  assert.deepEqual(fileAsJson(streaming), {
    id: "k3j4h5m7q2",
    name: "\u001b[2Jevil\u202etxt.exe",
    size: null,
    stored: 1536,
    complete: false,
    sha256: null,
    from: "bob",
    to: "ada",
    offeredAt: "2026-11-24T08:21:00.000Z",
    expiresAt: "2026-11-25T08:21:00.000Z",
  });
  assert.equal(fileAsJson(ready).sha256, "0f".repeat(32));
});
