/**
 * UDP helpers for the relay tests: loopback sockets, a collector that
 * records what a socket receives, and a bounded wait.
 *
 * @module
 */

/** A UDP socket on 127.0.0.1 with a free port. */
export function loopbackSocket(): Deno.DatagramConn {
  return Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
}

/** The address of a socket, as a send target. */
export function addressOf(socket: Deno.DatagramConn): Deno.NetAddr {
  return socket.addr as Deno.NetAddr;
}

/** One received datagram and when it arrived (`performance.now()`). */
export interface Arrival {
  bytes: Uint8Array;
  from: Deno.NetAddr;
  at: number;
}

/**
 * Records everything a socket receives until {@link Collector.close}. With
 * `echo`, also sends each datagram back to its sender (an upstream server).
 */
export class Collector {
  readonly arrivals: Arrival[] = [];
  readonly socket: Deno.DatagramConn;
  readonly #loop: Promise<void>;

  constructor(options: { echo?: boolean } = {}) {
    this.socket = loopbackSocket();
    this.#loop = this.#receive(options.echo ?? false);
  }

  get address(): Deno.NetAddr {
    return addressOf(this.socket);
  }

  async #receive(echo: boolean): Promise<void> {
    try {
      for (;;) {
        const [bytes, from] = await this.socket.receive();
        this.arrivals.push({ bytes, from: from as Deno.NetAddr, at: performance.now() });
        if (echo) await this.socket.send(bytes, from);
      }
    } catch {
      // Closed: the test is over.
    }
  }

  /** Closes the socket and waits for the receive loop to end. */
  async close(): Promise<void> {
    this.socket.close();
    await this.#loop;
  }
}

/** Waits until `condition()` holds, polling; throws after `timeoutMs` saying `what`. */
export async function waitFor(
  condition: () => boolean,
  what: string,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** Hex of bytes, to compare datagrams as strings. */
export function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}
