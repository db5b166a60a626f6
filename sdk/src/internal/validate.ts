import { ZeroHash, getAddress, isAddress, isHexString, toUtf8Bytes } from "ethers";
import { CorpusInputError } from "../errors/sdk-errors";

/** Checks that fail with a {@link CorpusInputError} naming the field, before anything is sent. */

export type Numeric = bigint | number;

/** `value` as a bigint in `[min, max]`; integers only. */
export function integerIn(field: string, value: Numeric, min: bigint, max: bigint): bigint {
  if (typeof value === "number" && !Number.isSafeInteger(value)) {
    throw new CorpusInputError(field, "must be a safe integer (pass a bigint for large values)", value);
  }
  const v = BigInt(value);
  if (v < min || v > max) throw new CorpusInputError(field, `must be between ${min} and ${max}`, v);
  return v;
}

/** A checksummed address; the zero address is refused. */
export function address(field: string, value: string): string {
  if (!isAddress(value)) throw new CorpusInputError(field, "must be a 20-byte hex address", value);
  const checksummed = getAddress(value);
  if (BigInt(checksummed) === 0n) throw new CorpusInputError(field, "must not be the zero address", value);
  return checksummed;
}

/** A non-zero 32-byte hash. */
export function hash32(field: string, value: string): string {
  if (!isHexString(value, 32)) throw new CorpusInputError(field, "must be 32 bytes of hex (0x + 64 digits)", value);
  if (value === ZeroHash) throw new CorpusInputError(field, "must not be zero", value);
  return value;
}

/** A URI that is non-empty and at most `maxBytes` bytes of UTF-8 (what the contracts measure). */
export function uri(field: string, value: string, maxBytes: bigint): string {
  const length = BigInt(toUtf8Bytes(value).length);
  if (length === 0n) throw new CorpusInputError(field, "must not be empty");
  if (length > maxBytes) throw new CorpusInputError(field, `must be at most ${maxBytes} bytes, not ${length}`);
  return value;
}

/** A positive amount no larger than `max`. */
export function amount(field: string, value: Numeric, max: bigint): bigint {
  return integerIn(field, value, 1n, max);
}

/** Unix seconds from a Date or a number/bigint of seconds. */
export function unixSeconds(field: string, value: Date | Numeric): bigint {
  if (value instanceof Date) {
    const ms = value.getTime();
    if (Number.isNaN(ms)) throw new CorpusInputError(field, "is an invalid Date");
    return BigInt(Math.floor(ms / 1000));
  }
  return integerIn(field, value, 0n, 2n ** 64n - 1n);
}
