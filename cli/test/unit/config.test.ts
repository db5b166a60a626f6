/** Where settings come from: flags > environment > config file > built-ins. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { resolveConfig } from "../../src/config";
import { CliConfigError } from "../../src/errors";

describe("CLI settings precedence", function () {
  let home: string;
  beforeEach(() => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), "corpus-config-"));
    fs.writeFileSync(
      path.join(home, "config.json"),
      JSON.stringify({
        network: "dev",
        networks: { dev: { rpcUrl: "http://file-network:8545", deployment: "books/dev.json" } },
        keystore: "keys/k.json",
        confirmations: 3,
      }),
    );
  });
  afterEach(() => fs.rmSync(home, { recursive: true, force: true }));

  it("the config file's network, with its paths relative to the file", function () {
    const c = resolveConfig({ home }, {});
    expect(c.rpcUrl).to.equal("http://file-network:8545");
    expect(c.deploymentFile).to.equal(path.join(home, "books", "dev.json"));
    expect(c.keystore).to.equal(path.join(home, "keys", "k.json"));
    expect(c.confirmations).to.equal(3);
  });

  it("the environment beats the file, and flags beat the environment", function () {
    const env = { CORPUS_RPC_URL: "http://env:1", CORPUS_CONFIRMATIONS: "2", CORPUS_KEYSTORE: "/env/k.json" };
    const fromEnv = resolveConfig({ home }, env);
    expect([fromEnv.rpcUrl, fromEnv.confirmations, fromEnv.keystore]).to.deep.equal(["http://env:1", 2, "/env/k.json"]);
    const fromFlags = resolveConfig(
      { home, rpcUrl: "http://flag:1", confirmations: "5", keystore: "/flag/k.json" },
      env,
    );
    expect([fromFlags.rpcUrl, fromFlags.confirmations, fromFlags.keystore]).to.deep.equal([
      "http://flag:1",
      5,
      "/flag/k.json",
    ]);
  });

  it("CORPUS_HOME and --config choose where the file is; a built-in network needs no file", function () {
    const other = path.join(home, "other.json");
    fs.writeFileSync(other, JSON.stringify({ rpcUrl: "http://other:1" }));
    expect(resolveConfig({}, { CORPUS_HOME: home }).rpcUrl).to.equal("http://file-network:8545");
    expect(resolveConfig({ home, config: other }, {}).rpcUrl).to.equal("http://other:1");
    expect(resolveConfig({ home: path.join(home, "empty"), network: "localhost" }, {}).rpcUrl).to.equal(
      "http://127.0.0.1:8545",
    );
  });

  it("names what is wrong: an unknown network, no RPC URL, a bad URL, a bad file, a missing --config", function () {
    const empty = path.join(home, "empty");
    expect(() => resolveConfig({ home, network: "mainnet-ish" }, {})).to.throw(
      CliConfigError,
      /not configured \(known: dev, localhost\)/,
    );
    expect(() => resolveConfig({ home: empty }, {})).to.throw(CliConfigError, /no RPC URL/);
    expect(() => resolveConfig({ home: empty, rpcUrl: "localhost:8545" }, {})).to.throw(CliConfigError, /not an http/);
    expect(() => resolveConfig({ home: empty, rpcUrl: "http://x", confirmations: "0" }, {})).to.throw(
      CliConfigError,
      /confirmations/,
    );
    fs.writeFileSync(path.join(home, "config.json"), JSON.stringify({ rpcURL: "http://typo" }));
    expect(() => resolveConfig({ home }, {})).to.throw(CliConfigError, /additional properties/);
    fs.writeFileSync(path.join(home, "config.json"), "{ not json");
    expect(() => resolveConfig({ home }, {})).to.throw(CliConfigError, /is not JSON/);
    expect(() => resolveConfig({ home, config: path.join(home, "absent.json") }, {})).to.throw(
      CliConfigError,
      /cannot be read/,
    );
  });
});
