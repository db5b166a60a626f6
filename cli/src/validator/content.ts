/**
 * Fetching a submission's (or a spec's) bytes by URI: `file://`, `http(s)://`, and `ipfs://<cid>/<path>`
 * through an HTTP gateway. Sizes are capped while reading, requests time out.
 *
 * Failures are split by what they say about the work: a *definitive* one (the file or URL does not exist,
 * the content is too large, the URI is not one we can read) is a fact about the submission and makes it
 * rejectable; an unreachable host, a timeout or a server error says nothing about it, and the daemon tries
 * again later.
 */
import fs from "node:fs";
import { fileURLToPath } from "node:url";
import { hashBytes, hashJson } from "@corpus-protocol/sdk";

export abstract class ContentError extends Error {
  abstract readonly code: string;
  /** Whether the failure is a fact about the content (true) or about reaching it now (false). */
  abstract readonly definitive: boolean;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The content does not exist at its URI (no such file, HTTP 404 or 410). */
export class ContentNotFoundError extends ContentError {
  readonly code = "CONTENT_NOT_FOUND";
  readonly definitive = true;
}

/** The content is larger than the daemon reads. */
export class ContentTooLargeError extends ContentError {
  readonly code = "CONTENT_TOO_LARGE";
  readonly definitive = true;
}

/** The URI is malformed or of a scheme the daemon does not read. */
export class ContentUnsupportedUriError extends ContentError {
  readonly code = "CONTENT_UNSUPPORTED_URI";
  readonly definitive = true;
}

/** The content could not be reached now (refused, timed out, a server error, rate limited). */
export class ContentUnavailableError extends ContentError {
  readonly code = "CONTENT_UNAVAILABLE";
  readonly definitive = false;
}

export interface ContentFetcherOptions {
  ipfsGateway?: string;
  maxBytes?: number;
  timeoutMs?: number;
}

export class ContentFetcher {
  readonly ipfsGateway: string;
  readonly maxBytes: number;
  readonly timeoutMs: number;

  constructor(options: ContentFetcherOptions = {}) {
    this.ipfsGateway = (options.ipfsGateway ?? "https://ipfs.io").replace(/\/+$/, "");
    this.maxBytes = options.maxBytes ?? 16 * 1024 * 1024;
    this.timeoutMs = options.timeoutMs ?? 15_000;
  }

  /** The bytes at `uri`, or a {@link ContentError}. */
  async fetch(uri: string, signal?: AbortSignal): Promise<Uint8Array> {
    let url: URL;
    try {
      url = new URL(uri);
    } catch {
      throw new ContentUnsupportedUriError(`"${uri}" is not a URI`);
    }
    switch (url.protocol) {
      case "file:":
        return this.readFile(url);
      case "http:":
      case "https:":
        return this.readHttp(url.href, signal);
      case "ipfs:":
        return this.readHttp(this.gatewayUrl(url), signal);
      default:
        throw new ContentUnsupportedUriError(`${url.protocol} URIs are not supported (file, http, https, ipfs)`);
    }
  }

  /** `ipfs://<cid>/<path>` as a gateway URL. */
  gatewayUrl(url: URL): string {
    const cid = url.hostname;
    if (cid === "") throw new ContentUnsupportedUriError(`"${url.href}" has no CID`);
    return `${this.ipfsGateway}/ipfs/${cid}${url.pathname === "/" ? "" : url.pathname}`;
  }

  private async readFile(url: URL): Promise<Uint8Array> {
    const file = fileURLToPath(url);
    let size: number;
    try {
      size = (await fs.promises.stat(file)).size;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR") throw new ContentNotFoundError(`${file} does not exist`);
      throw new ContentUnavailableError(`${file} cannot be read (${code ?? String(error)})`, { cause: error });
    }
    if (size > this.maxBytes) throw new ContentTooLargeError(`${file} is ${size} bytes (at most ${this.maxBytes})`);
    return new Uint8Array(await fs.promises.readFile(file));
  }

  private async readHttp(href: string, signal?: AbortSignal): Promise<Uint8Array> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    let response: Response;
    try {
      response = await fetch(href, {
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
        redirect: "follow",
      });
    } catch (error) {
      throw new ContentUnavailableError(`${href} unreachable (${describe(error)})`, { cause: error });
    }
    if (response.status === 404 || response.status === 410) {
      throw new ContentNotFoundError(`${href} answered ${response.status}`);
    }
    if (!response.ok) throw new ContentUnavailableError(`${href} answered ${response.status}`);
    const declared = Number(response.headers.get("content-length") ?? "NaN");
    if (declared > this.maxBytes) {
      await response.body?.cancel();
      throw new ContentTooLargeError(`${href} is ${declared} bytes (at most ${this.maxBytes})`);
    }
    const chunks: Uint8Array[] = [];
    let total = 0;
    try {
      for await (const chunk of response.body ?? []) {
        total += chunk.byteLength;
        if (total > this.maxBytes) {
          await response.body?.cancel();
          throw new ContentTooLargeError(`${href} is more than ${this.maxBytes} bytes`);
        }
        chunks.push(chunk);
      }
    } catch (error) {
      if (error instanceof ContentError) throw error;
      throw new ContentUnavailableError(`${href} broke off (${describe(error)})`, { cause: error });
    }
    const bytes = new Uint8Array(total);
    let offset = 0;
    for (const chunk of chunks) {
      bytes.set(chunk, offset);
      offset += chunk.byteLength;
    }
    return bytes;
  }
}

export type Verified = { ok: true; bytes: Uint8Array } | { ok: false; reason: string };

/**
 * The bytes at `uri` if they hash to `expectedHash` (keccak-256 of the exact bytes, or of a JSON document's
 * canonical form); a reason to reject when they are not, or when a
 * definitive {@link ContentError} says they cannot be had. A transient failure is thrown.
 */
export async function fetchVerified(
  fetcher: ContentFetcher,
  uri: string,
  expectedHash: string,
  signal?: AbortSignal,
): Promise<Verified> {
  let bytes: Uint8Array;
  try {
    bytes = await fetcher.fetch(uri, signal);
  } catch (error) {
    if (error instanceof ContentError && error.definitive) return { ok: false, reason: error.message };
    throw error;
  }
  const actual = hashBytes(bytes);
  if (actual.toLowerCase() === expectedHash.toLowerCase() || canonicalJsonHash(bytes) === expectedHash.toLowerCase()) {
    return { ok: true, bytes };
  }
  return { ok: false, reason: `content hash mismatch: expected ${expectedHash}, got ${actual}` };
}

/**
 * The hash of a JSON document in the SDK's canonical form (`hashJson`), which is how the CLI and SDK hash a
 * spec: the same document matches whatever its key order or indentation on the server. Undefined if not JSON.
 */
function canonicalJsonHash(bytes: Uint8Array): string | undefined {
  try {
    return hashJson(JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes))).toLowerCase();
  } catch {
    return undefined;
  }
}

function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: string } }).cause;
  if (cause?.code !== undefined) return cause.code;
  return error instanceof Error ? error.message : String(error);
}
