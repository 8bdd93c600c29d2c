/**
 * Account names: which are allowed, which one account they map to, and that
 * hostile ones are refused with a reason that does not repeat them.
 */

import assert from "node:assert/strict";
import {
  InvalidName,
  MAX_NAME_LENGTH,
  normaliseName,
  requireValidName,
  validateName,
} from "../../src/server/names.ts";

function accepted(name: string): { name: string; displayName: string } {
  const checked = validateName(name);
  assert.ok(
    checked.ok,
    `${JSON.stringify(name)} should be accepted: ${!checked.ok && checked.reason}`,
  );
  return checked;
}

function refused(name: string, reason: RegExp): void {
  const checked = validateName(name);
  assert.ok(!checked.ok, `${JSON.stringify(name)} should be refused`);
  assert.match(checked.reason, reason);
  // The reason never carries the hostile text itself, only U+XXXX names.
  assert.doesNotMatch(checked.reason, /[\p{Cc}\p{Cf}\p{M}]/u);
  assert.ok(checked.reason.length < 200);
}

Deno.test("ordinary names are accepted as typed", () => {
  for (const name of ["ada", "a", "7", "_", "ada_lovelace-1.2", "x".repeat(MAX_NAME_LENGTH)]) {
    assert.deepEqual(accepted(name), { ok: true, name, displayName: name });
  }
});

Deno.test("names in other scripts, with their combining marks, are accepted", () => {
  for (const name of ["Zoë", "Ελένη", "日本語", "हिन्दी", "ไทย", "Łukasz", "محمد", "٣٤"]) {
    assert.equal(accepted(name).displayName, name.normalize("NFKC"));
  }
  // A decomposed ë (e + U+0308) is shown composed, and is the same account.
  const decomposed = accepted("Zoe\u0308");
  assert.equal(decomposed.displayName, "Zoë");
  assert.equal(decomposed.name, accepted("zoë").name);
});

Deno.test("case and compatibility forms fold to one account", () => {
  const alice = normaliseName("alice");
  for (const variant of ["Alice", "ALICE", "aLiCe", "Ａｌｉｃｅ", "ＡＬＩＣＥ"]) {
    assert.equal(accepted(variant).name, alice, variant);
  }
  // Fullwidth letters are shown in their ordinary form, case kept.
  assert.equal(accepted("Ａｌｉｃｅ").displayName, "Alice");
  // Ligatures and styled letters fold too.
  assert.equal(accepted("ﬁnn").name, normaliseName("FINN"));
  assert.equal(accepted("ℌ𝔞𝔫𝔰").name, normaliseName("hans"));
  assert.equal(accepted("Ελένη").name, accepted("ΕΛΈΝΗ").name);
  // İ lowers to i + combining dot; the second NFKC keeps that stable.
  assert.equal(accepted("İSTANBUL").name, accepted("i\u0307stanbul").name);
});

Deno.test("normalisation is idempotent", () => {
  for (const name of ["Alice", "Ａｌｉｃｅ", "İSTANBUL", "ǅemal", "Zoe\u0308", "ﬁnn", "Straße"]) {
    const once = normaliseName(name);
    assert.equal(normaliseName(once), once, name);
  }
});

Deno.test("empty and too long names are refused", () => {
  refused("", /empty/);
  refused("x".repeat(MAX_NAME_LENGTH + 1), /33 characters; at most 32/);
  // Fullwidth letters count as one character each.
  refused("ａ".repeat(MAX_NAME_LENGTH + 1), /at most 32/);
  // Astral letters count once, not as two UTF-16 units.
  accepted("𝔞".repeat(MAX_NAME_LENGTH));
  refused("x".repeat(1_000_000), /longer than 32/);
});

Deno.test("escape sequences, controls and invisible characters are refused", () => {
  refused("\x1b[31mred", /character 1 \(U\+001B\) is not allowed/);
  refused("ada\x1b]0;pwned\x07", /U\+001B/);
  refused("ada\n", /U\+000A/);
  refused("ada\r", /U\+000D/);
  refused("ada\0", /U\+0000/);
  refused("ada\x7f", /U\+007F/);
  refused("ada\u0085", /U\+0085/);
  refused("ada\u202Eeve", /character 4 \(U\+202E\) is invisible/); // right-to-left override
  refused("\u2067ada", /U\+2067/); // right-to-left isolate
  refused("a\u200Db", /U\+200D/); // zero-width joiner
  refused("a\u200Bb", /U\+200B/); // zero-width space
  refused("\uFEFFada", /U\+FEFF/); // byte-order mark
  refused("ada\u{E0041}", /U\+E0041/); // tag character
  refused("\u3164", /U\+3164|U\+1160/); // Hangul filler: a "letter" that shows as nothing
  refused("a\u115Fb", /U\+115F/);
  refused("a\u034Fb", /U\+034F/); // combining grapheme joiner, a mark yet invisible
});

Deno.test("spaces, punctuation and symbols are refused", () => {
  refused("ada lovelace", /U\+0020/);
  refused("ada\u00A0x", /U\+0020/); // NBSP is NFKC-folded to a space
  refused("ada\u3000x", /U\+0020/); // ideographic space, likewise
  refused("ada\u2003x", /U\+0020/);
  refused("@ada", /U\+0040/);
  refused("ada/../x", /U\+002F/);
  refused("a:b", /U\+003A/);
  refused("😀", /U\+1F600/);
  refused("ada\u2800", /U\+2800/); // braille blank
  // ½ is a digit, but its NFKC form holds a fraction slash.
  refused("½", /once normalised, character 2 \(U\+2044\)/);
});

Deno.test("combining marks need a letter before them, and not too many", () => {
  refused("\u0301ada", /character 1 \(U\+0301\) is a combining mark without a letter/);
  refused("ada_\u0301", /U\+0301\) is a combining mark without a letter/);
  accepted("a\u0316\u0317\u0318\u0319"); // 4 marks (not composable) after one letter
  refused("a\u0316\u0317\u0318\u0319\u031A", /more than 4 combining marks/);
  refused("Z\u0351\u0352\u0353\u0354\u0355\u0356\u0357\u0358algo", /combining marks in a row/);
});

Deno.test("names that read as options or directories are refused", () => {
  refused("-rf", /starts with '-'/);
  refused(".", /starts with '.'/);
  refused("..", /starts with '.'/);
  refused(".hidden", /starts with '.'/);
  accepted("ada.");
  accepted("a-b");
});

Deno.test("requireValidName throws InvalidName with the reason", () => {
  assert.deepEqual(requireValidName("Ada"), { name: "ada", displayName: "Ada" });
  assert.throws(() => requireValidName("a b"), (error) => {
    assert.ok(error instanceof InvalidName);
    assert.match(error.message, /^Cannot use this name: character 2 \(U\+0020\) is not allowed/);
    assert.match(error.reason, /U\+0020/);
    return true;
  });
  // Not text at all (from a malformed frame).
  assert.equal(validateName(42 as unknown as string).ok, false);
});
