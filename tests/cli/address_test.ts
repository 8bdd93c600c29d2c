import assert from "node:assert/strict";
import { formatAddress, parseAddress, parseHost, parsePort } from "../../src/cli/_address.ts";
import { ArgumentError } from "../../src/cli/_argument_error.ts";

Deno.test("parseAddress accepts host:port, IPv4, names and bracketed IPv6", () => {
  assert.deepEqual(parseAddress("127.0.0.1:55555"), { hostname: "127.0.0.1", port: 55555 });
  assert.deepEqual(parseAddress("localhost:1"), { hostname: "localhost", port: 1 });
  assert.deepEqual(parseAddress("chat.example-room.org:65535"), {
    hostname: "chat.example-room.org",
    port: 65535,
  });
  assert.deepEqual(parseAddress("[::1]:55555"), { hostname: "::1", port: 55555 });
  assert.deepEqual(parseAddress("[fe80::1%eth0]:9"), { hostname: "fe80::1%eth0", port: 9 });
  assert.deepEqual(parseAddress("[::ffff:127.0.0.1]:80"), {
    hostname: "::ffff:127.0.0.1",
    port: 80,
  });
});

Deno.test("parseAddress rejects garbage with a message that says what is wrong", () => {
  const cases: [string, RegExp][] = [
    ["", /expected HOST:PORT/],
    ["127.0.0.1", /expected HOST:PORT/],
    ["127.0.0.1:", /missing port/],
    [":55555", /missing host/],
    ["::1:55555", /IPv6 address needs brackets/],
    ["[::1]", /missing port after '\]'/],
    ["[::1:55555", /missing '\]'/],
    ["[::1]55555", /missing port after '\]'/],
    ["[nonsense]:1", /invalid IPv6 address/],
    ["host:0", /expected a number from 1 to 65535/],
    ["host:65536", /expected a number from 1 to 65535/],
    ["host:-1", /invalid port '-1'/],
    ["host:12ab", /invalid port '12ab'/],
    ["host: 80", /invalid port ' 80'/],
    ["256.1.1.1:80", /invalid IPv4 address '256.1.1.1'/],
    ["1.2.3:80", /invalid IPv4 address/],
    ["bad_host:80", /invalid host name 'bad_host'/],
    ["-bad.example:80", /invalid host name/],
    ["a b:80", /invalid host name/],
  ];
  for (const [text, message] of cases) {
    assert.throws(() => parseAddress(text), (error: unknown) => {
      assert.ok(error instanceof ArgumentError, `${JSON.stringify(text)}: not an ArgumentError`);
      assert.match(error.message, message, `${JSON.stringify(text)}`);
      assert.ok(!error.message.includes("\n"), "one line");
      return true;
    });
  }
});

Deno.test("parseAddress allows port 0 only when asked (listening)", () => {
  assert.throws(() => parseAddress("127.0.0.1:0"), ArgumentError);
  assert.deepEqual(parseAddress("127.0.0.1:0", { allowPortZero: true }), {
    hostname: "127.0.0.1",
    port: 0,
  });
});

Deno.test("parseHost accepts names, IPv4 and IPv6 with or without brackets", () => {
  assert.equal(parseHost("0.0.0.0"), "0.0.0.0");
  assert.equal(parseHost("::"), "::");
  assert.equal(parseHost("[::1]"), "::1");
  assert.equal(parseHost("my-host"), "my-host");
  assert.throws(() => parseHost("my host"), ArgumentError);
  assert.throws(() => parseHost(""), ArgumentError);
});

Deno.test("parsePort bounds", () => {
  assert.equal(parsePort("1"), 1);
  assert.equal(parsePort("65535"), 65535);
  assert.throws(() => parsePort("0"), ArgumentError);
  assert.throws(() => parsePort("99999"), ArgumentError);
  assert.throws(() => parsePort("1.5"), ArgumentError);
});

Deno.test("formatAddress round-trips through parseAddress", () => {
  for (const text of ["127.0.0.1:55555", "[::1]:1", "example.org:80"]) {
    assert.equal(formatAddress(parseAddress(text)), text);
  }
});
