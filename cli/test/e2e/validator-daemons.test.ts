/**
 * The validator daemon end to end: real `corpus validator run` processes against `npx hardhat node` with
 * Corpus deployed, reviewing, judging and recovering as an operator would run them.
 *
 * Six operators (default accounts #2-#7) stake and run a daemon each; #2's also draws panels and juries
 * (`--keeper`). Every daemon reaches the node through a TCP relay, so the test can take "the node" away
 * from them and give it back without losing the chain. The test itself drives the requester and workers
 * through the SDK, and moves the node's clock.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { expect } from "chai";
import { HDNodeWallet, JsonRpcProvider, type JsonRpcSigner, parseUnits } from "ethers";
import {
  CorpusClient,
  type CorpusDeploymentRecord,
  SUBMISSION_STATUS,
  hashBytes,
  hashJson,
  hashText,
} from "@corpus-protocol/sdk";
import { type LocalNode, deployCorpusTo, startHardhatNode } from "../../../sdk/test/e2e/local-node";
import { DaemonProcess, eventually, operatorHome } from "../helpers/cli-process";
import { RpcRelay } from "../helpers/rpc-proxy";

const CRP = 10n ** 18n;
const DAY = 86_400;
const MNEMONIC = "test test test test test test test test test test test junk";
const OPERATORS = [2, 3, 4, 5, 6, 7];
const KEEPER = 2;
const REQUESTER = 8;
const DISPUTING_WORKER = 9;
const WORKERS = { valid: 10, wrongHash: 11, badSchema: 12 };

/** A policy module that never answers, used for ranking tasks. */
const HANGING_POLICY = path.resolve(__dirname, "..", "fixtures", "hanging-policy.js");

