import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import hre from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { CRP, DAY, deployCorpusFixture } from "../helpers/fixtures";
import {
  GovernanceStepError,
  execute,
  loadGovernanceContext,
  propose,
  queue,
  status,
  vote,
} from "../../scripts/governance/actions";
import { ProposalFileError } from "../../scripts/governance/proposal";

type Corpus = Awaited<ReturnType<typeof deployCorpusFixture>>;

/** Awaits `promise` and checks it rejected with an instance of `type` whose message matches `message`. */
async function expectRejection(
  promise: Promise<unknown>,
  type: abstract new (...args: never[]) => Error,
  message: RegExp,
): Promise<void> {
  let rejection: unknown;
  try {
    await promise;
  } catch (error) {
    rejection = error;
  }
  expect(rejection, `expected a ${type.name}`).to.be.instanceOf(type);
  expect((rejection as Error).message).to.match(message);
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

      await expectRejection(execute(ctx), GovernanceStepError, /yet: the timelock delay ends at/);
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
      await expectRejection(queue(ctx), GovernanceStepError, /it is Defeated, and queue needs Succeeded/);
      await expectRejection(execute(ctx), GovernanceStepError, /it is Defeated, and execute needs Queued/);
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
      await expectRejection(vote(ctx, "for"), GovernanceStepError, /it is Unknown, and vote on needs Active/);
      await expectRejection(queue(ctx), GovernanceStepError, /it is Unknown/);
      await expectRejection(execute(ctx), GovernanceStepError, /it is Unknown/);
    });

    it("proposing the same proposal twice is refused", async () => {
      const c = await loadFixture(governanceFixture);
      const file = writeProposal(updateTimelockDelay(3 * DAY));
      await propose(await contextFor(c, file, c.alice));
      await expectRejection(
        propose(await contextFor(c, file, c.bob)),
        GovernanceStepError,
        /already exists \(Pending\)/,
      );
    });

    it("a vote before the voting delay is over is refused as Pending", async () => {
      const c = await loadFixture(governanceFixture);
      const ctx = await contextFor(c, writeProposal(updateTimelockDelay(3 * DAY)));
      await propose(ctx);
      await expectRejection(vote(ctx, "for"), GovernanceStepError, /it is Pending, and vote on needs Active/);
    });

    for (const choice of ["yes", "For", "1", "", "toString", "__proto__"]) {
      it(`a vote "${choice}" (not for, against or abstain) is refused without sending anything`, async () => {
        const c = await loadFixture(governanceFixture);
        const ctx = await contextFor(c, writeProposal(updateTimelockDelay(3 * DAY)));
        await propose(ctx);
        await time.increase(DAY + 1);
        await expectRejection(vote(ctx, choice), GovernanceStepError, /Unknown vote/);
        expect(await c.governor.hasVoted(ctx.proposalId, c.alice)).to.equal(false);
      });
    }

    it("queueing a proposal whose vote is still open is refused as Active", async () => {
      const c = await loadFixture(governanceFixture);
      const ctx = await contextFor(c, writeProposal(updateTimelockDelay(3 * DAY)));
      await propose(ctx);
      await time.increase(DAY + 1);
      await expectRejection(queue(ctx), GovernanceStepError, /it is Active, and queue needs Succeeded/);
    });
  });

  describe("proposal files", () => {
    async function expectFileError(c: Corpus, file: string, message: RegExp) {
      await expectRejection(contextFor(c, file), ProposalFileError, message);
    }

    it("a missing file is a ProposalFileError naming the file", async () => {
      const c = await loadFixture(deployCorpusFixture);
      const file = path.join(dir, "does-not-exist.json");
      await expectFileError(c, file, /Proposal file not found: .*does-not-exist\.json/);
    });

    it("a file that is not JSON is a ProposalFileError", async () => {
      const c = await loadFixture(deployCorpusFixture);
      await expectFileError(c, writeProposal("{ description: oops"), /is not valid JSON/);
    });

    it("a proposal without a description is a ProposalFileError", async () => {
      const c = await loadFixture(deployCorpusFixture);
      const file = writeProposal({ description: " ", actions: updateTimelockDelay(3 * DAY).actions });
      await expectFileError(c, file, /"description" must be a non-empty string/);
    });

    it("a proposal with no actions is a ProposalFileError", async () => {
      const c = await loadFixture(deployCorpusFixture);
      await expectFileError(
        c,
        writeProposal({ description: "Nothing", actions: [] }),
        /"actions" must be a non-empty array/,
      );
    });

    it("an action naming a contract outside the address book is a ProposalFileError listing the known ones", async () => {
      const c = await loadFixture(deployCorpusFixture);
      const file = writeProposal({
        description: "Unknown contract",
        actions: [{ contract: "CorpusTreasury", function: "updateDelay", args: [3 * DAY] }],
      });
      await expectFileError(c, file, /actions\[0\]: "CorpusTreasury" is not in the address book \(CorpusToken, /);
    });

    it("an action with an address but no compiled contract of that name is a ProposalFileError", async () => {
      const c = await loadFixture(deployCorpusFixture);
      const file = writeProposal({
        description: "Unknown ABI",
        actions: [
          { contract: "CorpusTreasury", address: await c.timelock.getAddress(), function: "updateDelay", args: [1] },
        ],
      });
      await expectFileError(c, file, /no compiled contract named "CorpusTreasury"/);
    });

    it("an action calling a function the contract does not have is a ProposalFileError", async () => {
      const c = await loadFixture(deployCorpusFixture);
      const file = writeProposal({
        description: "Unknown function",
        actions: [{ contract: "CorpusGovernor", function: "setQuorum", args: [5] }],
      });
      await expectFileError(c, file, /CorpusGovernor has no function "setQuorum"/);
    });

    for (const [why, args] of [
      ["too few arguments", []],
      ["too many arguments", [3 * DAY, 1]],
      ["a word for a number", ["three days"]],
      ["a negative number for a uint", [-1]],
    ] as const) {
      it(`an action with ${why} is a ProposalFileError naming the function`, async () => {
        const c = await loadFixture(deployCorpusFixture);
        const file = writeProposal({
          description: `Bad arguments: ${why}`,
          actions: [{ contract: "CorpusTimelock", function: "updateDelay", args }],
        });
        await expectFileError(c, file, /actions\[0\]: bad arguments for updateDelay\(uint256\)/);
      });
    }

    it("an action with a malformed value is a ProposalFileError", async () => {
      const c = await loadFixture(deployCorpusFixture);
      const file = writeProposal({
        description: "Bad value",
        actions: [{ contract: "CorpusTimelock", function: "updateDelay", args: [3 * DAY], value: "1 ether" }],
      });
      await expectFileError(c, file, /actions\[0\]\.value must be a wei amount/);
    });
  });
});
