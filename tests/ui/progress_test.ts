import assert from "node:assert/strict";
import {
  createTransferProgress,
  type ProgressStream,
  RateMeter,
  type TransferProgressOptions,
} from "../../src/ui/progress.ts";

const MiB = 1024 * 1024;

/** A stream that keeps what is written, in chunks of at most 7 bytes (as a slow pipe would). */
class FakeStream implements ProgressStream {
  text = "";
  #decoder = new TextDecoder();
  writeSync(bytes: Uint8Array): number {
    const taken = bytes.subarray(0, 7);
    this.text += this.#decoder.decode(taken, { stream: true });
    return taken.length;
  }
}

/** A progress display on a fake terminal with a hand-driven clock. */
function onFakeTerminal(options: Partial<TransferProgressOptions> = {}) {
  const stream = new FakeStream();
  const clock = { now: 0 };
  const progress = createTransferProgress({
    label: "notes.pdf",
    total: 10 * MiB,
    isTerminal: true,
    stream,
    columns: 100,
    now: () => clock.now,
    ...options,
  });
  return { progress, stream, clock };
}

/** Columns taken by `text`, where the CJK characters used below take two. */
function displayWidth(text: string): number {
  return [...text].length + (text.match(/[日本語]/g)?.length ?? 0);
}

/** The bar's states as drawn: the text between "go to column 1" and "clear to the right". */
function drawnLines(text: string): string[] {
  // Matching the escape sequences is the point here.
  // deno-lint-ignore no-control-regex
  return [...text.matchAll(/\u001b\[1G(.*?)\u001b\[0K/g)].map((match) => match[1] ?? "");
}

Deno.test("off a terminal nothing is drawn; log and finish lines are plain", () => {
  const stream = new FakeStream();
  const progress = createTransferProgress({
    label: "notes.pdf",
    total: 1000,
    isTerminal: false,
    stream,
  });
  progress.update(0);
  progress.update(500);
  progress.update(1000);
  assert.equal(stream.text, "");
  progress.log("resuming \u001b[2Jafter 1 KiB");
  progress.fail("failed");
  progress.finish();
  assert.equal(stream.text, "resuming after 1 KiB\n");
  const finished = new FakeStream();
  createTransferProgress({ label: "x", total: undefined, isTerminal: false, stream: finished })
    .finish("sent x");
  assert.equal(finished.text, "sent x\n");
});

Deno.test("on a terminal: name, bar, percent, bytes, rate and time left", () => {
  const { progress, stream, clock } = onFakeTerminal({
    label: "\u001b]0;pwned\u0007notes\u202e.pdf",
  });
  progress.update(MiB); // the baseline: a resumed transfer starts past 0
  for (let second = 1; second <= 6; second++) {
    clock.now = second * 1000;
    progress.update((1 + second) * MiB);
  }
  progress.log("a notice");
  progress.finish();
  const lines = drawnLines(stream.text);
  assert.match(lines[0] ?? "", /^notes\.pdf \[░{30}\] {3}0% 0 B \/ 10\.0 MiB$/);
  assert.equal(
    lines.at(-1),
    "notes.pdf [█████████████████████░░░░░░░░░]  70% 7.0 MiB / 10.0 MiB  1.0 MiB/s  ETA 3s",
  );
  // The notice erased the bar's line and the bar was drawn again after it.
  // deno-lint-ignore no-control-regex
  assert.match(stream.text, /\r\u001b\[2Ka notice\n\u001b\[1Gnotes\.pdf \[/);
  // finish() with no message leaves an empty line for the caller's summary.
  assert.ok(stream.text.endsWith("\u001b[1G\u001b[2K"), JSON.stringify(stream.text.slice(-20)));
  // No cursor save/restore (log() would break it) and no change of the terminal's wrapping.
  // deno-lint-ignore no-control-regex
  assert.doesNotMatch(stream.text, /\u001b[78]|\u001b\[\?7[hl]|\u001b\[\?25[hl]/);
  assert.doesNotMatch(stream.text, /pwned|\u202e/);
});

Deno.test("an unknown size shows bytes and rate only", () => {
  const { progress, stream, clock } = onFakeTerminal({ label: "stdin", total: undefined });
  progress.update(0);
  clock.now = 2000;
  progress.update(3 * MiB);
  progress.log("tick");
  progress.finish("sent stdin");
  assert.equal(drawnLines(stream.text).at(-1), "stdin 3.0 MiB  1.5 MiB/s");
  assert.doesNotMatch(stream.text, /%|ETA/);
  assert.ok(stream.text.endsWith("sent stdin\n"));
});

Deno.test("fail keeps how far the transfer got; later calls change nothing", () => {
  const { progress, stream } = onFakeTerminal();
  progress.update(4 * MiB);
  progress.fail("failed");
  const after = stream.text;
  assert.ok(after.endsWith("notes.pdf: failed after 4.0 MiB of 10.0 MiB (40%)\n"));
  progress.update(5 * MiB);
  progress.finish("done");
  progress.fail("again");
  assert.equal(stream.text, after);
  progress.log("still printed");
  assert.equal(stream.text, `${after}still printed\n`);
});

Deno.test("the drawn line fits the terminal, shortening a long name", () => {
  for (const columns of [40, 60, 100, 200]) {
    const { progress, stream, clock } = onFakeTerminal({
      label: "a-very-long-file-name-".repeat(10) + "日本語.tar.gz",
      columns,
    });
    progress.update(0);
    clock.now = 1500;
    progress.update(3 * MiB);
    progress.log("redraw");
    progress.finish();
    for (const line of drawnLines(stream.text)) {
      assert.ok(displayWidth(line) < columns, `${columns}: ${line}`);
      assert.match(line, /…/);
    }
  }
});

Deno.test("RateMeter: a baseline, a sliding window, and a falling rate when stalled", () => {
  const meter = new RateMeter();
  assert.equal(meter.bytesPerSecond(0), undefined);
  meter.record(0, 5000); // resumed at 5000: not part of the rate
  assert.equal(meter.bytesPerSecond(500), undefined);
  for (let at = 100; at <= 10_000; at += 100) meter.record(at, 5000 + at * 100);
  assert.equal(meter.bytesPerSecond(10_000), 100_000);
  // Faster for the last second: the 5-second window follows, an average since the start would not.
  for (let at = 10_100; at <= 11_000; at += 100) {
    meter.record(at, 5000 + 1_000_000 + (at - 10_000) * 1000);
  }
  assert.equal(meter.bytesPerSecond(11_000), (400_000 + 1_000_000) / 5);
  // No progress for 20 seconds: the rate drops to 0 rather than freezing at its last value.
  assert.equal(meter.bytesPerSecond(31_000), 0);
});

Deno.test("RateMeter keeps few samples under many updates", () => {
  const meter = new RateMeter();
  for (let at = 0; at <= 2000; at += 1) meter.record(at, at * 10);
  assert.equal(meter.bytesPerSecond(2000), 10_000);
});