const keyOf = (i: number) => HDNodeWallet.fromPhrase(MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`).privateKey;

const SPEC = {
  instructions: "Label each image as cat or dog.",
  schema: {
    type: "object",
    required: ["labels"],
    additionalProperties: false,
    properties: { labels: { type: "array", minItems: 1, items: { enum: ["cat", "dog"] } } },
  },
};

describe("validator daemons end to end (npx hardhat node)", function () {
  let node: LocalNode;
  let relay: RpcRelay;
  let provider: JsonRpcProvider;
  let deployment: CorpusDeploymentRecord;
  let signers: JsonRpcSigner[];
  let workDir: string;
  const daemons = new Map<number, DaemonProcess>();
  const homes = new Map<number, string>();
  const client = (i: number) => CorpusClient.connect(signers[i]!, { deployment });

  /** A content file in the work directory, with its file:// URI. */
  const file = (name: string, content: unknown) => {
    const where = path.join(workDir, name);
    fs.writeFileSync(where, typeof content === "string" ? content : JSON.stringify(content));
    return { uri: pathToFileURL(where).href, bytes: fs.readFileSync(where) };
  };
  const mine = (blocks: number) => provider.send("hardhat_mine", [`0x${blocks.toString(16)}`]);
  const advance = async (seconds: number) => {
    await provider.send("evm_increaseTime", [seconds]);
    await provider.send("evm_mine", []);
  };
  const statusOf = async (submissionId: bigint) =>
    SUBMISSION_STATUS[Number((await (await client(REQUESTER)).tasks.getSubmission(submissionId)).status)];
  const startDaemon = (i: number) => {
    const daemon = new DaemonProcess(homes.get(i)!, i === KEEPER ? ["--keeper"] : []);
    daemons.set(i, daemon);
    return daemon;
  };
  const health = async (i: number) => {
    const port = await daemons.get(i)!.metricsPort();
    const response = await fetch(`http://127.0.0.1:${port}/health`);
    return { status: response.status, body: (await response.json()) as { status: string } };
  };

  async function postTask(panelSize: number, slots: number, kind: "labeling" | "ranking" = "labeling", spec_ = SPEC) {
    const spec = file(`spec-${panelSize}-${slots}-${Date.now()}.json`, spec_);
    const latest = await provider.getBlock("latest");
    const { taskId } = await (
      await client(REQUESTER)
    ).tasks.post({
      reward: parseUnits("100", 18),
      slots,
      deadline: latest!.timestamp + 7 * DAY,
      reviewWindow: DAY,
      panelSize,
      quorum: (panelSize + 1) / 2,
      kind,
      specUri: spec.uri,
      specHash: hashJson(spec_),
    });
    return taskId;
  }

  async function submit(worker: number, taskId: bigint, name: string, content: unknown, hash?: string) {
    const work = file(name, content);
    const { submissionId } = await (
      await client(worker)
    ).tasks.submit(taskId, { uri: work.uri, contentHash: hash ?? hashBytes(work.bytes) });
    return submissionId;
  }

  /** Mines blocks until the submissions' seeds exist; the keeper daemon draws, the panels review. */
  async function reviewed(submissionIds: bigint[]) {
    await mine(3);
    for (const id of submissionIds) {
      await eventually(`submission ${id} reviewed`, async () =>
        (await statusOf(id)) === "Provisional" ? true : undefined,
      );
    }
  }

  before(async function () {
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), "corpus-daemon-e2e-"));
    node = await startHardhatNode();
    deployment = await deployCorpusTo(node);
    const deploymentFile = path.join(workDir, "deployment.json");
    fs.writeFileSync(deploymentFile, JSON.stringify(deployment));
    relay = await RpcRelay.start(node.url);
    provider = new JsonRpcProvider(node.url, undefined, { staticNetwork: true, pollingInterval: 100 });
    signers = await Promise.all(Array.from({ length: 13 }, (_, i) => provider.getSigner(i)));
    for (const i of OPERATORS) {
      await (await client(i)).staking.stake(50_000n * CRP);
      const { home } = operatorHome({
        privateKey: keyOf(i),
        rpcUrl: relay.url,
        deploymentFile,
        validator: {
          pollIntervalMs: 250,
          confirmations: 0,
          retryMs: 1_000,
          maxBackoffMs: 2_000,
          healthMaxAgeMs: 3_000,
          metrics: { host: "127.0.0.1", port: 0 },
          policyTimeoutMs: 500,
          fileRoots: [workDir],
          policies: { byKind: { ranking: { use: HANGING_POLICY } } },
        },
      });
      homes.set(i, home);
    }
    for (const i of OPERATORS) startDaemon(i);
    for (const daemon of daemons.values()) await daemon.waitForLog((l) => l.msg === "validator started");
  });

  afterEach(function () {
    if (this.currentTest?.state !== "failed") return;
    for (const [i, daemon] of daemons) {
      console.log(`--- daemon of operator #${i} (last lines) ---\n${daemon.output.split("\n").slice(-12).join("\n")}`);
    }
  });

  after(async function () {
    for (const daemon of daemons.values()) await daemon.stop().catch(() => undefined);
    await relay?.pause();
    provider?.destroy();
    await node?.stop();
  });

  it("three daemons review a task's submissions: the valid one is accepted and its worker paid; a wrong hash and a schema failure are rejected", async function () {
    const taskId = await postTask(3, 3);
    const valid = await submit(WORKERS.valid, taskId, "valid.json", { labels: ["cat", "dog"] });
    const wrongHash = await submit(WORKERS.wrongHash, taskId, "wrong-hash.json", { labels: ["cat"] }, hashText("x"));
    const badSchema = await submit(WORKERS.badSchema, taskId, "bad-schema.json", { labels: ["horse"] });
    await reviewed([valid, wrongHash, badSchema]);

    const requester = await client(REQUESTER);
    // The third member attests too (after the verdict, before the deadline): no one is absent.
    for (const id of [valid, wrongHash, badSchema]) {
      await eventually(`every member of ${id}'s panel attested`, async () =>
        (await requester.tasks.getSubmission(id)).voted === 0b111n ? true : undefined,
      );
    }
    const verdicts = await Promise.all([valid, wrongHash, badSchema].map((id) => requester.tasks.getSubmission(id)));
    expect(verdicts.map((s) => s.verdict)).to.deep.equal([1n, 2n, 2n]); // accept, reject, reject
    // Each panel member attested once, with the reason its daemon logged.
    const reasons = [...daemons.values()].flatMap((d) => d.logs.filter((l) => l.msg === "verdict"));
    expect(reasons.some((l) => String(l.reason).startsWith("content hash mismatch"))).to.equal(true);
    expect(reasons.some((l) => String(l.reason).startsWith("schema"))).to.equal(true);

    await advance(2 * DAY + 1);
    for (const id of [valid, wrongHash, badSchema]) await requester.tasks.finalize(id);
    expect(await statusOf(valid)).to.equal("Accepted");
    expect(await statusOf(wrongHash)).to.equal("Rejected");
    expect(await requester.tasks.balanceOf(signers[WORKERS.valid]!.address)).to.equal(parseUnits("100", 18));

    const port = await daemons.get(KEEPER)!.metricsPort();
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).to.match(/corpus_validator_draws_sent_total\{kind="draw-panel"\} 3/);
    expect(metrics).to.include("corpus_validator_lag_blocks");
  });

  it("a daemon killed with SIGKILL between sending its jury commit and the commit being mined restarts and reveals", async function () {
    const taskId = await postTask(1, 1);
    const submissionId = await submit(DISPUTING_WORKER, taskId, "disputed.json", { labels: ["dog"] }, hashText("y"));
    await reviewed([submissionId]);
    const { disputeId } = await (await client(DISPUTING_WORKER)).tasks.dispute(submissionId);
    await mine(3);
    const requester = await client(REQUESTER);
    await eventually("the jury drawn", async () =>
      (await requester.disputes.get(disputeId)).phaseName === "Evidence" ? true : undefined,
    );
    const round = await requester.disputes.round(disputeId, 0n);
    const jurors = round.jurors.map((j) => OPERATORS.find((i) => signers[i]!.address === j)!);
    expect(jurors).to.have.length(5);
    const victim = jurors.find((i) => i !== KEEPER)!;
    const victimAddress = signers[victim]!.address;

    // Commits wait in the mempool: the victim's will be sent and not mined when it dies.
    await provider.send("evm_setAutomine", [false]);
    await provider.send("evm_increaseTime", [2 * DAY + 1]);
    await provider.send("evm_mine", []);
    await eventually("the victim's commit in the mempool", async () => {
      const [latest, pending] = await Promise.all([
        provider.send("eth_getTransactionCount", [victimAddress, "latest"]),
        provider.send("eth_getTransactionCount", [victimAddress, "pending"]),
      ]);
      return BigInt(pending) > BigInt(latest) ? true : undefined;
    });
    await daemons.get(victim)!.kill9();
    await provider.send("evm_mine", []);
    await provider.send("evm_setAutomine", [true]);
    const seat = await requester.contracts.CorpusDisputes.seatOf(disputeId, 0n, victimAddress);
    expect(seat.committed).to.equal(true);

    const restarted = startDaemon(victim);
    await restarted.waitForLog((l) => l.msg === "validator started");
    await eventually("every juror committed", async () => {
      const seats = await Promise.all(
        round.jurors.map((j) => requester.contracts.CorpusDisputes.seatOf(disputeId, 0n, j)),
      );
      return seats.every((s) => s.committed) ? true : undefined;
    });
    await advance(DAY + 1);
    await eventually("every juror revealed", async () => {
      const seats = await Promise.all(
        round.jurors.map((j) => requester.contracts.CorpusDisputes.seatOf(disputeId, 0n, j)),
      );
      return seats.every((s) => s.revealed) ? seats : undefined;
    }).then((seats) => expect(seats.map((s) => s.vote)).to.deep.equal(Array(5).fill(2n)));

    const disputes = requester.contracts.CorpusDisputes;
    const commits = await requester.queryEvents(disputes, disputes.filters.VoteCommitted(disputeId, 0n, victimAddress));
    expect(commits).to.have.length(1);
    expect(restarted.logs.some((l) => l.msg === "vote revealed")).to.equal(true);
    expect(restarted.logs.some((l) => l.msg === "vote committed")).to.equal(false);
  });

  it("a reorg of blocks it has acted on: every daemon rewinds, rescans and acts once on the new chain", async function () {
    const snapshot = await provider.send("evm_snapshot", []);
    const before = await postTask(3, 1);
    const first = await submit(WORKERS.valid, before, "before-reorg.json", { labels: ["cat"] });
    await reviewed([first]);
    const panelBefore = (await (await client(REQUESTER)).tasks.getSubmission(first)).panel;

    // The chain loses everything since the snapshot and grows past it: the same task and submission ids
    // now stand for other work.
    await provider.send("evm_revert", [snapshot]);
    await mine(20);
    for (const member of panelBefore) {
      const i = OPERATORS.find((o) => signers[o]!.address === member)!;
      await daemons.get(i)!.waitForLog((l) => l.msg === "reorg: scanned blocks changed; rescanning");
    }
    const taskId = await postTask(3, 1);
    expect(taskId).to.equal(before);
    const submissionId = await submit(WORKERS.badSchema, taskId, "after-reorg.json", { labels: ["horse"] });
    expect(submissionId).to.equal(first);
    await reviewed([submissionId]);

    const requester = await client(REQUESTER);
    const sub = await requester.tasks.getSubmission(submissionId);
    expect(sub.verdict).to.equal(2n); // judged on the new chain's content, not the cached old one
    const tasks = requester.contracts.CorpusTasks;
    const attested = await requester.queryEvents(tasks, tasks.filters.Attested(submissionId));
    expect(attested.map((e) => e.args.validator).sort()).to.deep.equal([...sub.panel].sort());
  });

  it("never attests without a verdict: a policy that throws (a spec without a schema) or hangs (a module policy) gives no attestation", async function () {
    const noSchema = await postTask(3, 1, "labeling", { instructions: "no schema here" } as unknown as typeof SPEC);
    const hanging = await postTask(3, 1, "ranking");
    const first = await submit(WORKERS.valid, noSchema, "no-schema.json", { labels: ["cat"] });
    const second = await submit(WORKERS.valid, hanging, "hanging.json", { labels: ["cat"] });
    await mine(3);
    const requester = await client(REQUESTER);
    const failures = async (submissionId: bigint, stage: string, pattern: RegExp) => {
      const { panel } = await eventually(`submission ${submissionId}'s panel`, async () => {
        const sub = await requester.tasks.getSubmission(submissionId);
        return sub.panel.length === 3 ? sub : undefined;
      });
      for (const member of panel) {
        const daemon = daemons.get(OPERATORS.find((o) => signers[o]!.address === member)!)!;
        // Twice: it tried, failed, waited and tried again, and still attested nothing.
        await eventually(`two failed reviews of ${submissionId} by ${member}`, async () => {
          const lines = daemon.logs.filter(
            (l) => l.duty === `review:${submissionId}:0` && l.stage === stage && pattern.test(String(l.err)),
          );
          return lines.length >= 2 ? true : undefined;
        });
      }
      expect((await requester.tasks.getSubmission(submissionId)).voted).to.equal(0n);
    };
    await failures(first, "policy", /neither "schema" nor "schemaUri"/);
    await failures(second, "policy", /PolicyTimeoutError|within 500 ms/);
  });

  it("recovers when its RPC endpoint goes down and comes back: /health reports the outage, the work is done after", async function () {
    await relay.pause();
    await eventually("/health to report the outage", async () =>
      (await health(KEEPER)).status === 503 ? true : undefined,
    );
    expect((await health(KEEPER)).body.status).to.equal("stalled");

    const taskId = await postTask(3, 1);
    const submissionId = await submit(WORKERS.valid, taskId, "after-outage.json", { labels: ["cat"] });
    await mine(3);
    expect(await statusOf(submissionId)).to.equal("Drawing");

    await relay.resume();
    await reviewed([submissionId]);
    expect((await (await client(REQUESTER)).tasks.getSubmission(submissionId)).verdict).to.equal(1n);
    await eventually("/health to recover", async () => ((await health(KEEPER)).status === 200 ? true : undefined));
    expect(daemons.get(KEEPER)!.logs.some((l) => l.msg === "step failed; retrying with backoff")).to.equal(true);
  });
});
