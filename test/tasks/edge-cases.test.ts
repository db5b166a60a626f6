import { expect } from "chai";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { encodeBytes32String } from "ethers";
import { asGovernance } from "../../scripts/lib/impersonate";
import { BlockingToken__factory } from "../../sdk/src/typechain";
import { DAY } from "../helpers/fixtures";
import { stakeState } from "../helpers/staking";
import {
  LIVENESS_PENALTY,
  RULING,
  STATUS,
  attestVotes,
  defaultTaskParams,
  eventArg,
  expectSolvent,
  postDefaultTask,
  postTask,
  submitAndDraw,
  tasksFixture,
  type TasksFixture,
} from "../helpers/tasks";

/** The largest reward and bond a task takes. */
const MAX_AMOUNT = 2n ** 96n - 1n;

async function setParameter(c: TasksFixture, name: string, value: bigint) {
  await asGovernance(c.timelock, async (timelock) => {
    await (await c.tasks.connect(timelock).setParameter(encodeBytes32String(name), value)).wait();
  });
}

/** `disputer` approves the arbitration fee and disputes; returns the arbitrator's dispute id. */
async function disputeAs(c: TasksFixture, disputer: TasksFixture["requester"], submissionId: bigint) {
  await (await c.token.connect(disputer).approve(c.registry, await c.arbitrator.fee())).wait();
  const receipt = await (await c.tasks.connect(disputer).dispute(submissionId)).wait();
  return eventArg(c, receipt, "SubmissionDisputed", "disputeId");
}

/**
 * A task paying MAX_AMOUNT per submission at the highest fee rates governance may set (20% + 10%), in a
 * plain allowlisted token: the arithmetic of every payout path at its widest.
 */
async function maxRewardTask(c: TasksFixture) {
  await setParameter(c, "validatorFeeBps", 2_000n);
  await setParameter(c, "protocolFeeBps", 1_000n);
  const token = await new BlockingToken__factory(c.deployer).deploy(2n ** 128n);
  const address = await token.getAddress();
  await asGovernance(c.timelock, async (timelock) => {
    await (await c.tasks.connect(timelock).setTokenAllowed(address, true)).wait();
  });
  await (await token.transfer(c.requester.address, 2n ** 100n)).wait();
  await (await token.transfer(c.worker.address, 2n ** 100n)).wait();
  const params = await defaultTaskParams(c, { token: address, reward: MAX_AMOUNT, workerBond: MAX_AMOUNT, slots: 2n });
  const taskId = await postTask(c, c.requester, params);
  return { token: address, taskId };
}

