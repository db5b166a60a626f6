import fs from "node:fs/promises";
import { hashBytes, hashJson } from "../content-hash";
import { CorpusInputError } from "../errors/sdk-errors";

/**
 * Hashes a file the way the browser helpers hash the same content: its exact bytes (`as: "bytes"`, the
 * default, equal to `hashBlob(file)`), or, for a JSON document, its canonical JSON (`as: "json"`, equal to
 * `hashJson(JSON.parse(text))`, whatever the file's key order or whitespace).
 */
export async function hashFile(file: string, options: { as?: "bytes" | "json" } = {}): Promise<string> {
  const bytes = await fs.readFile(file);
  if ((options.as ?? "bytes") === "bytes") return hashBytes(bytes);
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString("utf8"));
  } catch (error) {
    throw new CorpusInputError("file", `${file} is not JSON: ${(error as Error).message}`);
  }
  return hashJson(parsed);
}
