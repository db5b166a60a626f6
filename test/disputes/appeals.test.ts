import { expect } from "chai";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import hre from "hardhat";
import type { ContractTransactionReceipt } from "ethers";
import { asAccount } from "../../scripts/lib/impersonate";
import {
  ACCEPT,
  FEE_PER_JUROR,
  INCOHERENT_SLASH,
  NON_REVEAL_SLASH,
  OPENING_FEE,
  PHASE,
  REJECT,
  type DisputesFixture,
  type Vote,
  closeDispute,
  disputedSubmission,
  disputesFixture,
  expectDisputesSolvent,
  runRound,
  slashRewardOf,
} from "../helpers/disputes";
import { BOND, PROTOCOL_FEE, REVIEW_STAKE, REWARD, STATUS, VALIDATOR_FEE } from "../helpers/tasks";
import { at } from "../helpers/lists";

// Appeals with the real arbitrator behind the task registry: juries of 5 at 20 CRP each, and each appeal to a
// jury of 2n + 1 (11, 23, 47) paid by the appellant at 20 CRP per juror; 500 CRP locked per juror, 50 CRP lost
// for an incoherent vote, 100 CRP for no reveal, a quarter of every slash to the round's coherent jurors.
const A = ACCEPT;
const R = REJECT;
const repeat = (vote: Vote, times: number): Vote[] => Array.from({ length: times }, () => vote);

/** What `account` can withdraw from the registry in CRP. */
async function owedTo(c: DisputesFixture, account: string) {
  return c.tasks.balanceOf(await c.token.getAddress(), account);
}

/** Every staking `Slashed` event in `receipt` as [validator, slasher, beneficiary, amount], in log order. */
async function slashesIn(c: DisputesFixture, receipt: ContractTransactionReceipt | null) {
  const staking = (await c.staking.getAddress()).toLowerCase();
  const slashes: [string, string, string, bigint][] = [];
  for (const log of receipt?.logs ?? []) {
    if (log.address.toLowerCase() !== staking) continue;
    const parsed = c.staking.interface.parseLog({ topics: [...log.topics], data: log.data });
    if (parsed?.name === "Slashed") slashes.push([parsed.args[0], parsed.args[1], parsed.args[2], parsed.args[3]]);
  }
  return slashes;
}

/** Moves time past the current round's appeal period: the ruling is final. */
async function toFinal(c: DisputesFixture, disputeId: bigint) {
  const { round } = await c.disputes.getDispute(disputeId);
  const { appealEnd } = await c.disputes.getRound(disputeId, round);
  if (BigInt(await time.latest()) <= appealEnd) await time.increaseTo(appealEnd + 1n);
}

/**
 * `appellant` approves `expectedCost` (after checking appealCost quotes it) and appeals; asserts the Appealed
 * and RoundStarted events carry the fee, the payer and the new jury's size, and that the fee moved.
 */
async function appealAs(
  c: DisputesFixture,
  disputeId: bigint,
  appellant: HardhatEthersSigner,
  jurySize: bigint,
  expectedCost: bigint,
) {
  expect(await c.disputes.appealCost(disputeId)).to.equal(expectedCost);
  const { round } = await c.disputes.getDispute(disputeId);
  await (await c.token.connect(appellant).approve(c.arbitrator, expectedCost)).wait();
  const [, , , evidencePeriod, commitPeriod] = await c.disputes.parameters();
  const paidBefore = await c.token.balanceOf(appellant);
  const heldBefore = await c.token.balanceOf(c.arbitrator);
  const at_ = BigInt(await time.latest()) + 7n;
  await time.setNextBlockTimestamp(at_);
  const block = BigInt(await hre.ethers.provider.getBlockNumber()) + 1n;
  await expect(c.disputes.connect(appellant).appeal(disputeId))
    .to.emit(c.disputes, "Appealed")
    .withArgs(disputeId, round + 1n, appellant.address, expectedCost)
    .and.to.emit(c.disputes, "RoundStarted")
    .withArgs(
      disputeId,
      round + 1n,
      appellant.address,
      expectedCost,
      jurySize,
      at_ + evidencePeriod,
      at_ + evidencePeriod + commitPeriod,
      // The seed comes from the block after the request; the jury can be drawn from the one after that.
      block + 2n,
    );
  expect(await c.token.balanceOf(appellant)).to.equal(paidBefore - expectedCost);
  expect(await c.token.balanceOf(c.arbitrator)).to.equal(heldBefore + expectedCost);
  expect(await c.token.allowance(appellant, c.arbitrator)).to.equal(0n);
  const next = await c.disputes.getRound(disputeId, round + 1n);
  expect([next.jurySize, next.drawn, next.payer, next.fee]).to.deep.equal([
    jurySize,
    false,
    appellant.address,
    expectedCost,
  ]);
}

