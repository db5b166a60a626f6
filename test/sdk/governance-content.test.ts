import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import hre from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { type TransactionReceipt, encodeBytes32String, id, keccak256, toUtf8Bytes } from "ethers";
import { CRP, DAY, localParameters } from "../helpers/fixtures";
import { type SdkFixture, sdkFixture } from "../helpers/sdk";
import {
  CorpusGovernanceStateError,
  CorpusInputError,
  type ProposalSpec,
  canonicalJson,
  encodeProposal,
  hashBlob,
  hashBytes,
  hashJson,
  hashText,
} from "../../sdk/src";
import { hashFile } from "../../sdk/src/node";

/** Awaits `promise` (or runs `fn`) and returns what it threw (fails the test if it did not). */
async function rejectionOf(promise: Promise<unknown> | (() => unknown)): Promise<unknown> {
  try {
    await (typeof promise === "function" ? promise() : promise);
  } catch (error) {
    return error;
  }
  expect.fail("expected an error");
}

/** Asserts `error` is a CorpusInputError for `field`. */
function expectInputError(error: unknown, field: string): void {
  expect(error, `expected a CorpusInputError for ${field}`).to.be.instanceOf(CorpusInputError);
  expect((error as CorpusInputError).field).to.equal(field);
}

const NEW_FEE_BPS = 300n;

/** The proposal the tests pass: CorpusTasks' protocol fee from 2.5% to 3%. */
const raiseFee = (description = "Raise the task protocol fee to 3%"): ProposalSpec => ({
  description,
  actions: [
    {
      contract: "CorpusTasks",
      function: "setParameter",
      args: [encodeBytes32String("protocolFeeBps"), Number(NEW_FEE_BPS)],
    },
  ],
});

/** The SDK fixture, with clients for the voters. Nobody has delegated yet: votes are zero. */
async function governanceFixture() {
  const f = await loadFixture(sdkFixture);
  const voters = {
    alice: await f.clientFor(f.alice),
    bob: await f.clientFor(f.bob),
    carol: await f.clientFor(f.carol),
    dave: await f.clientFor(f.dave),
  };
  return { ...f, voters };
}

/** Delegated (alice, bob and carol to themselves; 30M CRP of votes, over the 23.2M quorum) and proposed. */
async function proposedFixture() {
  const f = await loadFixture(governanceFixture);
  for (const client of [f.voters.alice, f.voters.bob, f.voters.carol]) await client.token.delegate();
  const proposal = f.voters.alice.governance.encode(raiseFee());
  const proposed = await f.voters.alice.governance.propose(proposal);
  return { ...f, proposal, proposed };
}

/** The VoteCast events of a receipt, decoded. */
function votesIn(f: Pick<SdkFixture, "governor">, receipt: TransactionReceipt) {
  return receipt.logs
    .map((log) => f.governor.interface.parseLog(log))
    .filter((e) => e?.name === "VoteCast")
    .map((e) => [...e!.args]);
}

