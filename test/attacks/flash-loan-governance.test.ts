import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { AbiCoder, id } from "ethers";
import { CRP, DAY, deployCorpusFixture } from "../helpers/fixtures";
import { asGovernance } from "../helpers/governance";
import { FlashLender__factory, FlashVoter__factory } from "../../sdk/src/typechain";

// An attacker borrows CRP for the length of one transaction (contracts/test/FlashLender.sol), delegates it to
// itself inside the loan's callback (contracts/test/FlashVoter.sol) and tries to propose or to vote with it.
// The governor reads past votes: the proposal threshold at the last second (clock() - 1), a vote's weight at
// the proposal's snapshot. A loan lives and dies inside one second, so it never shows in either.

/** What the lender holds, from the treasury: 100M CRP, far above the 580k threshold and the 23.2M quorum. */
const LOAN = 100_000_000n * CRP;
const VOTE = { against: 0, for: 1, abstain: 2 } as const;
const ACTION = { propose: 0n, vote: 1n } as const;
/** `IGovernor.ProposalState.Active`. */
const ACTIVE = 1n;

async function flashFixture() {
  const c = await loadFixture(deployCorpusFixture);
  const lender = await new FlashLender__factory(c.deployer).deploy(await c.token.getAddress());
  const voter = await new FlashVoter__factory(c.stranger).deploy(
    await lender.getAddress(),
    await c.governor.getAddress(),
  );
  await asGovernance(c.timelock, async (timelock) => {
    await (await c.token.connect(timelock).transfer(await lender.getAddress(), LOAN)).wait();
  });
  // An honest holder with enough past votes to propose (10M CRP, delegated to herself).
  await (await c.token.connect(c.alice).delegate(c.alice)).wait();
  await time.increase(1);

  const call = {
    targets: [await c.governor.getAddress()],
    values: [0n],
    calldatas: [c.governor.interface.encodeFunctionData("setVotingPeriod", [7 * DAY])],
  };
  return { ...c, lender, voter, call, crp: await c.token.getAddress() };
}

type Fixture = Awaited<ReturnType<typeof flashFixture>>;

/** alice's proposal, moved to the first second of its vote. */
async function activeProposal(c: Fixture) {
  const description = "Voting period to 7 days";
  await (
    await c.governor.connect(c.alice).propose(c.call.targets, c.call.values, c.call.calldatas, description)
  ).wait();
  const proposalId = await c.governor.hashProposal(c.call.targets, c.call.values, c.call.calldatas, id(description));
  const snapshot = await c.governor.proposalSnapshot(proposalId);
  await time.increaseTo(snapshot + 1n);
  expect(await c.governor.state(proposalId)).to.equal(ACTIVE);
  return { proposalId, snapshot };
}

/** The lender got everything back and the attacker kept nothing: no tokens, no votes, no allowance left. */
async function expectRepaid(c: Fixture) {
  const voter = await c.voter.getAddress();
  expect(await c.token.balanceOf(c.lender), "the lender's balance").to.equal(LOAN);
  expect(await c.token.balanceOf(voter), "the attacker's balance").to.equal(0n);
  expect(await c.token.getVotes(voter), "the attacker's votes").to.equal(0n);
  expect(await c.token.allowance(voter, c.lender)).to.equal(0n);
}

/** The `LoanUsed` event of a receipt. */
function loanUsed(c: Fixture, receipt: { logs: readonly { topics: readonly string[]; data: string }[] } | null) {
  for (const log of receipt?.logs ?? []) {
    const parsed = c.voter.interface.parseLog({ topics: [...log.topics], data: log.data });
    if (parsed?.name === "LoanUsed") {
      const [action, borrowed, votesDuringLoan, success, result] = parsed.args as unknown as [
        bigint,
        bigint,
        bigint,
        boolean,
        string,
      ];
      return { action, borrowed, votesDuringLoan, success, result };
    }
  }
  throw new Error("no LoanUsed event");
}

