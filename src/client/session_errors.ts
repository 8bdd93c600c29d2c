/**
 * Why a chat session could not start or had to end, one class per reason the
 * CLI tells apart (each has its exit status there). Messages read
 * `Cannot log in as ada: wrong name or password`; text from the server is
 * kept as it came: whoever prints a message strips control characters.
 *
 * @module
 */

import { MochiError, ProtocolViolation } from "../errors.ts";
import type { AuthResult, JoinResult, SessionEndReason } from "../protocol/mod.ts";

/**
 * The server said no to a step of joining: logging in, registering, or the
 * room password. The message is `<action>: <reason>`, the reason being the
 * server's explanation when it gave one (its own `Cannot ...:` prefix
 * dropped), else ours; then when to try again, if the server said.
 */
export class JoinRefused extends MochiError {
  /** The server's own explanation (may be empty; not yet sanitised for a terminal). */
  readonly serverMessage: string;
  /** How long the server asks us to wait before trying again, in milliseconds (0: no wait). */
  readonly retryAfterMs: number;

  /** `action` reads `Cannot log in as ada`; `reason` is used when the server gave none. */
  constructor(action: string, reason: string, serverMessage = "", retryAfterMs = 0) {
    const given = serverMessage.trim().replace(/^Cannot [^:]*:\s*/, "");
    const wait = retryAfterMs > 0 ? `; try again in ${Math.ceil(retryAfterMs / 1000)} s` : "";
    super(`${action}: ${given === "" ? reason : given}${wait}`);
    this.serverMessage = serverMessage;
    this.retryAfterMs = retryAfterMs;
  }
}

/** No such account, or the wrong password (the server does not say which). */
export class WrongCredentials extends JoinRefused {}
/** Register: another account holds the name. */
export class NameTaken extends JoinRefused {}
/** Register: the server does not accept the name. */
export class InvalidName extends JoinRefused {}
/** Register: the server accepts no new accounts. */
export class RegistrationClosed extends JoinRefused {}
/** Too many attempts: wait `retryAfterMs`. */
export class RateLimited extends JoinRefused {}
/** The room password is wrong. */
export class WrongRoomPassword extends JoinRefused {}
/** The room has as many members as it allows. */
export class RoomFull extends JoinRefused {}

/** The server speaks another version of the protocol. */
export class UnsupportedServerVersion extends MochiError {}

/** The server ended the session for good: the account logged in elsewhere, or was kicked. */
export class SessionEndedByServer extends MochiError {
  /** Why, as the server said. */
  readonly reason: SessionEndReason;

  /** Builds the message from `reason` and the server's explanation. */
  constructor(reason: SessionEndReason, serverMessage: string) {
    const why = reason === "replacedByNewLogin"
      ? "the same account logged in from somewhere else"
      : reason === "kicked"
      ? "the server's operator removed you from the room"
      : "the server is stopping";
    const explained = serverMessage.trim() === "" ? "" : ` (${serverMessage.trim()})`;
    super(`Disconnected: ${why}${explained}`);
    this.reason = reason;
  }
}

/** The server answered out of turn or refused a step with an ErrorFrame. */
export class UnexpectedServerAnswer extends ProtocolViolation {}

/** The error for a failed AuthResult (`result.outcome` is not `ok`). */
export function authRefusal(result: AuthResult, name: string, register: boolean): JoinRefused {
  const action = register ? `Cannot register ${name}` : `Cannot log in as ${name}`;
  const refusal = (type: typeof JoinRefused, reason: string) =>
    new type(action, reason, result.message, result.retryAfterMs);
  switch (result.outcome) {
    case "wrongCredentials":
      return refusal(WrongCredentials, "wrong name or password");
    case "nameTaken":
      return refusal(NameTaken, "the name is taken");
    case "invalidName":
      return refusal(InvalidName, "the server does not accept this name");
    case "registrationClosed":
      return refusal(RegistrationClosed, "the server accepts no new accounts");
    case "rateLimited":
      return refusal(RateLimited, "too many attempts");
    case "ok":
      throw new TypeError("authRefusal: the outcome is ok");
  }
}

/** The error for a failed JoinResult (`result.outcome` is not `ok`). */
export function joinRefusal(result: JoinResult): JoinRefused {
  const refusal = (type: typeof JoinRefused, reason: string) =>
    new type("Cannot join the room", reason, result.message, result.retryAfterMs);
  switch (result.outcome) {
    case "wrongRoomPassword":
      return refusal(WrongRoomPassword, "wrong room password");
    case "roomFull":
      return refusal(RoomFull, "it is full");
    case "rateLimited":
      return refusal(RateLimited, "too many attempts");
    case "ok":
      throw new TypeError("joinRefusal: the outcome is ok");
  }
}
