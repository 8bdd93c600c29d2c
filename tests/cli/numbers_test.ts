import assert from "node:assert/strict";
import { ArgumentError } from "../../src/cli/_argument_error.ts";
import {
  MAXIMUM_DELAY_MS,
  parseDecimal,
  parseInteger,
  parseMilliseconds,
  parseMtu,
  parsePercent,
  parseSeed,
} from "../../src/cli/_numbers.ts";

Deno.test("parseInteger accepts plain whole numbers within range", () => {
  assert.equal(parseInteger("0", { minimum: 0, maximum: 10 }), 0);
  assert.equal(parseInteger("10", { minimum: 0, maximum: 10 }), 10);
  assert.equal(parseInteger("-3", { minimum: -5, maximum: 0 }), -3);
});

Deno.test("parseInteger rejects other notations and out-of-range values", () => {
  for (const text of ["", " 1", "1 ", "1.0", "1e3", "0x10", "ten", "+1", "Infinity"]) {
    assert.throws(
      () => parseInteger(text, { minimum: 0, maximum: 10_000 }),
      /is not a whole number/,
      text,
    );
  }
  assert.throws(
    () => parseInteger("11", { minimum: 0, maximum: 10 }),
    /'11' is out of range: expected 0 to 10/,
  );
});

Deno.test("parseDecimal accepts decimals and rejects exponents", () => {
  assert.equal(parseDecimal("0.5", { minimum: 0, maximum: 1 }), 0.5);
  assert.equal(parseDecimal("12", { minimum: 0, maximum: 100 }), 12);
  assert.throws(() => parseDecimal(".5", { minimum: 0, maximum: 1 }), ArgumentError);
  assert.throws(() => parseDecimal("5.", { minimum: 0, maximum: 10 }), ArgumentError);
  assert.throws(() => parseDecimal("1e-3", { minimum: 0, maximum: 1 }), ArgumentError);
});

Deno.test("percent, milliseconds, MTU and seed ranges", () => {
  assert.equal(parsePercent("0.5"), 0.5);
  assert.equal(parsePercent("100"), 100);
  assert.throws(() => parsePercent("100.1"), /out of range: expected 0 to 100/);
  assert.throws(() => parsePercent("-1"), /out of range/);
  assert.equal(parseMilliseconds("2.5"), 2.5);
  assert.throws(() => parseMilliseconds(String(MAXIMUM_DELAY_MS + 1)), ArgumentError);
  assert.equal(parseMtu("1200"), 1200);
  assert.throws(() => parseMtu("575"), ArgumentError);
  assert.throws(() => parseMtu("65508"), ArgumentError);
  assert.equal(parseSeed("4294967295"), 4294967295);
  assert.throws(() => parseSeed("4294967296"), ArgumentError);
});
