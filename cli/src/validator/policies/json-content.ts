import type { JsonValue } from "@corpus-protocol/sdk";

/** A submission's bytes as JSON, or why they are not (UTF-8 first, then JSON). */
export function parseJsonContent(content: Uint8Array): { ok: true; value: JsonValue } | { ok: false; reason: string } {
  try {
    const text = new TextDecoder("utf-8", { fatal: true }).decode(content);
    return { ok: true, value: JSON.parse(text) as JsonValue };
  } catch (error) {
    return { ok: false, reason: `content is not JSON: ${(error as Error).message}` };
  }
}
