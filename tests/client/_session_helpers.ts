/**
 * Helpers for the chat session tests: sessions pointed at a fake server with
 * a throwaway MOCHI_HOME, fast reconnects, and an event recorder.
 *
 * @module
 */

import type { ChatEvent } from "../../src/client/chat_events.ts";
import { ChatSession, type ChatSessionOptions } from "../../src/client/chat_session.ts";
import type { FakeChatServer } from "./_fake_server.ts";

/** Runs `body` with a temporary client home, removed afterwards. */
export async function withHome<T>(body: (home: string) => Promise<T>): Promise<T> {
  const home = await Deno.makeTempDir({ prefix: "mochi-client-" });
  try {
    return await body(home);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
}

/** Session options for `server`: trust on first use, quick reconnects and timeouts. */
export function optionsFor(
  server: FakeChatServer | number,
  home: string,
  overrides: Partial<ChatSessionOptions> = {},
): ChatSessionOptions {
  const port = typeof server === "number" ? server : server.port;
  const address = { hostname: "127.0.0.1", port };
  return {
    server: address,
    trust: {
      address,
      homeDirectory: home,
      interactive: false,
      ask: () => Promise.resolve(false),
      report: () => {},
    },
    config: { handshakeTimeout: 300 },
    reconnect: { initialDelayMs: 20, maxDelayMs: 100, giveUpAfterMs: 10_000 },
    answerTimeoutMs: 2_000,
    ...overrides,
  };
}

/** Opens a session, logs in (or registers) and joins. */
export async function joined(
  options: ChatSessionOptions,
  name: string,
  password = "secret",
  register = false,
  roomPassword = "room",
): Promise<ChatSession> {
  const session = await ChatSession.open(options);
  await session.authenticate({ name, password, register });
  await session.join(roomPassword);
  return session;
}

/** Records a session's events as they come. */
export class Recorder {
  readonly events: ChatEvent[] = [];
  readonly done: Promise<void>;

  constructor(session: ChatSession) {
    this.done = (async () => {
      for await (const event of session.events()) this.events.push(event);
    })();
  }

  /** Events of one type. */
  of<T extends ChatEvent["type"]>(type: T): Extract<ChatEvent, { type: T }>[] {
    return this.events.filter((event): event is Extract<ChatEvent, { type: T }> =>
      event.type === type
    );
  }

  /** Waits until `condition` holds on the events (at most `timeoutMs`). */
  async until(condition: (events: ChatEvent[]) => boolean, timeoutMs = 10_000): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (!condition(this.events)) {
      if (performance.now() > deadline) {
        throw new Error(`timed out; events: ${JSON.stringify(this.events.map((e) => e.type))}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** The texts of room messages shown, in order. */
  texts(): string[] {
    return this.of("message").map((event) => event.message.text);
  }
}
