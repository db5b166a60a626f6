import { expect } from "chai";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import hre from "hardhat";
import { AbiCoder, ZeroAddress, encodeBytes32String } from "ethers";
import { MockArbitrator__factory } from "../../sdk/src/typechain";
import { asAccount } from "../../scripts/lib/impersonate";
import { asGovernance } from "../helpers/governance";
import { CRP } from "../helpers/fixtures";
import {
  ARBITRATION_FEE,
  RULING,
  STATUS,
  attestAs,
  attestVotes,
  eventArg,
  postDefaultTask,
  signerOf,
  submitAndDraw,
  submitWork,
  tasksFixture,
  type TasksFixture,
  REWARD,
  VALIDATOR_FEE,
  PROTOCOL_FEE,
  BOND,
  RESERVATION,
  ESCROW,
  REVIEW_STAKE,
  LIVENESS_PENALTY,
  expectSolvent,
} from "../helpers/tasks";

// The default task: 100 CRP reward, 5% validator fee, 2.5% protocol fee, 10 CRP bond, 3-member panel, quorum 2.
// The local parameters: 1,000 CRP review stake, 100 CRP liveness penalty, 2-day dispute window, 25% slash reward.
const SLASH_REWARD_BPS = 2_500n;
const VALIDATOR_STAKE = 50_000n * CRP;

/** The member in `seat` of a panel. */
function seat(panel: readonly string[], index: number): string {
  const member = panel[index];
  if (member === undefined) throw new Error(`no seat ${index}`);
  return member;
}

/** What `account` can withdraw from the registry in CRP. */
async function owedTo(c: TasksFixture, account: string) {
  return c.tasks.balanceOf(await c.token.getAddress(), account);
}

/** `validator`'s staked and locked stake. */
async function stakeOf(c: TasksFixture, validator: string) {
  const [staked, locked] = await c.staking.stakeOf(validator);
  return { staked, locked };
}

/** Posts the default task, submits as the worker, draws the panel and has it attest `votes`. */
async function provisional(c: TasksFixture, votes: (boolean | null)[]) {
  const taskId = await postDefaultTask(c);
  const { submissionId, panel } = await submitAndDraw(c, taskId);
  await attestVotes(c, submissionId, votes);
  return { taskId, submissionId, panel };
}

/** `disputer` approves the current arbitration fee and disputes; returns the arbitrator's dispute id. */
async function disputeAs(c: TasksFixture, disputer: HardhatEthersSigner, submissionId: bigint) {
  await (await c.token.connect(disputer).approve(c.registry, await c.arbitrator.fee())).wait();
  const receipt = await (await c.tasks.connect(disputer).dispute(submissionId)).wait();
  return eventArg(c, receipt, "SubmissionDisputed", "disputeId");
}

/** The excluded list an arbitrator receives: `abi.decode(extraData, (address[]))`. */
function decodeExcluded(extraData: string): string[] {
  const [excluded] = AbiCoder.defaultAbiCoder().decode(["address[]"], extraData);
  return [...(excluded as string[])];
}

async function setArbitrator(c: TasksFixture, arbitrator: string) {
  await asGovernance(c.timelock, async (timelock) => {
    await (await c.tasks.connect(timelock).setArbitrator(arbitrator)).wait();
  });
}

async function deploySecondArbitrator(c: TasksFixture) {
  const [deployer] = await hre.ethers.getSigners();
  return new MockArbitrator__factory(deployer).deploy(await c.token.getAddress(), ARBITRATION_FEE);
}

/**
 * With maxPanelRounds = 1, posts the default task and lets its one panel fail to agree (accept, reject, absent):
 * after closeRound the submission is NoAgreement and only escalation is left.
 */
async function noAgreement(c: TasksFixture) {
  await asGovernance(c.timelock, async (timelock) => {
    await (await c.tasks.connect(timelock).setParameter(encodeBytes32String("maxPanelRounds"), 1n)).wait();
  });
  const { taskId, submissionId, panel } = await provisional(c, [true, false, null]);
  expect((await c.tasks.getSubmission(submissionId)).status).to.equal(STATUS.Reviewing);
  await time.increaseTo((await c.tasks.getSubmission(submissionId)).reviewDeadline + 1n);
  await (await c.tasks.closeRound(submissionId)).wait();
  const sub = await c.tasks.getSubmission(submissionId);
  expect(sub.status).to.equal(STATUS.NoAgreement);
  return { taskId, submissionId, panel, escalateBy: sub.disputeDeadline };
}

async function escalateAs(c: TasksFixture, submissionId: bigint) {
  const receipt = await (await c.tasks.connect(c.worker).escalate(submissionId)).wait();
  return eventArg(c, receipt, "SubmissionDisputed", "disputeId");
}

