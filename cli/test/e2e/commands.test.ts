/**
 * The `corpus` commands as a user runs them: the built CLI as a child process against `npx hardhat node`
 * with Corpus deployed, each account in a home of its own with an encrypted keystore.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { hashBytes, hashJson } from "@corpus-protocol/sdk";
import { expect } from "chai";
import { HDNodeWallet, JsonRpcProvider, Wallet, parseUnits } from "ethers";
import { type LocalNode, deployCorpusTo, startHardhatNode } from "../../../sdk/test/e2e/local-node";
import { TEST_PASSWORD, operatorHome, runCli, runCliJson } from "../helpers/cli-process";

const MNEMONIC = "test test test test test test test test test test test junk";
const keyOf = (i: number) => HDNodeWallet.fromPhrase(MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`);
const CRP = 10n ** 18n;

/** No hex blob longer than an address or a hash: reverts must be shown decoded. */
const RAW_REVERT_DATA = /0x[0-9a-fA-F]{72,}/;
/** A valid task's flags (later flags of the same name override these). */
const TASK_FLAGS = [
  ...["--reward", "10", "--slots", "2", "--deadline", "7d", "--review-window", "1d"],
  ...["--panel-size", "3", "--quorum", "2"],
];

describe("corpus commands (npx hardhat node)", function () {
  let node: LocalNode;
  let provider: JsonRpcProvider;
  let workDir: string;
  let deploymentFile: string;
  let operator: { home: string; address: string };
  let requester: { home: string; address: string };
  let worker: { home: string; address: string };
  const as = (who: { home: string }, ...args: string[]) => ["--home", who.home, ...args];
  const nonceOf = async (address: string) =>
    Number(await provider.send("eth_getTransactionCount", [address, "latest"]));

  before(async function () {
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), "corpus-commands-"));
    node = await startHardhatNode();
    const book = await deployCorpusTo(node);
    deploymentFile = path.join(workDir, "deployment.json");
    fs.writeFileSync(deploymentFile, JSON.stringify(book));
    provider = new JsonRpcProvider(node.url, undefined, { staticNetwork: true, cacheTimeout: -1 });
    const home = (i: number) => operatorHome({ privateKey: keyOf(i).privateKey, rpcUrl: node.url, deploymentFile });
    [operator, requester, worker] = [home(2), home(3), home(4)];
  });

  after(async function () {
    provider?.destroy();
    await node?.stop();
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  describe("accounts", function () {
    it("account new writes an encrypted keystore only its owner can read, and account list shows it", function () {
      const home = fs.mkdtempSync(path.join(workDir, "new-"));
      const created = runCliJson<{ address: string; keystore: string }>(["--home", home, "account", "new"]);
      expect(fs.statSync(created.keystore).mode & 0o777).to.equal(0o600);
      const keystore = JSON.parse(fs.readFileSync(created.keystore, "utf8")) as { Crypto?: unknown; crypto?: unknown };
      expect(keystore.Crypto ?? keystore.crypto).to.be.an("object"); // scrypt-encrypted, no plain key
      const listed = runCliJson<{ address: string }[]>(["--home", home, "account", "list"]);
      expect(listed.map((a) => a.address)).to.deep.equal([created.address]);
    });

    it("account import reads the key from stdin (never argv) and refuses a second keystore for it", function () {
      const home = fs.mkdtempSync(path.join(workDir, "import-"));
      const key = Wallet.createRandom();
      const imported = runCli(["--home", home, "account", "import", "--json"], {}, key.privateKey);
      expect(imported.status, imported.stderr).to.equal(0);
      expect(JSON.parse(imported.stdout).address).to.equal(key.address);
      const again = runCli(["--home", home, "account", "import"], {}, key.privateKey);
      expect(again.status).to.equal(5);
      expect(again.stderr).to.match(/^error: CliKeystoreError: .*already exists/);
    });

    it("a wrong password, or none without a terminal, is a named error (exit 5) and nothing is sent", async function () {
      const nonce = await nonceOf(operator.address);
      const wrong = runCli(as(operator, "stake", "1"), { CORPUS_PASSWORD: "not the password" });
      expect(wrong.status).to.equal(5);
      expect(wrong.stderr).to.match(/^error: CliWrongPasswordError: Wrong password for keystore/);
      const none = runCli(as(operator, "stake", "1"), { CORPUS_PASSWORD: "" });
      expect(none.status).to.equal(5);
      expect(none.stderr).to.match(/CliSecretRequiredError: .*set CORPUS_PASSWORD/);
      expect(await nonceOf(operator.address)).to.equal(nonce);
    });

    it("a password shorter than 8 characters is refused", function () {
      const result = runCli(["--home", fs.mkdtempSync(path.join(workDir, "short-")), "account", "new"], {
        CORPUS_PASSWORD: "short",
      });
      expect(result.status).to.equal(2);
      expect(result.stderr).to.match(/password: must be at least 8 characters/);
    });
  });

  describe("operator", function () {
    it("stake, then status shows the stake as free and the operator active", function () {
      const staked = runCliJson<{ staked: string }>(as(operator, "stake", "12500.5"));
      expect(staked.staked).to.equal(String(parseUnits("12500.5", 18)));
      const status = runCliJson<{ stake: Record<string, string | boolean> }>(as(operator, "status"));
      expect(status.stake).to.include({ staked: String(parseUnits("12500.5", 18)), locked: "0", active: true });
      expect(status.stake.free).to.equal(status.stake.staked);
      const human = runCli(as(operator, "status"));
      expect(human.stdout)
        .to.match(/staked: +12500\.5 CRP/)
        .and.match(/active: +yes/);
    });

    it("register sets the operator URI that status shows", function () {
      runCliJson(as(operator, "register", "https://validator.example.org"));
      const status = runCliJson<{ operatorUri: string }>(as(operator, "status"));
      expect(status.operatorUri).to.equal("https://validator.example.org");
    });

    it("thaw shows what thaws and when it matures; withdrawing early is the contract's named error, decoded (exit 3)", async function () {
      const thawed = runCliJson<{ thawing: string; thawEnd: string }>(as(operator, "thaw", "500"));
      expect(thawed.thawing).to.equal(String(500n * CRP));
      const now = (await provider.getBlock("latest"))!.timestamp;
      expect(Number(thawed.thawEnd)).to.equal(now + 7 * 86_400);
      expect(runCli(as(operator, "status")).stdout).to.match(
        /thawing: +500 CRP, withdrawable \d{4}-\d\d-\d\dT.*\(in (6 d 23 h|7 d 0 h)\)/,
      );

      const nonce = await nonceOf(operator.address);
      const early = runCli(as(operator, "withdraw"));
      expect(early.status).to.equal(3);
      expect(early.stderr).to.match(/^error: StakingThawNotMature: /);
      expect(early.stderr).not.to.match(RAW_REVERT_DATA);
      expect(early.stderr.trim().split("\n")).to.have.length(1);
      expect(await nonceOf(operator.address)).to.equal(nonce);

      const json = runCli(as(operator, "withdraw", "--json"));
      const error = JSON.parse(json.stderr).error as { name: string; args: Record<string, string> };
      expect(error.name).to.equal("StakingThawNotMature");
      expect(error.args.validator).to.equal(operator.address);
    });

    it("a malformed amount is refused before anything is sent (exit 2)", async function () {
      const nonce = await nonceOf(operator.address);
      for (const amount of ["ten", "1e18", "-5", "0.1234567890123456789"]) {
        const result = runCli(as(operator, "stake", amount));
        expect(result.status, amount).to.equal(2);
        expect(result.stderr, amount).to.match(/^error: CliConfigError: amount: .* is not an amount of CRP/);
      }
      expect(await nonceOf(operator.address)).to.equal(nonce);
    });

    it("claim with nothing to claim says so and succeeds", function () {
      const result = runCli(as(requester, "claim"));
      expect(result.status, result.stderr).to.equal(0);
      expect(result.stdout.trim()).to.equal("Nothing to claim.");
    });
  });

  describe("tasks", function () {
    let taskId: string;
    const spec = { instructions: "Label cats and dogs", schema: { type: "object" } };

    it("task post hashes the spec file as canonical JSON and posts it; task show reads it back", function () {
      const specFile = path.join(workDir, "spec.json");
      fs.writeFileSync(specFile, JSON.stringify(spec, null, 4)); // indentation does not change the hash
      const posted = runCliJson<{ taskId: string; specHash: string; specUri: string; escrow: string }>(
        as(requester, "task", "post", specFile, ...TASK_FLAGS),
      );
      expect(posted.specHash).to.equal(hashJson(spec));
      expect(posted.specUri).to.equal(`file://${specFile}`);
      taskId = posted.taskId;
      const shown = runCliJson<{ requester: string; reward: string; slots: string; kind: string }>(
        as(requester, "task", "show", taskId),
      );
      expect(shown).to.include({
        requester: requester.address,
        reward: String(10n * CRP),
        slots: "2",
        kind: "labeling",
      });
    });

    it("refuses a task the registry would refuse, naming the field, before anything is sent (exit 2)", async function () {
      const nonce = await nonceOf(requester.address);
      const specFile = path.join(workDir, "spec.json");
      const even = runCli(as(requester, "task", "post", specFile, ...TASK_FLAGS, "--panel-size", "2"));
      expect(even.status).to.equal(2);
      expect(even.stderr).to.match(/^error: CorpusInputError: Invalid panelSize: must be odd/);
      const missing = runCli(as(requester, "task", "post", specFile, "--reward", "10"));
      expect(missing.status).to.equal(2);
      expect(missing.stderr).to.match(/required option '--slots <n>' not specified/);
      const badDuration = runCli(as(requester, "task", "post", specFile, ...TASK_FLAGS, "--deadline", "soon"));
      expect(badDuration.status).to.equal(2);
      expect(badDuration.stderr).to.match(/--deadline: "soon" is not a duration/);
      expect(await nonceOf(requester.address)).to.equal(nonce);
    });

    it("submit hashes the file's bytes; task show lists the submission; task list lists the task", function () {
      const work = path.join(workDir, "labels.json");
      fs.writeFileSync(work, '{"labels":["cat"]}\n');
      const submitted = runCliJson<{ submissionId: string; contentHash: string }>(as(worker, "submit", taskId, work));
      expect(submitted.contentHash).to.equal(hashBytes(fs.readFileSync(work)));
      const shown = runCliJson<{
        submissions: { submissionId: string; worker: string; contentHash: string; status: string }[];
      }>(as(worker, "task", "show", taskId));
      expect(shown.submissions).to.deep.equal([
        {
          submissionId: submitted.submissionId,
          worker: worker.address,
          contentHash: submitted.contentHash,
          uri: `file://${work}`,
          status: "Drawing",
        },
      ]);
      const listed = runCliJson<{ taskId: string }[]>(as(worker, "task", "list"));
      expect(listed.map((t) => t.taskId)).to.include(taskId);
      expect(runCli(as(worker, "task", "list", "--requester", worker.address)).stdout.trim()).to.equal("No tasks.");
    });

    it("a registry refusal comes back as the contract's error by name (a second live submission)", function () {
      const work = path.join(workDir, "labels.json");
      const again = runCli(as(worker, "submit", taskId, work));
      expect(again.status).to.equal(3);
      expect(again.stderr).to.match(/^error: TasksLiveSubmission: /);
      expect(again.stderr).not.to.match(RAW_REVERT_DATA);
    });

    it("settings from flags beat the environment: a wrong RPC URL in the environment is overridden by --rpc-url", function () {
      const result = runCli(as(worker, "--rpc-url", node.url, "task", "show", taskId, "--json"), {
        CORPUS_RPC_URL: "http://127.0.0.1:1",
      });
      expect(result.status, result.stderr).to.equal(0);
      const unreachable = runCli(as(worker, "task", "show", taskId), { CORPUS_RPC_URL: "http://127.0.0.1:1" });
      expect(unreachable.status).to.equal(4);
      expect(unreachable.stderr).to.match(
        /^error: CliRpcUnreachableError: The node at http:\/\/127\.0\.0\.1:1 did not answer/,
      );
      const unknown = runCli(as(worker, "--network", "nowhere", "task", "show", taskId));
      expect(unknown.status).to.equal(2);
      expect(unknown.stderr).to.match(/^error: CliConfigError: network: "nowhere" is not configured/);
    });
  });

  it("the password is never needed to read, and TEST_PASSWORD never appears in any output", function () {
    const result = runCli(as(operator, "status", operator.address), { CORPUS_PASSWORD: "" });
    expect(result.status, result.stderr).to.equal(0);
    expect(result.stdout + result.stderr).not.to.include(TEST_PASSWORD);
  });
});
