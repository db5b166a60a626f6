import { expect } from "chai";
import hre from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { deployCorpusFixture } from "../helpers/fixtures";
import { governanceContext, proposalState } from "../../scripts/governance/actions";

async function pendingProposalFixture() {
  const c = await loadFixture(deployCorpusFixture);
  await c.token.connect(c.alice).delegate(c.alice.address);
  await time.increase(1);
  const ctx = await governanceContext(
    hre,
    { description: "Cancel me", actions: [{ contract: "CorpusGovernor", function: "setVotingDelay", args: [7200] }] },
    c.alice,
    c.addressBook,
  );
  const { targets, values, calldatas, description, descriptionHash } = ctx.proposal;
  await c.governor.connect(c.alice).propose(targets, values, calldatas, description);
  return { ...c, ctx, args: [targets, values, calldatas, descriptionHash] as const };
}

describe("CorpusGovernor: cancel", function () {
  it("the proposer cancels its proposal while it is Pending: it becomes Canceled and can never be queued", async function () {
    const c = await loadFixture(pendingProposalFixture);
    await expect(c.governor.connect(c.alice).cancel(...c.args))
      .to.emit(c.governor, "ProposalCanceled")
      .withArgs(c.ctx.proposalId);
    expect(await proposalState(c.governor, c.ctx.proposalId)).to.equal("Canceled");
    await expect(c.governor.queue(...c.args)).to.be.revertedWithCustomError(
      c.governor,
      "GovernorUnexpectedProposalState",
    );
  });

  it("no one else can cancel it, and the proposer cannot once voting has started", async function () {
    const c = await loadFixture(pendingProposalFixture);
    await expect(c.governor.connect(c.bob).cancel(...c.args))
      .to.be.revertedWithCustomError(c.governor, "GovernorUnableToCancel")
      .withArgs(c.ctx.proposalId, c.bob.address);
    await time.increase(Number(await c.governor.votingDelay()) + 1);
    await expect(c.governor.connect(c.alice).cancel(...c.args))
      .to.be.revertedWithCustomError(c.governor, "GovernorUnableToCancel")
      .withArgs(c.ctx.proposalId, c.alice.address);
    expect(await proposalState(c.governor, c.ctx.proposalId)).to.equal("Active");
  });
});
