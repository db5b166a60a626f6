import { expect } from "chai";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import { loadFixture, mine, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { type ContractTransactionResponse, ZeroHash, encodeBytes32String, id } from "ethers";
import { asGovernance } from "../../scripts/lib/impersonate";
import {
  BlockingToken__factory,
  FeeOnTransferToken__factory,
  IERC20__factory,
  ReentrantToken__factory,
} from "../../sdk/src/typechain";
import { CRP, DAY } from "../helpers/fixtures";
import {
  ARBITRATION_FEE,
  RULING,
  STATUS,
  attestVotes,
  defaultTaskParams,
  escrowOf,
  eventArg,
  postDefaultTask,
  postTask,
  registryOwes,
  submitAndDraw,
  submitWork,
  tasksFixture,
  REWARD,
  VALIDATOR_FEE,
  PROTOCOL_FEE,
  BOND,
  RESERVATION,
  balanceHolders,
  expectSolvent,
} from "../helpers/tasks";

/** Long enough for any panel's review window (1 day) and dispute window (2 days) to end. */
const PAST_WINDOWS = 3 * DAY;
/** Supply of each test token (minted to the deployer) and what each party is funded with. */
const SUPPLY = 100_000_000n * CRP;
const FUNDING = 1_000_000n * CRP;

/**
 * The tasks fixture plus three payment tokens governance allowlisted: a token with a recipient blocklist, a
 * token whose transfer hook reenters the registry when armed, and a fee-on-transfer token. The requester, both
 * workers and the stranger hold each of them.
 */
async function moneyFixture() {
  const c = await tasksFixture();
  const blocking = await new BlockingToken__factory(c.deployer).deploy(SUPPLY);
  const reentrant = await new ReentrantToken__factory(c.deployer).deploy(SUPPLY);
  const feeOnTransfer = await new FeeOnTransferToken__factory(c.deployer).deploy(SUPPLY);
  const tokens = [blocking, reentrant, feeOnTransfer];
  await asGovernance(c.timelock, async (timelock) => {
    for (const token of tokens) await c.tasks.connect(timelock).setTokenAllowed(await token.getAddress(), true);
  });
  for (const account of [c.requester, c.worker, c.otherWorker, c.stranger]) {
    for (const token of tokens) await token.transfer(account.address, FUNDING);
  }
  return {
    ...c,
    blocking,
    reentrant,
    feeOnTransfer,
    treasury: await c.timelock.getAddress(),
    crp: await c.token.getAddress(),
    blk: await blocking.getAddress(),
    ree: await reentrant.getAddress(),
    fot: await feeOnTransfer.getAddress(),
  };
}

type MoneyFixture = Awaited<ReturnType<typeof moneyFixture>>;

/** Balance of `token` held by `account`. */
function tokenBalance(c: MoneyFixture, token: string, account: string) {
  return IERC20__factory.connect(token, c.deployer).balanceOf(account);
}

/**
 * Every account with a balance of `token` in the registry withdraws it (checking each receives exactly that);
 * returns what each withdrew, by lowercase address.
 */
async function withdrawEveryone(c: MoneyFixture, token: string): Promise<Map<string, bigint>> {
  return withdrawEveryoneBut(c, token);
}

/** {@link withdrawEveryone}, skipping `skip` (an account whose withdrawal would revert). */
async function withdrawEveryoneBut(c: MoneyFixture, token: string, skip?: string): Promise<Map<string, bigint>> {
  const withdrawn = new Map<string, bigint>();
  const pay = async (signer: HardhatEthersSigner) => {
    const owed = await c.tasks.balanceOf(token, signer.address);
    if (owed === 0n) return;
    const before = await tokenBalance(c, token, signer.address);
    await expect(c.tasks.connect(signer).withdraw(token))
      .to.emit(c.tasks, "Withdrawn")
      .withArgs(token, signer.address, owed);
    expect(await tokenBalance(c, token, signer.address)).to.equal(before + owed);
    expect(await c.tasks.balanceOf(token, signer.address)).to.equal(0n);
    withdrawn.set(signer.address.toLowerCase(), owed);
  };
  for (const signer of c.everyone) if (signer.address !== skip) await pay(signer);
  if ((await c.tasks.balanceOf(token, c.treasury)) !== 0n) await asGovernance(c.timelock, pay);
  return withdrawn;
}

/** Sweeps every task with unswept protocol fees. */
async function sweepAll(c: MoneyFixture) {
  const count = await c.tasks.taskCount();
  for (let t = 1n; t <= count; t++) {
    if ((await c.tasks.getTask(t)).unsweptProtocolFees !== 0n) await c.tasks.connect(c.stranger).sweepProtocolFees(t);
  }
}

/** The panel attests `votes` in seat order, both windows pass, and anyone finalizes. */
async function reviewAndFinalize(c: MoneyFixture, submissionId: bigint, votes: (boolean | null)[]) {
  await attestVotes(c, submissionId, votes);
  await time.increase(PAST_WINDOWS);
  return c.tasks.connect(c.stranger).finalize(submissionId);
}

/** `disputer` pays the arbitration fee and disputes the provisional verdict; returns the dispute id. */
async function disputeAs(c: MoneyFixture, disputer: HardhatEthersSigner, submissionId: bigint) {
  await c.token.connect(disputer).approve(c.registry, ARBITRATION_FEE);
  const receipt = await (await c.tasks.connect(disputer).dispute(submissionId)).wait();
  return eventArg(c, receipt, "SubmissionDisputed", "disputeId");
}

/** Governance allows a single panel round, so the first round without a verdict ends in NoAgreement. */
async function singlePanelRound(c: MoneyFixture) {
  await asGovernance(c.timelock, async (timelock) => {
    await c.tasks.connect(timelock).setParameter(encodeBytes32String("maxPanelRounds"), 1n);
  });
}

/** Draws, lets the panel split (one accept, one reject, one absent) and closes the round: NoAgreement. */
async function drawAndDisagree(c: MoneyFixture, submissionId: bigint) {
  await singlePanelRound(c);
  await drawPanelOf(c, submissionId);
  await attestVotes(c, submissionId, [true, false, null]);
  await time.increase(DAY + 1);
  await c.tasks.connect(c.stranger).closeRound(submissionId);
  expect((await c.tasks.getSubmission(submissionId)).status).to.equal(STATUS.NoAgreement);
}

/** Draws the panel of a submission already made. */
async function drawPanelOf(c: MoneyFixture, submissionId: bigint) {
  await mine(1);
  await c.tasks.drawPanel(submissionId);
}

/** The revert data of the ReentrancyGuard's error. */
function guardSelector(c: MoneyFixture): string {
  const selector = c.tasks.interface.getError("ReentrancyGuardReentrantCall")?.selector;
  if (selector === undefined) throw new Error("The registry's ABI lacks ReentrancyGuardReentrantCall");
  return selector;
}

/** The armed reentrant call happened and the registry's guard refused it. */
async function expectReentryRefused(c: MoneyFixture) {
  expect(await c.reentrant.lastReentryReverted(), "the reentrant call reverted").to.equal(true);
  expect(await c.reentrant.lastReentryRevertData()).to.equal(guardSelector(c));
}

describe("CorpusTasks: money out — withdraw", function () {
  it("withdraw sends the caller's whole balance, emits Withdrawn and zeroes the balance", async function () {
    const c = await loadFixture(moneyFixture);
    const taskId = await postDefaultTask(c);
    const { submissionId } = await submitAndDraw(c, taskId);
    await reviewAndFinalize(c, submissionId, [true, true, false]);
    expect(await c.tasks.balanceOf(c.crp, c.worker)).to.equal(REWARD + BOND);

    const tx = c.tasks.connect(c.worker).withdraw(c.crp);
    await expect(tx)
      .to.emit(c.tasks, "Withdrawn")
      .withArgs(c.crp, c.worker.address, REWARD + BOND);
    await expect(tx).to.changeTokenBalances(c.token, [c.worker, c.tasks], [REWARD + BOND, -(REWARD + BOND)]);
    expect(await c.tasks.balanceOf(c.crp, c.worker)).to.equal(0n);
    await expectSolvent(c, c.crp);
  });

  it("withdraw with nothing owed reverts TasksNothingToWithdraw(token, account), also right after a withdrawal and for an unknown token", async function () {
    const c = await loadFixture(moneyFixture);
    await expect(c.tasks.connect(c.stranger).withdraw(c.crp))
      .to.be.revertedWithCustomError(c.tasks, "TasksNothingToWithdraw")
      .withArgs(c.crp, c.stranger.address);
    const unknown = c.alice.address;
    await expect(c.tasks.connect(c.stranger).withdraw(unknown))
      .to.be.revertedWithCustomError(c.tasks, "TasksNothingToWithdraw")
      .withArgs(unknown, c.stranger.address);

    const taskId = await postDefaultTask(c);
    await c.tasks.connect(c.requester).cancelTask(taskId);
    await c.tasks.connect(c.requester).withdraw(c.crp);
    await expect(c.tasks.connect(c.requester).withdraw(c.crp))
      .to.be.revertedWithCustomError(c.tasks, "TasksNothingToWithdraw")
      .withArgs(c.crp, c.requester.address);
  });

  it("a balance in one token is not withdrawable in another", async function () {
    const c = await loadFixture(moneyFixture);
    const taskId = await postDefaultTask(c, { token: c.blk });
    await c.tasks.connect(c.requester).cancelTask(taskId);
    expect(await c.tasks.balanceOf(c.blk, c.requester)).to.equal(10n * RESERVATION);
    await expect(c.tasks.connect(c.requester).withdraw(c.crp))
      .to.be.revertedWithCustomError(c.tasks, "TasksNothingToWithdraw")
      .withArgs(c.crp, c.requester.address);
    await expect(c.tasks.connect(c.requester).withdraw(c.blk)).to.changeTokenBalance(
      c.blocking,
      c.requester,
      10n * RESERVATION,
    );
  });

  it("while the registry is paused, new tasks and submissions stop but finalize, cancel, refund, sweep and withdraw still pay out", async function () {
    const c = await loadFixture(moneyFixture);
    const taskId = await postDefaultTask(c);
    const { submissionId } = await submitAndDraw(c, taskId);
    await attestVotes(c, submissionId, [true, true, false]);
    await time.increase(PAST_WINDOWS);
    await c.tasks.connect(c.guardian).pause();

    await expect(postDefaultTask(c)).to.be.revertedWithCustomError(c.tasks, "EnforcedPause");
    await expect(
      c.tasks.connect(c.otherWorker).submit(taskId, id("late"), "ipfs://late"),
    ).to.be.revertedWithCustomError(c.tasks, "EnforcedPause");
    await expect(c.tasks.finalize(submissionId)).to.emit(c.tasks, "SubmissionFinalized");
    await expect(c.tasks.connect(c.stranger).sweepProtocolFees(taskId))
      .to.emit(c.tasks, "ProtocolFeesSwept")
      .withArgs(taskId, PROTOCOL_FEE);
    await expect(c.tasks.connect(c.requester).cancelTask(taskId))
      .to.emit(c.tasks, "TaskRefunded")
      .withArgs(taskId, c.requester.address, 9n * RESERVATION);
    await expect(c.tasks.connect(c.worker).withdraw(c.crp)).to.changeTokenBalance(c.token, c.worker, REWARD + BOND);
    await expect(c.tasks.connect(c.requester).withdraw(c.crp)).to.changeTokenBalance(
      c.token,
      c.requester,
      9n * RESERVATION,
    );
    await withdrawEveryone(c, c.crp);
    expect(await c.token.balanceOf(c.registry)).to.equal(0n);
  });
});

describe("CorpusTasks: money out — delisted tokens and dispute fees", function () {
  it("a token governance removes from the allowlist still pays out every balance, refund and protocol fee in it", async function () {
    const c = await loadFixture(moneyFixture);
    const taskId = await postDefaultTask(c, { token: c.blk });
    const { submissionId } = await submitAndDraw(c, taskId);
    await asGovernance(c.timelock, async (timelock) => {
      await c.tasks.connect(timelock).setTokenAllowed(c.blk, false);
    });
    expect(await c.tasks.isTokenAllowed(c.blk)).to.equal(false);
    await reviewAndFinalize(c, submissionId, [true, true, false]);
    await c.tasks.connect(c.requester).cancelTask(taskId);
    await expect(c.tasks.sweepProtocolFees(taskId)).to.changeTokenBalance(c.blocking, c.treasury, PROTOCOL_FEE);
    const withdrawn = await withdrawEveryone(c, c.blk);
    expect(withdrawn.get(c.worker.address.toLowerCase())).to.equal(REWARD + BOND);
    expect(withdrawn.get(c.requester.address.toLowerCase())).to.equal(9n * RESERVATION);
    expect(await c.blocking.balanceOf(c.registry)).to.equal(0n);
  });

  it("a dispute fee the arbitrator does not pull in full goes back to the disputer and never stays in the registry", async function () {
    const c = await loadFixture(moneyFixture);
    const taskId = await postDefaultTask(c);
    const { submissionId } = await submitAndDraw(c, taskId);
    await attestVotes(c, submissionId, [false, false, true]);
    const short = 10n * CRP;
    await c.arbitrator.setPullShortBy(short);
    await c.token.connect(c.worker).approve(c.registry, ARBITRATION_FEE);
    const tx = c.tasks.connect(c.worker).dispute(submissionId);
    await expect(tx)
      .to.emit(c.tasks, "SubmissionDisputed")
      .withArgs(submissionId, c.worker.address, await c.arbitrator.getAddress(), anyValue, ARBITRATION_FEE - short);
    await expect(tx).to.changeTokenBalances(
      c.token,
      [c.worker.address, await c.arbitrator.getAddress(), c.registry],
      [-(ARBITRATION_FEE - short), ARBITRATION_FEE - short, 0n],
    );
    expect(await c.token.allowance(c.registry, await c.arbitrator.getAddress())).to.equal(0n);
    await expectSolvent(c, c.crp);
  });
});

describe("CorpusTasks: money out — protocol fees", function () {
  it("anyone sweeps accepted × protocolFee straight to the treasury (ProtocolFeesSwept); unsweptProtocolFees tracks it", async function () {
    const c = await loadFixture(moneyFixture);
    const taskId = await postDefaultTask(c);
    expect((await c.tasks.getTask(taskId)).protocolFee).to.equal(PROTOCOL_FEE);
    const { submissionId } = await submitAndDraw(c, taskId);
    expect((await c.tasks.getTask(taskId)).unsweptProtocolFees).to.equal(0n);
    await reviewAndFinalize(c, submissionId, [true, true, false]);
    expect((await c.tasks.getTask(taskId)).unsweptProtocolFees).to.equal(PROTOCOL_FEE);
    await expectSolvent(c, c.crp);

    const tx = c.tasks.connect(c.stranger).sweepProtocolFees(taskId);
    await expect(tx).to.emit(c.tasks, "ProtocolFeesSwept").withArgs(taskId, PROTOCOL_FEE);
    await expect(tx).to.changeTokenBalances(
      c.token,
      [c.treasury, c.registry, c.stranger.address],
      [PROTOCOL_FEE, -PROTOCOL_FEE, 0n],
    );
    expect((await c.tasks.getTask(taskId)).unsweptProtocolFees).to.equal(0n);
    // Sent, not credited: the treasury has nothing to withdraw afterwards.
    expect(await c.tasks.balanceOf(c.crp, c.treasury)).to.equal(0n);
    await expectSolvent(c, c.crp);
  });

  it("a sweep with nothing new reverts TasksNothingToWithdraw(token, treasury); after another acceptance it sweeps only the new fee", async function () {
    const c = await loadFixture(moneyFixture);
    const taskId = await postDefaultTask(c, { deadline: BigInt(await time.latest()) + 60n * BigInt(DAY) });
    await expect(c.tasks.sweepProtocolFees(taskId))
      .to.be.revertedWithCustomError(c.tasks, "TasksNothingToWithdraw")
      .withArgs(c.crp, c.treasury);

    const first = await submitAndDraw(c, taskId, c.worker);
    await reviewAndFinalize(c, first.submissionId, [true, true, true]);
    await c.tasks.sweepProtocolFees(taskId);
    await expect(c.tasks.sweepProtocolFees(taskId))
      .to.be.revertedWithCustomError(c.tasks, "TasksNothingToWithdraw")
      .withArgs(c.crp, c.treasury);

    // A rejected and a voided submission owe the treasury nothing.
    const rejected = await submitAndDraw(c, taskId, c.otherWorker);
    await reviewAndFinalize(c, rejected.submissionId, [false, false, true]);
    const voided = await submitWork(c, c.stranger, taskId);
    await time.increase(DAY + 1);
    await c.tasks.finalize(voided);
    expect((await c.tasks.getSubmission(voided)).status).to.equal(STATUS.Voided);
    expect((await c.tasks.getTask(taskId)).unsweptProtocolFees).to.equal(0n);
    await expect(c.tasks.sweepProtocolFees(taskId))
      .to.be.revertedWithCustomError(c.tasks, "TasksNothingToWithdraw")
      .withArgs(c.crp, c.treasury);

    const second = await submitAndDraw(c, taskId, c.worker, "second.json");
    await reviewAndFinalize(c, second.submissionId, [true, true, false]);
    const third = await submitAndDraw(c, taskId, c.otherWorker, "third.json");
    await reviewAndFinalize(c, third.submissionId, [true, false, true]);
    expect((await c.tasks.getTask(taskId)).accepted).to.equal(3n);
    expect((await c.tasks.getTask(taskId)).unsweptProtocolFees).to.equal(2n * PROTOCOL_FEE);
    await expect(c.tasks.sweepProtocolFees(taskId)).to.changeTokenBalance(c.token, c.treasury, 2n * PROTOCOL_FEE);
    expect((await c.tasks.getTask(taskId)).unsweptProtocolFees).to.equal(0n);
    await expectSolvent(c, c.crp);
  });

  it("an unknown task cannot be swept", async function () {
    const c = await loadFixture(moneyFixture);
    await expect(c.tasks.sweepProtocolFees(7n)).to.be.revertedWithCustomError(c.tasks, "TasksUnknownTask").withArgs(7n);
  });

  it("the sweep sends exactly accepted × the per-submission protocol fee that was escrowed, even when the fee does not divide evenly", async function () {
    // reward 79 wei: protocol fee floor(79 × 2.5%) = 1 wei and validator fee floor(79 × 5%) = 3 wei per
    // submission are escrowed. Two accepted submissions escrowed 2 wei of protocol fees, not floor(2 × 1.975) = 3.
    const c = await loadFixture(moneyFixture);
    const reward = 79n;
    const taskId = await postDefaultTask(c, { reward, slots: 2n });
    const task = await c.tasks.getTask(taskId);
    expect(task.protocolFee).to.equal(1n);
    expect(task.validatorFee).to.equal(3n);
    expect(await c.token.balanceOf(c.registry)).to.equal(2n * (reward + 3n + 1n));
    for (const worker of [c.worker, c.otherWorker]) {
      const { submissionId } = await submitAndDraw(c, taskId, worker);
      await reviewAndFinalize(c, submissionId, [true, true, true]);
    }
    expect((await c.tasks.getTask(taskId)).accepted).to.equal(2n);
    expect((await c.tasks.getTask(taskId)).unsweptProtocolFees, "unswept = accepted × protocolFee").to.equal(2n);
    await expect(c.tasks.sweepProtocolFees(taskId)).to.emit(c.tasks, "ProtocolFeesSwept").withArgs(taskId, 2n);
    await expectSolvent(c, c.crp, "after the sweep");
    await withdrawEveryone(c, c.crp);
    expect(await c.token.balanceOf(c.registry)).to.equal(0n);
  });
});

/** How a submission that was pending when its task was cancelled ends. */
interface EndState {
  name: string;
  /** Everything after submission and cancellation; returns the finalize transaction. */
  drive: (c: MoneyFixture, submissionId: bigint) => Promise<ContractTransactionResponse>;
  status: bigint;
  workerPayout: bigint;
  requesterPayout: bigint;
}

const END_STATES: EndState[] = [
  {
    name: "accepted by the panel",
    drive: async (c, s) => {
      await drawPanelOf(c, s);
      return reviewAndFinalize(c, s, [true, true, false]);
    },
    status: STATUS.Accepted,
    workerPayout: REWARD + BOND,
    requesterPayout: 0n,
  },
  {
    name: "rejected by the panel",
    drive: async (c, s) => {
      await drawPanelOf(c, s);
      return reviewAndFinalize(c, s, [false, false, true]);
    },
    status: STATUS.Rejected,
    workerPayout: 0n,
    requesterPayout: BOND + REWARD + PROTOCOL_FEE,
  },
  {
    name: "voided: no panel was drawn in time",
    drive: async (c, s) => {
      await time.increase(DAY + 1);
      return c.tasks.connect(c.stranger).finalize(s);
    },
    status: STATUS.Voided,
    workerPayout: BOND,
    requesterPayout: RESERVATION,
  },
  {
    name: "voided: no agreement and no escalation",
    drive: async (c, s) => {
      await drawAndDisagree(c, s);
      await time.increase(2 * DAY + 1);
      return c.tasks.connect(c.stranger).finalize(s);
    },
    status: STATUS.Voided,
    workerPayout: BOND,
    requesterPayout: RESERVATION,
  },
  {
    name: "voided: escalated after no agreement and no ruling",
    drive: async (c, s) => {
      await drawAndDisagree(c, s);
      const receipt = await (await c.tasks.connect(c.worker).escalate(s)).wait();
      await c.arbitrator.giveRuling(eventArg(c, receipt, "SubmissionDisputed", "disputeId"), RULING.none);
      return c.tasks.connect(c.stranger).finalize(s);
    },
    status: STATUS.Voided,
    workerPayout: BOND,
    requesterPayout: RESERVATION,
  },
  {
    name: "accepted by the arbitrator after no agreement (the unpaid validator fee goes to the requester)",
    drive: async (c, s) => {
      await drawAndDisagree(c, s);
      const receipt = await (await c.tasks.connect(c.worker).escalate(s)).wait();
      await c.arbitrator.giveRuling(eventArg(c, receipt, "SubmissionDisputed", "disputeId"), RULING.accept);
      return c.tasks.connect(c.stranger).finalize(s);
    },
    status: STATUS.Accepted,
    workerPayout: REWARD + BOND,
    requesterPayout: VALIDATOR_FEE,
  },
  {
    name: "accepted by the arbitrator over the panel's reject",
    drive: async (c, s) => {
      await drawPanelOf(c, s);
      await attestVotes(c, s, [false, false, true]);
      await c.arbitrator.giveRuling(await disputeAs(c, c.worker, s), RULING.accept);
      return c.tasks.connect(c.stranger).finalize(s);
    },
    status: STATUS.Accepted,
    workerPayout: REWARD + BOND,
    requesterPayout: 0n,
  },
  {
    name: "rejected by the arbitrator over the panel's accept",
    drive: async (c, s) => {
      await drawPanelOf(c, s);
      await attestVotes(c, s, [true, true, false]);
      await c.arbitrator.giveRuling(await disputeAs(c, c.requester, s), RULING.reject);
      return c.tasks.connect(c.stranger).finalize(s);
    },
    status: STATUS.Rejected,
    workerPayout: 0n,
    requesterPayout: BOND + REWARD + PROTOCOL_FEE,
  },
  {
    name: "the panel's reject stands when the arbitrator gives no ruling",
    drive: async (c, s) => {
      await drawPanelOf(c, s);
      await attestVotes(c, s, [false, false, true]);
      await c.arbitrator.giveRuling(await disputeAs(c, c.worker, s), RULING.none);
      return c.tasks.connect(c.stranger).finalize(s);
    },
    status: STATUS.Rejected,
    workerPayout: 0n,
    requesterPayout: BOND + REWARD + PROTOCOL_FEE,
  },
];

describe("CorpusTasks: money out — cancelling with a submission pending (Gitcoin QV, StandardBounties drainBounty)", function () {
  it("cancel credits only the unreserved escrow; the pending submission still finalizes and pays the worker in full", async function () {
    const c = await loadFixture(moneyFixture);
    const taskId = await postDefaultTask(c);
    const { submissionId } = await submitAndDraw(c, taskId);
    await expect(c.tasks.connect(c.requester).cancelTask(taskId))
      .to.emit(c.tasks, "TaskRefunded")
      .withArgs(taskId, c.requester.address, 9n * RESERVATION);
    const task = await c.tasks.getTask(taskId);
    expect(task.cancelled).to.equal(true);
    expect(task.funds).to.equal(0n);
    expect(task.pending).to.equal(1n);
    expect(await c.tasks.balanceOf(c.crp, c.requester)).to.equal(9n * RESERVATION);
    // The requester cannot take the reservation a second time.
    await expect(c.tasks.connect(c.requester).cancelTask(taskId))
      .to.be.revertedWithCustomError(c.tasks, "TasksTaskClosed")
      .withArgs(taskId);
    await expect(c.tasks.refund(taskId)).to.not.emit(c.tasks, "TaskRefunded");
    await c.tasks.connect(c.requester).withdraw(c.crp);
    await expectSolvent(c, c.crp, "after cancel and the requester's withdrawal");

    await expect(reviewAndFinalize(c, submissionId, [true, true, false]))
      .to.emit(c.tasks, "SubmissionFinalized")
      .withArgs(submissionId, taskId, STATUS.Accepted, REWARD + BOND, 0n);
    expect(await c.tasks.balanceOf(c.crp, c.worker)).to.equal(REWARD + BOND);
    await expectSolvent(c, c.crp, "after finalize");
    await expect(c.tasks.connect(c.worker).withdraw(c.crp)).to.changeTokenBalance(c.token, c.worker, REWARD + BOND);
    await sweepAll(c);
    await withdrawEveryone(c, c.crp);
    expect(await c.token.balanceOf(c.registry)).to.equal(0n);
  });

  for (const end of END_STATES) {
    it(`cancelled with the submission pending, ${end.name}: each party withdraws what it is owed and the registry ends empty`, async function () {
      const c = await loadFixture(moneyFixture);
      const taskId = await postDefaultTask(c);
      const submissionId = await submitWork(c, c.worker, taskId);
      await c.tasks.connect(c.requester).cancelTask(taskId);
      expect(await c.tasks.balanceOf(c.crp, c.requester)).to.equal(9n * RESERVATION);
      await expectSolvent(c, c.crp, "after cancel");

      await expect(end.drive(c, submissionId))
        .to.emit(c.tasks, "SubmissionFinalized")
        .withArgs(submissionId, taskId, end.status, end.workerPayout, end.requesterPayout);
      expect((await c.tasks.getTask(taskId)).funds, "released escrow never returns to a closed task").to.equal(0n);
      await expectSolvent(c, c.crp, "after finalize");

      await sweepAll(c);
      const withdrawn = await withdrawEveryone(c, c.crp);
      expect(withdrawn.get(c.worker.address.toLowerCase()) ?? 0n).to.equal(end.workerPayout);
      expect(withdrawn.get(c.requester.address.toLowerCase())).to.equal(9n * RESERVATION + end.requesterPayout);
      expect(await c.token.balanceOf(c.registry)).to.equal(0n);
      expect(await registryOwes(c, c.crp, await balanceHolders(c))).to.equal(0n);
    });
  }
});

describe("CorpusTasks: money out — refunds", function () {
  it("before the deadline a stranger cannot refund an open task (TasksTaskStillOpen)", async function () {
    const c = await loadFixture(moneyFixture);
    const taskId = await postDefaultTask(c);
    const { deadline } = await c.tasks.getTask(taskId);
    await expect(c.tasks.connect(c.stranger).refund(taskId))
      .to.be.revertedWithCustomError(c.tasks, "TasksTaskStillOpen")
      .withArgs(taskId, deadline);
  });

  it("after the deadline a stranger's refund credits the requester, not the stranger; later releases go straight to the requester", async function () {
    const c = await loadFixture(moneyFixture);
    const taskId = await postDefaultTask(c);
    const { submissionId } = await submitAndDraw(c, taskId);
    await attestVotes(c, submissionId, [false, false, true]);
    await time.increaseTo((await c.tasks.getTask(taskId)).deadline + 1n);

    await expect(c.tasks.connect(c.stranger).refund(taskId))
      .to.emit(c.tasks, "TaskRefunded")
      .withArgs(taskId, c.requester.address, 9n * RESERVATION);
    expect(await c.tasks.balanceOf(c.crp, c.requester)).to.equal(9n * RESERVATION);
    expect(await c.tasks.balanceOf(c.crp, c.stranger)).to.equal(0n);
    await expect(c.tasks.connect(c.stranger).withdraw(c.crp))
      .to.be.revertedWithCustomError(c.tasks, "TasksNothingToWithdraw")
      .withArgs(c.crp, c.stranger.address);
    // A second refund finds nothing and credits nothing.
    await expect(c.tasks.connect(c.stranger).refund(taskId)).to.not.emit(c.tasks, "TaskRefunded");
    expect(await c.tasks.balanceOf(c.crp, c.requester)).to.equal(9n * RESERVATION);

    await expect(c.tasks.connect(c.stranger).finalize(submissionId))
      .to.emit(c.tasks, "SubmissionFinalized")
      .withArgs(submissionId, taskId, STATUS.Rejected, 0n, BOND + REWARD + PROTOCOL_FEE);
    expect(await c.tasks.balanceOf(c.crp, c.requester)).to.equal(9n * RESERVATION + BOND + REWARD + PROTOCOL_FEE);
    await expectSolvent(c, c.crp);
    await withdrawEveryone(c, c.crp);
    expect(await c.token.balanceOf(c.registry)).to.equal(0n);
  });
});

describe("CorpusTasks: money out — a token that blocks recipients", function () {
  it("a blocked worker cannot withdraw (Blocked), but finalize, the other worker, the panel, the sweep and the requester's refund all pay out", async function () {
    const c = await loadFixture(moneyFixture);
    const taskId = await postDefaultTask(c, { token: c.blk, slots: 2n });
    const first = await submitAndDraw(c, taskId, c.worker);
    const second = await submitAndDraw(c, taskId, c.otherWorker);
    await attestVotes(c, first.submissionId, [true, true, false]);
    await attestVotes(c, second.submissionId, [true, true, true]);
    await c.blocking.setBlocked(c.worker.address, true);
    await time.increase(PAST_WINDOWS);

    await expect(c.tasks.finalize(first.submissionId))
      .to.emit(c.tasks, "SubmissionFinalized")
      .withArgs(first.submissionId, taskId, STATUS.Accepted, REWARD + BOND, 0n);
    await c.tasks.finalize(second.submissionId);
    await expect(c.tasks.connect(c.worker).withdraw(c.blk))
      .to.be.revertedWithCustomError(c.blocking, "Blocked")
      .withArgs(c.worker.address);
    expect(await c.tasks.balanceOf(c.blk, c.worker)).to.equal(REWARD + BOND);

    await expect(c.tasks.connect(c.otherWorker).withdraw(c.blk)).to.changeTokenBalance(
      c.blocking,
      c.otherWorker,
      REWARD + BOND,
    );
    await expect(c.tasks.sweepProtocolFees(taskId)).to.changeTokenBalance(c.blocking, c.treasury, 2n * PROTOCOL_FEE);
    await c.tasks.connect(c.requester).cancelTask(taskId);
    // Everyone but the blocked worker pulls what it is owed.
    const withdrawn = await withdrawEveryoneBut(c, c.blk, c.worker.address);
    // The blocked worker's balance is still owed to it, untouched by everyone else's withdrawals.
    expect(await c.tasks.balanceOf(c.blk, c.worker)).to.equal(REWARD + BOND);
    // The coherent members (seats 0 and 1 of the first panel, all of the second) were paid their fees.
    const coherent = new Set([first.panel[0], first.panel[1], ...second.panel].map((a) => String(a).toLowerCase()));
    for (const member of coherent) expect(withdrawn.get(member) ?? 0n, member).to.be.greaterThan(0n);
    for (const signer of c.everyone) {
      if (signer.address !== c.worker.address) expect(await c.tasks.balanceOf(c.blk, signer)).to.equal(0n);
    }
    await expectSolvent(c, c.blk);
    expect(await c.blocking.balanceOf(c.registry)).to.equal(REWARD + BOND);

    await c.blocking.setBlocked(c.worker.address, false);
    await expect(c.tasks.connect(c.worker).withdraw(c.blk)).to.changeTokenBalance(c.blocking, c.worker, REWARD + BOND);
    expect(await c.blocking.balanceOf(c.registry)).to.equal(0n);
  });

  it("a blocked requester cannot withdraw its refund and the rejected work's bond, but the worker and the panel are paid", async function () {
    const c = await loadFixture(moneyFixture);
    const taskId = await postDefaultTask(c, { token: c.blk, slots: 2n });
    const accepted = await submitAndDraw(c, taskId, c.worker);
    const rejected = await submitAndDraw(c, taskId, c.otherWorker);
    await attestVotes(c, accepted.submissionId, [true, true, false]);
    await attestVotes(c, rejected.submissionId, [false, false, false]);
    await c.blocking.setBlocked(c.requester.address, true);
    await c.tasks.connect(c.requester).cancelTask(taskId);
    await time.increase(PAST_WINDOWS);
    await c.tasks.finalize(accepted.submissionId);
    await c.tasks.finalize(rejected.submissionId);

    const owedRequester = await c.tasks.balanceOf(c.blk, c.requester);
    expect(owedRequester).to.be.greaterThan(BOND);
    await expect(c.tasks.connect(c.requester).withdraw(c.blk))
      .to.be.revertedWithCustomError(c.blocking, "Blocked")
      .withArgs(c.requester.address);
    await expect(c.tasks.connect(c.worker).withdraw(c.blk)).to.changeTokenBalance(c.blocking, c.worker, REWARD + BOND);
    // Every coherent member: seats 0 and 1 of the accepting panel, all of the rejecting one.
    const coherent = new Set([accepted.panel[0], accepted.panel[1], ...rejected.panel].map((a) => String(a)));
    for (const member of coherent) {
      const signer = c.everyone.find((s) => s.address === member);
      if (signer === undefined) throw new Error(`${member} is not a fixture account`);
      const owed = await c.tasks.balanceOf(c.blk, member);
      expect(owed).to.be.greaterThan(0n);
      await expect(c.tasks.connect(signer).withdraw(c.blk)).to.changeTokenBalance(c.blocking, member, owed);
    }
    await c.tasks.sweepProtocolFees(taskId);
    await expectSolvent(c, c.blk);
    expect(await c.blocking.balanceOf(c.registry)).to.equal(owedRequester);
  });

  it("a blocked treasury only stops the sweep (Blocked); the fee stays unswept and everyone else withdraws", async function () {
    const c = await loadFixture(moneyFixture);
    const taskId = await postDefaultTask(c, { token: c.blk, slots: 1n });
    const { submissionId } = await submitAndDraw(c, taskId);
    await c.blocking.setBlocked(c.treasury, true);
    await reviewAndFinalize(c, submissionId, [true, true, false]);
    await expect(c.tasks.sweepProtocolFees(taskId))
      .to.be.revertedWithCustomError(c.blocking, "Blocked")
      .withArgs(c.treasury);
    expect((await c.tasks.getTask(taskId)).unsweptProtocolFees).to.equal(PROTOCOL_FEE);
    await withdrawEveryone(c, c.blk);
    await expectSolvent(c, c.blk);
    expect(await c.blocking.balanceOf(c.registry)).to.equal(PROTOCOL_FEE);
    await c.blocking.setBlocked(c.treasury, false);
    await c.tasks.sweepProtocolFees(taskId);
    expect(await c.blocking.balanceOf(c.registry)).to.equal(0n);
  });
});

describe("CorpusTasks: money out — reentrancy through a token with transfer hooks", function () {
  /** A ReentrantToken task with one accepted submission by the worker (balance 110 to withdraw). */
  async function acceptedReentrantTask(c: MoneyFixture) {
    const taskId = await postDefaultTask(c, { token: c.ree });
    const { submissionId } = await submitAndDraw(c, taskId);
    await reviewAndFinalize(c, submissionId, [true, true, false]);
    return { taskId, submissionId };
  }

  it("a withdraw reentered from the token's hook is refused (ReentrancyGuardReentrantCall) and the balance is paid once", async function () {
    const c = await loadFixture(moneyFixture);
    await acceptedReentrantTask(c);
    await c.reentrant.arm(c.registry, c.tasks.interface.encodeFunctionData("withdraw", [c.ree]));
    await expect(c.tasks.connect(c.worker).withdraw(c.ree)).to.changeTokenBalance(c.reentrant, c.worker, REWARD + BOND);
    await expectReentryRefused(c);
    expect(await c.tasks.balanceOf(c.ree, c.worker)).to.equal(0n);
    await expectSolvent(c, c.ree);
  });

  it("a createTask reentered while the escrow is pulled is refused, and only the outer task exists and is escrowed", async function () {
    const c = await loadFixture(moneyFixture);
    const params = await defaultTaskParams(c, { token: c.ree });
    await c.reentrant.arm(c.registry, c.tasks.interface.encodeFunctionData("createTask", [params]));
    const taskId = await postTask(c, c.requester, params);
    await expectReentryRefused(c);
    expect(await c.tasks.taskCount()).to.equal(1n);
    expect((await c.tasks.getTask(taskId)).funds).to.equal(await escrowOf(c, params));
    expect(await c.reentrant.balanceOf(c.registry)).to.equal(await escrowOf(c, params));
    await expectSolvent(c, c.ree);
  });

  it("a fundTask reentered while a top-up is pulled is refused, and the task is funded once", async function () {
    const c = await loadFixture(moneyFixture);
    const taskId = await postDefaultTask(c, { token: c.ree });
    const before = (await c.tasks.getTask(taskId)).funds;
    await c.reentrant.connect(c.requester).approve(c.registry, REWARD);
    await c.reentrant.arm(c.registry, c.tasks.interface.encodeFunctionData("fundTask", [taskId, REWARD]));
    await c.tasks.connect(c.requester).fundTask(taskId, REWARD);
    await expectReentryRefused(c);
    expect((await c.tasks.getTask(taskId)).funds).to.equal(before + REWARD);
    await expectSolvent(c, c.ree);
  });

  it("a submit reentered while the bond is pulled is refused, and one submission reserves one slot", async function () {
    const c = await loadFixture(moneyFixture);
    const taskId = await postDefaultTask(c, { token: c.ree });
    await c.reentrant.arm(
      c.registry,
      c.tasks.interface.encodeFunctionData("submit", [taskId, id("reentered"), "ipfs://reentered"]),
    );
    const submissionId = await submitWork(c, c.worker, taskId);
    await expectReentryRefused(c);
    expect(await c.tasks.submissionCount()).to.equal(1n);
    const task = await c.tasks.getTask(taskId);
    expect(task.pending).to.equal(1n);
    expect(task.funds).to.equal(9n * RESERVATION);
    expect((await c.tasks.getSubmission(submissionId)).worker).to.equal(c.worker.address);
    await expectSolvent(c, c.ree);
  });

  it("a finalize reentered during a withdrawal is refused; the submission stays pending and finalizes normally afterwards", async function () {
    const c = await loadFixture(moneyFixture);
    const { taskId } = await acceptedReentrantTask(c);
    const { submissionId } = await submitAndDraw(c, taskId, c.otherWorker);
    await attestVotes(c, submissionId, [true, true, true]);
    await time.increase(PAST_WINDOWS);
    await c.reentrant.arm(c.registry, c.tasks.interface.encodeFunctionData("finalize", [submissionId]));
    await c.tasks.connect(c.worker).withdraw(c.ree);
    await expectReentryRefused(c);
    expect((await c.tasks.getSubmission(submissionId)).status).to.equal(STATUS.Provisional);
    await expectSolvent(c, c.ree);
    await expect(c.tasks.finalize(submissionId))
      .to.emit(c.tasks, "SubmissionFinalized")
      .withArgs(submissionId, taskId, STATUS.Accepted, REWARD + BOND, 0n);
    await expectSolvent(c, c.ree);
  });

  it("a sweep reentered during a withdrawal is refused, and the fees stay unswept until swept once", async function () {
    const c = await loadFixture(moneyFixture);
    const { taskId } = await acceptedReentrantTask(c);
    await c.reentrant.arm(c.registry, c.tasks.interface.encodeFunctionData("sweepProtocolFees", [taskId]));
    await c.tasks.connect(c.worker).withdraw(c.ree);
    await expectReentryRefused(c);
    expect((await c.tasks.getTask(taskId)).unsweptProtocolFees).to.equal(PROTOCOL_FEE);
    await expectSolvent(c, c.ree);
    // And a withdraw reentered from the sweep's transfer is refused too.
    await c.reentrant.arm(c.registry, c.tasks.interface.encodeFunctionData("withdraw", [c.ree]));
    await expect(c.tasks.sweepProtocolFees(taskId)).to.changeTokenBalance(c.reentrant, c.treasury, PROTOCOL_FEE);
    await expectReentryRefused(c);
    await expectSolvent(c, c.ree);
  });

  it("every other entry point that calls out (createTaskWithPermit, drawPanel, renewPanelSeed, closeRound, dispute, escalate, rule) refuses a reentrant call from a token hook", async function () {
    const c = await loadFixture(moneyFixture);
    await acceptedReentrantTask(c);
    const params = await defaultTaskParams(c, { token: c.ree });
    const calls = [
      c.tasks.interface.encodeFunctionData("createTaskWithPermit", [params, 0n, 0, ZeroHash, ZeroHash]),
      c.tasks.interface.encodeFunctionData("drawPanel", [1n]),
      c.tasks.interface.encodeFunctionData("renewPanelSeed", [1n]),
      c.tasks.interface.encodeFunctionData("closeRound", [1n]),
      c.tasks.interface.encodeFunctionData("dispute", [1n]),
      c.tasks.interface.encodeFunctionData("escalate", [1n]),
      c.tasks.interface.encodeFunctionData("rule", [0n, 1n]),
    ];
    // Each reentrant call is made from the token's hook while a top-up is pulled, one top-up per call.
    await c.reentrant.connect(c.requester).approve(c.registry, BigInt(calls.length));
    for (const data of calls) {
      await c.reentrant.arm(c.registry, data);
      await (await c.tasks.connect(c.requester).fundTask(1n, 1n)).wait();
      await expectReentryRefused(c);
      await expectSolvent(c, c.ree);
    }
  });

  it("refund has no reentrancy guard, but a refund reentered during a withdrawal only moves escrow to the requester's balance", async function () {
    const c = await loadFixture(moneyFixture);
    const { taskId } = await acceptedReentrantTask(c);
    await time.increaseTo((await c.tasks.getTask(taskId)).deadline + 1n);
    const funds = (await c.tasks.getTask(taskId)).funds;
    await c.reentrant.arm(c.registry, c.tasks.interface.encodeFunctionData("refund", [taskId]));
    await c.tasks.connect(c.worker).withdraw(c.ree);
    expect(await c.reentrant.lastReentryReverted()).to.equal(false);
    expect(await c.tasks.balanceOf(c.ree, c.requester)).to.equal(funds);
    await expectSolvent(c, c.ree);
    await sweepAll(c);
    await withdrawEveryone(c, c.ree);
    expect(await c.reentrant.balanceOf(c.registry)).to.equal(0n);
  });
});

describe("CorpusTasks: money in — a fee-on-transfer token", function () {
  it("createTask with a fee-on-transfer token reverts TasksTokenDeliveredLess(token, escrow, what arrived)", async function () {
    const c = await loadFixture(moneyFixture);
    expect(await c.tasks.isTokenAllowed(c.fot)).to.equal(true);
    const params = await defaultTaskParams(c, { token: c.fot });
    const escrow = await escrowOf(c, params);
    await c.feeOnTransfer.connect(c.requester).approve(c.registry, escrow);
    await expect(c.tasks.connect(c.requester).createTask(params))
      .to.be.revertedWithCustomError(c.tasks, "TasksTokenDeliveredLess")
      .withArgs(c.fot, escrow, escrow - escrow / 100n);
    expect(await c.tasks.taskCount()).to.equal(0n);
  });

  it("fundTask and submit on a fee-on-transfer task revert TasksTokenDeliveredLess (a task under 100 wei slips through fee-free)", async function () {
    const c = await loadFixture(moneyFixture);
    // 9 slots of 10 wei: escrow 90 wei, on which the token's 1% rounds to 0, so this one creation succeeds.
    const taskId = await postDefaultTask(c, { token: c.fot, reward: 10n, slots: 9n });
    expect(await c.feeOnTransfer.balanceOf(c.registry)).to.equal(90n);

    const amount = 1_000n;
    await c.feeOnTransfer.connect(c.requester).approve(c.registry, amount);
    await expect(c.tasks.connect(c.requester).fundTask(taskId, amount))
      .to.be.revertedWithCustomError(c.tasks, "TasksTokenDeliveredLess")
      .withArgs(c.fot, amount, amount - amount / 100n);

    await c.feeOnTransfer.connect(c.worker).approve(c.registry, BOND);
    await expect(c.tasks.connect(c.worker).submit(taskId, id("work"), "ipfs://work"))
      .to.be.revertedWithCustomError(c.tasks, "TasksTokenDeliveredLess")
      .withArgs(c.fot, BOND, BOND - BOND / 100n);
    expect((await c.tasks.getTask(taskId)).funds).to.equal(90n);
    await expectSolvent(c, c.fot);
  });
});

describe("CorpusTasks: escrow solvency across tokens", function () {
  it("through a mixed scenario in CRP and a blocklist token, the registry holds exactly what it owes after every step and ends empty", async function () {
    const c = await loadFixture(moneyFixture);
    const check = async (step: string) => {
      await expectSolvent(c, c.crp, step);
      await expectSolvent(c, c.blk, step);
    };
    const start = BigInt(await time.latest());
    const taskA = await postDefaultTask(c, { deadline: start + 30n * BigInt(DAY) });
    const taskB = await postDefaultTask(c, { reward: 50n * CRP, slots: 3n, workerBond: 5n * CRP });
    const taskC = await postDefaultTask(c, {
      token: c.blk,
      reward: 40n * CRP,
      slots: 3n,
      deadline: start + 10n * 86_400n,
    });
    await check("after posting");

    const aGrace = (await submitAndDraw(c, taskA, c.worker)).submissionId;
    const aHeidi = (await submitAndDraw(c, taskA, c.otherWorker)).submissionId;
    const bStranger = await submitWork(c, c.stranger, taskB);
    const cGrace = (await submitAndDraw(c, taskC, c.worker)).submissionId;
    const cHeidi = (await submitAndDraw(c, taskC, c.otherWorker)).submissionId;
    await check("after submissions");

    await attestVotes(c, aGrace, [true, true, true]);
    await attestVotes(c, aHeidi, [false, false, true]);
    await attestVotes(c, cGrace, [true, true, false]);
    await attestVotes(c, cHeidi, [false, false, false]);
    await check("after attestations");
    await time.increase(PAST_WINDOWS);
    for (const s of [aGrace, aHeidi, bStranger, cGrace, cHeidi]) {
      await c.tasks.finalize(s);
      await check(`after finalizing ${s}`);
    }
    expect((await c.tasks.getSubmission(bStranger)).status).to.equal(STATUS.Voided);

    await c.tasks.sweepProtocolFees(taskA);
    await check("after sweeping A");
    await c.tasks.connect(c.worker).withdraw(c.crp);
    await c.tasks.connect(c.worker).withdraw(c.blk);
    await check("after the worker's withdrawals");

    const aStranger = (await submitAndDraw(c, taskA, c.stranger)).submissionId;
    await c.tasks.connect(c.requester).cancelTask(taskA);
    await check("after cancelling A with a submission pending");
    await c.tasks.connect(c.requester).cancelTask(taskB);
    await check("after cancelling B");
    await c.tasks.connect(c.requester).withdraw(c.crp);
    await check("after the requester's withdrawal");

    await reviewAndFinalize(c, aStranger, [true, true, true]);
    await check("after the pending submission of cancelled A is accepted");
    await time.increaseTo((await c.tasks.getTask(taskC)).deadline + 1n);
    await c.tasks.connect(c.stranger).refund(taskC);
    await check("after a stranger refunds C");
    await c.tasks.sweepProtocolFees(taskA);
    await c.tasks.sweepProtocolFees(taskC);
    await check("after sweeping A and C");

    await withdrawEveryone(c, c.crp);
    await check("after everyone withdraws CRP");
    await withdrawEveryone(c, c.blk);
    await check("after everyone withdraws BLK");
    expect(await c.token.balanceOf(c.registry)).to.equal(0n);
    expect(await c.blocking.balanceOf(c.registry)).to.equal(0n);
    for (const t of [taskA, taskB, taskC]) {
      const task = await c.tasks.getTask(t);
      expect(task.funds).to.equal(0n);
      expect(task.pending).to.equal(0n);
      expect(task.unsweptProtocolFees).to.equal(0n);
    }
  });
});