describe("attack: flash-borrowed voting power in governance", () => {
  describe("the attacker proposes with flash-borrowed CRP", () => {
    it("reverts GovernorInsufficientProposerVotes(attacker, 0, threshold): the threshold reads votes at the last second, and the loan is undone", async () => {
      const c = await loadFixture(flashFixture);
      const threshold = await c.governor.proposalThreshold();
      expect(threshold).to.equal(((await c.token.totalSupply()) * 10n) / 10_000n);
      expect(LOAN).to.be.greaterThan(100n * threshold);
      const description = "Voting period to 7 days, proposed with a loan";
      await expect(
        c.voter.proposeWithLoan(c.crp, LOAN, c.call.targets, c.call.values, c.call.calldatas, description, true),
      )
        .to.be.revertedWithCustomError(c.governor, "GovernorInsufficientProposerVotes")
        .withArgs(await c.voter.getAddress(), 0n, threshold);
      const proposalId = await c.governor.hashProposal(
        c.call.targets,
        c.call.values,
        c.call.calldatas,
        id(description),
      );
      expect(await c.governor.proposalSnapshot(proposalId), "no such proposal").to.equal(0n);
      await expectRepaid(c);
    });

    it("with the governor's error caught inside the loan: the attacker held the votes then, the proposal still fails, and the loan is repaid", async () => {
      const c = await loadFixture(flashFixture);
      const threshold = await c.governor.proposalThreshold();
      const voter = await c.voter.getAddress();
      const description = "Voting period to 7 days, by flash loan";
      const tx = await c.voter.proposeWithLoan(
        c.crp,
        LOAN,
        c.call.targets,
        c.call.values,
        c.call.calldatas,
        description,
        false,
      );
      const receipt = await tx.wait();
      await expect(tx).to.emit(c.lender, "FlashLoan").withArgs(voter, LOAN);
      await expect(tx).to.not.emit(c.governor, "ProposalCreated");
      const used = loanUsed(c, receipt);
      expect(used.action).to.equal(ACTION.propose);
      expect(used.borrowed).to.equal(LOAN);
      // Inside the callback the attacker's current votes were the whole loan: a governor reading current votes
      // would have let it propose.
      expect(used.votesDuringLoan).to.equal(LOAN);
      expect(used.success).to.equal(false);
      const error = c.governor.interface.parseError(used.result);
      expect(error?.name).to.equal("GovernorInsufficientProposerVotes");
      expect([...(error?.args ?? [])]).to.deep.equal([voter, 0n, threshold]);

      const proposalId = await c.governor.hashProposal(
        c.call.targets,
        c.call.values,
        c.call.calldatas,
        id(description),
      );
      expect(await c.governor.proposalSnapshot(proposalId)).to.equal(0n);
      await expectRepaid(c);
      // Not even a second later does the loan show in the attacker's past votes.
      await time.increase(1);
      expect(await c.token.getPastVotes(voter, (await time.latest()) - 1)).to.equal(0n);
    });
  });

  describe("the attacker votes on an active proposal with flash-borrowed CRP", () => {
    it("the vote counts 0: VoteCast(attacker, id, For, 0), the tally does not move, and the loan is repaid", async () => {
      const c = await loadFixture(flashFixture);
      const { proposalId, snapshot } = await activeProposal(c);
      const voter = await c.voter.getAddress();
      // The loan alone would exceed the quorum if it counted.
      expect(LOAN).to.be.greaterThan(await c.governor.quorum(snapshot));
      const tallyBefore = await c.governor.proposalVotes(proposalId);

      const tx = c.voter.voteWithLoan(c.crp, LOAN, proposalId, VOTE.for, true);
      await expect(tx).to.emit(c.governor, "VoteCast").withArgs(voter, proposalId, VOTE.for, 0n, "");
      await expect(tx).to.emit(c.lender, "FlashLoan").withArgs(voter, LOAN);
      const used = loanUsed(c, await (await tx).wait());
      expect(used.action).to.equal(ACTION.vote);
      expect(used.votesDuringLoan).to.equal(LOAN);
      expect(used.success).to.equal(true);
      expect(used.result).to.equal(AbiCoder.defaultAbiCoder().encode(["uint256"], [0n]));

      expect(await c.governor.proposalVotes(proposalId)).to.deep.equal(tallyBefore);
      expect(await c.governor.hasVoted(proposalId, voter)).to.equal(true);
      await expectRepaid(c);

      // Its one vote is spent: a second loan cannot vote again.
      await expect(c.voter.voteWithLoan(c.crp, LOAN, proposalId, VOTE.for, true))
        .to.be.revertedWithCustomError(c.governor, "GovernorAlreadyCastVote")
        .withArgs(voter);
      // An honest vote still counts in full.
      await expect(c.governor.connect(c.alice).castVote(proposalId, VOTE.against))
        .to.emit(c.governor, "VoteCast")
        .withArgs(c.alice.address, proposalId, VOTE.against, 10_000_000n * CRP, "");
      const [against, forVotes, abstain] = await c.governor.proposalVotes(proposalId);
      expect([against, forVotes, abstain]).to.deep.equal([10_000_000n * CRP, 0n, 0n]);
    });

    it("a loan taken in the snapshot's own second leaves no votes at the snapshot: the repayment overwrites the checkpoint", async () => {
      const c = await loadFixture(flashFixture);
      const description = "Voting period to 7 days";
      await (
        await c.governor.connect(c.alice).propose(c.call.targets, c.call.values, c.call.calldatas, description)
      ).wait();
      const proposalId = await c.governor.hashProposal(
        c.call.targets,
        c.call.values,
        c.call.calldatas,
        id(description),
      );
      const snapshot = await c.governor.proposalSnapshot(proposalId);
      const voter = await c.voter.getAddress();

      // The attacker lands its loan in the block whose timestamp is the snapshot: the vote is not open yet
      // (Pending until after the snapshot), so the governor refuses, and the loan is repaid in the same second.
      await time.setNextBlockTimestamp(snapshot);
      const receipt = await (await c.voter.voteWithLoan(c.crp, LOAN, proposalId, VOTE.for, false)).wait();
      const used = loanUsed(c, receipt);
      expect(used.votesDuringLoan).to.equal(LOAN);
      expect(used.success).to.equal(false);
      expect(c.governor.interface.parseError(used.result)?.name).to.equal("GovernorUnexpectedProposalState");
      await expectRepaid(c);

      await time.increaseTo(snapshot + 1n);
      expect(await c.governor.state(proposalId)).to.equal(ACTIVE);
      expect(await c.token.getPastVotes(voter, snapshot)).to.equal(0n);
      await expect(c.voter.voteWithLoan(c.crp, LOAN, proposalId, VOTE.for, true))
        .to.emit(c.governor, "VoteCast")
        .withArgs(voter, proposalId, VOTE.for, 0n, "");
      expect((await c.governor.proposalVotes(proposalId)).forVotes).to.equal(0n);
    });
  });
});
