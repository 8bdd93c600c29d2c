/**
 * File ids: 10 characters of lowercase Crockford base32, every character
 * reachable, and only server-shaped ids accepted as file names on disk.
 */

import assert from "node:assert/strict";
import {
  FILE_ID_ALPHABET,
  FILE_ID_LENGTH,
  FileRefused,
  isFileId,
  newFileId,
} from "../../src/server/files/mod.ts";

Deno.test("ids use the 32-character alphabet, one character per random byte", () => {
  assert.equal(FILE_ID_ALPHABET.length, 32);
  assert.equal(FILE_ID_LENGTH, 10);
  const counting = Uint8Array.from({ length: 10 }, (_, index) => index * 29);
  assert.equal(newFileId(() => counting), "0xtqmheb85");
  const seen = new Set<string>();
  for (let byte = 0; byte < 256; byte++) {
    const id = newFileId((length) => new Uint8Array(length).fill(byte));
    assert.ok(isFileId(id), id);
    seen.add(id[0]!);
  }
  assert.equal([...seen].sort().join(""), FILE_ID_ALPHABET);
  assert.throws(() => newFileId(() => new Uint8Array(9)), FileRefused);
});

Deno.test("only server-shaped ids are ids", () => {
  for (const good of ["0123456789", "abcdefghjk", "zzzzzzzzzz"]) assert.ok(isFileId(good), good);
  for (const bad of ["", "012345678", "01234567890", "ilouILOU00", "ABCDEFGHJK", "abcdefghj.", 7]) {
    assert.ok(!isFileId(bad), String(bad));
  }
});
