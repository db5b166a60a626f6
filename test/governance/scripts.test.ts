import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import hre from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { CRP, DAY, deployCorpusFixture } from "../helpers/fixtures";
import { CorpusGovernanceStateError, CorpusInputError } from "../../sdk/src";
import { execute, loadGovernanceContext, propose, queue, status, vote } from "../../scripts/governance/actions";
import { ProposalFileError } from "../../scripts/governance/proposal";

type Corpus = Awaited<ReturnType<typeof deployCorpusFixture>>;

/** Awaits `promise`, checks it rejected with an instance of `type` whose message matches `message`, returns it. */
async function expectRejection<E extends Error>(
  promise: Promise<unknown>,
  type: abstract new (...args: never[]) => E,
  message: RegExp,
): Promise<E> {
  let rejection: unknown;
  try {
    await promise;
  } catch (error) {
    rejection = error;
  }
  expect(rejection, `expected a ${type.name}`).to.be.instanceOf(type);
  expect((rejection as Error).message).to.match(message);
  return rejection as E;
}

/** Checks a wrong-state refusal: the state the proposal was in, the step asked and the state it needed. */
async function expectStateError(
  promise: Promise<unknown>,
  proposalId: bigint,
  expected: { state: string; step: string; needed: string },
  message: RegExp,
): Promise<void> {
  const error = await expectRejection(promise, CorpusGovernanceStateError, message);
  expect({ proposalId: error.proposalId, state: error.state, step: error.step, needed: error.needed }).to.deep.equal({
    proposalId,
    ...expected,
  });
}

/** The protocol with every allocated holder (alice..heidi, 10M CRP each) delegated to themselves. */
async function governanceFixture(): Promise<Corpus> {
  const corpus = await loadFixture(deployCorpusFixture);
  for (const holder of [corpus.alice, corpus.bob, corpus.carol, corpus.dave, corpus.erin, corpus.frank]) {
    await corpus.token.connect(holder).delegate(holder);
  }
  return corpus;
}