describe("SDK: governance", function () {
  describe("encoding", function () {
    it("encodes a setParameter proposal to the calls and id the governor computes", async function () {
      const f = await loadFixture(governanceFixture);
      const client = f.voters.alice;
      const spec = raiseFee();
      const p = client.governance.encode(spec);
      const tasks = await f.tasks.getAddress();
      expect(p.targets).to.deep.equal([tasks]);
      expect(p.values).to.deep.equal([0n]);
      expect(p.calldatas).to.deep.equal([
        f.tasks.interface.encodeFunctionData("setParameter", [encodeBytes32String("protocolFeeBps"), NEW_FEE_BPS]),
      ]);
      expect(p.description).to.equal(spec.description);
      expect(p.descriptionHash).to.equal(id(spec.description));
      expect(p.id).to.equal(await f.governor.hashProposal(p.targets, p.values, p.calldatas, p.descriptionHash));
      // The standalone encoder gives the same against the same deployment.
      expect(encodeProposal(spec, f.addressBook.contracts)).to.deep.equal(p);

      // Two actions, one sending value and one by address: the id still matches, and changes with any part.
      const two: ProposalSpec = {
        description: "Two actions",
        actions: [
          ...raiseFee().actions,
          {
            contract: "CorpusTimelock",
            address: (await f.timelock.getAddress()).toLowerCase(),
            function: "updateDelay",
            args: [3 * DAY],
            value: "5",
          },
        ],
      };
      const q = client.governance.encode(two);
      expect(q.targets).to.deep.equal([tasks, await f.timelock.getAddress()]);
      expect(q.values).to.deep.equal([0n, 5n]);
      expect(q.calldatas[1]).to.equal(f.timelock.interface.encodeFunctionData("updateDelay", [3 * DAY]));
      expect(q.id).to.equal(await f.governor.hashProposal(q.targets, q.values, q.calldatas, q.descriptionHash));
      expect(client.governance.encode(raiseFee("Raise the task protocol fee to 3%.")).id).to.not.equal(p.id);
    });

    it("refuses an invalid spec with a CorpusInputError naming the field", async function () {
      const f = await loadFixture(governanceFixture);
      const client = f.voters.alice;
      const action = raiseFee().actions[0]!;
      const cases: [unknown, string][] = [
        [null, "proposal"],
        [{ ...raiseFee(), description: "" }, "description"],
        [{ ...raiseFee(), description: "  \n " }, "description"],
        [{ description: "No description field", actions: undefined }, "actions"],
        [{ ...raiseFee(), actions: [] }, "actions"],
        [{ ...raiseFee(), actions: [{ ...action, contract: "CorpusTreasury" }] }, "actions[0].contract"],
        [{ ...raiseFee(), actions: [{ ...action, contract: 7 }] }, "actions[0].contract"],
        [{ ...raiseFee(), actions: [{ ...action, function: "setParam" }] }, "actions[0].function"],
        [{ ...raiseFee(), actions: [{ ...action, function: undefined }] }, "actions[0].function"],
        // A parameter name that is not bytes32, a missing argument, an argument too many, not an array.
        [{ ...raiseFee(), actions: [{ ...action, args: ["protocolFeeBps", 300] }] }, "actions[0].args"],
        [{ ...raiseFee(), actions: [{ ...action, args: [encodeBytes32String("protocolFeeBps")] }] }, "actions[0].args"],
        [{ ...raiseFee(), actions: [{ ...action, args: [...action.args!, 1] }] }, "actions[0].args"],
        [{ ...raiseFee(), actions: [{ ...action, args: [encodeBytes32String("x"), "three"] }] }, "actions[0].args"],
        [{ ...raiseFee(), actions: [{ ...action, args: "300" }] }, "actions[0].args"],
        [{ ...raiseFee(), actions: [{ ...action, value: "-1" }] }, "actions[0].value"],
        [{ ...raiseFee(), actions: [{ ...action, value: "1.5" }] }, "actions[0].value"],
        [{ ...raiseFee(), actions: [{ ...action, value: "0x10" }] }, "actions[0].value"],
        [{ ...raiseFee(), actions: [{ ...action, address: "0x1234" }] }, "actions[0].address"],
        // An address with a contract the SDK has no ABI for.
        [
          { ...raiseFee(), actions: [{ ...action, contract: "Unknown", address: f.alice.address }] },
          "actions[0].contract",
        ],
        // The index of the bad action is named.
        [{ ...raiseFee(), actions: [action, { ...action, function: "nope" }] }, "actions[1].function"],
      ];
      for (const [spec, field] of cases) {
        expectInputError(await rejectionOf(() => client.governance.encode(spec as ProposalSpec)), field);
        expectInputError(await rejectionOf(() => encodeProposal(spec as ProposalSpec, f.addressBook.contracts)), field);
      }
    });

    it("refuses a value written as a number, which cannot carry an exact wei amount", async function () {
      const f = await loadFixture(governanceFixture);
      const spec = JSON.parse(
        '{"description":"Send wei","actions":[{"contract":"CorpusTimelock","function":"updateDelay",' +
          '"args":[172800],"value":10000000000000000001}]}',
      ) as ProposalSpec;
      expectInputError(await rejectionOf(() => f.voters.alice.governance.encode(spec)), "actions[0].value");
    });
  });

  describe("a proposal through the client", function () {
    it("delegates, proposes, votes, queues and executes: the parameter changes on-chain", async function () {
      const f = await loadFixture(governanceFixture);
      const params = localParameters().governance;
      const { alice, bob, carol } = f.voters;
      expect((await f.tasks.parameters()).protocolFeeBps).to.equal(250n);

      // Votes count once delegated (to oneself by default, or to someone else).
      expect(await alice.token.votes(f.alice.address)).to.equal(0n);
      await alice.token.delegate();
      await bob.token.delegate();
      await carol.token.delegate();
      await f.voters.dave.token.delegate(f.carol.address);
      expect(await alice.token.votes(f.alice.address)).to.equal(10_000_000n * CRP);
      expect(await carol.token.votes(f.carol.address)).to.equal(20_000_000n * CRP);
      expect(await f.token.delegates(f.dave.address)).to.equal(f.carol.address);

      const p = alice.governance.encode(raiseFee());
      expect(await alice.governance.state(p.id)).to.equal("Unknown");
      expect(await alice.governance.status(p.id)).to.deep.equal({ proposalId: p.id, state: "Unknown" });
      const proposed = await alice.governance.propose(p);
      const created = proposed.logs
        .map((log) => f.governor.interface.parseLog(log))
        .find((e) => e?.name === "ProposalCreated");
      expect(created?.args.proposalId).to.equal(p.id);
      expect(created?.args.proposer).to.equal(f.alice.address);
      expect(await alice.governance.state(p.id)).to.equal("Pending");
      const proposedAt = BigInt((await hre.ethers.provider.getBlock(proposed.blockNumber))!.timestamp);
      const voteStart = await f.governor.proposalSnapshot(p.id);
      const voteEnd = await f.governor.proposalDeadline(p.id);
      expect(voteStart).to.equal(proposedAt + BigInt(params.votingDelay));
      expect(voteEnd).to.equal(voteStart + BigInt(params.votingPeriod));

      // Past the voting delay: vote for, without and with a reason, and abstain (20M: dave's votes are carol's).
      await time.increaseTo(voteStart + 1n);
      expect(await alice.governance.state(p.id)).to.equal("Active");
      const aliceVote = await alice.governance.vote(p, "for");
      const bobVote = await bob.governance.vote(p, "for", "3% funds the treasury");
      const carolVote = await carol.governance.vote(p, "abstain", "no view on fees");
      expect(votesIn(f, aliceVote)).to.deep.equal([[f.alice.address, p.id, 1n, 10_000_000n * CRP, ""]]);
      expect(votesIn(f, bobVote)).to.deep.equal([
        [f.bob.address, p.id, 1n, 10_000_000n * CRP, "3% funds the treasury"],
      ]);
      expect(votesIn(f, carolVote)).to.deep.equal([[f.carol.address, p.id, 2n, 20_000_000n * CRP, "no view on fees"]]);
      expect(await f.governor.hasVoted(p.id, f.bob.address)).to.equal(true);
      const active = await alice.governance.status(p.id);
      if (active.state === "Unknown") expect.fail("the proposal exists");
      expect(active).to.deep.include({
        state: "Active",
        voteStart,
        voteEnd,
        eta: 0n,
        forVotes: 20_000_000n * CRP,
        againstVotes: 0n,
        abstainVotes: 20_000_000n * CRP,
      });
      // Quorum: 4% of the supply (580M CRP), fixed at the snapshot.
      expect(active.quorum).to.equal(23_200_000n * CRP);

      // Past the period: succeeded; queue it.
      await time.increaseTo(voteEnd + 1n);
      expect(await alice.governance.state(p.id)).to.equal("Succeeded");
      const { eta, receipt } = await bob.governance.queue(p);
      const queuedAt = BigInt((await hre.ethers.provider.getBlock(receipt.blockNumber))!.timestamp);
      expect(eta).to.equal(await f.governor.proposalEta(p.id));
      expect(eta).to.equal(queuedAt + BigInt(params.timelockMinDelay));
      expect(await alice.governance.state(p.id)).to.equal("Queued");

      // The SDK lets execute through from the second before the delay ends (the transaction lands at eta).
      await time.increaseTo(eta - 1n);
      await carol.governance.execute(p);
      expect(await alice.governance.state(p.id)).to.equal("Executed");
      expect((await f.tasks.parameters()).protocolFeeBps).to.equal(NEW_FEE_BPS);
      const [, , protocolFee] = await f.tasks.escrowFor(100n * CRP, 1n);
      expect(protocolFee).to.equal(3n * CRP);
    });

    it("refuses each step in the wrong state with CorpusGovernanceStateError, sending nothing", async function () {
      const f = await loadFixture(proposedFixture);
      const { alice, bob } = f.voters;
      const p = f.proposal;

      /** Runs `step` as `signer`, expecting the state error; checks the signer sent nothing. */
      async function refused(
        signer: HardhatEthersSigner,
        step: () => Promise<unknown>,
        expected: { state: string; step: string; needed: string },
      ) {
        const nonce = await hre.ethers.provider.getTransactionCount(signer.address);
        const error = await rejectionOf(step());
        expect(error).to.be.instanceOf(CorpusGovernanceStateError);
        const e = error as CorpusGovernanceStateError;
        expect({ proposalId: e.proposalId, state: e.state, step: e.step, needed: e.needed }).to.deep.equal({
          proposalId: p.id,
          ...expected,
        });
        expect(e.code).to.equal("GOVERNANCE_STATE");
        expect(await hre.ethers.provider.getTransactionCount(signer.address)).to.equal(nonce);
      }

      // Pending: no vote yet, and the same proposal cannot be proposed again; nothing to queue or execute.
      await refused(f.bob, () => bob.governance.vote(p, "for"), {
        state: "Pending",
        step: "vote on",
        needed: "Active",
      });
      await refused(f.alice, () => alice.governance.propose(p), {
        state: "Pending",
        step: "propose",
        needed: "Unknown",
      });
      await refused(f.bob, () => bob.governance.queue(p), { state: "Pending", step: "queue", needed: "Succeeded" });
      await refused(f.bob, () => bob.governance.execute(p), { state: "Pending", step: "execute", needed: "Queued" });
      // A proposal never made.
      const never = alice.governance.encode(raiseFee("Never proposed"));
      const nonce = await hre.ethers.provider.getTransactionCount(f.bob.address);
      const unknown = (await rejectionOf(bob.governance.vote(never, "for"))) as CorpusGovernanceStateError;
      expect([unknown.proposalId, unknown.state, unknown.step]).to.deep.equal([never.id, "Unknown", "vote on"]);
      expect(await hre.ethers.provider.getTransactionCount(f.bob.address)).to.equal(nonce);

      // Active: queue before it succeeded.
      await time.increaseTo((await f.governor.proposalSnapshot(p.id)) + 1n);
      await refused(f.bob, () => bob.governance.queue(p), { state: "Active", step: "queue", needed: "Succeeded" });
      await refused(f.alice, () => alice.governance.propose(p), {
        state: "Active",
        step: "propose",
        needed: "Unknown",
      });
      // An unknown choice is an input error, before anything is read or sent.
      const badChoice = await rejectionOf(bob.governance.vote(p, "yes" as "for"));
      expectInputError(badChoice, "choice");
      for (const client of [alice, bob, f.voters.carol]) await client.governance.vote(p, "for");

      // Succeeded: no more votes, and execute needs it queued first.
      await time.increaseTo((await f.governor.proposalDeadline(p.id)) + 1n);
      await refused(f.dave, () => f.voters.dave.governance.vote(p, "for"), {
        state: "Succeeded",
        step: "vote on",
        needed: "Active",
      });
      await refused(f.bob, () => bob.governance.execute(p), { state: "Succeeded", step: "execute", needed: "Queued" });

      // Queued: not twice, and not executed before the timelock delay ends.
      const { eta } = await bob.governance.queue(p);
      await refused(f.bob, () => bob.governance.queue(p), { state: "Queued", step: "queue", needed: "Succeeded" });
      await refused(f.bob, () => bob.governance.execute(p), {
        state: "Queued",
        step: "execute",
        needed: "its timelock delay to end",
      });
      // Two seconds before eta is still too early for the SDK (the transaction would land before eta).
      await time.increaseTo(eta - 2n);
      await refused(f.bob, () => bob.governance.execute(p), {
        state: "Queued",
        step: "execute",
        needed: "its timelock delay to end",
      });
      const early = (await rejectionOf(bob.governance.execute(p))) as Error;
      expect(early.message).to.contain(`the timelock delay ends at ${eta}`);
      expect((await f.tasks.parameters()).protocolFeeBps).to.equal(250n);
      await time.increaseTo(eta);
      await bob.governance.execute(p);

      // Executed: nothing more.
      await refused(f.bob, () => bob.governance.execute(p), { state: "Executed", step: "execute", needed: "Queued" });
      await refused(f.bob, () => bob.governance.queue(p), { state: "Executed", step: "queue", needed: "Succeeded" });
      expect((await f.tasks.parameters()).protocolFeeBps).to.equal(NEW_FEE_BPS);
    });

    it("a provider-only client reads proposals but cannot propose", async function () {
      const f = await loadFixture(proposedFixture);
      const reader = await f.clientFor();
      expect(await reader.governance.state(f.proposal.id)).to.equal("Pending");
      const error = (await rejectionOf(reader.governance.propose(f.proposal))) as Error & { code: string };
      expect(error.code).to.equal("SIGNER_REQUIRED");
      expect((await reader.governance.status(f.proposal.id)).state).to.equal("Pending");
    });
  });
});

