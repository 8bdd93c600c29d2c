/**
 * A throwaway self-signed TLS certificate for the QUIC benchmark rows.
 *
 * Built with `node:crypto` alone (an ECDSA P-256 key, and a minimal X.509 v3
 * certificate encoded in DER by hand), so it works on a fresh machine without
 * `openssl` or any npm package. The certificate names `localhost` and
 * `127.0.0.1` and is valid from one hour ago for one day.
 */

import { generateKeyPairSync, randomBytes, sign } from "node:crypto";

/** A certificate and its private key, both PEM-encoded. */
export interface SelfSignedCertificate {
  certificatePem: string;
  privateKeyPem: string;
}

/** The DNS name written into the certificate; clients verify against it. */
export const CERTIFICATE_SERVER_NAME = "localhost";

const LOOPBACK_IPV4 = [127, 0, 0, 1];
const COMMON_NAME = "mochi-bench";
const VALIDITY_BACKDATE_MS = 60 * 60 * 1000;
const VALIDITY_LIFETIME_MS = 24 * 60 * 60 * 1000;
const SERIAL_NUMBER_BYTES = 16;

/** DER tag bytes (ITU-T X.690) used below. */
const Tag = {
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  objectIdentifier: 0x06,
  utf8String: 0x0c,
  utcTime: 0x17,
  sequence: 0x30,
  set: 0x31,
  contextExplicit0: 0xa0,
  contextExplicit3: 0xa3,
  generalNameDns: 0x82,
  generalNameIpAddress: 0x87,
} as const;

/** Object identifiers used below. */
const Oid = {
  ecdsaWithSha256: "1.2.840.10045.4.3.2",
  commonName: "2.5.4.3",
  subjectAlternativeName: "2.5.29.17",
} as const;

/** Generates a fresh self-signed certificate for `localhost` / `127.0.0.1`. */
export function generateSelfSignedCertificate(): SelfSignedCertificate {
  const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const subjectPublicKeyInfo = new Uint8Array(publicKey.export({ format: "der", type: "spki" }));
  const signatureAlgorithm = derSequence(derObjectIdentifier(Oid.ecdsaWithSha256));
  const name = derSequence(
    derSet(derSequence(derObjectIdentifier(Oid.commonName), derUtf8String(COMMON_NAME))),
  );
  const now = Date.now();
  const validity = derSequence(
    derUtcTime(new Date(now - VALIDITY_BACKDATE_MS)),
    derUtcTime(new Date(now + VALIDITY_LIFETIME_MS)),
  );
  const alternativeNames = derSequence(
    derElement(Tag.generalNameDns, new TextEncoder().encode(CERTIFICATE_SERVER_NAME)),
    derElement(Tag.generalNameIpAddress, new Uint8Array(LOOPBACK_IPV4)),
  );
  const extensions = derSequence(
    derSequence(
      derObjectIdentifier(Oid.subjectAlternativeName),
      derElement(Tag.octetString, alternativeNames),
    ),
  );
  const version3 = derElement(Tag.contextExplicit0, derInteger(new Uint8Array([2])));
  const toBeSigned = derSequence(
    version3,
    derInteger(randomSerialNumber()),
    signatureAlgorithm,
    name,
    validity,
    name,
    subjectPublicKeyInfo,
    derElement(Tag.contextExplicit3, extensions),
  );
  const signature = new Uint8Array(sign("sha256", toBeSigned, privateKey));
  const certificate = derSequence(
    toBeSigned,
    signatureAlgorithm,
    derElement(Tag.bitString, concatBytes(new Uint8Array([0]), signature)),
  );
  return {
    certificatePem: toPem("CERTIFICATE", certificate),
    privateKeyPem: String(privateKey.export({ format: "pem", type: "pkcs8" })),
  };
}

function randomSerialNumber(): Uint8Array {
  const serial = new Uint8Array(randomBytes(SERIAL_NUMBER_BYTES));
  serial[0] = (serial[0]! & 0x7f) | 0x01; // positive and without a leading zero byte
  return serial;
}

function derElement(tag: number, content: Uint8Array): Uint8Array {
  return concatBytes(new Uint8Array([tag]), derLength(content.length), content);
}

function derLength(length: number): Uint8Array {
  if (length < 0x80) return new Uint8Array([length]);
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return new Uint8Array([0x80 | bytes.length, ...bytes]);
}

function derSequence(...elements: Uint8Array[]): Uint8Array {
  return derElement(Tag.sequence, concatBytes(...elements));
}

function derSet(...elements: Uint8Array[]): Uint8Array {
  return derElement(Tag.set, concatBytes(...elements));
}

/** An INTEGER from big-endian unsigned bytes whose top bit is clear. */
function derInteger(unsignedBigEndian: Uint8Array): Uint8Array {
  return derElement(Tag.integer, unsignedBigEndian);
}

function derUtf8String(text: string): Uint8Array {
  return derElement(Tag.utf8String, new TextEncoder().encode(text));
}

function derUtcTime(date: Date): Uint8Array {
  const twoDigits = (value: number) => String(value).padStart(2, "0");
  const text = twoDigits(date.getUTCFullYear() % 100) + twoDigits(date.getUTCMonth() + 1) +
    twoDigits(date.getUTCDate()) + twoDigits(date.getUTCHours()) +
    twoDigits(date.getUTCMinutes()) + twoDigits(date.getUTCSeconds()) + "Z";
  return derElement(Tag.utcTime, new TextEncoder().encode(text));
}

function derObjectIdentifier(dotted: string): Uint8Array {
  const arcs = dotted.split(".").map(Number);
  const first = arcs[0]! * 40 + arcs[1]!;
  const bytes: number[] = [];
  for (const arc of [first, ...arcs.slice(2)]) {
    const base128: number[] = [arc & 0x7f];
    for (let rest = arc >>> 7; rest > 0; rest >>>= 7) base128.unshift((rest & 0x7f) | 0x80);
    bytes.push(...base128);
  }
  return derElement(Tag.objectIdentifier, new Uint8Array(bytes));
}

function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const total = parts.reduce((sum, part) => sum + part.length, 0);
  const result = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    result.set(part, offset);
    offset += part.length;
  }
  return result;
}

function toPem(label: string, der: Uint8Array): string {
  const base64 = btoa(String.fromCharCode(...der));
  const lines = base64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

/** A fresh certificate and its key, written to a temporary folder of their own. */
export interface CertificateFiles {
  /** PEM certificate file. */
  certificateFile: string;
  /** PEM private key file (mode 0600). */
  privateKeyFile: string;
  /** Deletes the folder and both files. */
  remove(): Promise<void>;
}

/** Generates a self-signed certificate and writes it, with its key, to a temporary folder. */
export async function writeSelfSignedCertificate(): Promise<CertificateFiles> {
  const folder = await Deno.makeTempDir({ prefix: "mochi-bench-cert-" });
  const files: CertificateFiles = {
    certificateFile: `${folder}/certificate.pem`,
    privateKeyFile: `${folder}/private-key.pem`,
    remove: () => Deno.remove(folder, { recursive: true }),
  };
  try {
    const certificate = generateSelfSignedCertificate();
    await Deno.writeTextFile(files.certificateFile, certificate.certificatePem);
    await Deno.writeTextFile(files.privateKeyFile, certificate.privateKeyPem, { mode: 0o600 });
  } catch (error) {
    await files.remove();
    throw error;
  }
  return files;
}