describe("governance scripts", () => {
  let dir: string;

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "corpus-proposals-"));
  });

  after(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  let files = 0;
  /** Writes `content` (JSON-encoded unless it is a string) to a fresh file of the temp dir. */
  function writeProposal(content: unknown): string {
    const file = path.join(dir, `proposal-${++files}.json`);
    fs.writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content, null, 2));
    return file;
  }

  const updateTimelockDelay = (seconds: number, description = `Raise the timelock delay to ${seconds} s`) => ({
    description,
    actions: [{ contract: "CorpusTimelock", function: "updateDelay", args: [seconds] }],
  });

  function contextFor(c: Corpus, file: string, signer: HardhatEthersSigner = c.alice) {
    return loadGovernanceContext(hre, file, signer, c.addressBook);
  }

  describe("end to end", () => {
    it("propose, vote (for, for, abstain, against), queue and execute raise the timelock delay to 3 days", async () => {
      const c = await loadFixture(governanceFixture);
      const file = writeProposal(updateTimelockDelay(3 * DAY));
      const ctx = await contextFor(c, file);
      expect(ctx.proposal.targets).to.deep.equal([await c.timelock.getAddress()]);
      expect(ctx.proposal.calldatas).to.deep.equal([c.timelock.interface.encodeFunctionData("updateDelay", [3 * DAY])]);
      const { targets, values, calldatas, descriptionHash } = ctx.proposal;
      expect(ctx.proposalId).to.equal(await c.governor.hashProposal(targets, values, calldatas, descriptionHash));
      expect((await status(ctx)).state).to.equal("Unknown");

      const { proposalId } = await propose(ctx);
      expect(proposalId).to.equal(ctx.proposalId);
      // status() of a Pending proposal is covered on its own below.
      const voteStart = await c.governor.proposalSnapshot(ctx.proposalId);
      const voteEnd = await c.governor.proposalDeadline(ctx.proposalId);

      await time.increaseTo(voteStart + 1n);
      const opened = await status(ctx);
      if (opened.state === "Unknown") throw new Error("unreachable");
      expect(opened.state).to.equal("Active");
      expect(opened.voteStart).to.equal(voteStart);
      expect(opened.voteEnd).to.equal(voteEnd);
      expect(opened.quorum).to.equal(23_200_000n * CRP);
      expect(opened.forVotes).to.equal(0n);
      await vote(await contextFor(c, file, c.alice), "for");
      await vote(await contextFor(c, file, c.bob), "for", "a longer exit window");
      await vote(await contextFor(c, file, c.carol), "abstain");
      await vote(await contextFor(c, file, c.dave), "against");
      expect(await c.governor.hasVoted(ctx.proposalId, c.bob)).to.equal(true);
      const active = await status(ctx);
      if (active.state === "Unknown") throw new Error("unreachable");
      expect(active.state).to.equal("Active");
      expect(active.forVotes).to.equal(20_000_000n * CRP);
      expect(active.abstainVotes).to.equal(10_000_000n * CRP);
      expect(active.againstVotes).to.equal(10_000_000n * CRP);

      await time.increaseTo(voteEnd + 1n);
      expect((await status(ctx)).state).to.equal("Succeeded");

      const { eta } = await queue(ctx);
      expect(eta).to.equal(BigInt(await time.latest()) + BigInt(2 * DAY));
      const queued = await status(ctx);
      expect(queued.state).to.equal("Queued");
      if (queued.state === "Unknown") throw new Error("unreachable");
      expect(queued.eta).to.equal(eta);

      await expectStateError(
        execute(ctx),
        ctx.proposalId,
        { state: "Queued", step: "execute", needed: "its timelock delay to end" },
        new RegExp(`yet: the timelock delay ends at ${eta} `),
      );
      expect(await c.timelock.getMinDelay()).to.equal(2 * DAY);

      await time.increaseTo(eta);
      await execute(ctx);
      expect((await status(ctx)).state).to.equal("Executed");
      expect(await c.timelock.getMinDelay()).to.equal(3 * DAY);
    });

    it("a proposal that fails quorum cannot be queued or executed, and the scripts say it is Defeated", async () => {
      const c = await loadFixture(governanceFixture);
      const file = writeProposal(updateTimelockDelay(4 * DAY));
      const ctx = await contextFor(c, file);
      await propose(ctx);
      await time.increase(DAY + 1);
      await vote(await contextFor(c, file, c.alice), "for");
      await vote(await contextFor(c, file, c.bob), "for");
      await time.increase(5 * DAY);

      const defeated = await status(ctx);
      expect(defeated.state).to.equal("Defeated");
      if (defeated.state === "Unknown") throw new Error("unreachable");
      expect(defeated.forVotes).to.equal(20_000_000n * CRP);
      expect(defeated.forVotes).to.be.lessThan(defeated.quorum);
      await expectStateError(
        queue(ctx),
        ctx.proposalId,
        { state: "Defeated", step: "queue", needed: "Succeeded" },
        /it is Defeated, and queue needs Succeeded/,
      );
      await expectStateError(
        execute(ctx),
        ctx.proposalId,
        { state: "Defeated", step: "execute", needed: "Queued" },
        /it is Defeated, and execute needs Queued/,
      );
      expect(await c.timelock.getMinDelay()).to.equal(2 * DAY);
    });
  });

  describe("refusals", () => {
    it("status of a Pending proposal reports Pending with its vote window instead of throwing", async () => {
      const c = await loadFixture(governanceFixture);
      const ctx = await contextFor(c, writeProposal(updateTimelockDelay(3 * DAY, "Pending status")));
      await propose(ctx);
      const proposedAt = BigInt(await time.latest());
      const pending = await status(ctx);
      if (pending.state === "Unknown") throw new Error("a submitted proposal reads as Unknown");
      expect(pending.state).to.equal("Pending");
      expect(pending.voteStart).to.equal(proposedAt + BigInt(DAY));
      expect(pending.voteEnd).to.equal(proposedAt + BigInt(6 * DAY));
      expect(pending.forVotes + pending.againstVotes + pending.abstainVotes).to.equal(0n);
    });

    it("status of a proposal never submitted is Unknown", async () => {
      const c = await loadFixture(governanceFixture);
      const ctx = await contextFor(c, writeProposal(updateTimelockDelay(3 * DAY, "Never submitted")));
      expect(await status(ctx)).to.deep.equal({ proposalId: ctx.proposalId, state: "Unknown" });
    });

    it("voting on, queueing or executing a proposal never submitted is refused as Unknown", async () => {
      const c = await loadFixture(governanceFixture);
      const ctx = await contextFor(c, writeProposal(updateTimelockDelay(3 * DAY, "Never submitted either")));
      const id = ctx.proposalId;
      await expectStateError(
        vote(ctx, "for"),
        id,
        { state: "Unknown", step: "vote on", needed: "Active" },
        /it is Unknown, and vote on needs Active/,
      );
      await expectStateError(queue(ctx), id, { state: "Unknown", step: "queue", needed: "Succeeded" }, /it is Unknown/);
      await expectStateError(
        execute(ctx),
        id,
        { state: "Unknown", step: "execute", needed: "Queued" },
        /it is Unknown/,
      );
    });

    it("proposing the same proposal twice is refused", async () => {
      const c = await loadFixture(governanceFixture);
      const file = writeProposal(updateTimelockDelay(3 * DAY));
      const { proposalId } = await propose(await contextFor(c, file, c.alice));
      const nonce = await hre.ethers.provider.getTransactionCount(c.bob);
      await expectStateError(
        propose(await contextFor(c, file, c.bob)),
        proposalId,
        { state: "Pending", step: "propose", needed: "Unknown" },
        /it is Pending, and propose needs Unknown/,
      );
      expect(await hre.ethers.provider.getTransactionCount(c.bob)).to.equal(nonce);
    });

    it("a vote before the voting delay is over is refused as Pending", async () => {
      const c = await loadFixture(governanceFixture);
      const ctx = await contextFor(c, writeProposal(updateTimelockDelay(3 * DAY)));
      await propose(ctx);
      await expectStateError(
        vote(ctx, "for"),
        ctx.proposalId,
        { state: "Pending", step: "vote on", needed: "Active" },
        /it is Pending, and vote on needs Active/,
      );
    });

    for (const choice of ["yes", "For", "1", "", "toString", "__proto__"]) {
      it(`a vote "${choice}" (not for, against or abstain) is refused without sending anything`, async () => {
        const c = await loadFixture(governanceFixture);
        const ctx = await contextFor(c, writeProposal(updateTimelockDelay(3 * DAY)));
        await propose(ctx);
        await time.increase(DAY + 1);
        const nonce = await hre.ethers.provider.getTransactionCount(c.alice);
        const error = await expectRejection(vote(ctx, choice), CorpusInputError, /Unknown vote/);
        expect([error.field, error.value]).to.deep.equal(["choice", choice]);
        expect(error.reason).to.equal("Unknown vote: use one of against, for, abstain");
        expect(await c.governor.hasVoted(ctx.proposalId, c.alice)).to.equal(false);
        expect(await hre.ethers.provider.getTransactionCount(c.alice)).to.equal(nonce);
      });
    }

    it("queueing a proposal whose vote is still open is refused as Active", async () => {
      const c = await loadFixture(governanceFixture);
      const ctx = await contextFor(c, writeProposal(updateTimelockDelay(3 * DAY)));
      await propose(ctx);
      await time.increase(DAY + 1);
      await expectStateError(
        queue(ctx),
        ctx.proposalId,
        { state: "Active", step: "queue", needed: "Succeeded" },
        /it is Active, and queue needs Succeeded/,
      );
    });
  });

  describe("proposal files", () => {
    async function expectFileError(c: Corpus, file: string, message: RegExp) {
      await expectRejection(contextFor(c, file), ProposalFileError, message);
    }

    /** A spec problem: the SDK's CorpusInputError naming `field`, with a reason matching `reason`. */
    async function expectSpecError(c: Corpus, file: string, field: string, reason: RegExp) {
      const error = await expectRejection(contextFor(c, file), CorpusInputError, /^Invalid /);
      expect(error.field).to.equal(field);
      expect(error.message.startsWith(`Invalid ${field}: `), error.message).to.equal(true);
      expect(error.reason).to.match(reason);
    }

    it("a missing file is a ProposalFileError naming the file", async () => {
      const c = await loadFixture(deployCorpusFixture);
      const file = path.join(dir, "does-not-exist.json");
      await expectFileError(c, file, /Proposal file not found: .*does-not-exist\.json/);
    });

    it("a file that is not JSON is a ProposalFileError", async () => {
      const c = await loadFixture(deployCorpusFixture);
      await expectFileError(c, writeProposal("{ description: oops"), /proposal-\d+\.json is not valid JSON/);
    });

    it("a file holding JSON that is not an object is a CorpusInputError naming the proposal", async () => {
      const c = await loadFixture(deployCorpusFixture);
      await expectSpecError(c, writeProposal("null"), "proposal", /^must be an object$/);
    });

    it("a proposal without a description is a CorpusInputError naming the description", async () => {
      const c = await loadFixture(deployCorpusFixture);
      const file = writeProposal({ description: " ", actions: updateTimelockDelay(3 * DAY).actions });
      await expectSpecError(c, file, "description", /^must be a non-empty string$/);
    });

    it("a proposal with no actions is a CorpusInputError naming the actions", async () => {
      const c = await loadFixture(deployCorpusFixture);
      await expectSpecError(
        c,
        writeProposal({ description: "Nothing", actions: [] }),
        "actions",
        /^must be a non-empty array$/,
      );
    });

    it("an action naming a contract outside the address book is a CorpusInputError listing the known ones", async () => {
      const c = await loadFixture(deployCorpusFixture);
      const file = writeProposal({
        description: "Unknown contract",
        actions: [{ contract: "CorpusTreasury", function: "updateDelay", args: [3 * DAY] }],
      });
      await expectSpecError(
        c,
        file,
        "actions[0].contract",
        /^"CorpusTreasury" is not in the deployment \(CorpusToken, CorpusTimelock, CorpusGovernor, /,
      );
    });

    it("an action with an address but a contract name the SDK has no ABI for is a CorpusInputError", async () => {
      const c = await loadFixture(deployCorpusFixture);
      const file = writeProposal({
        description: "Unknown ABI",
        actions: [
          { contract: "CorpusTreasury", address: await c.timelock.getAddress(), function: "updateDelay", args: [1] },
        ],
      });
      await expectSpecError(c, file, "actions[0].contract", /^no ABI for "CorpusTreasury" \(/);
    });

    it("an action calling a function the contract does not have is a CorpusInputError naming the function", async () => {
      const c = await loadFixture(deployCorpusFixture);
      const file = writeProposal({
        description: "Unknown function",
        actions: [{ contract: "CorpusGovernor", function: "setQuorum", args: [5] }],
      });
      await expectSpecError(c, file, "actions[0].function", /^CorpusGovernor has no function "setQuorum"$/);
    });

    for (const [why, args] of [
      ["too few arguments", []],
      ["too many arguments", [3 * DAY, 1]],
      ["a word for a number", ["three days"]],
      ["a negative number for a uint", [-1]],
    ] as const) {
      it(`an action with ${why} is a CorpusInputError naming the args and the function`, async () => {
        const c = await loadFixture(deployCorpusFixture);
        const file = writeProposal({
          description: `Bad arguments: ${why}`,
          actions: [{ contract: "CorpusTimelock", function: "updateDelay", args }],
        });
        await expectSpecError(c, file, "actions[0].args", /^bad arguments for updateDelay\(uint256\): /);
      });
    }

    it("an action with a malformed value is a CorpusInputError naming the value", async () => {
      const c = await loadFixture(deployCorpusFixture);
      const file = writeProposal({
        description: "Bad value",
        actions: [{ contract: "CorpusTimelock", function: "updateDelay", args: [3 * DAY], value: "1 ether" }],
      });
      await expectSpecError(c, file, "actions[0].value", /^must be a wei amount as a decimal string$/);
    });
  });
});