describe("CorpusTasks: disputes and escalation", function () {
  describe("dispute()", function () {
    it("the requester disputing an accept verdict pays the 50 CRP fee to the arbitrator, leaves no allowance or CRP behind, emits SubmissionDisputed and makes the submission Disputed", async function () {
      const c = await tasksFixture();
      const { submissionId } = await provisional(c, [true, true, true]);
      await expectSolvent(c);
      const arbitrator = await c.arbitrator.getAddress();
      await (await c.token.connect(c.requester).approve(c.registry, ARBITRATION_FEE)).wait();
      const requesterBefore = await c.token.balanceOf(c.requester);
      const arbitratorBefore = await c.token.balanceOf(arbitrator);
      const registryBefore = await c.token.balanceOf(c.registry);

      await expect(c.tasks.connect(c.requester).dispute(submissionId))
        .to.emit(c.tasks, "SubmissionDisputed")
        .withArgs(submissionId, c.requester.address, arbitrator, 0n, ARBITRATION_FEE)
        .and.to.emit(c.arbitrator, "DisputeCreation")
        .withArgs(0n, c.registry);

      expect(await c.token.balanceOf(c.requester)).to.equal(requesterBefore - ARBITRATION_FEE);
      expect(await c.token.balanceOf(arbitrator)).to.equal(arbitratorBefore + ARBITRATION_FEE);
      expect(await c.token.balanceOf(c.registry)).to.equal(registryBefore);
      expect(await c.token.allowance(c.registry, arbitrator)).to.equal(0n);
      expect(await c.token.allowance(c.requester, c.registry)).to.equal(0n);
      const sub = await c.tasks.getSubmission(submissionId);
      expect(sub.status).to.equal(STATUS.Disputed);
      expect(sub.verdict).to.equal(RULING.accept);
      expect(sub.ruling).to.equal(RULING.none);
      await expectSolvent(c);
    });

    it("the worker disputing a reject verdict pays the fee, the arbitrator receives it, and the submission is Disputed", async function () {
      const c = await tasksFixture();
      const { submissionId } = await provisional(c, [false, false, true]);
      const arbitrator = await c.arbitrator.getAddress();
      await (await c.token.connect(c.worker).approve(c.registry, ARBITRATION_FEE)).wait();
      const workerBefore = await c.token.balanceOf(c.worker);
      const arbitratorBefore = await c.token.balanceOf(arbitrator);

      await expect(c.tasks.connect(c.worker).dispute(submissionId))
        .to.emit(c.tasks, "SubmissionDisputed")
        .withArgs(submissionId, c.worker.address, arbitrator, 0n, ARBITRATION_FEE);

      expect(await c.token.balanceOf(c.worker)).to.equal(workerBefore - ARBITRATION_FEE);
      expect(await c.token.balanceOf(arbitrator)).to.equal(arbitratorBefore + ARBITRATION_FEE);
      expect(await c.token.allowance(c.registry, arbitrator)).to.equal(0n);
      expect((await c.tasks.getSubmission(submissionId)).status).to.equal(STATUS.Disputed);
      await expectSolvent(c);
    });

    it("the arbitrator gets a funded 2-choice dispute whose extraData decodes to [worker, requester, ...panel] (parties in ruling order)", async function () {
      const c = await tasksFixture();
      const { submissionId, panel } = await provisional(c, [true, true, false]);
      const disputeId = await disputeAs(c, c.requester, submissionId);

      const d = await c.arbitrator.disputeOf(disputeId);
      expect(d.arbitrable).to.equal(c.registry);
      expect(d.choices).to.equal(2n);
      expect(d.funded).to.equal(true);
      expect(decodeExcluded(d.extraData)).to.deep.equal([c.worker.address, c.requester.address, ...panel]);
    });

    it("after an accept verdict the worker, a panel member and a stranger revert TasksNotLosingParty", async function () {
      const c = await tasksFixture();
      const { submissionId, panel } = await provisional(c, [true, true, false]);
      for (const caller of [c.worker, c.stranger, signerOf(c, seat(panel, 2))]) {
        await (await c.token.connect(caller).approve(c.registry, ARBITRATION_FEE)).wait();
        await expect(c.tasks.connect(caller).dispute(submissionId))
          .to.be.revertedWithCustomError(c.tasks, "TasksNotLosingParty")
          .withArgs(submissionId, caller.address);
      }
      expect((await c.tasks.getSubmission(submissionId)).status).to.equal(STATUS.Provisional);
    });

    it("after a reject verdict the requester and a stranger revert TasksNotLosingParty", async function () {
      const c = await tasksFixture();
      const { submissionId } = await provisional(c, [false, false, false]);
      for (const caller of [c.requester, c.stranger]) {
        await (await c.token.connect(caller).approve(c.registry, ARBITRATION_FEE)).wait();
        await expect(c.tasks.connect(caller).dispute(submissionId))
          .to.be.revertedWithCustomError(c.tasks, "TasksNotLosingParty")
          .withArgs(submissionId, caller.address);
      }
      expect((await c.tasks.getSubmission(submissionId)).status).to.equal(STATUS.Provisional);
    });

    it("outside Provisional (drawing, reviewing, already disputed, finalized, unknown id) dispute reverts TasksWrongStatus or TasksUnknownSubmission", async function () {
      const c = await tasksFixture();
      const taskId = await postDefaultTask(c);
      await (await c.token.connect(c.requester).approve(c.registry, 10n * ARBITRATION_FEE)).wait();
      await (await c.token.connect(c.worker).approve(c.registry, 10n * ARBITRATION_FEE)).wait();

      const drawing = await submitWork(c, c.otherWorker, taskId, "other.json");
      await expect(c.tasks.connect(c.requester).dispute(drawing))
        .to.be.revertedWithCustomError(c.tasks, "TasksWrongStatus")
        .withArgs(drawing, STATUS.Drawing);

      const { submissionId } = await submitAndDraw(c, taskId);
      await expect(c.tasks.connect(c.requester).dispute(submissionId))
        .to.be.revertedWithCustomError(c.tasks, "TasksWrongStatus")
        .withArgs(submissionId, STATUS.Reviewing);

      await attestVotes(c, submissionId, [true, true, true]);
      await (await c.tasks.connect(c.requester).dispute(submissionId)).wait();
      await expect(c.tasks.connect(c.requester).dispute(submissionId))
        .to.be.revertedWithCustomError(c.tasks, "TasksWrongStatus")
        .withArgs(submissionId, STATUS.Disputed);

      await expect(c.tasks.connect(c.requester).dispute(999n))
        .to.be.revertedWithCustomError(c.tasks, "TasksUnknownSubmission")
        .withArgs(999n);

      const other = await provisional(c, [true, true, true]);
      await time.increaseTo((await c.tasks.getSubmission(other.submissionId)).disputeDeadline + 1n);
      await (await c.tasks.finalize(other.submissionId)).wait();
      await expect(c.tasks.connect(c.requester).dispute(other.submissionId))
        .to.be.revertedWithCustomError(c.tasks, "TasksWrongStatus")
        .withArgs(other.submissionId, STATUS.Accepted);
      await expectSolvent(c);
    });

    it("at exactly the dispute deadline the losing party can still dispute", async function () {
      const c = await tasksFixture();
      const { submissionId } = await provisional(c, [false, false, false]);
      const { disputeDeadline } = await c.tasks.getSubmission(submissionId);
      await (await c.token.connect(c.worker).approve(c.registry, ARBITRATION_FEE)).wait();
      await time.setNextBlockTimestamp(disputeDeadline);
      await expect(c.tasks.connect(c.worker).dispute(submissionId)).to.emit(c.tasks, "SubmissionDisputed");
      expect((await c.tasks.getSubmission(submissionId)).status).to.equal(STATUS.Disputed);
    });

    it("one second after the dispute deadline dispute reverts TasksWindowClosed(submissionId, disputeDeadline)", async function () {
      const c = await tasksFixture();
      const { submissionId } = await provisional(c, [false, false, false]);
      const { disputeDeadline } = await c.tasks.getSubmission(submissionId);
      await (await c.token.connect(c.worker).approve(c.registry, ARBITRATION_FEE)).wait();
      await time.setNextBlockTimestamp(disputeDeadline + 1n);
      await expect(c.tasks.connect(c.worker).dispute(submissionId))
        .to.be.revertedWithCustomError(c.tasks, "TasksWindowClosed")
        .withArgs(submissionId, disputeDeadline);
      expect((await c.tasks.getSubmission(submissionId)).status).to.equal(STATUS.Provisional);
    });

    it("without the disputer's approval for the fee dispute reverts with the token's ERC20InsufficientAllowance", async function () {
      const c = await tasksFixture();
      const { submissionId } = await provisional(c, [true, true, true]);
      await expect(c.tasks.connect(c.requester).dispute(submissionId)).to.be.revertedWithCustomError(
        c.token,
        "ERC20InsufficientAllowance",
      );
      expect((await c.tasks.getSubmission(submissionId)).status).to.equal(STATUS.Provisional);
    });

    it("with a zero arbitration fee nothing is pulled and SubmissionDisputed reports a fee of 0", async function () {
      const c = await tasksFixture();
      const { submissionId } = await provisional(c, [true, true, true]);
      await (await c.arbitrator.setFee(0n)).wait();
      const before = await c.token.balanceOf(c.requester);
      await expect(c.tasks.connect(c.requester).dispute(submissionId))
        .to.emit(c.tasks, "SubmissionDisputed")
        .withArgs(submissionId, c.requester.address, await c.arbitrator.getAddress(), 0n, 0n);
      expect(await c.token.balanceOf(c.requester)).to.equal(before);
      await expectSolvent(c);
    });

    it("an arbitrator pulling 10 CRP less than approved: the allowance is reset to 0, the unpulled 10 CRP goes back to the disputer, the registry keeps nothing and SubmissionDisputed reports the 40 CRP actually paid", async function () {
      const c = await tasksFixture();
      const { submissionId } = await provisional(c, [true, true, true]);
      const short = 10n * CRP;
      await (await c.arbitrator.setPullShortBy(short)).wait();
      const arbitrator = await c.arbitrator.getAddress();
      await (await c.token.connect(c.requester).approve(c.registry, ARBITRATION_FEE)).wait();
      const requesterBefore = await c.token.balanceOf(c.requester);
      const arbitratorBefore = await c.token.balanceOf(arbitrator);
      const registryBefore = await c.token.balanceOf(c.registry);

      await expect(c.tasks.connect(c.requester).dispute(submissionId))
        .to.emit(c.tasks, "SubmissionDisputed")
        .withArgs(submissionId, c.requester.address, arbitrator, 0n, ARBITRATION_FEE - short);

      expect(await c.token.allowance(c.registry, arbitrator)).to.equal(0n);
      expect(await c.token.balanceOf(c.requester)).to.equal(requesterBefore - ARBITRATION_FEE + short);
      expect(await c.token.balanceOf(arbitrator)).to.equal(arbitratorBefore + ARBITRATION_FEE - short);
      expect(await c.token.balanceOf(c.registry)).to.equal(registryBefore);
      expect(await owedTo(c, c.requester.address)).to.equal(0n);
      await expectSolvent(c);

      await (await c.arbitrator.giveRuling(0n, RULING.accept)).wait();
      await (await c.tasks.finalize(submissionId)).wait();
      await expectSolvent(c);
    });

    it("with no arbitrator set (governance sets address(0)) dispute reverts TasksNoArbitrator", async function () {
      const c = await tasksFixture();
      const { submissionId } = await provisional(c, [true, true, true]);
      await setArbitrator(c, ZeroAddress);
      await (await c.token.connect(c.requester).approve(c.registry, ARBITRATION_FEE)).wait();
      await expect(c.tasks.connect(c.requester).dispute(submissionId)).to.be.revertedWithCustomError(
        c.tasks,
        "TasksNoArbitrator",
      );
      expect((await c.tasks.getSubmission(submissionId)).status).to.equal(STATUS.Provisional);
    });
  });

  describe("a dispute and the review window", function () {
    it("a dispute before the review deadline cuts the review short: the absent member can no longer attest and is not slashed the liveness penalty at finalization", async function () {
      const c = await tasksFixture();
      const { submissionId, panel } = await provisional(c, [true, true, null]);
      const absent = seat(panel, 2);
      const { reviewDeadline } = await c.tasks.getSubmission(submissionId);
      await disputeAs(c, c.requester, submissionId);
      const now = BigInt(await time.latest());
      expect(now).to.be.lessThan(reviewDeadline);
      expect((await c.tasks.getSubmission(submissionId)).reviewDeadline).to.equal(now);
      await expect(attestAs(c, submissionId, absent, true))
        .to.be.revertedWithCustomError(c.tasks, "TasksWrongStatus")
        .withArgs(submissionId, STATUS.Disputed);

      await (await c.arbitrator.giveRuling(0n, RULING.accept)).wait();
      await expect(c.tasks.finalize(submissionId))
        .to.emit(c.tasks, "PanelSettled")
        .withArgs(submissionId, 0n, 0b011n, VALIDATOR_FEE / 2n, 0n)
        .and.not.to.emit(c.staking, "Slashed");
      expect(await stakeOf(c, absent)).to.deep.equal({ staked: VALIDATOR_STAKE, locked: 0n });
      expect(await owedTo(c, absent)).to.equal(0n);
      expect((await c.tasks.getSubmission(submissionId)).status).to.equal(STATUS.Accepted);
      await expectSolvent(c);
    });

    it("a dispute after the review deadline excuses no one: the absent member is slashed the 100 CRP liveness penalty to the treasury at finalization", async function () {
      const c = await tasksFixture();
      const { submissionId, panel } = await provisional(c, [true, true, null]);
      const absent = seat(panel, 2);
      const { reviewDeadline, disputeDeadline } = await c.tasks.getSubmission(submissionId);
      await time.increaseTo(reviewDeadline + 1n);
      expect(reviewDeadline + 1n).to.be.lessThan(disputeDeadline);
      await disputeAs(c, c.requester, submissionId);
      expect((await c.tasks.getSubmission(submissionId)).reviewDeadline).to.equal(reviewDeadline);

      await (await c.arbitrator.giveRuling(0n, RULING.accept)).wait();
      const treasury = await c.timelock.getAddress();
      const reward = (LIVENESS_PENALTY * SLASH_REWARD_BPS) / 10_000n;
      await expect(c.tasks.finalize(submissionId))
        .to.emit(c.staking, "Slashed")
        .withArgs(absent, c.registry, treasury, LIVENESS_PENALTY, reward, LIVENESS_PENALTY - reward)
        .and.to.emit(c.tasks, "PanelSettled")
        .withArgs(submissionId, 0n, 0b011n, VALIDATOR_FEE / 2n, 0b100n);
      expect(await stakeOf(c, absent)).to.deep.equal({ staked: VALIDATOR_STAKE - LIVENESS_PENALTY, locked: 0n });
      await expectSolvent(c);
    });
  });

  describe("rule()", function () {
    it("a stranger calling rule reverts TasksUnknownDispute(stranger, disputeId)", async function () {
      const c = await tasksFixture();
      const { submissionId } = await provisional(c, [true, true, true]);
      const disputeId = await disputeAs(c, c.requester, submissionId);
      await expect(c.tasks.connect(c.stranger).rule(disputeId, RULING.reject))
        .to.be.revertedWithCustomError(c.tasks, "TasksUnknownDispute")
        .withArgs(c.stranger.address, disputeId);
      expect((await c.tasks.getSubmission(submissionId)).status).to.equal(STATUS.Disputed);
    });

    it("a second MockArbitrator calling rule with the first one's dispute id reverts TasksUnknownDispute(second, disputeId)", async function () {
      const c = await tasksFixture();
      const { submissionId } = await provisional(c, [true, true, true]);
      const disputeId = await disputeAs(c, c.requester, submissionId);
      const second = await deploySecondArbitrator(c);
      const secondAddress = await second.getAddress();
      await asAccount(secondAddress, async (signer) => {
        await expect(c.tasks.connect(signer).rule(disputeId, RULING.reject))
          .to.be.revertedWithCustomError(c.tasks, "TasksUnknownDispute")
          .withArgs(secondAddress, disputeId);
      });
      expect((await c.tasks.getSubmission(submissionId)).status).to.equal(STATUS.Disputed);
    });

    it("a ruling above 2 reverts TasksInvalidRuling and leaves the dispute open for a valid ruling", async function () {
      const c = await tasksFixture();
      const { submissionId } = await provisional(c, [true, true, true]);
      const disputeId = await disputeAs(c, c.requester, submissionId);
      await expect(c.arbitrator.giveRuling(disputeId, 3n))
        .to.be.revertedWithCustomError(c.tasks, "TasksInvalidRuling")
        .withArgs(3n);
      expect((await c.tasks.getSubmission(submissionId)).status).to.equal(STATUS.Disputed);
      await expect(c.arbitrator.giveRuling(disputeId, RULING.reject)).to.emit(c.tasks, "Ruling");
    });

    it("the holding arbitrator's ruling emits Ruling, makes the submission Ruled and pays nothing by itself; a second ruling reverts TasksUnknownDispute", async function () {
      const c = await tasksFixture();
      const { submissionId, panel } = await provisional(c, [true, true, false]);
      const disputeId = await disputeAs(c, c.requester, submissionId);
      const arbitrator = await c.arbitrator.getAddress();
      const watched = [c.worker.address, c.requester.address, ...panel];
      const tokensBefore = await Promise.all(watched.map((a) => c.token.balanceOf(a)));
      const registryBefore = await c.token.balanceOf(c.registry);
      const taskBefore = await c.tasks.getTask(1n);

      await expect(c.arbitrator.giveRuling(disputeId, RULING.reject))
        .to.emit(c.tasks, "Ruling")
        .withArgs(arbitrator, disputeId, RULING.reject)
        .and.not.to.emit(c.staking, "Slashed")
        .and.not.to.emit(c.tasks, "SubmissionFinalized");

      const sub = await c.tasks.getSubmission(submissionId);
      expect(sub.status).to.equal(STATUS.Ruled);
      expect(sub.ruling).to.equal(RULING.reject);
      expect(sub.verdict).to.equal(RULING.accept);
      expect(await Promise.all(watched.map((a) => c.token.balanceOf(a)))).to.deep.equal(tokensBefore);
      expect(await Promise.all(watched.map((a) => owedTo(c, a)))).to.deep.equal(watched.map(() => 0n));
      expect(await c.token.balanceOf(c.registry)).to.equal(registryBefore);
      expect(await c.tasks.getTask(1n)).to.deep.equal(taskBefore);
      for (const member of panel) expect((await stakeOf(c, member)).locked).to.equal(REVIEW_STAKE);
      await expectSolvent(c);

      await expect(c.arbitrator.giveRuling(disputeId, RULING.accept))
        .to.be.revertedWithCustomError(c.tasks, "TasksUnknownDispute")
        .withArgs(arbitrator, disputeId);
      expect((await c.tasks.getSubmission(submissionId)).ruling).to.equal(RULING.reject);
    });
  });

  describe("finalize after a ruling", function () {
    it("a ruling upholding a 2-1 accept: Accepted, the worker gets reward and bond, the two accepting members share the validator fee, no one is slashed", async function () {
      const c = await tasksFixture();
      const { taskId, submissionId, panel } = await provisional(c, [true, true, false]);
      await disputeAs(c, c.requester, submissionId);
      await (await c.arbitrator.giveRuling(0n, RULING.accept)).wait();
      await expectSolvent(c);

      await expect(c.tasks.finalize(submissionId))
        .to.emit(c.tasks, "PanelSettled")
        .withArgs(submissionId, 0n, 0b011n, VALIDATOR_FEE / 2n, 0n)
        .and.to.emit(c.tasks, "SubmissionFinalized")
        .withArgs(submissionId, taskId, STATUS.Accepted, REWARD + BOND, 0n)
        .and.not.to.emit(c.staking, "Slashed");

      expect((await c.tasks.getSubmission(submissionId)).status).to.equal(STATUS.Accepted);
      expect(await owedTo(c, c.worker.address)).to.equal(REWARD + BOND);
      expect(await owedTo(c, seat(panel, 0))).to.equal(VALIDATOR_FEE / 2n);
      expect(await owedTo(c, seat(panel, 1))).to.equal(VALIDATOR_FEE / 2n);
      expect(await owedTo(c, seat(panel, 2))).to.equal(0n);
      for (const member of panel) {
        expect(await stakeOf(c, member)).to.deep.equal({ staked: VALIDATOR_STAKE, locked: 0n });
      }
      const task = await c.tasks.getTask(taskId);
      expect(task.accepted).to.equal(1n);
      expect(task.unsweptProtocolFees).to.equal(PROTOCOL_FEE);
      await expectSolvent(c);
    });

    it("a ruling overturning a 2-1 accept to reject: the accepting members lose their whole 1,000 CRP review stake (25% to the requester), the rejecting member gets the whole validator fee, the bond goes to the requester and the slot is freed", async function () {
      const c = await tasksFixture();
      const { taskId, submissionId, panel } = await provisional(c, [true, true, false]);
      await disputeAs(c, c.requester, submissionId);
      await (await c.arbitrator.giveRuling(0n, RULING.reject)).wait();
      const requesterTokens = await c.token.balanceOf(c.requester);
      const slashReward = (REVIEW_STAKE * SLASH_REWARD_BPS) / 10_000n;

      await expect(c.tasks.finalize(submissionId))
        .to.emit(c.staking, "Slashed")
        .withArgs(
          seat(panel, 0),
          c.registry,
          c.requester.address,
          REVIEW_STAKE,
          slashReward,
          REVIEW_STAKE - slashReward,
        )
        .and.to.emit(c.staking, "Slashed")
        .withArgs(
          seat(panel, 1),
          c.registry,
          c.requester.address,
          REVIEW_STAKE,
          slashReward,
          REVIEW_STAKE - slashReward,
        )
        .and.to.emit(c.tasks, "PanelSettled")
        .withArgs(submissionId, 0n, 0b100n, VALIDATOR_FEE, 0b011n)
        .and.to.emit(c.tasks, "SubmissionFinalized")
        .withArgs(submissionId, taskId, STATUS.Rejected, 0n, BOND);

      expect((await c.tasks.getSubmission(submissionId)).status).to.equal(STATUS.Rejected);
      expect(await c.token.balanceOf(c.requester)).to.equal(requesterTokens + 2n * slashReward);
      expect(await owedTo(c, c.requester.address)).to.equal(BOND);
      expect(await owedTo(c, c.worker.address)).to.equal(0n);
      expect(await owedTo(c, seat(panel, 2))).to.equal(VALIDATOR_FEE);
      expect(await owedTo(c, seat(panel, 0))).to.equal(0n);
      expect(await owedTo(c, seat(panel, 1))).to.equal(0n);
      expect(await stakeOf(c, seat(panel, 0))).to.deep.equal({ staked: VALIDATOR_STAKE - REVIEW_STAKE, locked: 0n });
      expect(await stakeOf(c, seat(panel, 1))).to.deep.equal({ staked: VALIDATOR_STAKE - REVIEW_STAKE, locked: 0n });
      expect(await stakeOf(c, seat(panel, 2))).to.deep.equal({ staked: VALIDATOR_STAKE, locked: 0n });
      expect((await c.tasks.workerRecord(c.worker)).rejected).to.equal(1n);

      // The slot and the reward and protocol fee are back with the task; the worker may submit again.
      const task = await c.tasks.getTask(taskId);
      expect(task.pending).to.equal(0n);
      expect(task.accepted).to.equal(0n);
      expect(task.funds).to.equal(ESCROW - VALIDATOR_FEE);
      await expectSolvent(c);
      const again = await submitWork(c, c.worker, taskId, "again.json");
      expect((await c.tasks.getSubmission(again)).status).to.equal(STATUS.Drawing);
      await expectSolvent(c);
    });

    it("a ruling overturning a 2-1 reject to accept: the rejecting members lose their review stake (25% to the worker), the accepting member gets the whole validator fee, the worker is paid", async function () {
      const c = await tasksFixture();
      const { taskId, submissionId, panel } = await provisional(c, [false, false, true]);
      await disputeAs(c, c.worker, submissionId);
      await (await c.arbitrator.giveRuling(0n, RULING.accept)).wait();
      const workerTokens = await c.token.balanceOf(c.worker);
      const slashReward = (REVIEW_STAKE * SLASH_REWARD_BPS) / 10_000n;

      await expect(c.tasks.finalize(submissionId))
        .to.emit(c.staking, "Slashed")
        .withArgs(seat(panel, 0), c.registry, c.worker.address, REVIEW_STAKE, slashReward, REVIEW_STAKE - slashReward)
        .and.to.emit(c.tasks, "PanelSettled")
        .withArgs(submissionId, 0n, 0b100n, VALIDATOR_FEE, 0b011n)
        .and.to.emit(c.tasks, "SubmissionFinalized")
        .withArgs(submissionId, taskId, STATUS.Accepted, REWARD + BOND, 0n);

      expect(await c.token.balanceOf(c.worker)).to.equal(workerTokens + 2n * slashReward);
      expect(await owedTo(c, c.worker.address)).to.equal(REWARD + BOND);
      expect(await owedTo(c, seat(panel, 2))).to.equal(VALIDATOR_FEE);
      expect(await stakeOf(c, seat(panel, 1))).to.deep.equal({ staked: VALIDATOR_STAKE - REVIEW_STAKE, locked: 0n });
      expect(await c.tasks.acceptedCount(taskId, c.worker)).to.equal(1n);
      await expectSolvent(c);
    });

    it("ruling 0 keeps the provisional verdict: a disputed 2-1 reject becomes Rejected, the rejecting members share the fee and the dissenter is not slashed", async function () {
      const c = await tasksFixture();
      const { taskId, submissionId, panel } = await provisional(c, [false, false, true]);
      await disputeAs(c, c.worker, submissionId);
      await expect(c.arbitrator.giveRuling(0n, RULING.none))
        .to.emit(c.tasks, "Ruling")
        .withArgs(await c.arbitrator.getAddress(), 0n, RULING.none);
      expect((await c.tasks.getSubmission(submissionId)).status).to.equal(STATUS.Ruled);

      await expect(c.tasks.finalize(submissionId))
        .to.emit(c.tasks, "PanelSettled")
        .withArgs(submissionId, 0n, 0b011n, VALIDATOR_FEE / 2n, 0n)
        .and.to.emit(c.tasks, "SubmissionFinalized")
        .withArgs(submissionId, taskId, STATUS.Rejected, 0n, BOND)
        .and.not.to.emit(c.staking, "Slashed");
      expect(await owedTo(c, c.requester.address)).to.equal(BOND);
      expect(await owedTo(c, seat(panel, 0))).to.equal(VALIDATOR_FEE / 2n);
      expect(await owedTo(c, seat(panel, 2))).to.equal(0n);
      for (const member of panel) {
        expect(await stakeOf(c, member)).to.deep.equal({ staked: VALIDATOR_STAKE, locked: 0n });
      }
      await expectSolvent(c);
    });

    it("ruling 0 on a disputed accept keeps it Accepted and pays the worker", async function () {
      const c = await tasksFixture();
      const { taskId, submissionId } = await provisional(c, [true, true, true]);
      await disputeAs(c, c.requester, submissionId);
      await (await c.arbitrator.giveRuling(0n, RULING.none)).wait();
      await expect(c.tasks.finalize(submissionId))
        .to.emit(c.tasks, "SubmissionFinalized")
        .withArgs(submissionId, taskId, STATUS.Accepted, REWARD + BOND, 0n)
        .and.not.to.emit(c.staking, "Slashed");
      await expectSolvent(c);
    });

    it("finalize while Disputed (before the ruling) reverts TasksWindowOpen(id, dispute time + RULING_TIMEOUT), and a finalized submission cannot be finalized again", async function () {
      const c = await tasksFixture();
      const { submissionId } = await provisional(c, [true, true, true]);
      await disputeAs(c, c.requester, submissionId);
      const rulingBy = BigInt(await time.latest()) + (await c.tasks.RULING_TIMEOUT());
      expect((await c.tasks.getSubmission(submissionId)).disputeDeadline).to.equal(rulingBy);
      await expect(c.tasks.finalize(submissionId))
        .to.be.revertedWithCustomError(c.tasks, "TasksWindowOpen")
        .withArgs(submissionId, rulingBy);
      await (await c.arbitrator.giveRuling(0n, RULING.reject)).wait();
      await (await c.tasks.finalize(submissionId)).wait();
      await expect(c.tasks.finalize(submissionId))
        .to.be.revertedWithCustomError(c.tasks, "TasksWrongStatus")
        .withArgs(submissionId, STATUS.Rejected);
      await expectSolvent(c);
    });
  });

  describe("escalate()", function () {
    it("after the final round ends without agreement, the requester, a panel member and a stranger revert TasksNotLosingParty", async function () {
      const c = await tasksFixture();
      const { submissionId, panel } = await noAgreement(c);
      for (const caller of [c.requester, c.stranger, signerOf(c, seat(panel, 0))]) {
        await expect(c.tasks.connect(caller).escalate(submissionId))
          .to.be.revertedWithCustomError(c.tasks, "TasksNotLosingParty")
          .withArgs(submissionId, caller.address);
      }
      expect((await c.tasks.getSubmission(submissionId)).status).to.equal(STATUS.NoAgreement);
    });

    it("the worker's escalation creates an unfunded dispute: no CRP moves, SubmissionDisputed reports a fee of 0, status Disputed", async function () {
      const c = await tasksFixture();
      const { submissionId, panel } = await noAgreement(c);
      await expectSolvent(c);
      const arbitrator = await c.arbitrator.getAddress();
      const workerBefore = await c.token.balanceOf(c.worker);
      const arbitratorBefore = await c.token.balanceOf(arbitrator);

      await expect(c.tasks.connect(c.worker).escalate(submissionId))
        .to.emit(c.tasks, "SubmissionDisputed")
        .withArgs(submissionId, c.worker.address, arbitrator, 0n, 0n);

      const d = await c.arbitrator.disputeOf(0n);
      expect(d.funded).to.equal(false);
      expect(d.choices).to.equal(2n);
      expect(decodeExcluded(d.extraData)).to.deep.equal([c.worker.address, c.requester.address, ...panel]);
      expect(await c.token.balanceOf(c.worker)).to.equal(workerBefore);
      expect(await c.token.balanceOf(arbitrator)).to.equal(arbitratorBefore);
      expect((await c.tasks.getSubmission(submissionId)).status).to.equal(STATUS.Disputed);
      await expectSolvent(c);
    });

    it("escalate works at exactly the escalate deadline", async function () {
      const c = await tasksFixture();
      const { submissionId, escalateBy } = await noAgreement(c);
      await time.setNextBlockTimestamp(escalateBy);
      await expect(c.tasks.connect(c.worker).escalate(submissionId)).to.emit(c.tasks, "SubmissionDisputed");
    });

    it("one second after the escalate deadline escalate reverts TasksWindowClosed, and finalize voids the submission instead", async function () {
      const c = await tasksFixture();
      const { taskId, submissionId, escalateBy } = await noAgreement(c);
      await time.setNextBlockTimestamp(escalateBy + 1n);
      await expect(c.tasks.connect(c.worker).escalate(submissionId))
        .to.be.revertedWithCustomError(c.tasks, "TasksWindowClosed")
        .withArgs(submissionId, escalateBy);
      await expect(c.tasks.finalize(submissionId))
        .to.emit(c.tasks, "SubmissionFinalized")
        .withArgs(submissionId, taskId, STATUS.Voided, BOND, 0n);
      await expectSolvent(c);
    });

    it("escalate outside NoAgreement (a provisional verdict, or a no-agreement round that is not the last) reverts TasksWrongStatus; dispute after no agreement does too", async function () {
      const c = await tasksFixture();
      const { submissionId } = await provisional(c, [false, false, false]);
      await expect(c.tasks.connect(c.worker).escalate(submissionId))
        .to.be.revertedWithCustomError(c.tasks, "TasksWrongStatus")
        .withArgs(submissionId, STATUS.Provisional);

      // maxPanelRounds is 3 by default: a first failed round leads to a redraw, not to escalation.
      const taskId = await postDefaultTask(c);
      const { submissionId: redraw } = await submitAndDraw(c, taskId, c.otherWorker, "redraw.json");
      await attestVotes(c, redraw, [true, false, null]);
      await time.increaseTo((await c.tasks.getSubmission(redraw)).reviewDeadline + 1n);
      await (await c.tasks.closeRound(redraw)).wait();
      await expect(c.tasks.connect(c.otherWorker).escalate(redraw))
        .to.be.revertedWithCustomError(c.tasks, "TasksWrongStatus")
        .withArgs(redraw, STATUS.Drawing);

      const failed = await noAgreement(c);
      await (await c.token.connect(c.worker).approve(c.registry, ARBITRATION_FEE)).wait();
      await expect(c.tasks.connect(c.worker).dispute(failed.submissionId))
        .to.be.revertedWithCustomError(c.tasks, "TasksWrongStatus")
        .withArgs(failed.submissionId, STATUS.NoAgreement);
    });

    it("with no arbitrator set escalate reverts TasksNoArbitrator", async function () {
      const c = await tasksFixture();
      const { submissionId } = await noAgreement(c);
      await setArbitrator(c, ZeroAddress);
      await expect(c.tasks.connect(c.worker).escalate(submissionId)).to.be.revertedWithCustomError(
        c.tasks,
        "TasksNoArbitrator",
      );
    });

    it("ruling accept after an escalation: Accepted, the worker gets reward and bond, the validator fee goes back to the task (no panel earned it), the protocol fee stays unswept", async function () {
      const c = await tasksFixture();
      const { taskId, submissionId, panel } = await noAgreement(c);
      const disputeId = await escalateAs(c, submissionId);
      await (await c.arbitrator.giveRuling(disputeId, RULING.accept)).wait();
      const fundsBefore = (await c.tasks.getTask(taskId)).funds;
      expect(fundsBefore).to.equal(ESCROW - RESERVATION);
      const panelOwed = await Promise.all(panel.map((m) => owedTo(c, m)));

      await expect(c.tasks.finalize(submissionId))
        .to.emit(c.tasks, "SubmissionFinalized")
        .withArgs(submissionId, taskId, STATUS.Accepted, REWARD + BOND, 0n)
        .and.not.to.emit(c.tasks, "PanelSettled")
        .and.not.to.emit(c.staking, "Slashed");

      expect(await owedTo(c, c.worker.address)).to.equal(REWARD + BOND);
      expect(await Promise.all(panel.map((m) => owedTo(c, m)))).to.deep.equal(panelOwed);
      const task = await c.tasks.getTask(taskId);
      expect(task.funds).to.equal(fundsBefore + VALIDATOR_FEE);
      expect(task.unsweptProtocolFees).to.equal(PROTOCOL_FEE);
      expect(task.accepted).to.equal(1n);
      expect(task.pending).to.equal(0n);
      await expectSolvent(c);
      await (await c.tasks.sweepProtocolFees(taskId)).wait();
      await expectSolvent(c);
    });

    it("ruling reject after an escalation: Rejected, the bond goes to the requester, reward and both fees go back to the task", async function () {
      const c = await tasksFixture();
      const { taskId, submissionId } = await noAgreement(c);
      const disputeId = await escalateAs(c, submissionId);
      await (await c.arbitrator.giveRuling(disputeId, RULING.reject)).wait();

      await expect(c.tasks.finalize(submissionId))
        .to.emit(c.tasks, "SubmissionFinalized")
        .withArgs(submissionId, taskId, STATUS.Rejected, 0n, BOND)
        .and.not.to.emit(c.staking, "Slashed");

      expect(await owedTo(c, c.requester.address)).to.equal(BOND);
      expect(await owedTo(c, c.worker.address)).to.equal(0n);
      const task = await c.tasks.getTask(taskId);
      expect(task.funds).to.equal(ESCROW);
      expect(task.unsweptProtocolFees).to.equal(0n);
      expect((await c.tasks.workerRecord(c.worker)).rejected).to.equal(1n);
      await expectSolvent(c);
    });

    it("ruling 0 after an escalation: Voided, the bond goes back to the worker, the whole reservation back to the task", async function () {
      const c = await tasksFixture();
      const { taskId, submissionId } = await noAgreement(c);
      const disputeId = await escalateAs(c, submissionId);
      await (await c.arbitrator.giveRuling(disputeId, RULING.none)).wait();

      await expect(c.tasks.finalize(submissionId))
        .to.emit(c.tasks, "SubmissionFinalized")
        .withArgs(submissionId, taskId, STATUS.Voided, BOND, 0n);

      expect(await owedTo(c, c.worker.address)).to.equal(BOND);
      expect(await owedTo(c, c.requester.address)).to.equal(0n);
      expect((await c.tasks.getTask(taskId)).funds).to.equal(ESCROW);
      const [accepted, rejected] = await c.tasks.workerRecord(c.worker);
      expect([accepted, rejected]).to.deep.equal([0n, 0n]);
      await expectSolvent(c);
    });
  });

  describe("governance switches the arbitrator during a dispute", function () {
    it("the old arbitrator still rules and finalize applies it; the new arbitrator cannot rule on the old dispute, and its own dispute with the same id goes to its own submission", async function () {
      const c = await tasksFixture();
      const taskId = await postDefaultTask(c);
      const first = await submitAndDraw(c, taskId);
      await attestVotes(c, first.submissionId, [true, true, true]);
      const oldId = await disputeAs(c, c.requester, first.submissionId);
      const oldArbitrator = await c.arbitrator.getAddress();

      const second = await deploySecondArbitrator(c);
      const newArbitrator = await second.getAddress();
      await setArbitrator(c, newArbitrator);
      const [, , , , , , current] = await c.tasks.parameters();
      expect(current).to.equal(newArbitrator);

      await asAccount(newArbitrator, async (signer) => {
        await expect(c.tasks.connect(signer).rule(oldId, RULING.reject))
          .to.be.revertedWithCustomError(c.tasks, "TasksUnknownDispute")
          .withArgs(newArbitrator, oldId);
      });

      // A new dispute goes to the new arbitrator; its id 0 is a different dispute from the old arbitrator's 0.
      const other = await submitAndDraw(c, taskId, c.otherWorker, "other.json");
      await attestVotes(c, other.submissionId, [false, false, false]);
      await (await c.token.connect(c.otherWorker).approve(c.registry, ARBITRATION_FEE)).wait();
      await expect(c.tasks.connect(c.otherWorker).dispute(other.submissionId))
        .to.emit(c.tasks, "SubmissionDisputed")
        .withArgs(other.submissionId, c.otherWorker.address, newArbitrator, 0n, ARBITRATION_FEE);
      expect(oldId).to.equal(0n);
      await expectSolvent(c);

      await (await second.giveRuling(0n, RULING.accept)).wait();
      expect((await c.tasks.getSubmission(other.submissionId)).status).to.equal(STATUS.Ruled);
      expect((await c.tasks.getSubmission(first.submissionId)).status).to.equal(STATUS.Disputed);

      await expect(c.arbitrator.giveRuling(oldId, RULING.reject))
        .to.emit(c.tasks, "Ruling")
        .withArgs(oldArbitrator, oldId, RULING.reject);
      await expect(c.tasks.finalize(first.submissionId))
        .to.emit(c.tasks, "SubmissionFinalized")
        .withArgs(first.submissionId, taskId, STATUS.Rejected, 0n, BOND);
      await expect(c.tasks.finalize(other.submissionId))
        .to.emit(c.tasks, "SubmissionFinalized")
        .withArgs(other.submissionId, taskId, STATUS.Accepted, REWARD + BOND, 0n);
      await expectSolvent(c);
    });

    it("after governance removes the arbitrator (address(0)) the arbitrator holding a dispute can still rule on it", async function () {
      const c = await tasksFixture();
      const { taskId, submissionId } = await provisional(c, [false, false, false]);
      const disputeId = await disputeAs(c, c.worker, submissionId);
      await setArbitrator(c, ZeroAddress);
      await (await c.arbitrator.giveRuling(disputeId, RULING.accept)).wait();
      await expect(c.tasks.finalize(submissionId))
        .to.emit(c.tasks, "SubmissionFinalized")
        .withArgs(submissionId, taskId, STATUS.Accepted, REWARD + BOND, 0n);
      await expectSolvent(c);
    });
  });

  describe("an arbitrator that never rules", function () {
    it("the submission stays Disputed until the ruling timeout (reservation, bond and the panel's locks held; finalize refused at the last second), then anyone voids it: bond back, panel unlocked unslashed, escrow released; a late ruling changes nothing", async function () {
      const c = await tasksFixture();
      const { taskId, submissionId, panel } = await provisional(c, [true, true, true]);
      await disputeAs(c, c.requester, submissionId);
      const rulingBy = (await c.tasks.getSubmission(submissionId)).disputeDeadline;

      await time.setNextBlockTimestamp(rulingBy);
      await expect(c.tasks.finalize(submissionId))
        .to.be.revertedWithCustomError(c.tasks, "TasksWindowOpen")
        .withArgs(submissionId, rulingBy);
      expect((await c.tasks.getSubmission(submissionId)).status).to.equal(STATUS.Disputed);
      for (const member of panel) expect((await stakeOf(c, member)).locked).to.equal(REVIEW_STAKE);

      // The task's deadline has passed meanwhile: its free escrow is refundable all along.
      const free = ESCROW - RESERVATION;
      await expect(c.tasks.refund(taskId)).to.emit(c.tasks, "TaskRefunded").withArgs(taskId, c.requester.address, free);
      await expectSolvent(c);

      // One second later anyone voids it; the task is closed, so the whole reservation goes to the requester.
      await expect(c.tasks.connect(c.stranger).finalize(submissionId))
        .to.emit(c.tasks, "SubmissionFinalized")
        .withArgs(submissionId, taskId, STATUS.Voided, BOND, RESERVATION)
        .and.not.to.emit(c.staking, "Slashed");
      for (const member of panel) expect((await stakeOf(c, member)).locked).to.equal(0n);
      expect(await owedTo(c, c.worker.address)).to.equal(BOND);
      expect(await owedTo(c, c.requester.address)).to.equal(free + RESERVATION);
      await expectSolvent(c);

      // The arbitrator's late ruling is recorded as an event but changes nothing.
      await expect(c.arbitrator.giveRuling(0n, RULING.accept)).to.emit(c.tasks, "Ruling");
      expect((await c.tasks.getSubmission(submissionId)).status).to.equal(STATUS.Voided);
      await expectSolvent(c);
    });

    it("an escalation the arbitrator never rules on is voided after the ruling timeout: bond back, escrow back to the task, no panel settled again", async function () {
      const c = await tasksFixture();
      const { taskId, submissionId } = await noAgreement(c);
      await escalateAs(c, submissionId);
      const rulingBy = (await c.tasks.getSubmission(submissionId)).disputeDeadline;
      await time.increaseTo(rulingBy + 1n);
      const fundsBefore = (await c.tasks.getTask(taskId)).funds;
      await expect(c.tasks.connect(c.stranger).finalize(submissionId))
        .to.emit(c.tasks, "SubmissionFinalized")
        .withArgs(submissionId, taskId, STATUS.Voided, BOND, RESERVATION)
        .and.not.to.emit(c.tasks, "PanelSettled");
      // The task's deadline passed during the wait, so the reservation went straight to the requester.
      expect((await c.tasks.getTask(taskId)).funds).to.equal(fundsBefore);
      expect(await owedTo(c, c.requester.address)).to.equal(RESERVATION);
      await expectSolvent(c);
    });

    it("cancelling an open task while a dispute is pending refunds the free escrow at once; a late ruling's release goes straight to the requester", async function () {
      const c = await tasksFixture();
      const { taskId, submissionId } = await provisional(c, [true, true, true]);
      await disputeAs(c, c.requester, submissionId);

      const free = ESCROW - RESERVATION;
      await expect(c.tasks.connect(c.requester).cancelTask(taskId))
        .to.emit(c.tasks, "TaskRefunded")
        .withArgs(taskId, c.requester.address, free);
      expect(await owedTo(c, c.requester.address)).to.equal(free);
      await expectSolvent(c);

      await (await c.arbitrator.giveRuling(0n, RULING.reject)).wait();
      await expect(c.tasks.finalize(submissionId))
        .to.emit(c.tasks, "SubmissionFinalized")
        .withArgs(submissionId, taskId, STATUS.Rejected, 0n, RESERVATION + BOND);
      // The panel accepted 3-0 and was overturned: no coherent member, so the validator fee is released too.
      expect(await owedTo(c, c.requester.address)).to.equal(free + RESERVATION + BOND);
      expect((await c.tasks.getTask(taskId)).funds).to.equal(0n);
      await expectSolvent(c);
    });
  });
});