describe("SDK: content hashes", function () {
  let dir: string;

  before(function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "corpus-hash-"));
  });

  after(function () {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Writes `content` to a new file in the temp dir and returns its path. */
  let files = 0;
  function write(content: string | Uint8Array): string {
    const file = path.join(dir, `file-${++files}`);
    fs.writeFileSync(file, content);
    return file;
  }

  const doc = {
    name: "street signs",
    labels: ["stop", "yield", { id: 3, aliases: ["give way"], meta: { z: null, a: true } }],
    size: { width: 640, height: 480 },
    ratio: 1.5,
  };
  const reordered = {
    size: { height: 480, width: 640 },
    ratio: 1.5,
    labels: ["stop", "yield", { meta: { a: true, z: null }, aliases: ["give way"], id: 3 }],
    name: "street signs",
  };
  const CANONICAL =
    '{"labels":["stop","yield",{"aliases":["give way"],"id":3,"meta":{"a":true,"z":null}}],' +
    '"name":"street signs","ratio":1.5,"size":{"height":480,"width":640}}';

  it("hashJson ignores key order and whitespace, and is hashText of the canonical JSON", function () {
    expect(canonicalJson(doc)).to.equal(CANONICAL);
    expect(canonicalJson(reordered)).to.equal(CANONICAL);
    expect(hashJson(reordered)).to.equal(hashJson(doc));
    expect(hashJson(JSON.parse(JSON.stringify(doc, null, 4)))).to.equal(hashJson(doc));
    expect(hashJson(doc)).to.equal(hashText(CANONICAL));
    expect(hashJson(doc)).to.equal(keccak256(toUtf8Bytes(CANONICAL)));
    // Array order is content; so is every value.
    expect(hashJson({ ...doc, labels: ["yield", "stop", doc.labels[2]] })).to.not.equal(hashJson(doc));
    expect(hashJson({ ...doc, ratio: 1.25 })).to.not.equal(hashJson(doc));
    expect(hashJson({ ...doc, ratio: "1.5" })).to.not.equal(hashJson(doc));
  });

  it("canonicalJson: keys sorted by code unit, numbers as JavaScript prints them, strings escaped", function () {
    const sample = {
      b: [3, -0, 1e21, 0.1, -2.5e-7],
      a: { aa: 'é "q" \\ \n', B: false, "": 0 },
      "10": "ten",
      "9": "nine",
      skipped: undefined,
      c: [],
      d: {},
    };
    expect(canonicalJson(sample)).to.equal(
      '{"10":"ten","9":"nine","a":{"":0,"B":false,"aa":"é \\"q\\" \\\\ \\n"},' +
        '"b":[3,0,1e+21,0.1,-2.5e-7],"c":[],"d":{}}',
    );
    expect(canonicalJson("text")).to.equal('"text"');
    expect(canonicalJson(null)).to.equal("null");
    expect(canonicalJson([1, [2, [3]]])).to.equal("[1,[2,[3]]]");
  });

  it("refuses what JSON cannot hold with a CorpusInputError naming where", async function () {
    expectInputError(await rejectionOf(() => hashJson(Number.NaN)), "$");
    expectInputError(await rejectionOf(() => hashJson({ a: [1, Number.POSITIVE_INFINITY] })), "$.a[1]");
    expectInputError(await rejectionOf(() => canonicalJson({ x: { y: Number.NEGATIVE_INFINITY } })), "$.x.y");
    expectInputError(await rejectionOf(() => hashJson({ big: 1n })), "$.big");
    expectInputError(await rejectionOf(() => hashJson([() => 1])), "$[0]");
  });

  it("hashFile hashes a file's bytes as hashBytes and hashBlob do", async function () {
    const bytes = new Uint8Array(4096);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 131 + 7) % 256; // not UTF-8
    const file = write(bytes);
    const expected = keccak256(bytes);
    expect(hashBytes(bytes)).to.equal(expected);
    expect(await hashFile(file)).to.equal(expected);
    expect(await hashFile(file, { as: "bytes" })).to.equal(expected);
    expect(await hashBlob(new Blob([bytes]))).to.equal(expected);
    expect(await hashBlob(await fs.openAsBlob(file))).to.equal(expected);
    // Empty, and one byte different.
    expect(await hashFile(write(new Uint8Array(0)))).to.equal(keccak256("0x"));
    const changed = bytes.slice();
    changed[4095] = bytes[4095]! ^ 1;
    expect(await hashFile(write(changed))).to.not.equal(expected);
  });

  it("hashFile as JSON hashes the document, whatever its formatting or key order", async function () {
    const prettyText = JSON.stringify(doc, null, 2) + "\n";
    const pretty = write(prettyText);
    const minified = write(JSON.stringify(reordered));
    const expected = hashJson(JSON.parse(prettyText));
    expect(expected).to.equal(hashText(CANONICAL));
    expect(await hashFile(pretty, { as: "json" })).to.equal(expected);
    expect(await hashFile(minified, { as: "json" })).to.equal(expected);
    // As bytes the two files differ (and differ from the document's hash).
    expect(await hashFile(pretty)).to.equal(hashText(prettyText));
    expect(await hashFile(pretty)).to.not.equal(await hashFile(minified));
    expect(await hashFile(pretty)).to.not.equal(expected);
  });

  it("hashFile as JSON refuses a file that is not JSON with a CorpusInputError", async function () {
    const notJson = write("labels: [stop, yield]\n");
    const error = await rejectionOf(hashFile(notJson, { as: "json" }));
    expectInputError(error, "file");
    expect((error as Error).message).to.contain(notJson);
    // The same file as bytes is fine.
    expect(await hashFile(notJson)).to.equal(hashText("labels: [stop, yield]\n"));
    expectInputError(await rejectionOf(hashFile(write('{"a": 1,}'), { as: "json" })), "file");
  });
});