describe("CorpusTasks: edge cases found in review", function () {
  describe("a reward of MAX_AMOUNT at the highest fee rates", function () {
    for (const [title, votes, outcome] of [
      ["accepted", [true, true, true], STATUS.Accepted],
      ["rejected", [false, false, false], STATUS.Rejected],
    ] as const) {
      it(`is ${title} and finalized without overflow; every amount stays exact`, async function () {
        const c = await tasksFixture();
        const { token, taskId } = await maxRewardTask(c);
        const { submissionId, panel } = await submitAndDraw(c, taskId);
        await attestVotes(c, submissionId, [...votes]);
        await time.increase(3 * DAY);
        await expect(c.tasks.finalize(submissionId))
          .to.emit(c.tasks, "SubmissionFinalized")
          .withArgs(
            submissionId,
            taskId,
            outcome,
            outcome === STATUS.Accepted ? 2n * MAX_AMOUNT : 0n,
            outcome === STATUS.Accepted ? 0n : MAX_AMOUNT,
          );
        const fee = (MAX_AMOUNT * 2_000n) / 10_000n;
        for (const member of panel) expect(await c.tasks.balanceOf(token, member)).to.equal(fee / 3n);
        await expectSolvent(c, token);
      });
    }

    it("is overturned by the arbitrator and finalized without overflow", async function () {
      const c = await tasksFixture();
      const { token, taskId } = await maxRewardTask(c);
      const { submissionId } = await submitAndDraw(c, taskId);
      await attestVotes(c, submissionId, [true, true, false]);
      const disputeId = await disputeAs(c, c.requester, submissionId);
      await (await c.arbitrator.giveRuling(disputeId, RULING.reject)).wait();
      await expect(c.tasks.finalize(submissionId))
        .to.emit(c.tasks, "SubmissionFinalized")
        .withArgs(submissionId, taskId, STATUS.Rejected, 0n, MAX_AMOUNT);
      await expectSolvent(c, token);
    });
  });

  it("a dispute landing exactly at the review deadline excuses the members who had not attested yet", async function () {
    const c = await tasksFixture();
    const taskId = await postDefaultTask(c);
    const { submissionId, panel } = await submitAndDraw(c, taskId);
    await attestVotes(c, submissionId, [true, true, null]);
    const { reviewDeadline } = await c.tasks.getSubmission(submissionId);
    await (await c.token.connect(c.requester).approve(c.registry, await c.arbitrator.fee())).wait();
    await time.setNextBlockTimestamp(reviewDeadline);
    await (await c.tasks.connect(c.requester).dispute(submissionId)).wait();
    await (await c.arbitrator.giveRuling(0n, RULING.none)).wait();
    const absent = panel[2]!;
    const before = await stakeState(c, absent);
    await expect(c.tasks.finalize(submissionId)).to.not.emit(c.staking, "Slashed");
    const after = await stakeState(c, absent);
    expect(after.staked).to.equal(before.staked);
    expect(after.locked).to.equal(0n);
  });

  it("an arbitrator that hands out a dispute id twice is refused (TasksDisputeIdReused) and the first dispute keeps its ruling path", async function () {
    const c = await tasksFixture();
    const first = await postDefaultTask(c);
    const { submissionId: a } = await submitAndDraw(c, first);
    await attestVotes(c, a, [true, true, true]);
    const disputeId = await disputeAs(c, c.requester, a);

    const { submissionId: b } = await submitAndDraw(c, first, c.otherWorker, "other.json");
    await attestVotes(c, b, [true, true, true]);
    await c.arbitrator.reuseIdNext(disputeId);
    await (await c.token.connect(c.requester).approve(c.registry, await c.arbitrator.fee())).wait();
    await expect(c.tasks.connect(c.requester).dispute(b))
      .to.be.revertedWithCustomError(c.tasks, "TasksDisputeIdReused")
      .withArgs(await c.arbitrator.getAddress(), disputeId);
    expect((await c.tasks.getSubmission(b)).status).to.equal(STATUS.Provisional);

    await (await c.arbitrator.giveRuling(disputeId, RULING.reject)).wait();
    await (await c.tasks.finalize(a)).wait();
    expect((await c.tasks.getSubmission(a)).status).to.equal(STATUS.Rejected);
    await expectSolvent(c);
  });

  it("the arbitrator learns who paid the fee (the requester disputing an accept) and who asked for an unfunded dispute (the worker escalating)", async function () {
    const c = await tasksFixture();
    const taskId = await postDefaultTask(c);
    const { submissionId } = await submitAndDraw(c, taskId);
    await attestVotes(c, submissionId, [true, true, true]);
    const funded = await disputeAs(c, c.requester, submissionId);
    expect((await c.arbitrator.disputeOf(funded)).party).to.equal(c.requester.address);
    expect((await c.arbitrator.disputeOf(funded)).funded).to.equal(true);

    await setParameter(c, "maxPanelRounds", 1n);
    const { submissionId: silent } = await submitAndDraw(c, taskId, c.otherWorker, "silent.json");
    await time.increaseTo((await c.tasks.getSubmission(silent)).reviewDeadline + 1n);
    await (await c.tasks.closeRound(silent)).wait();
    const receipt = await (await c.tasks.connect(c.otherWorker).escalate(silent)).wait();
    const unfunded = eventArg(c, receipt, "SubmissionDisputed", "disputeId");
    expect((await c.arbitrator.disputeOf(unfunded)).party).to.equal(c.otherWorker.address);
    expect((await c.arbitrator.disputeOf(unfunded)).funded).to.equal(false);
  });

  it("a dispute voided at the ruling timeout settles the panel without a verdict: no fee, but a member absent for its whole window still pays the liveness penalty", async function () {
    const c = await tasksFixture();
    const taskId = await postDefaultTask(c);
    const { submissionId, panel } = await submitAndDraw(c, taskId);
    await attestVotes(c, submissionId, [true, true, null]);
    await time.increaseTo((await c.tasks.getSubmission(submissionId)).reviewDeadline + 1n);
    await disputeAs(c, c.requester, submissionId);
    await time.increaseTo((await c.tasks.getSubmission(submissionId)).disputeDeadline + 1n);
    const absent = panel[2]!;
    await expect(c.tasks.finalize(submissionId))
      .to.emit(c.staking, "Slashed")
      .withArgs(
        absent,
        c.registry,
        await c.timelock.getAddress(),
        LIVENESS_PENALTY,
        LIVENESS_PENALTY / 4n,
        (3n * LIVENESS_PENALTY) / 4n,
      )
      .and.to.emit(c.tasks, "PanelSettled")
      .withArgs(submissionId, 0n, 0n, 0n, 0b100n);
    expect((await c.tasks.getSubmission(submissionId)).status).to.equal(STATUS.Voided);
    for (const member of panel) expect((await stakeState(c, member)).locked).to.equal(0n);
    await expectSolvent(c);
  });
});
