import { expect } from "chai";
import { type ChildProcess, execFile, spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { JsonRpcProvider } from "ethers";
import { CorpusStaking__factory, CorpusTimelock__factory } from "../../sdk/src/typechain";
import { CORPUS_CONTRACT_NAMES } from "../../sdk/src/addresses";
import { UNDER_COVERAGE } from "../helpers/coverage";

const ROOT = path.join(__dirname, "..", "..");
const HARDHAT_CLI = require.resolve("hardhat/internal/cli/cli.js");
/** Account #0 of Hardhat's public test mnemonic: a well-known key that only ever holds test ETH. */
const TEST_DEPLOYER_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const TEST_DEPLOYER = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
const run = promisify(execFile);

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`Timed out waiting for ${what}`);
}

/**
 * Deploys to a real JSON-RPC node the way an operator deploys to any chain: `npx hardhat corpus:deploy
 * --network remote`, with the RPC URL and the deployer key given as Hardhat configuration variables
 * (HARDHAT_VAR_*), not files. The node is `npx hardhat node` on a free loopback port.
 */
describe("deploying to a JSON-RPC node with configuration variables", function () {
  this.timeout(180_000);
  let node: ChildProcess | undefined;
  let port = 0;
  let books = "";
  const journalsBefore = new Set(fs.readdirSync(path.join(ROOT, "deploy")));

  before(async function () {
    // Under coverage the artifacts on disk are instrumented and too large for a real node's EIP-170 limit;
    // this test covers the deploy path and the CLI, not contract lines, so it runs in `npm test` only.
    if (UNDER_COVERAGE) this.skip();
    port = await freePort();
    books = fs.mkdtempSync(path.join(os.tmpdir(), "corpus-books-"));
    node = spawn(process.execPath, [HARDHAT_CLI, "node", "--hostname", "127.0.0.1", "--port", String(port)], {
      cwd: ROOT,
      stdio: "ignore",
    });
    const provider = new JsonRpcProvider(`http://127.0.0.1:${port}`);
    await waitFor(async () => (await provider.getNetwork()).chainId === 31337n, "the node to answer");
    provider.destroy();
  });

  after(async function () {
    if (node === undefined) return;
    node.kill("SIGKILL");
    await waitFor(
      () =>
        new Promise((resolve) => {
          const socket = net.connect(port, "127.0.0.1");
          socket.on("connect", () => (socket.destroy(), resolve(false)));
          socket.on("error", () => resolve(true));
        }),
      "the node's port to close",
    );
    fs.rmSync(books, { recursive: true, force: true });
    // Ignition's journals of these throwaway local deployments.
    const journals = path.join(ROOT, "deploy", "deployments");
    if (fs.existsSync(journals) && !journalsBefore.has("deployments")) fs.rmSync(journals, { recursive: true });
  });

  function hardhat(args: string[]) {
    return run(process.execPath, [HARDHAT_CLI, ...args, "--network", "remote"], {
      cwd: ROOT,
      env: {
        ...process.env,
        HARDHAT_VAR_CORPUS_RPC_URL: `http://127.0.0.1:${port}`,
        HARDHAT_VAR_CORPUS_DEPLOYER_KEY: TEST_DEPLOYER_KEY,
        CORPUS_DEPLOYMENTS_DIR: books,
      },
    });
  }

  it("corpus:deploy deploys every contract, writes the chain's address book and leaves the deployer no role", async function () {
    await hardhat(["corpus:deploy"]);
    const book = JSON.parse(fs.readFileSync(path.join(books, "31337.json"), "utf8"));
    expect(book.chainId).to.equal(31337);
    expect(Object.keys(book.contracts)).to.have.members([...CORPUS_CONTRACT_NAMES]);
    const provider = new JsonRpcProvider(`http://127.0.0.1:${port}`);
    for (const address of Object.values<string>(book.contracts)) {
      expect(await provider.getCode(address), address).to.not.equal("0x");
    }
    const timelock = CorpusTimelock__factory.connect(book.contracts.CorpusTimelock, provider);
    expect(await timelock.hasRole(await timelock.DEFAULT_ADMIN_ROLE(), TEST_DEPLOYER)).to.equal(false);
    // Staking's bootstrap admin was renounced once the registry had its roles.
    const staking = CorpusStaking__factory.connect(book.contracts.CorpusStaking, provider);
    expect(await staking.hasRole(await staking.DEFAULT_ADMIN_ROLE(), TEST_DEPLOYER)).to.equal(false);
    expect(await staking.hasRole(await staking.LOCKER_ROLE(), book.contracts.CorpusTasks)).to.equal(true);
    provider.destroy();
  });

  it("gov:status reads a proposal file against that address book over the same network", async function () {
    const { stdout } = await hardhat(["gov:status", "--proposal", "proposals/example-lengthen-votes.json"]);
    expect(JSON.parse(stdout)).to.include({ state: "Unknown" });
  });
});
