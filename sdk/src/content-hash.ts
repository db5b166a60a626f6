import { keccak256, toUtf8Bytes } from "ethers";
import { CorpusInputError } from "./errors/sdk-errors";

/**
 * Content hashes as Corpus stores them (a task's spec hash, a submission's content hash, a data token's
 * version hash): keccak-256 of the exact bytes. JSON is hashed in a canonical form — keys sorted, no
 * whitespace, numbers as JavaScript prints them (RFC 8785 style) — so the same document hashes the same
 * in a browser, in Node and in the CLI, whatever the key order or indentation of the file it came from.
 */

/** keccak-256 of raw bytes. */
export function hashBytes(bytes: Uint8Array): string {
  return keccak256(bytes);
}

/** keccak-256 of a string's UTF-8 bytes. */
export function hashText(text: string): string {
  return keccak256(toUtf8Bytes(text));
}

/** A JSON value: what `JSON.parse` returns. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** The canonical JSON text of `value`: sorted keys, no whitespace. Rejects what JSON cannot represent. */
export function canonicalJson(value: unknown, path = "$"): string {
  if (value === null || typeof value === "boolean" || typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new CorpusInputError(path, "JSON cannot hold a non-finite number", value);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((v, i) => canonicalJson(v, `${path}[${i}]`)).join(",")}]`;
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v, `${path}.${k}`)}`).join(",")}}`;
  }
  throw new CorpusInputError(path, `JSON cannot hold a ${typeof value}`);
}

/** keccak-256 of the canonical JSON of `value` (see {@link canonicalJson}). */
export function hashJson(value: unknown): string {
  return hashText(canonicalJson(value));
}

/** keccak-256 of a file's bytes: a browser `File`, or Node's `fs.openAsBlob(path)`. */
export async function hashBlob(blob: Blob): Promise<string> {
  return hashBytes(new Uint8Array(await blob.arrayBuffer()));
}
