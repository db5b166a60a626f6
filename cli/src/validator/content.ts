/**
 * Fetching a submission's (or a spec's) bytes by URI: `file://`, `http(s)://`, and `ipfs://<cid>/<path>`
 * through an HTTP gateway. Sizes are capped while reading, requests time out.
 *
 * Failures are split by what they say about the work: a *definitive* one (the file or URL does not exist,
 * the content is too large, the URI is not one we can read) is a fact about the submission and makes it
 * rejectable; an unreachable host, a timeout or a server error says nothing about it, and the daemon tries
 * again later.
 */
import dns from "node:dns";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
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
  /**
   * Directories `file://` URIs may point into. URIs come from workers: without this, a submission could make
   * the daemon read any file of the operator's machine (or `/dev/zero`). Default: none, `file://` is refused.
   */
  fileRoots?: readonly string[];
  /**
   * Whether http(s) URIs may name loopback, private or link-local addresses. Default false: a worker's URI
   * must not make the daemon call services on the operator's own network. (The IPFS gateway is the
   * operator's choice and may be local.)
   */
  allowPrivateHosts?: boolean;
}

export class ContentFetcher {
  readonly ipfsGateway: string;
  readonly maxBytes: number;
  readonly timeoutMs: number;
  readonly fileRoots: readonly string[];
  readonly allowPrivateHosts: boolean;

  constructor(options: ContentFetcherOptions = {}) {
    this.ipfsGateway = (options.ipfsGateway ?? "https://ipfs.io").replace(/\/+$/, "");
    this.maxBytes = options.maxBytes ?? 16 * 1024 * 1024;
    this.timeoutMs = options.timeoutMs ?? 15_000;
    this.fileRoots = (options.fileRoots ?? []).map((root) => path.resolve(root));
    this.allowPrivateHosts = options.allowPrivateHosts ?? false;
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
        if (!this.allowPrivateHosts) await refusePrivateHost(url);
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
    let file: string;
    try {
      file = fileURLToPath(url);
    } catch {
      throw new ContentUnsupportedUriError(`"${url.href}" is not a local file URI`);
    }
    let real: string;
    let stat: fs.Stats;
    try {
      // The real path: a symbolic link inside a root must not lead out of it.
      real = await fs.promises.realpath(file);
      stat = await fs.promises.stat(real);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR") throw new ContentNotFoundError(`${file} does not exist`);
      throw new ContentUnavailableError(`${file} cannot be read (${code ?? String(error)})`, { cause: error });
    }
    if (!this.fileRoots.some((root) => real === root || real.startsWith(`${root}${path.sep}`))) {
      throw new ContentUnsupportedUriError(`${file} is outside the directories this daemon reads files from`);
    }
    if (!stat.isFile()) throw new ContentUnsupportedUriError(`${file} is not a regular file`);
    if (stat.size > this.maxBytes) {
      throw new ContentTooLargeError(`${file} is ${stat.size} bytes (at most ${this.maxBytes})`);
    }
    return new Uint8Array(await fs.promises.readFile(real));
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

/** Refuses a URI whose host is, or resolves to, a loopback, private, link-local or unspecified address. */
async function refusePrivateHost(url: URL): Promise<void> {
  const host = url.hostname.replace(/^\[|\]$/g, "");
  let addresses: string[];
  try {
    addresses = net.isIP(host) ? [host] : (await dns.promises.lookup(host, { all: true })).map((a) => a.address);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOTFOUND") throw new ContentNotFoundError(`${url.host} does not resolve`);
    throw new ContentUnavailableError(`${url.host} cannot be resolved now (${code ?? String(error)})`, {
      cause: error,
    });
  }
  const blocked = addresses.find(isPrivateAddress);
  if (blocked !== undefined) {
    throw new ContentUnsupportedUriError(`${url.host} is a private or local address (${blocked}): not fetched`);
  }
}

const PRIVATE_RANGES = new net.BlockList();
for (const [network, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.168.0.0", 16],
] as const) {
  PRIVATE_RANGES.addSubnet(network, prefix, "ipv4");
}
for (const [network, prefix] of [
  ["::", 128],
  ["::1", 128],
  ["fc00::", 7],
  ["fe80::", 10],
] as const) {
  PRIVATE_RANGES.addSubnet(network, prefix, "ipv6");
}

function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped !== undefined) return PRIVATE_RANGES.check(mapped, "ipv4");
  return PRIVATE_RANGES.check(address, net.isIPv6(address) ? "ipv6" : "ipv4");
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
