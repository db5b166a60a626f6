/** Fetching content by URI and checking it against its hash: unit tests against a local HTTP server and files. */
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { hashBytes, hashJson, hashText } from "@corpus-protocol/sdk";
import { expect } from "chai";
import {
  ContentFetcher,
  ContentNotFoundError,
  ContentTooLargeError,
  ContentUnavailableError,
  ContentUnsupportedUriError,
  fetchVerified,
} from "../../src/validator/content";

describe("content fetching", function () {
  let dir: string;
  let server: http.Server;
  let base: string;
  const requests: string[] = [];

  before(async function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "corpus-content-"));
    server = http.createServer((request, response) => {
      requests.push(request.url ?? "");
      const routes: Record<string, () => void> = {
        "/ok": () => response.end("hello"),
        "/gone": () => response.writeHead(410).end(),
        "/busy": () => response.writeHead(503).end(),
        "/limited": () => response.writeHead(429).end(),
        "/big": () => response.end("x".repeat(2048)),
        "/hang": () => undefined,
        "/ipfs/bafycid/labels.json": () => response.end('{"b":1,"a":2}'),
      };
      (routes[request.url ?? ""] ?? (() => response.writeHead(404).end()))();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async function () {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const fetcher = (options = {}) => new ContentFetcher({ ipfsGateway: base, timeoutMs: 300, ...options });

  it("reads file:// and http:// content", async function () {
    const file = path.join(dir, "a.txt");
    fs.writeFileSync(file, "from a file");
    expect(Buffer.from(await fetcher().fetch(pathToFileURL(file).href)).toString()).to.equal("from a file");
    expect(Buffer.from(await fetcher().fetch(`${base}/ok`)).toString()).to.equal("hello");
  });

  it("maps ipfs://<cid>/<path> onto the configured gateway", async function () {
    const bytes = await fetcher().fetch("ipfs://bafycid/labels.json");
    expect(Buffer.from(bytes).toString()).to.equal('{"b":1,"a":2}');
    expect(requests).to.include("/ipfs/bafycid/labels.json");
    expect(fetcher({ ipfsGateway: "https://gw.example/" }).gatewayUrl(new URL("ipfs://cid"))).to.equal(
      "https://gw.example/ipfs/cid",
    );
  });

  it("tells a definitive failure (missing, too large, unsupported) from a transient one (5xx, 429, refused, timeout)", async function () {
    const f = fetcher({ maxBytes: 1024 });
    const cases: [string, new (...args: never[]) => Error, boolean][] = [
      [pathToFileURL(path.join(dir, "missing")).href, ContentNotFoundError, true],
      [`${base}/nothing`, ContentNotFoundError, true],
      [`${base}/gone`, ContentNotFoundError, true],
      [`${base}/big`, ContentTooLargeError, true],
      ["ftp://example.org/x", ContentUnsupportedUriError, true],
      ["not a uri", ContentUnsupportedUriError, true],
      [`${base}/busy`, ContentUnavailableError, false],
      [`${base}/limited`, ContentUnavailableError, false],
      [`${base}/hang`, ContentUnavailableError, false],
      ["http://127.0.0.1:1/refused", ContentUnavailableError, false],
    ];
    for (const [uri, type, definitive] of cases) {
      const error = await f.fetch(uri).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, uri).to.be.instanceOf(type);
      expect((error as { definitive: boolean }).definitive, uri).to.equal(definitive);
    }
  });

  it("refuses a file larger than the limit before reading it", async function () {
    const file = path.join(dir, "big.bin");
    fs.writeFileSync(file, Buffer.alloc(2048));
    const error = await fetcher({ maxBytes: 1024 })
      .fetch(pathToFileURL(file).href)
      .catch((e: unknown) => e);
    expect(error).to.be.instanceOf(ContentTooLargeError);
  });

  describe("fetchVerified", function () {
    it("returns the bytes whose hash is the one on-chain", async function () {
      const result = await fetchVerified(fetcher(), `${base}/ok`, hashBytes(Buffer.from("hello")));
      expect(result.ok && Buffer.from(result.bytes).toString()).to.equal("hello");
    });

    it("accepts a JSON document whose canonical form has the hash (how specs are hashed)", async function () {
      const result = await fetchVerified(fetcher(), "ipfs://bafycid/labels.json", hashJson({ a: 2, b: 1 }));
      expect(result.ok).to.equal(true);
    });

    it("rejects content whose hash differs, saying both hashes", async function () {
      const result = await fetchVerified(fetcher(), `${base}/ok`, hashText("something else"));
      expect(result).to.deep.equal({
        ok: false,
        reason: `content hash mismatch: expected ${hashText("something else")}, got ${hashBytes(Buffer.from("hello"))}`,
      });
    });

    it("rejects content that does not exist, and throws (to retry later) when it cannot be reached", async function () {
      const missing = await fetchVerified(fetcher(), `${base}/nothing`, hashText("x"));
      expect(missing.ok).to.equal(false);
      expect(!missing.ok && missing.reason).to.match(/404/);
      const error = await fetchVerified(fetcher(), `${base}/busy`, hashText("x")).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(ContentUnavailableError);
    });
  });
});
