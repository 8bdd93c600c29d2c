/**
 * A connection for moving files: its own UDP endpoint and transport
 * connection, logged in and opened with JoinFiles. Files go over a
 * connection of their own so that a long transfer shares nothing with the
 * chat (no head-of-line blocking, no takeover of the chat session), the way
 * an FTP data connection stands beside its control connection.
 *
 * @module
 */

import type { TransportConfig } from "../transport/config.ts";
import { UdpEndpoint } from "../transport/udp.ts";
import type { ServerAddress } from "./known_servers.ts";
import { DEFAULT_ANSWER_TIMEOUT_MS } from "./session_options.ts";
import { type Credentials, SessionLink } from "./session_link.ts";
import type { VerifyServerOptions } from "./trust.ts";

/** What opening a file link needs. */
export interface FileLinkOptions {
  /** Where the server is. */
  readonly server: ServerAddress;
  /** How to check the server's key. */
  readonly trust: VerifyServerOptions;
  /** The account (never `register`: file commands log in to an existing account). */
  readonly credentials: Credentials;
  /** The room password. */
  readonly roomPassword: string;
  /** Transport settings (the MTU...). */
  readonly config?: Partial<TransportConfig>;
  /** How long to wait for each answer while connecting (default 30 s). */
  readonly answerTimeoutMs?: number;
}

/** An open file link: the session link and the endpoint it owns. */
export interface FileLink {
  /** The logged-in, JoinFiles-opened link. */
  readonly link: SessionLink;
  /** Our name as the server spells it. */
  readonly you: string;
  /** Closes the link (after what was sent is delivered) and the endpoint. */
  close(): Promise<void>;
  /** Closes at once, delivering nothing more. */
  abort(): Promise<void>;
}

/** Connects, checks the server's key, logs in and opens a file session. */
export async function openFileLink(options: FileLinkOptions): Promise<FileLink> {
  const endpoint = UdpEndpoint.bind({
    hostname: options.server.hostname.includes(":") ? "::" : "0.0.0.0",
    port: 0,
    config: options.config,
  });
  let link: SessionLink | undefined;
  try {
    link = await SessionLink.open(endpoint, {
      server: options.server,
      trust: options.trust,
      answerTimeoutMs: options.answerTimeoutMs ?? DEFAULT_ANSWER_TIMEOUT_MS,
    });
    await link.authenticate(options.credentials);
    const joined = await link.joinFiles(options.roomPassword);
    const opened = link;
    return {
      link: opened,
      you: joined.you,
      close: async () => {
        await opened.close("done");
        await endpoint.close();
      },
      abort: async () => {
        await opened.abort();
        await endpoint.close();
      },
    };
  } catch (error) {
    await link?.abort();
    await endpoint.close();
    throw error;
  }
}