/** The worker, wrongly rejected, disputed; round 0's jury rejects 3–2. The appeal period runs. */
async function roundZeroRejected() {
  const c = await loadFixture(disputesFixture);
  const { submissionId, disputeId, panel } = await disputedSubmission(c, "reject");
  const { jurors } = await runRound(c, disputeId, [R, R, R, A, A]);
  expect(await c.disputes.currentRuling(disputeId)).to.deep.equal([REJECT, false]);
  expect((await c.disputes.getDispute(disputeId)).phase).to.equal(PHASE.Appeal);
  return { c, submissionId, disputeId, panel, round0: jurors };
}

/** Round 0's jury splits 1–1 with three silent: ruling 0. The appeal period runs. */
async function roundZeroTied() {
  const c = await loadFixture(disputesFixture);
  const { submissionId, disputeId } = await disputedSubmission(c, "reject");
  await runRound(c, disputeId, [A, R, null, null, null]);
  expect(await c.disputes.currentRuling(disputeId)).to.deep.equal([0n, false]);
  return { c, submissionId, disputeId };
}

/** Adds `amount` to `account` in `balances`. */
function credit(balances: Map<string, bigint>, account: string, amount: bigint) {
  balances.set(account, (balances.get(account) ?? 0n) + amount);
}

describe("CorpusDisputes: appeals", () => {
  describe("an appeal that flips the ruling", () => {
    it("round 0 rejects, the worker appeals, 11 jurors accept: the final ruling accepts, round 0's majority is slashed for incoherence and its minority shares round 0's pot, and the registry overturns the panel", async () => {
      const { c, submissionId, disputeId, panel, round0 } = await loadFixture(roundZeroRejected);
      await appealAs(c, disputeId, c.worker, 11n, 11n * FEE_PER_JUROR);
      // The appeal reopens the dispute: the standing ruling is round 0's until round 1's votes are in.
      expect(await c.disputes.currentRuling(disputeId)).to.deep.equal([REJECT, false]);
      expect((await c.disputes.getDispute(disputeId)).phase).to.equal(PHASE.Drawing);
      const { jurors: round1 } = await runRound(c, disputeId, [...repeat(A, 8), ...repeat(R, 3)]);
      expect(round1.length).to.equal(11);
      expect(await c.disputes.currentRuling(disputeId)).to.deep.equal([ACCEPT, false]);
      await toFinal(c, disputeId);
      expect(await c.disputes.currentRuling(disputeId)).to.deep.equal([ACCEPT, true]);
      await expect(c.disputes.executeRuling(disputeId))
        .to.emit(c.tasks, "Ruling")
        .withArgs(c.arbitrator, disputeId, ACCEPT);

      // Round 0: the three who rejected lose 50 CRP each; the two who accepted share the 100 CRP fee and the
      // quarter of those slashes the dispute contract received.
      const pot0 = OPENING_FEE + slashRewardOf(3n * INCOHERENT_SLASH);
      const settle0 = c.disputes.settleRound(disputeId, 0n);
      await expect(settle0)
        .to.emit(c.disputes, "RoundSettled")
        .withArgs(disputeId, 0n, ACCEPT, 2n, pot0 / 2n, 3n * INCOHERENT_SLASH, 0n);
      expect(await slashesIn(c, await (await settle0).wait())).to.deep.equal(
        round0.slice(0, 3).map((juror) => [juror, c.arbitrator, c.arbitrator, INCOHERENT_SLASH]),
      );
      // Round 1: eight coherent jurors share the worker's 220 CRP and the reward of three incoherence slashes.
      const pot1 = 11n * FEE_PER_JUROR + slashRewardOf(3n * INCOHERENT_SLASH);
      const settle1 = c.disputes.settleRound(disputeId, 1n);
      await expect(settle1)
        .to.emit(c.disputes, "RoundSettled")
        .withArgs(disputeId, 1n, ACCEPT, 8n, pot1 / 8n, 3n * INCOHERENT_SLASH, 0n);
      expect(await slashesIn(c, await (await settle1).wait())).to.deep.equal(
        round1.slice(8).map((juror) => [juror, c.arbitrator, c.arbitrator, INCOHERENT_SLASH]),
      );
      // Both pots divide exactly: no dust. A juror may sit in both rounds, so balances add up.
      expect([pot0 % 2n, pot1 % 8n]).to.deep.equal([0n, 0n]);
      const expected = new Map<string, bigint>();
      for (const juror of round0.slice(3)) credit(expected, juror, pot0 / 2n);
      for (const juror of round1.slice(0, 8)) credit(expected, juror, pot1 / 8n);
      for (const juror of new Set([...round0, ...round1])) {
        expect(await c.disputes.balanceOf(juror), juror).to.equal(expected.get(juror) ?? 0n);
        expect((await c.staking.stakeOf(juror))[1], `${juror} is unlocked`).to.equal(0n);
      }
      expect(await c.disputes.balanceOf(c.worker)).to.equal(0n);
      await expectDisputesSolvent(c, "after settling both rounds");

      // The registry: the panel that rejected is overturned, each member's review stake slashed to the worker.
      // The appeal outlasted the task's 7-day deadline, so the validator fee no member earned goes to the
      // requester rather than back to the (closed) task.
      expect(BigInt(await time.latest())).to.be.gt((await c.tasks.getTask(c.taskId)).deadline);
      const finalize = c.tasks.finalize(submissionId);
      await expect(finalize)
        .to.emit(c.tasks, "SubmissionFinalized")
        .withArgs(submissionId, c.taskId, STATUS.Accepted, REWARD + BOND, VALIDATOR_FEE);
      expect(await slashesIn(c, await (await finalize).wait())).to.deep.equal(
        panel.map((member) => [member, c.registry, c.worker.address, REVIEW_STAKE]),
      );
      expect(await owedTo(c, c.worker.address)).to.equal(REWARD + BOND);
    });
  });

  describe("an appeal that confirms the ruling", () => {
    it("round 1 rejects again: the final ruling is unchanged, and the appellant's 220 CRP pays round 1's eleven jurors", async () => {
      const { c, submissionId, disputeId, round0 } = await loadFixture(roundZeroRejected);
      const workerCrp = await c.token.balanceOf(c.worker);
      await appealAs(c, disputeId, c.worker, 11n, 11n * FEE_PER_JUROR);
      const { jurors: round1 } = await runRound(c, disputeId, repeat(R, 11));
      await toFinal(c, disputeId);
      expect(await c.disputes.currentRuling(disputeId)).to.deep.equal([REJECT, true]);
      await (await c.disputes.executeRuling(disputeId)).wait();

      await expect(c.disputes.settleRound(disputeId, 1n))
        .to.emit(c.disputes, "RoundSettled")
        .withArgs(disputeId, 1n, REJECT, 11n, FEE_PER_JUROR, 0n, 0n);
      // Round 0: the three rejecters share 100 CRP and the reward of the two accepters' slashes; 125 CRP does not
      // divide by three, and the first coherent juror in draw order takes the 2 wei of dust.
      const pot0 = OPENING_FEE + slashRewardOf(2n * INCOHERENT_SLASH);
      const share0 = pot0 / 3n;
      expect(pot0 - 3n * share0).to.equal(2n);
      await expect(c.disputes.settleRound(disputeId, 0n))
        .to.emit(c.disputes, "RoundSettled")
        .withArgs(disputeId, 0n, REJECT, 3n, share0, 2n * INCOHERENT_SLASH, 0n);
      const expected = new Map<string, bigint>();
      credit(expected, at(round0, 0), share0 + 2n);
      credit(expected, at(round0, 1), share0);
      credit(expected, at(round0, 2), share0);
      for (const juror of round1) credit(expected, juror, FEE_PER_JUROR);
      for (const juror of new Set([...round0, ...round1])) {
        expect(await c.disputes.balanceOf(juror), juror).to.equal(expected.get(juror) ?? 0n);
      }
      // The appellant lost: its fee is spent, nothing comes back.
      expect(await c.disputes.balanceOf(c.worker)).to.equal(0n);
      expect(await c.token.balanceOf(c.worker)).to.equal(workerCrp - 11n * FEE_PER_JUROR);
      await expectDisputesSolvent(c, "after settling both rounds");

      // The verdict stands: the panel shares the validator fee (2 wei of dust). The task's deadline passed
      // during the appeal, so the requester gets the bond, the unused reward and protocol fee, and the dust.
      expect(BigInt(await time.latest())).to.be.gt((await c.tasks.getTask(c.taskId)).deadline);
      const feeShare = VALIDATOR_FEE / 3n;
      await expect(c.tasks.finalize(submissionId))
        .to.emit(c.tasks, "PanelSettled")
        .withArgs(submissionId, 0n, 0b111n, feeShare, 0n)
        .and.to.emit(c.tasks, "SubmissionFinalized")
        .withArgs(
          submissionId,
          c.taskId,
          STATUS.Rejected,
          0n,
          BOND + REWARD + PROTOCOL_FEE + (VALIDATOR_FEE - 3n * feeShare),
        );
    });
  });

  describe("jury sizes and the last appeal", () => {
    it("three appeals grow the jury 5 → 11 → 23 → 47 at 20 CRP per juror, a fourth reverts DisputesNoMoreAppeals, and round 3's ruling is final at once", async () => {
      const c = await loadFixture(disputesFixture);
      const { submissionId, disputeId } = await disputedSubmission(c, "reject");
      // One juror votes per round; the others stay silent. The ruling alternates, each loser appeals.
      const { jurors: round0 } = await runRound(c, disputeId, [R]);
      expect(await c.disputes.currentRuling(disputeId)).to.deep.equal([REJECT, false]);
      await appealAs(c, disputeId, c.worker, 11n, 11n * FEE_PER_JUROR);
      const { jurors: round1 } = await runRound(c, disputeId, [A]);
      expect(await c.disputes.currentRuling(disputeId)).to.deep.equal([ACCEPT, false]);
      await appealAs(c, disputeId, c.requester, 23n, 23n * FEE_PER_JUROR);
      const { jurors: round2 } = await runRound(c, disputeId, [R]);
      expect(await c.disputes.currentRuling(disputeId)).to.deep.equal([REJECT, false]);
      await appealAs(c, disputeId, c.worker, 47n, 47n * FEE_PER_JUROR);
      const { jurors: round3 } = await runRound(c, disputeId, [A]);
      expect([round0, round1, round2, round3].map((j) => j.length)).to.deep.equal([5, 11, 23, 47]);

      // The last round has no appeal period: its ruling is final as soon as its reveal period ends.
      const last = await c.disputes.getRound(disputeId, 3n);
      expect(last.appealEnd).to.equal(last.revealEnd);
      expect(await c.disputes.currentRuling(disputeId)).to.deep.equal([ACCEPT, true]);
      expect((await c.disputes.getDispute(disputeId)).phase).to.equal(PHASE.Final);
      const requesterCrp = await c.token.balanceOf(c.requester);
      await (await c.token.connect(c.requester).approve(c.arbitrator, 95n * FEE_PER_JUROR)).wait();
      for (const party of [c.requester, c.worker]) {
        await expect(c.disputes.connect(party).appeal(disputeId))
          .to.be.revertedWithCustomError(c.disputes, "DisputesNoMoreAppeals")
          .withArgs(disputeId);
      }
      expect((await c.disputes.getDispute(disputeId)).round).to.equal(3n);
      expect(await c.token.balanceOf(c.requester)).to.equal(requesterCrp);

      const payers = [];
      for (let r = 0n; r <= 3n; r++) {
        const round = await c.disputes.getRound(disputeId, r);
        payers.push([round.jurySize, round.payer, round.fee]);
      }
      expect(payers).to.deep.equal([
        [5n, c.worker.address, OPENING_FEE],
        [11n, c.worker.address, 11n * FEE_PER_JUROR],
        [23n, c.requester.address, 23n * FEE_PER_JUROR],
        [47n, c.worker.address, 47n * FEE_PER_JUROR],
      ]);

      expect(await closeDispute(c, disputeId)).to.equal(ACCEPT);
      // Rounds 0 and 2 have no coherent juror (their one voter voted against the final ruling): each refunds its
      // payer the fee and the reward of its slashes. Rounds 1 and 3 pay everything to their one coherent juror.
      expect(await c.disputes.balanceOf(c.worker)).to.equal(
        OPENING_FEE + slashRewardOf(INCOHERENT_SLASH + 4n * NON_REVEAL_SLASH),
      );
      expect(await c.disputes.balanceOf(c.requester)).to.equal(
        23n * FEE_PER_JUROR + slashRewardOf(INCOHERENT_SLASH + 22n * NON_REVEAL_SLASH),
      );
      await expectDisputesSolvent(c, "after four rounds");
      expect((await c.tasks.getSubmission(submissionId)).ruling).to.equal(ACCEPT);
      await (await c.tasks.finalize(submissionId)).wait();
      expect((await c.tasks.getSubmission(submissionId)).status).to.equal(STATUS.Accepted);
    });
  });

  describe("who may appeal", () => {
    it("the winner of the ruling, a stranger and a panel member cannot appeal (DisputesNotLosingSide); nothing changes", async () => {
      const { c, disputeId, panel } = await loadFixture(roundZeroRejected);
      const member = at(panel, 0);
      const cost = 11n * FEE_PER_JUROR;
      for (const signer of [c.requester, c.stranger])
        await (await c.token.connect(signer).approve(c.arbitrator, cost)).wait();
      const disputeState = async () => {
        const { round, phase, ruling } = await c.disputes.getDispute(disputeId);
        const { revealed, votes } = await c.disputes.getRound(disputeId, 0n);
        return { round, phase, ruling, revealed, votes: [...votes] };
      };
      const state = async () => ({
        dispute: await disputeState(),
        held: await c.token.balanceOf(c.arbitrator),
        requester: await c.token.balanceOf(c.requester),
        stranger: await c.token.balanceOf(c.stranger),
      });
      const snapshot = await state();

      for (const signer of [c.requester, c.stranger]) {
        await expect(c.disputes.connect(signer).appeal(disputeId))
          .to.be.revertedWithCustomError(c.disputes, "DisputesNotLosingSide")
          .withArgs(disputeId, signer.address);
      }
      // Excluded from the jury is not the same as a party: the panel member has no side in the ruling.
      await asAccount(member, async (signer) => {
        await expect(c.disputes.connect(signer).appeal(disputeId))
          .to.be.revertedWithCustomError(c.disputes, "DisputesNotLosingSide")
          .withArgs(disputeId, member);
      });
      expect(await state()).to.deep.equal(snapshot);
      expect([snapshot.dispute.round, snapshot.dispute.phase, snapshot.dispute.ruling]).to.deep.equal([
        0n,
        PHASE.Appeal,
        REJECT,
      ]);
    });

    it("after a tie (ruling 0) the requester may appeal", async () => {
      const { c, disputeId } = await loadFixture(roundZeroTied);
      await appealAs(c, disputeId, c.requester, 11n, 11n * FEE_PER_JUROR);
      expect((await c.disputes.getDispute(disputeId)).round).to.equal(1n);
    });

    it("after a tie (ruling 0) the worker may appeal, a stranger still may not", async () => {
      const { c, disputeId } = await loadFixture(roundZeroTied);
      await (await c.token.connect(c.stranger).approve(c.arbitrator, 11n * FEE_PER_JUROR)).wait();
      await expect(c.disputes.connect(c.stranger).appeal(disputeId))
        .to.be.revertedWithCustomError(c.disputes, "DisputesNotLosingSide")
        .withArgs(disputeId, c.stranger.address);
      await appealAs(c, disputeId, c.worker, 11n, 11n * FEE_PER_JUROR);
      expect((await c.disputes.getDispute(disputeId)).round).to.equal(1n);
    });

    it("the appeal period's last second still takes an appeal; one second later the ruling is final (DisputesWrongPhase)", async () => {
      const { c, disputeId } = await loadFixture(roundZeroRejected);
      const { appealEnd } = await c.disputes.getRound(disputeId, 0n);
      await (await c.token.connect(c.worker).approve(c.arbitrator, 11n * FEE_PER_JUROR)).wait();
      await time.setNextBlockTimestamp(appealEnd + 1n);
      await expect(c.disputes.connect(c.worker).appeal(disputeId))
        .to.be.revertedWithCustomError(c.disputes, "DisputesWrongPhase")
        .withArgs(disputeId, PHASE.Final);
      expect((await c.disputes.getDispute(disputeId)).round).to.equal(0n);
      expect(await c.disputes.currentRuling(disputeId)).to.deep.equal([REJECT, true]);
    });

    it("an appeal at the appeal period's last second opens round 1", async () => {
      const { c, disputeId } = await loadFixture(roundZeroRejected);
      const { appealEnd } = await c.disputes.getRound(disputeId, 0n);
      await (await c.token.connect(c.worker).approve(c.arbitrator, 11n * FEE_PER_JUROR)).wait();
      await time.setNextBlockTimestamp(appealEnd);
      await expect(c.disputes.connect(c.worker).appeal(disputeId))
        .to.emit(c.disputes, "Appealed")
        .withArgs(disputeId, 1n, c.worker.address, 11n * FEE_PER_JUROR);
    });
  });

  describe("an appeal round that decides nothing", () => {
    it("a tie in round 1 leaves round 0's ruling standing: the loser of round 0 may appeal again, the winner may not, and if no one does it is final and reaches the registry", async () => {
      const c = await loadFixture(disputesFixture);
      const { submissionId, disputeId } = await disputedSubmission(c, "reject");
      // Round 0 accepts (overturning the panel's rejection); the requester appeals.
      await runRound(c, disputeId, [A, A, A, R, R]);
      await appealAs(c, disputeId, c.requester, 11n, 11n * FEE_PER_JUROR);
      // Round 1 ties 5–5 with one silent juror: it decides nothing.
      await runRound(c, disputeId, [A, A, A, A, A, R, R, R, R, R, null]);
      expect(await c.disputes.currentRuling(disputeId)).to.deep.equal([ACCEPT, false]);
      await expect(c.disputes.connect(c.worker).appeal(disputeId))
        .to.be.revertedWithCustomError(c.disputes, "DisputesNotLosingSide")
        .withArgs(disputeId, c.worker.address);
      expect(await c.disputes.appealCost(disputeId)).to.equal(23n * FEE_PER_JUROR);

      expect(await closeDispute(c, disputeId)).to.equal(ACCEPT);
      await (await c.tasks.finalize(submissionId)).wait();
      expect((await c.tasks.getSubmission(submissionId)).status).to.equal(STATUS.Accepted);
      // Round 1 is judged against accept: its five accept voters share the pot, the reject voters and the
      // silent juror get nothing, and every juror is unlocked.
      const { jurors } = await c.disputes.getRound(disputeId, 1n);
      const round0 = new Set((await c.disputes.getRound(disputeId, 0n)).jurors.map((j) => j.toLowerCase()));
      for (const [i, juror] of jurors.entries()) {
        const [, locked] = await c.staking.stakeOf(juror);
        expect(locked, `juror ${i} is unlocked`).to.equal(0n);
        if (round0.has(juror.toLowerCase())) continue; // also paid or slashed in round 0
        const paid = (await c.disputes.balanceOf(juror)) > 0n;
        expect(paid, `round 1 juror ${i} (${i < 5 ? "accept" : i < 10 ? "reject" : "silent"})`).to.equal(i < 5);
      }
      await expectDisputesSolvent(c, "after the tied appeal");
    });
  });

  describe("events", () => {
    it("Appealed and RoundStarted carry the new round, the appellant as payer, its fee and the jury size; the round records them", async () => {
      const { c, disputeId } = await loadFixture(roundZeroRejected);
      // appealAs checks both events to the argument, the tokens moved and the new round's view.
      await appealAs(c, disputeId, c.worker, 11n, 220n * 10n ** 18n);
      const round1 = await c.disputes.getRound(disputeId, 1n);
      expect(round1.jurors).to.deep.equal([]);
      expect(round1.votes).to.deep.equal([0n, 0n]);
      // Round 0 keeps its own payer and fee.
      const round0 = await c.disputes.getRound(disputeId, 0n);
      expect([round0.payer, round0.fee, round0.jurySize]).to.deep.equal([c.worker.address, OPENING_FEE, 5n]);
    });
  });
});
