import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { ZeroAddress, encodeBytes32String } from "ethers";
import { asGovernance } from "../../scripts/lib/impersonate";
import { CorpusDisputes__factory } from "../../sdk/src/typechain";
import { CRP } from "../helpers/fixtures";
import {
  ACCEPT,
  PHASE,
  REJECT,
  disputedSubmission,
  disputesFixture,
  drawJuryWhenReady,
  expectDisputesSolvent,
  runRound,
} from "../helpers/disputes";

const INITIAL = [20n * CRP, 5n, 500n * CRP, 3_600n, 3_600n, 3_600n, 3_600n, 2_000n, 1_000n] as const;

describe("CorpusDisputes: deployment and edge paths", () => {
  it("refuses a zero staking contract or a zero governance at deployment", async () => {
    const c = await loadFixture(disputesFixture);
    const factory = new CorpusDisputes__factory(c.deployer);
    const staking = await c.staking.getAddress();
    const timelock = await c.timelock.getAddress();
    await expect(
      factory.deploy(ZeroAddress, timelock, ZeroAddress, [...INITIAL], ZeroAddress),
    ).to.be.revertedWithCustomError(factory, "DisputesZeroAddress");
    await expect(
      factory.deploy(staking, ZeroAddress, ZeroAddress, [...INITIAL], ZeroAddress),
    ).to.be.revertedWithCustomError(factory, "DisputesZeroAddress");
    // Without a bootstrap admin, governance alone administers it.
    const bare = await factory.deploy(staking, timelock, ZeroAddress, [...INITIAL], ZeroAddress);
    expect(await bare.hasRole(await bare.DEFAULT_ADMIN_ROLE(), timelock)).to.equal(true);
    expect(await bare.hasRole(await bare.DEFAULT_ADMIN_ROLE(), c.deployer.address)).to.equal(false);
  });

  it("a zero fee per juror opens and appeals disputes without moving any CRP", async () => {
    const c = await loadFixture(disputesFixture);
    await asGovernance(c.timelock, async (t) =>
      (await c.disputes.connect(t).setParameter(encodeBytes32String("feePerJuror"), 0n)).wait(),
    );
    const workerBefore = await c.token.balanceOf(c.worker.address);
    const { disputeId } = await disputedSubmission(c, "reject");
    expect(await c.token.balanceOf(c.worker.address)).to.equal(workerBefore - 10n * CRP); // only the bond
    await runRound(c, disputeId, [REJECT, REJECT, REJECT, ACCEPT, ACCEPT]);
    expect(await c.disputes.appealCost(disputeId)).to.equal(0n);
    await expect(c.disputes.connect(c.worker).appeal(disputeId))
      .to.emit(c.disputes, "Appealed")
      .withArgs(disputeId, 1n, c.worker.address, 0n);
    expect(await c.token.balanceOf(await c.disputes.getAddress())).to.equal(0n);
    await expectDisputesSolvent(c, "with free disputes");
  });

  it("before its jury is drawn a round takes no commit, reveal or appeal (DisputesWrongPhase(Drawing))", async () => {
    const c = await loadFixture(disputesFixture);
    const { disputeId } = await disputedSubmission(c, "reject");
    expect((await c.disputes.getDispute(disputeId)).phase).to.equal(PHASE.Drawing);
    await expect(c.disputes.connect(c.worker).commitVote(disputeId, encodeBytes32String("x")))
      .to.be.revertedWithCustomError(c.disputes, "DisputesWrongPhase")
      .withArgs(disputeId, PHASE.Drawing);
    await expect(c.disputes.connect(c.worker).revealVote(disputeId, ACCEPT, encodeBytes32String("x")))
      .to.be.revertedWithCustomError(c.disputes, "DisputesWrongPhase")
      .withArgs(disputeId, PHASE.Drawing);
    await expect(c.disputes.connect(c.worker).appeal(disputeId))
      .to.be.revertedWithCustomError(c.disputes, "DisputesWrongPhase")
      .withArgs(disputeId, PHASE.Drawing);
    // And the same round, once drawn, is in its evidence period.
    await drawJuryWhenReady(c, disputeId);
    expect((await c.disputes.getDispute(disputeId)).phase).to.equal(PHASE.Evidence);
  });

  it("seatOf refuses a round above MAX_APPEALS (DisputesUnknownRound): round 256 would read another dispute's seats", async () => {
    const c = await loadFixture(disputesFixture);
    const { disputeId } = await disputedSubmission(c, "reject");
    const [juror] = await drawJuryWhenReady(c, disputeId);
    if (juror === undefined) throw new Error("no juror");
    expect(await c.disputes.seatOf(disputeId, 0n, juror)).to.deep.equal([true, false, false, 0n]);
    expect(await c.disputes.seatOf(disputeId, 3n, juror)).to.deep.equal([false, false, false, 0n]);
    for (const round of [4n, 256n]) {
      await expect(c.disputes.seatOf(disputeId, round, juror))
        .to.be.revertedWithCustomError(c.disputes, "DisputesUnknownRound")
        .withArgs(disputeId, round);
    }
  });
});
