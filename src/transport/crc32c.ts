/**
 * CRC32C (Castagnoli), the integrity check of transport packets until the
 * secure channel replaces it with AEAD. Slicing-by-8 tables: eight table
 * lookups per eight bytes, several times faster than the byte-wise loop in JS.
 *
 * @module
 */

const POLYNOMIAL_REVERSED = 0x82f63b78;

const TABLES: Uint32Array[] = buildTables();

function buildTables(): Uint32Array[] {
  const tables = Array.from({ length: 8 }, () => new Uint32Array(256));
  const first = tables[0]!;
  for (let byte = 0; byte < 256; byte++) {
    let crc = byte;
    for (let bit = 0; bit < 8; bit++) {
      crc = crc & 1 ? (crc >>> 1) ^ POLYNOMIAL_REVERSED : crc >>> 1;
    }
    first[byte] = crc >>> 0;
  }
  for (let byte = 0; byte < 256; byte++) {
    let crc = first[byte]!;
    for (let slice = 1; slice < 8; slice++) {
      crc = first[crc & 0xff]! ^ (crc >>> 8);
      tables[slice]![byte] = crc >>> 0;
    }
  }
  return tables;
}

/**
 * The CRC32C of `bytes[start, end)`.
 *
 * @example
 * ```ts
 * import { crc32c } from "./crc32c.ts";
 * crc32c(new TextEncoder().encode("123456789")); // 0xe3069283
 * ```
 */
export function crc32c(bytes: Uint8Array, start = 0, end = bytes.length): number {
  const [t0, t1, t2, t3, t4, t5, t6, t7] = TABLES as [
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
  ];
  let crc = 0xffffffff;
  let index = start;
  const fastEnd = end - 8;
  while (index <= fastEnd) {
    const low = crc ^
      (bytes[index]! | (bytes[index + 1]! << 8) | (bytes[index + 2]! << 16) |
        (bytes[index + 3]! << 24));
    crc = t7[low & 0xff]! ^ t6[(low >>> 8) & 0xff]! ^ t5[(low >>> 16) & 0xff]! ^
      t4[low >>> 24]! ^ t3[bytes[index + 4]!]! ^ t2[bytes[index + 5]!]! ^
      t1[bytes[index + 6]!]! ^ t0[bytes[index + 7]!]!;
    index += 8;
  }
  while (index < end) {
    crc = t0[(crc ^ bytes[index]!) & 0xff]! ^ (crc >>> 8);
    index++;
  }
  return (crc ^ 0xffffffff) >>> 0;
}
