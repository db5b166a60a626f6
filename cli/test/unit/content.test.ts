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

  const fetcher = (options = {}) =>
    new ContentFetcher({ ipfsGateway: base, timeoutMs: 300, fileRoots: [dir], allowPrivateHosts: true, ...options });

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

  describe("what a worker's URI may not make the daemon read", function () {
    it("file:// only inside the configured roots (none by default), no escape through a link, regular files only", async function () {
      const inside = path.join(dir, "inside.txt");
      fs.writeFileSync(inside, "ok");
      const strict = new ContentFetcher();
      const refused = async (f: ContentFetcher, uri: string) =>
        f.fetch(uri).then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(await refused(strict, pathToFileURL(inside).href)).to.be.instanceOf(ContentUnsupportedUriError);
      const outside = fs.mkdtempSync(path.join(os.tmpdir(), "corpus-outside-"));
      fs.writeFileSync(path.join(outside, "secret"), "operator's secret");
      fs.symlinkSync(path.join(outside, "secret"), path.join(dir, "link-out"));
      fs.symlinkSync("/dev/zero", path.join(dir, "zero"));
      fs.mkdirSync(path.join(dir, "a-directory"), { recursive: true });
      for (const target of [
        path.join(outside, "secret"),
        path.join(dir, "link-out"),
        path.join(dir, "zero"),
        "/dev/zero",
      ]) {
        const error = await refused(fetcher(), pathToFileURL(target).href);
        expect(error, target).to.be.instanceOf(ContentUnsupportedUriError);
        expect((error as Error).message, target).to.match(/outside the directories/);
      }
      const directory = await refused(fetcher(), pathToFileURL(path.join(dir, "a-directory")).href);
      expect((directory as Error).message).to.match(/not a regular file/);
      fs.rmSync(outside, { recursive: true, force: true });
    });

    it("no http(s) to loopback, private or link-local hosts by default; the operator's own gateway may be local", async function () {
      const strict = fetcher({ allowPrivateHosts: false });
      for (const uri of [
        `${base}/ok`,
        "http://localhost:1/x",
        "http://10.1.2.3/x",
        "http://169.254.169.254/latest",
        "http://[::1]:1/x",
      ]) {
        const error = await strict.fetch(uri).catch((e: unknown) => e);
        expect(error, uri).to.be.instanceOf(ContentUnsupportedUriError);
        expect((error as { definitive: boolean }).definitive).to.equal(true);
      }
      expect(Buffer.from(await strict.fetch("ipfs://bafycid/labels.json")).toString()).to.equal('{"b":1,"a":2}');
    });
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
