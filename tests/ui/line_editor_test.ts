/** The line editor's rules, without a terminal. */

import assert from "node:assert/strict";
import { LineEditorState } from "../../src/ui/line_editor.ts";

Deno.test("typing, editing and submitting a line", () => {
  const editor = new LineEditorState();
  assert.deepEqual(editor.apply("helo"), []);
  editor.apply("\u001b[D"); // left
  editor.apply("l");
  assert.equal(editor.text, "hello");
  editor.apply("\u007f\u007f"); // two backspaces at cursor 4
  assert.equal(editor.text, "heo");
  assert.deepEqual(editor.apply("\r"), [{ kind: "submit", line: "heo" }]);
  assert.equal(editor.text, "");
});

Deno.test("pasted text with several lines submits each, and unicode counts as one character", () => {
  const editor = new LineEditorState();
  const results = editor.apply("héllo 🍡\rsecond\r");
  assert.deepEqual(results, [
    { kind: "submit", line: "héllo 🍡" },
    { kind: "submit", line: "second" },
  ]);
  editor.apply("🍡x\u007f");
  assert.equal(editor.text, "🍡");
  assert.equal(editor.cursor, 1);
});

Deno.test("control keys: Ctrl-U erases, Ctrl-A/E move, Ctrl-C ends, Ctrl-D ends only when empty", () => {
  const editor = new LineEditorState();
  editor.apply("abc\u0001X\u0005Y");
  assert.equal(editor.text, "XabcY");
  assert.deepEqual(editor.apply("\u0004"), [], "Ctrl-D with text does nothing");
  editor.apply("\u0015");
  assert.equal(editor.text, "");
  assert.deepEqual(editor.apply("\u0004"), [{ kind: "end" }]);
  assert.deepEqual(new LineEditorState().apply("x\u0003"), [{ kind: "end" }]);
});

Deno.test("unknown escape sequences and other control characters are ignored", () => {
  const editor = new LineEditorState();
  editor.apply("a\u001b[15~b\u0007c\u001b[3~");
  assert.equal(editor.text, "abc");
});
