/**
 * A one-line editor for a terminal in raw mode, so that messages arriving
 * while the user types never garble the line being typed: each printed line
 * first erases the input line, then the input line is drawn again below it.
 *
 * Keys: printable text (UTF-8, pasted text included), Backspace, Ctrl-U
 * (erase the line), Left/Right, Home/End (Ctrl-A/Ctrl-E), Enter (submit),
 * Ctrl-C and Ctrl-D on an empty line (end of input). Other escape sequences
 * are ignored. Pure state (`LineEditorState`) is separate from the terminal
 * I/O so the editing rules are unit-tested.
 *
 * @module
 */

import { writeAllSync } from "./write_all.ts";
/** What a key did. */
export type EditResult =
  | { kind: "none" }
  | { kind: "submit"; line: string }
  | { kind: "end" };

/** The text being typed and the cursor within it (in code points). */
export class LineEditorState {
  #characters: string[] = [];
  #cursor = 0;

  /** The current text. */
  get text(): string {
    return this.#characters.join("");
  }

  /** The cursor position, in code points from the start. */
  get cursor(): number {
    return this.#cursor;
  }

  /** Applies terminal input (one read's worth of decoded text). */
  apply(input: string): EditResult[] {
    const results: EditResult[] = [];
    let index = 0;
    while (index < input.length) {
      const rest = input.slice(index);
      // An escape sequence: CSI, SS3, or ESC and one character.
      // deno-lint-ignore no-control-regex
      const escape = rest.match(/^\u001b(?:\[[0-9;?]*[@-~]|O[@-~]|.)?/);
      if (escape !== null && rest.startsWith("\u001b")) {
        this.#escape(escape[0]);
        index += escape[0].length;
        continue;
      }
      const character = String.fromCodePoint(rest.codePointAt(0)!);
      index += character.length;
      const result = this.#key(character);
      if (result.kind !== "none") results.push(result);
    }
    return results;
  }

  #key(character: string): EditResult {
    switch (character) {
      case "\r":
      case "\n": {
        const line = this.text;
        this.#characters = [];
        this.#cursor = 0;
        return { kind: "submit", line };
      }
      case "\u0003": // Ctrl-C
        return { kind: "end" };
      case "\u0004": // Ctrl-D: end of input on an empty line, like a shell
        return this.#characters.length === 0 ? { kind: "end" } : { kind: "none" };
      case "\u007f":
      case "\b":
        if (this.#cursor > 0) this.#characters.splice(--this.#cursor, 1);
        return { kind: "none" };
      case "\u0015": // Ctrl-U
        this.#characters = [];
        this.#cursor = 0;
        return { kind: "none" };
      case "\u0001": // Ctrl-A
        this.#cursor = 0;
        return { kind: "none" };
      case "\u0005": // Ctrl-E
        this.#cursor = this.#characters.length;
        return { kind: "none" };
    }
    if (character.codePointAt(0)! < 0x20) return { kind: "none" }; // other controls: ignored
    this.#characters.splice(this.#cursor++, 0, character);
    return { kind: "none" };
  }

  #escape(sequence: string): void {
    if (sequence === "\u001b[D" || sequence === "\u001bOD") {
      this.#cursor = Math.max(0, this.#cursor - 1);
    } else if (sequence === "\u001b[C" || sequence === "\u001bOC") {
      this.#cursor = Math.min(this.#characters.length, this.#cursor + 1);
    } else if (sequence === "\u001b[H" || sequence === "\u001b[1~" || sequence === "\u001bOH") {
      this.#cursor = 0;
    } else if (sequence === "\u001b[F" || sequence === "\u001b[4~" || sequence === "\u001bOF") {
      this.#cursor = this.#characters.length;
    } else if (sequence === "\u001b[3~" && this.#cursor < this.#characters.length) {
      this.#characters.splice(this.#cursor, 1);
    }
  }
}

/** The raw-mode terminal around a LineEditorState. */
export class TerminalLineEditor {
  readonly #state = new LineEditorState();
  readonly #prompt: string;
  #active = false;

  /** An editor that shows `prompt` before the text (the prompt must be plain text). */
  constructor(prompt: string) {
    this.#prompt = prompt;
  }

  /** Yields each submitted line until Ctrl-C, Ctrl-D or the end of stdin; restores the terminal. */
  async *lines(): AsyncGenerator<string> {
    Deno.stdin.setRaw(true);
    this.#active = true;
    this.#draw();
    const decoder = new TextDecoder();
    const buffer = new Uint8Array(4096);
    try {
      for (;;) {
        const count = await Deno.stdin.read(buffer);
        if (count === null) return;
        for (
          const result of this.#state.apply(
            decoder.decode(buffer.subarray(0, count), { stream: true }),
          )
        ) {
          if (result.kind === "end") return;
          if (result.kind !== "submit") continue;
          this.#write("\r\u001b[K");
          this.#draw();
          yield result.line;
        }
        this.#draw();
      }
    } finally {
      this.#active = false;
      this.#write("\r\u001b[K");
      Deno.stdin.setRaw(false);
    }
  }

  /** Prints a line above the input line (the caller sanitises network text first). */
  print(line: string): void {
    if (!this.#active) {
      this.#write(`${line}\n`);
      return;
    }
    this.#write(`\r\u001b[K${line}\n`);
    this.#draw();
  }

  #draw(): void {
    const text = this.#state.text;
    const behind = [...text].length - this.#state.cursor;
    this.#write(`\r\u001b[K${this.#prompt}${text}${behind > 0 ? `\u001b[${behind}D` : ""}`);
  }

  #write(text: string): void {
    writeAllSync(Deno.stdout, text);
  }
}
