import assert from "node:assert/strict";
import {
  FALLBACK_FILE_NAME,
  fileNameProblem,
  sanitiseFileName,
} from "../../src/files/file_names.ts";
import { MAX_FILE_NAME_BYTES } from "../../src/protocol/limits.ts";

const utf8Length = (text: string) => new TextEncoder().encode(text).length;

Deno.test("sanitiseFileName turns hostile names into safe ones", () => {
  const table: Array<[offered: string, safe: string]> = [
    ["notes.pdf", "notes.pdf"],
    ["../../etc/passwd", "passwd"],
    ["/etc/passwd", "passwd"],
    ["C:\\Windows\\x", "x"],
    ["a/b\\c", "c"],
    ["dir/", "dir"],
    ["..", FALLBACK_FILE_NAME],
    [".", FALLBACK_FILE_NAME],
    ["", FALLBACK_FILE_NAME],
    ["/", FALLBACK_FILE_NAME],
    ["...  ", FALLBACK_FILE_NAME],
    ["\u0000\u0007", FALLBACK_FILE_NAME],
    ["con", "_con"],
    ["CON.txt", "_CON.txt"],
    ["nul.tar.gz", "_nul.tar.gz"],
    ["Com1", "_Com1"],
    ["lpt9.log", "_lpt9.log"],
    ["com¹.txt", "_com¹.txt"],
    ["con .txt", "_con .txt"],
    ["console.txt", "console.txt"],
    ["lpt10", "lpt10"],
    ["a\u0000b", "ab"],
    ["\u001b[31mred", "red"],
    ["line\nbreak\r.txt", "linebreak.txt"],
    ["del\u007f\u0085.txt", "del.txt"],
    ["\u202Eexe.txt", "exe.txt"],
    ["photo\u202Egpj.exe", "photogpj.exe"],
    ["\u2066isolated\u2069.txt", "isolated.txt"],
    ["zero\u200bwidth\ufeff.txt", "zerowidth.txt"],
    ["  .hidden  ", "hidden"],
    [".bashrc", "bashrc"],
    ["trailing. . .", "trailing"],
    ['a<b>c:d"e|f?g*h.txt', "a_b_c_d_e_f_g_h.txt"],
    ["e\u0301t\u00e9.txt", "\u00e9t\u00e9.txt"],
    ["日本語.txt", "日本語.txt"],
  ];
  for (const [offered, safe] of table) {
    assert.equal(sanitiseFileName(offered), safe, JSON.stringify(offered));
  }
});

Deno.test("sanitiseFileName cuts long names to 255 bytes between code points", () => {
  // 2-byte é and 4-byte emoji: a cut at an odd byte would split a code point.
  const cases = [
    "é".repeat(200) + ".pdf",
    "x" + "😀".repeat(100) + ".tar.gz",
    "😀".repeat(100),
    "a".repeat(300),
  ];
  for (const offered of cases) {
    const safe = sanitiseFileName(offered);
    assert.ok(utf8Length(safe) <= MAX_FILE_NAME_BYTES, `${utf8Length(safe)} bytes`);
    assert.ok(utf8Length(safe) > MAX_FILE_NAME_BYTES - 4, "cut no shorter than needed");
    assert.ok(safe.isWellFormed());
    assert.ok(offered.startsWith(safe.replace(/\.[^.]*$/, "")), "a prefix of the stem");
    assert.equal(new TextDecoder().decode(new TextEncoder().encode(safe)), safe);
  }
  assert.ok(sanitiseFileName(cases[0]!).endsWith("é.pdf"));
  assert.ok(sanitiseFileName(cases[1]!).endsWith("😀.gz"));
});

Deno.test("sanitiseFileName keeps the extension only while the stem keeps a character", () => {
  const longExtension = "a." + "b".repeat(300);
  const safe = sanitiseFileName(longExtension);
  assert.equal(safe, longExtension.slice(0, MAX_FILE_NAME_BYTES));
  // A cut that exposes trailing dots or spaces trims them (Windows would drop them).
  const exposed = sanitiseFileName("a".repeat(254) + " .b" + "c".repeat(300));
  assert.equal(exposed, "a".repeat(254));
  // A cut can leave a device name ("con.yyy…"); the prefix then costs the stem a character.
  const device = sanitiseFileName("con" + "x".repeat(10) + "." + "y".repeat(251));
  assert.equal(device, "_co." + "y".repeat(251));
  assert.equal(utf8Length(device), MAX_FILE_NAME_BYTES);
});

Deno.test("sanitiseFileName is idempotent on its own output", () => {
  for (const offered of ["../x", "con", "  .a.  ", "é".repeat(300), "\u202Ex", "a:b"]) {
    const once = sanitiseFileName(offered);
    assert.equal(sanitiseFileName(once), once, JSON.stringify(offered));
  }
});

Deno.test("fileNameProblem accepts ordinary names and explains the rest", () => {
  for (const name of ["notes.pdf", "日本語.txt", ".bashrc", "a:b?.txt", "x".repeat(255)]) {
    assert.equal(fileNameProblem(name), undefined, name);
  }
  const problems: Array<[name: string, reason: RegExp]> = [
    ["", /empty/],
    [".", /'\.' and '\.\.'/],
    ["..", /'\.' and '\.\.'/],
    ["a/b", /cannot contain '\/' or '\\'/],
    ["a\\b", /cannot contain/],
    ["a\u0000b", /control/],
    ["\u001b[31mred", /control/],
    ["\u202Eexe.txt", /text-direction/],
    ["bad\ud800", /not valid Unicode/],
    ["é".repeat(128), /256 bytes long in UTF-8, more than the 255 allowed/],
  ];
  for (const [name, reason] of problems) {
    assert.match(fileNameProblem(name) ?? "(none)", reason, JSON.stringify(name));
  }
});
