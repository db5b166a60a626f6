import { expect } from "chai";
import hre from "hardhat";
import { loadFixture, mine, time } from "@nomicfoundation/hardhat-network-helpers";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import {
  AbiCoder,
  MaxUint256,
  type ContractTransactionResponse,
  encodeBytes32String,
  id,
  keccak256,
  toBeHex,
  zeroPadValue,
} from "ethers";
import { asGovernance } from "../../scripts/lib/impersonate";
import { DAY } from "../helpers/fixtures";
import { latest } from "../helpers/blocks";
import { MIN_STAKE, fundFromTreasury, stakeAs, stakeState } from "../helpers/staking";
import {
  STATUS,
  drawPanelWhenReady,
  defaultTaskParams,
  eventArg,
  postTask,
  tasksFixture,
  type TaskParams,
  REWARD,
  VALIDATOR_FEE,
  PROTOCOL_FEE,
  BOND,
  RESERVATION,
  REVIEW_STAKE,
  LIVENESS_PENALTY,
} from "../helpers/tasks";

// The local deployment's defaults (deploy/parameters/31337.json), checked against `parameters()` below.
const DISPUTE_WINDOW = 2n * BigInt(DAY);
const REVIEW_WINDOW = BigInt(DAY);
const MAX_PANEL_ROUNDS = 3n;
const SLASH_REWARD_BPS = 2_500n;
const MAX_URI = 512n;

/** The tasks fixture with the workers and the stranger approving the registry for good. */
async function reviewFixture() {
  const c = await tasksFixture();
  for (const w of [c.worker, c.otherWorker, c.stranger]) {
    await (await c.token.connect(w).approve(c.registry, MaxUint256)).wait();
  }
  return {
    ...c,
    treasury: await c.timelock.getAddress(),
    stakingAddress: await c.staking.getAddress(),
    tokenAddress: await c.token.getAddress(),
  };
}

type Fixture = Awaited<ReturnType<typeof reviewFixture>>;

/** Posts the default task (with `overrides`) as the requester. */
async function post(c: Fixture, overrides: Partial<TaskParams> = {}): Promise<bigint> {
  return postTask(c, c.requester, await defaultTaskParams(c, overrides));
}

/** Submits `content` as `worker` (already approved) and returns the submission id. */
async function submitAs(c: Fixture, worker: HardhatEthersSigner, taskId: bigint, content = "work.json") {
  const receipt = await (await c.tasks.connect(worker).submit(taskId, id(content), `ipfs://work/${content}`)).wait();
  return eventArg(c, receipt, "Submitted", "submissionId");
}

/** Submits as `worker` and draws the panel. */
async function submitAndDrawAs(c: Fixture, worker: HardhatEthersSigner, taskId: bigint, content = "work.json") {
  const submissionId = await submitAs(c, worker, taskId, content);
  const panel = [...(await drawPanelWhenReady(c, submissionId))];
  return { submissionId, panel };
}

/** The local account for `address` (all 20 Hardhat accounts are unlocked). */
function signer(address: string): Promise<HardhatEthersSigner> {
  return hre.ethers.getSigner(address);
}

/** `member`'s seat in `panel`. */
function seatOf(panel: readonly string[], member: string): number {
  const seat = panel.findIndex((m) => m.toLowerCase() === member.toLowerCase());
  if (seat < 0) throw new Error(`${member} is not on the panel`);
  return seat;
}

/** The member in `seat` of `panel`. */
function at(panel: readonly string[], seat: number): string {
  const member = panel[seat];
  if (member === undefined) throw new Error(`no seat ${seat}`);
  return member;
}

/** The member in `seat` attests `accept`. */
async function attestSeat(c: Fixture, submissionId: bigint, panel: readonly string[], seat: number, accept: boolean) {
  const member = await signer(at(panel, seat));
  return c.tasks.connect(member).attest(submissionId, seat, accept, id(accept ? "accept" : "reject"));
}

/** The members attest `votes[seat]` (null: absent) in seat order. */
async function vote(c: Fixture, submissionId: bigint, votes: (boolean | null)[]) {
  const { panel } = await c.tasks.getSubmission(submissionId);
  for (const [seat, accept] of votes.entries()) {
    if (accept === null) continue;
    await (await attestSeat(c, submissionId, panel, seat, accept)).wait();
  }
}

/** The request id staking forwards to the randomness source for a submission's panel round. */
function seedRequest(registry: string, submissionId: bigint, round = 0n): string {
  const drawKey = zeroPadValue(toBeHex((submissionId << 8n) | round), 32);
  return keccak256(AbiCoder.defaultAbiCoder().encode(["address", "bytes32"], [registry, drawKey]));
}

async function blockOf(tx: ContractTransactionResponse) {
  const receipt = await tx.wait();
  if (receipt === null) throw new Error("no receipt");
  const block = await hre.ethers.provider.getBlock(receipt.blockNumber);
  if (block === null) throw new Error("no block");
  return { receipt, number: BigInt(receipt.blockNumber), timestamp: BigInt(block.timestamp) };
}

/** Everything a refused submit could have changed. */
async function submitState(c: Fixture, taskId: bigint) {
  const task = await c.tasks.getTask(taskId);
  const [ids, next] = await c.tasksLens.submissionsOf(c.registry, taskId, 0, 100);
  return {
    task: [...task],
    submissionCount: await c.tasks.submissionCount(),
    submissions: { ids: [...ids], next },
    registryBalance: await c.token.balanceOf(c.registry),
    balances: await Promise.all(
      [c.worker, c.otherWorker, c.stranger, c.requester].map((a) => c.token.balanceOf(a.address)),
    ),
  };
}

/** Stakes `count` extra validators from accounts #11 on (funded from the treasury); returns them. */
async function stakeExtraValidators(c: Fixture, count: number): Promise<HardhatEthersSigner[]> {
  const signers = await hre.ethers.getSigners();
  const extra = signers.slice(11, 11 + count);
  if (extra.length !== count) throw new Error("not enough local accounts");
  await fundFromTreasury(
    c,
    extra.map((s) => s.address),
    5n * MIN_STAKE,
  );
  for (const v of extra) await stakeAs(c, v, 5n * MIN_STAKE);
  return extra;
}

function lower(addresses: readonly string[]): string[] {
  return addresses.map((a) => a.toLowerCase());
}

describe("CorpusTasks: submissions and review", function () {
  it("the local deployment's parameters are the defaults these tests assume", async function () {
    const c = await loadFixture(reviewFixture);
    const [protocolFeeBps, validatorFeeBps, reviewStake, livenessPenalty, disputeWindow, maxPanelRounds] =
      await c.tasks.parameters();
    expect(protocolFeeBps).to.equal(250n);
    expect(validatorFeeBps).to.equal(500n);
    expect(reviewStake).to.equal(REVIEW_STAKE);
    expect(livenessPenalty).to.equal(LIVENESS_PENALTY);
    expect(disputeWindow).to.equal(DISPUTE_WINDOW);
    expect(maxPanelRounds).to.equal(MAX_PANEL_ROUNDS);
    const [, , slashRewardBps] = await c.staking.parameters();
    expect(slashRewardBps).to.equal(SLASH_REWARD_BPS);
    const taskId = await post(c);
    const task = await c.tasks.getTask(taskId);
    expect([task.reward, task.validatorFee, task.protocolFee, task.workerBond, task.reviewStake]).to.deep.equal([
      REWARD,
      VALIDATOR_FEE,
      PROTOCOL_FEE,
      BOND,
      REVIEW_STAKE,
    ]);
  });

  // ─── submit ────────────────────────────────────────────────────────────────

  describe("submit", function () {
    it("bonds the worker bond, reserves reward + validator fee + protocol fee of the task's funds, emits Submitted and PanelRequested(readyBlock = block + 2) and leaves the submission Drawing", async function () {
      const c = await loadFixture(reviewFixture);
      const taskId = await post(c);
      const before = await c.tasks.getTask(taskId);
      expect(before.funds).to.equal(10n * RESERVATION);
      const hash = id("work.json");
      const uri = "ipfs://work/work.json";

      const tx = await c.tasks.connect(c.worker).submit(taskId, hash, uri);
      const { number, timestamp } = await blockOf(tx);
      await expect(tx).to.changeTokenBalances(c.token, [c.worker.address, c.registry], [-BOND, BOND]);
      await expect(tx).to.emit(c.tasks, "Submitted").withArgs(1n, taskId, c.worker.address, hash, BOND, uri);
      await expect(tx)
        .to.emit(c.tasks, "PanelRequested")
        .withArgs(1n, 0n, number + 2n);

      const after = await c.tasks.getTask(taskId);
      expect(after.pending).to.equal(before.pending + 1n);
      expect(after.funds).to.equal(before.funds - RESERVATION);
      expect(after.accepted).to.equal(0n);
      expect(await c.tasks.submissionCount()).to.equal(1n);
      const sub = await c.tasks.getSubmission(1n);
      expect(sub.status).to.equal(STATUS.Drawing);
      expect(sub.taskId).to.equal(taskId);
      expect(sub.worker).to.equal(c.worker.address);
      expect(sub.contentHash).to.equal(hash);
      expect(sub.round).to.equal(0n);
      expect(sub.reviewDeadline).to.equal(timestamp + REVIEW_WINDOW);
    });

    it("an unknown task id (0, or past taskCount) reverts TasksUnknownTask and changes nothing", async function () {
      const c = await loadFixture(reviewFixture);
      const taskId = await post(c);
      const before = await submitState(c, taskId);
      for (const unknown of [0n, taskId + 1n, 1000n]) {
        await expect(c.tasks.connect(c.worker).submit(unknown, id("w"), "ipfs://w"))
          .to.be.revertedWithCustomError(c.tasks, "TasksUnknownTask")
          .withArgs(unknown);
      }
      expect(await submitState(c, taskId)).to.deep.equal(before);
    });

    it("a cancelled task reverts TasksTaskClosed and changes nothing", async function () {
      const c = await loadFixture(reviewFixture);
      const taskId = await post(c);
      await (await c.tasks.connect(c.requester).cancelTask(taskId)).wait();
      const before = await submitState(c, taskId);
      await expect(c.tasks.connect(c.worker).submit(taskId, id("w"), "ipfs://w"))
        .to.be.revertedWithCustomError(c.tasks, "TasksTaskClosed")
        .withArgs(taskId);
      expect(await submitState(c, taskId)).to.deep.equal(before);
    });

    it("one second past the task's deadline reverts TasksTaskClosed and changes nothing", async function () {
      const c = await loadFixture(reviewFixture);
      const taskId = await post(c);
      const { deadline } = await c.tasks.getTask(taskId);
      await time.increaseTo(deadline + 1n);
      const before = await submitState(c, taskId);
      await expect(c.tasks.connect(c.worker).submit(taskId, id("w"), "ipfs://w"))
        .to.be.revertedWithCustomError(c.tasks, "TasksTaskClosed")
        .withArgs(taskId);
      expect(await submitState(c, taskId)).to.deep.equal(before);
    });

    it("a submission in the block whose timestamp is exactly the task's deadline is still taken", async function () {
      const c = await loadFixture(reviewFixture);
      const taskId = await post(c);
      const { deadline } = await c.tasks.getTask(taskId);
      await time.setNextBlockTimestamp(deadline);
      await expect(c.tasks.connect(c.worker).submit(taskId, id("w"), "ipfs://w")).to.emit(c.tasks, "Submitted");
      expect((await c.tasks.getTask(taskId)).pending).to.equal(1n);
    });

    it("the requester submitting to its own task reverts TasksRequesterCannotSubmit and changes nothing", async function () {
      const c = await loadFixture(reviewFixture);
      const taskId = await post(c);
      await (await c.token.connect(c.requester).approve(c.registry, MaxUint256)).wait();
      const before = await submitState(c, taskId);
      await expect(c.tasks.connect(c.requester).submit(taskId, id("w"), "ipfs://w"))
        .to.be.revertedWithCustomError(c.tasks, "TasksRequesterCannotSubmit")
        .withArgs(taskId);
      expect(await submitState(c, taskId)).to.deep.equal(before);
    });

    it("a zero content hash, an empty URI or a URI over 512 bytes reverts TasksInvalidContent(uriLength, 512) and changes nothing; exactly 512 bytes is taken", async function () {
      const c = await loadFixture(reviewFixture);
      const taskId = await post(c);
      const before = await submitState(c, taskId);
      const cases: [string, string, bigint][] = [
        [hre.ethers.ZeroHash, "ipfs://w", 8n],
        [id("w"), "", 0n],
        [id("w"), "x".repeat(513), 513n],
        [hre.ethers.ZeroHash, "", 0n],
      ];
      for (const [hash, uri, length] of cases) {
        await expect(c.tasks.connect(c.worker).submit(taskId, hash, uri))
          .to.be.revertedWithCustomError(c.tasks, "TasksInvalidContent")
          .withArgs(length, MAX_URI);
      }
      expect(await submitState(c, taskId)).to.deep.equal(before);
      await expect(c.tasks.connect(c.worker).submit(taskId, id("w"), "x".repeat(512))).to.emit(c.tasks, "Submitted");
    });

    it("a second live submission by the same worker reverts TasksLiveSubmission(taskId, worker, liveId) and changes nothing; once the first is final (voided) the worker may submit again", async function () {
      const c = await loadFixture(reviewFixture);
      const taskId = await post(c);
      const first = await submitAs(c, c.worker, taskId, "a");
      const before = await submitState(c, taskId);
      await expect(c.tasks.connect(c.worker).submit(taskId, id("b"), "ipfs://b"))
        .to.be.revertedWithCustomError(c.tasks, "TasksLiveSubmission")
        .withArgs(taskId, c.worker.address, first);
      expect(await submitState(c, taskId)).to.deep.equal(before);

      // Another worker is not affected, nor is the same worker on another task.
      await submitAs(c, c.otherWorker, taskId, "c");
      const otherTask = await post(c);
      await submitAs(c, c.worker, otherTask, "d");

      // The first submission is never drawn: after its draw-by deadline it is voided, and the worker is free.
      const { reviewDeadline } = await c.tasks.getSubmission(first);
      await time.increaseTo(reviewDeadline + 1n);
      await (await c.tasks.finalize(first)).wait();
      expect((await c.tasks.getSubmission(first)).status).to.equal(STATUS.Voided);
      const again = await submitAs(c, c.worker, taskId, "e");
      expect((await c.tasks.getSubmission(again)).status).to.equal(STATUS.Drawing);
    });

    it("with every slot taken by pending and accepted submissions a new one reverts TasksNoFreeSlot(taskId, slots) and changes nothing; a rejection frees its slot", async function () {
      const c = await loadFixture(reviewFixture);
      const taskId = await post(c, { slots: 2n });
      const a = await submitAndDrawAs(c, c.worker, taskId, "a");
      const b = await submitAndDrawAs(c, c.otherWorker, taskId, "b");

      let before = await submitState(c, taskId);
      await expect(c.tasks.connect(c.stranger).submit(taskId, id("s"), "ipfs://s"))
        .to.be.revertedWithCustomError(c.tasks, "TasksNoFreeSlot")
        .withArgs(taskId, 2n);
      expect(await submitState(c, taskId)).to.deep.equal(before);

      // a is accepted, b rejected.
      await vote(c, a.submissionId, [true, true, true]);
      await vote(c, b.submissionId, [false, false, false]);
      await time.increase(DISPUTE_WINDOW + 1n);
      await (await c.tasks.finalize(a.submissionId)).wait();
      // One accepted and one pending still fill both slots.
      before = await submitState(c, taskId);
      expect((await c.tasks.getTask(taskId)).accepted).to.equal(1n);
      expect((await c.tasks.getTask(taskId)).pending).to.equal(1n);
      await expect(c.tasks.connect(c.stranger).submit(taskId, id("s"), "ipfs://s"))
        .to.be.revertedWithCustomError(c.tasks, "TasksNoFreeSlot")
        .withArgs(taskId, 2n);
      expect(await submitState(c, taskId)).to.deep.equal(before);

      await (await c.tasks.finalize(b.submissionId)).wait();
      const task = await c.tasks.getTask(taskId);
      expect([task.accepted, task.pending]).to.deep.equal([1n, 0n]);
      // The rejected review spent its validator fee: top the escrow up so only the slot matters.
      await (await c.token.connect(c.requester).approve(c.registry, VALIDATOR_FEE)).wait();
      await (await c.tasks.connect(c.requester).fundTask(taskId, VALIDATOR_FEE)).wait();
      await expect(c.tasks.connect(c.stranger).submit(taskId, id("s"), "ipfs://s")).to.emit(c.tasks, "Submitted");
    });

    it("once rejected reviews spent validator fees, a submission the funds cannot cover reverts TasksInsufficientFunds(taskId, funds, needed) and changes nothing; fundTask restores it", async function () {
      const c = await loadFixture(reviewFixture);
      const taskId = await post(c, { slots: 1n });
      const { submissionId } = await submitAndDrawAs(c, c.worker, taskId);
      expect((await c.tasks.getTask(taskId)).funds).to.equal(0n);
      // Two rejecters share the fee exactly (no dust); the third member dissents.
      await vote(c, submissionId, [false, false, true]);
      await time.increase(DISPUTE_WINDOW + 1n);
      await (await c.tasks.finalize(submissionId)).wait();
      expect((await c.tasks.getSubmission(submissionId)).status).to.equal(STATUS.Rejected);
      // The review's validator fee is gone: reward and protocol fee came back.
      const funds = RESERVATION - VALIDATOR_FEE;
      expect((await c.tasks.getTask(taskId)).funds).to.equal(funds);

      const before = await submitState(c, taskId);
      await expect(c.tasks.connect(c.otherWorker).submit(taskId, id("b"), "ipfs://b"))
        .to.be.revertedWithCustomError(c.tasks, "TasksInsufficientFunds")
        .withArgs(taskId, funds, RESERVATION);
      expect(await submitState(c, taskId)).to.deep.equal(before);

      await (await c.token.connect(c.requester).approve(c.registry, VALIDATOR_FEE)).wait();
      await (await c.tasks.connect(c.requester).fundTask(taskId, VALIDATOR_FEE)).wait();
      expect((await c.tasks.getTask(taskId)).funds).to.equal(RESERVATION);
      await expect(c.tasks.connect(c.otherWorker).submit(taskId, id("b"), "ipfs://b")).to.emit(c.tasks, "Submitted");
      expect((await c.tasks.getTask(taskId)).funds).to.equal(0n);
    });
  });

  // ─── drawPanel / renewPanelSeed ────────────────────────────────────────────

  describe("drawPanel", function () {
    it("in the block right after submitting, before the seed block, reverts the randomness source's RandomnessNotReady(staking, request, readyBlock)", async function () {
      const c = await loadFixture(reviewFixture);
      const taskId = await post(c);
      const tx = await c.tasks.connect(c.worker).submit(taskId, id("w"), "ipfs://w");
      const { number } = await blockOf(tx);
      const submissionId = 1n;
      await expect(c.tasks.drawPanel(submissionId))
        .to.be.revertedWithCustomError(c.randomness, "RandomnessNotReady")
        .withArgs(c.stakingAddress, seedRequest(c.registry, submissionId), number + 2n);
      expect((await c.tasks.getSubmission(submissionId)).status).to.equal(STATUS.Drawing);
      // From the ready block on it works.
      const now = BigInt(await latest());
      if (now < number + 1n) await mine(Number(number + 1n - now));
      await expect(c.tasks.drawPanel(submissionId)).to.emit(c.tasks, "PanelDrawn");
    });

    it("draws panelSize distinct validators, locks reviewStake of each, emits PanelDrawn, sets Reviewing and reviewDeadline = draw time + reviewWindow", async function () {
      const c = await loadFixture(reviewFixture);
      const taskId = await post(c, { panelSize: 5n, quorum: 3n, reviewWindow: 3n * REVIEW_WINDOW });
      const submissionId = await submitAs(c, c.worker, taskId);
      await mine(1);
      const tx = await c.tasks.drawPanel(submissionId);
      const { receipt, timestamp } = await blockOf(tx);
      const reviewDeadline = timestamp + 3n * REVIEW_WINDOW;

      const sub = await c.tasks.getSubmission(submissionId);
      const panel = [...sub.panel];
      expect(panel).to.have.length(5);
      expect(new Set(lower(panel)).size).to.equal(5);
      // Five of five validators: every one of them.
      expect(new Set(lower(panel))).to.deep.equal(new Set(lower(c.validators.map((v) => v.address))));
      const parsed = receipt.logs
        .map((log) => c.tasks.interface.parseLog({ topics: [...log.topics], data: log.data }))
        .find((e) => e?.name === "PanelDrawn");
      expect(parsed?.args.getValue("submissionId")).to.equal(submissionId);
      expect(parsed?.args.getValue("round")).to.equal(0n);
      expect([...(parsed?.args.getValue("panel") as string[])]).to.deep.equal(panel);
      expect(parsed?.args.getValue("reviewDeadline")).to.equal(reviewDeadline);
      await expect(tx).to.emit(c.staking, "ValidatorsDrawn");

      expect(sub.status).to.equal(STATUS.Reviewing);
      expect(sub.reviewDeadline).to.equal(reviewDeadline);
      expect(sub.voted).to.equal(0n);
      expect(sub.accepts).to.equal(0n);
      for (const member of panel) {
        const s = await stakeState(c, member);
        expect(s.locked).to.equal(REVIEW_STAKE);
        expect(s.staked).to.equal(5n * MIN_STAKE);
      }
    });

    it("never draws the requester or the worker even when both (and another worker) are staked, over several submissions", async function () {
      const c = await loadFixture(reviewFixture);
      for (const s of [c.requester, c.worker, c.otherWorker]) await stakeAs(c, s, 5n * MIN_STAKE);
      // Eight stakers; a panel of five out of the six that are neither requester nor worker.
      const seen = new Set<string>();
      for (let t = 0; t < 4; t++) {
        const taskId = await post(c, { panelSize: 5n, quorum: 3n });
        for (const worker of [c.worker, c.otherWorker]) {
          const { panel } = await submitAndDrawAs(c, worker, taskId, `w${t}`);
          const members = lower(panel);
          expect(members).to.have.length(5);
          expect(new Set(members).size).to.equal(5);
          expect(members).to.not.include(c.requester.address.toLowerCase());
          expect(members).to.not.include(worker.address.toLowerCase());
          for (const m of members) seen.add(m);
        }
      }
      expect(seen.has(c.requester.address.toLowerCase())).to.equal(false);
    });

    it("a second drawPanel after the draw reverts TasksWrongStatus(id, Reviewing)", async function () {
      const c = await loadFixture(reviewFixture);
      const taskId = await post(c);
      const { submissionId } = await submitAndDrawAs(c, c.worker, taskId);
      await expect(c.tasks.drawPanel(submissionId))
        .to.be.revertedWithCustomError(c.tasks, "TasksWrongStatus")
        .withArgs(submissionId, STATUS.Reviewing);
    });

    it("an unknown submission reverts TasksUnknownSubmission", async function () {
      const c = await loadFixture(reviewFixture);
      await expect(c.tasks.drawPanel(7n)).to.be.revertedWithCustomError(c.tasks, "TasksUnknownSubmission").withArgs(7n);
    });

    it("works in the block whose timestamp is exactly the draw-by deadline (submission time + reviewWindow)", async function () {
      const c = await loadFixture(reviewFixture);
      const taskId = await post(c);
      const tx = await c.tasks.connect(c.worker).submit(taskId, id("w"), "ipfs://w");
      const { timestamp } = await blockOf(tx);
      const drawBy = (await c.tasks.getSubmission(1n)).reviewDeadline;
      expect(drawBy).to.equal(timestamp + REVIEW_WINDOW);
      await mine(1);
      await time.setNextBlockTimestamp(drawBy);
      await expect(c.tasks.drawPanel(1n))
        .to.emit(c.tasks, "PanelDrawn")
        .withArgs(1n, 0n, anyValue, drawBy + REVIEW_WINDOW);
    });

    it("after the draw-by deadline drawPanel and renewPanelSeed revert TasksWindowClosed; finalize (refused before) voids it: bond back to the worker, slot and escrow back to the task", async function () {
      const c = await loadFixture(reviewFixture);
      const taskId = await post(c);
      const fundsBefore = (await c.tasks.getTask(taskId)).funds;
      const submissionId = await submitAs(c, c.worker, taskId);
      const drawBy = (await c.tasks.getSubmission(submissionId)).reviewDeadline;
      await mine(1);
      await expect(c.tasks.finalize(submissionId))
        .to.be.revertedWithCustomError(c.tasks, "TasksWindowOpen")
        .withArgs(submissionId, drawBy);

      await time.increaseTo(drawBy + 1n);
      await expect(c.tasks.drawPanel(submissionId))
        .to.be.revertedWithCustomError(c.tasks, "TasksWindowClosed")
        .withArgs(submissionId, drawBy);
      await expect(c.tasks.renewPanelSeed(submissionId))
        .to.be.revertedWithCustomError(c.tasks, "TasksWindowClosed")
        .withArgs(submissionId, drawBy);

      await expect(c.tasks.connect(c.stranger).finalize(submissionId))
        .to.emit(c.tasks, "SubmissionFinalized")
        .withArgs(submissionId, taskId, STATUS.Voided, BOND, 0n);
      const sub = await c.tasks.getSubmission(submissionId);
      expect(sub.status).to.equal(STATUS.Voided);
      expect(sub.panel).to.have.length(0);
      expect(await c.tasks.balanceOf(c.tokenAddress, c.worker.address)).to.equal(BOND);
      const task = await c.tasks.getTask(taskId);
      expect(task.pending).to.equal(0n);
      expect(task.funds).to.equal(fundsBefore);
      expect(await c.tasks.workerRecord(c.worker.address)).to.deep.equal([0n, 0n]);
      await expect(c.tasks.finalize(submissionId))
        .to.be.revertedWithCustomError(c.tasks, "TasksWrongStatus")
        .withArgs(submissionId, STATUS.Voided);
    });

    it("with fewer eligible validators than panelSize reverts staking's StakingNotEnoughEligibleValidators(panelSize, found)", async function () {
      const c = await loadFixture(reviewFixture);
      const taskId = await post(c, { panelSize: 7n, quorum: 4n });
      const submissionId = await submitAs(c, c.worker, taskId);
      await mine(1);
      await expect(c.tasks.drawPanel(submissionId))
        .to.be.revertedWithCustomError(c.staking, "StakingNotEnoughEligibleValidators")
        .withArgs(7n, 5n);
      expect((await c.tasks.getSubmission(submissionId)).status).to.equal(STATUS.Drawing);
      for (const v of c.validators) expect((await stakeState(c, v)).locked).to.equal(0n);
    });

    it("renewPanelSeed reverts RandomnessAlreadyRequested while the seed is live (up to 256 blocks after its block); after that it requests a new seed and drawPanel succeeds", async function () {
      const c = await loadFixture(reviewFixture);
      const taskId = await post(c);
      const tx = await c.tasks.connect(c.worker).submit(taskId, id("w"), "ipfs://w");
      const { number } = await blockOf(tx);
      const submissionId = 1n;
      const request = seedRequest(c.registry, submissionId);
      const seedBlock = number + 1n;

      await expect(c.tasks.renewPanelSeed(submissionId))
        .to.be.revertedWithCustomError(c.randomness, "RandomnessAlreadyRequested")
        .withArgs(c.stakingAddress, request);
      // The last block in which the seed is still derivable: still refused.
      await mine(Number(seedBlock + 256n - 1n) - (await latest()));
      await expect(c.tasks.renewPanelSeed(submissionId))
        .to.be.revertedWithCustomError(c.randomness, "RandomnessAlreadyRequested")
        .withArgs(c.stakingAddress, request);
      // Expired: drawing is impossible, renewing works.
      const now = BigInt(await latest());
      if (now < seedBlock + 256n) await mine(Number(seedBlock + 256n - now));
      await expect(c.tasks.drawPanel(submissionId))
        .to.be.revertedWithCustomError(c.randomness, "RandomnessExpired")
        .withArgs(c.stakingAddress, request, seedBlock + 1n);
      const renew = await c.tasks.renewPanelSeed(submissionId);
      const renewed = await blockOf(renew);
      await expect(renew)
        .to.emit(c.tasks, "PanelRequested")
        .withArgs(submissionId, 0n, renewed.number + 2n);
      await mine(1);
      await expect(c.tasks.drawPanel(submissionId)).to.emit(c.tasks, "PanelDrawn");
      expect((await c.tasks.getSubmission(submissionId)).status).to.equal(STATUS.Reviewing);
    });

    it("at exactly the draw-by deadline finalize is still refused", async function () {
      const c = await loadFixture(reviewFixture);
      const taskId = await post(c);
      const submissionId = await submitAs(c, c.worker, taskId);
      const drawBy = (await c.tasks.getSubmission(submissionId)).reviewDeadline;
      await mine(300);
      await time.setNextBlockTimestamp(drawBy);
      await expect(c.tasks.finalize(submissionId))
        .to.be.revertedWithCustomError(c.tasks, "TasksWindowOpen")
        .withArgs(submissionId, drawBy);
    });

    it("at exactly the draw-by deadline renewPanelSeed (after the seed expired) still works", async function () {
      const c = await loadFixture(reviewFixture);
      const taskId = await post(c);
      const submissionId = await submitAs(c, c.worker, taskId);
      const drawBy = (await c.tasks.getSubmission(submissionId)).reviewDeadline;
      await mine(300);
      await time.setNextBlockTimestamp(drawBy);
      await expect(c.tasks.renewPanelSeed(submissionId)).to.emit(c.tasks, "PanelRequested");
    });

    it("renewPanelSeed on a submission that is not Drawing reverts TasksWrongStatus", async function () {
      const c = await loadFixture(reviewFixture);
      const taskId = await post(c);
      const { submissionId } = await submitAndDrawAs(c, c.worker, taskId);
      await expect(c.tasks.renewPanelSeed(submissionId))
        .to.be.revertedWithCustomError(c.tasks, "TasksWrongStatus")
        .withArgs(submissionId, STATUS.Reviewing);
    });
  });

  // ─── attest ────────────────────────────────────────────────────────────────

  describe("attest", function () {
    it("a caller not on the panel, a member in another member's seat, or any seat >= 7 reverts TasksNotOnPanel(id, seat, caller)", async function () {
      const c = await loadFixture(reviewFixture);
      const taskId = await post(c);
      const { submissionId, panel } = await submitAndDrawAs(c, c.worker, taskId);
      const outsider = c.validators.find((v) => !lower(panel).includes(v.address.toLowerCase()));
      if (outsider === undefined) throw new Error("every validator is on the panel");
      const member0 = await signer(at(panel, 0));

      for (const caller of [c.stranger, outsider, c.worker, c.requester]) {
        await expect(c.tasks.connect(caller).attest(submissionId, 0, true, id("r")))
          .to.be.revertedWithCustomError(c.tasks, "TasksNotOnPanel")
          .withArgs(submissionId, 0n, caller.address);
      }
      for (const seat of [1n, 2n, 3n, 6n, 7n, 8n, 255n, MaxUint256]) {
        await expect(c.tasks.connect(member0).attest(submissionId, seat, true, id("r")))
          .to.be.revertedWithCustomError(c.tasks, "TasksNotOnPanel")
          .withArgs(submissionId, seat, member0.address);
      }
      // The empty seats of a 3-member panel (3-6) hold leaf 0, which no one who never staked may claim.
      for (const caller of [c.stranger, c.requester, c.worker]) {
        for (const seat of [3n, 4n, 5n, 6n]) {
          await expect(c.tasks.connect(caller).attest(submissionId, seat, true, id("r")))
            .to.be.revertedWithCustomError(c.tasks, "TasksNotOnPanel")
            .withArgs(submissionId, seat, caller.address);
        }
      }
      const sub = await c.tasks.getSubmission(submissionId);
      expect(sub.voted).to.equal(0n);
      expect(sub.status).to.equal(STATUS.Reviewing);
    });

    it("attesting on a submission still Drawing or unknown reverts TasksWrongStatus", async function () {
      const c = await loadFixture(reviewFixture);
      const taskId = await post(c);
      const submissionId = await submitAs(c, c.worker, taskId);
      await expect(c.tasks.connect(c.alice).attest(submissionId, 0, true, id("r")))
        .to.be.revertedWithCustomError(c.tasks, "TasksWrongStatus")
        .withArgs(submissionId, STATUS.Drawing);
      await expect(c.tasks.connect(c.alice).attest(99n, 0, true, id("r")))
        .to.be.revertedWithCustomError(c.tasks, "TasksWrongStatus")
        .withArgs(99n, STATUS.None);
    });

    it("emits Attested(id, member, accept, reasonHash), records the seat's vote, and a second attestation by the same member reverts TasksAlreadyAttested", async function () {
      const c = await loadFixture(reviewFixture);
      const taskId = await post(c);
      const { submissionId, panel } = await submitAndDrawAs(c, c.worker, taskId);
      const member = await signer(at(panel, 1));
      await expect(c.tasks.connect(member).attest(submissionId, 1, false, id("too blurry")))
        .to.emit(c.tasks, "Attested")
        .withArgs(submissionId, member.address, false, id("too blurry"));
      let sub = await c.tasks.getSubmission(submissionId);
      expect(sub.voted).to.equal(2n);
      expect(sub.accepts).to.equal(0n);
      expect(sub.status).to.equal(STATUS.Reviewing);

      for (const accept of [false, true]) {
        await expect(c.tasks.connect(member).attest(submissionId, 1, accept, id("again")))
          .to.be.revertedWithCustomError(c.tasks, "TasksAlreadyAttested")
          .withArgs(submissionId, member.address);
      }
      sub = await c.tasks.getSubmission(submissionId);
      expect(sub.voted).to.equal(2n);
      expect(sub.accepts).to.equal(0n);
    });

    it("is open until the review deadline inclusive, then reverts TasksWindowClosed(id, reviewDeadline)", async function () {
      const c = await loadFixture(reviewFixture);
      const taskId = await post(c, { panelSize: 5n, quorum: 5n });
      const { submissionId, panel } = await submitAndDrawAs(c, c.worker, taskId);
      const { reviewDeadline } = await c.tasks.getSubmission(submissionId);
      await time.setNextBlockTimestamp(reviewDeadline);
      await expect(attestSeat(c, submissionId, panel, 0, true)).to.emit(c.tasks, "Attested");
      await expect(attestSeat(c, submissionId, panel, 1, true))
        .to.be.revertedWithCustomError(c.tasks, "TasksWindowClosed")
        .withArgs(submissionId, reviewDeadline);
      expect((await c.tasks.getSubmission(submissionId)).voted).to.equal(1n);
    });

    it("reaching quorum on accept makes it Provisional with VerdictReached(id, true, now + disputeWindow)", async function () {
      const c = await loadFixture(reviewFixture);
      const taskId = await post(c, { panelSize: 5n, quorum: 3n });
      const { submissionId, panel } = await submitAndDrawAs(c, c.worker, taskId);
      await (await attestSeat(c, submissionId, panel, 0, true)).wait();
      await (await attestSeat(c, submissionId, panel, 1, false)).wait();
      await (await attestSeat(c, submissionId, panel, 2, true)).wait();
      expect((await c.tasks.getSubmission(submissionId)).status).to.equal(STATUS.Reviewing);
      const tx = await attestSeat(c, submissionId, panel, 3, true);
      const { timestamp } = await blockOf(tx);
      await expect(tx)
        .to.emit(c.tasks, "VerdictReached")
        .withArgs(submissionId, true, timestamp + DISPUTE_WINDOW);
      const sub = await c.tasks.getSubmission(submissionId);
      expect(sub.status).to.equal(STATUS.Provisional);
      expect(sub.verdict).to.equal(1n);
      expect(sub.disputeDeadline).to.equal(timestamp + DISPUTE_WINDOW);
      expect(sub.voted).to.equal(0b1111n);
      expect(sub.accepts).to.equal(0b1101n);
    });

    it("reaching quorum on reject makes it Provisional with VerdictReached(id, false, now + disputeWindow) and verdict 2", async function () {
      const c = await loadFixture(reviewFixture);
      const taskId = await post(c);
      const { submissionId, panel } = await submitAndDrawAs(c, c.worker, taskId);
      await (await attestSeat(c, submissionId, panel, 2, false)).wait();
      const tx = await attestSeat(c, submissionId, panel, 0, false);
      const { timestamp } = await blockOf(tx);
      await expect(tx)
        .to.emit(c.tasks, "VerdictReached")
        .withArgs(submissionId, false, timestamp + DISPUTE_WINDOW);
      const sub = await c.tasks.getSubmission(submissionId);
      expect(sub.status).to.equal(STATUS.Provisional);
      expect(sub.verdict).to.equal(2n);
    });

    it("members may still attest after the verdict until the review deadline; a late vote against the verdict does not flip it", async function () {
      const c = await loadFixture(reviewFixture);
      const taskId = await post(c, { panelSize: 5n, quorum: 3n });
      const { submissionId, panel } = await submitAndDrawAs(c, c.worker, taskId);
      await vote(c, submissionId, [true, true, true, null, null]);
      const atVerdict = await c.tasks.getSubmission(submissionId);
      expect(atVerdict.status).to.equal(STATUS.Provisional);

      await expect(attestSeat(c, submissionId, panel, 3, false))
        .to.emit(c.tasks, "Attested")
        .and.not.to.emit(c.tasks, "VerdictReached");
      // A late vote that agrees with the verdict reaches the quorum again, but the verdict is not re-reached.
      await time.setNextBlockTimestamp(atVerdict.reviewDeadline);
      await expect(attestSeat(c, submissionId, panel, 4, true))
        .to.emit(c.tasks, "Attested")
        .and.not.to.emit(c.tasks, "VerdictReached");

      const sub = await c.tasks.getSubmission(submissionId);
      expect(sub.status).to.equal(STATUS.Provisional);
      expect(sub.verdict).to.equal(1n);
      expect(sub.disputeDeadline).to.equal(atVerdict.disputeDeadline);
      expect(sub.voted).to.equal(0b11111n);
      expect(sub.accepts).to.equal(0b10111n);
    });
  });

  // ─── finalize of a provisional verdict ─────────────────────────────────────

  describe("finalize (provisional verdict)", function () {
    it("with a validator fee of 0 (governance set it before the task), coherent members are unlocked and credited nothing, and PanelSettled reports a share of 0", async function () {
      const c = await loadFixture(reviewFixture);
      await asGovernance(c.timelock, async (timelock) => {
        await (await c.tasks.connect(timelock).setParameter(encodeBytes32String("validatorFeeBps"), 0n)).wait();
      });
      const taskId = await post(c);
      expect((await c.tasks.getTask(taskId)).validatorFee).to.equal(0n);
      const { submissionId, panel } = await submitAndDrawAs(c, c.worker, taskId);
      await vote(c, submissionId, [true, true, true]);
      await time.increase(3 * DAY);
      await expect(c.tasks.finalize(submissionId))
        .to.emit(c.tasks, "PanelSettled")
        .withArgs(submissionId, 0n, 0b111n, 0n, 0n);
      for (const member of panel) {
        expect(await c.tasks.balanceOf(await c.token.getAddress(), member)).to.equal(0n);
        expect((await stakeState(c, member)).locked).to.equal(0n);
      }
    });

    it("is refused (TasksWindowOpen(id, disputeDeadline)) until after the dispute deadline, then (TasksWindowOpen(id, reviewDeadline)) while a member has not attested and the review window is open; once every member attested it works", async function () {
      const c = await loadFixture(reviewFixture);
      // A review window longer than the dispute window.
      const taskId = await post(c, { reviewWindow: 5n * REVIEW_WINDOW });
      const { submissionId, panel } = await submitAndDrawAs(c, c.worker, taskId);
      await vote(c, submissionId, [true, true, null]);
      const { disputeDeadline, reviewDeadline } = await c.tasks.getSubmission(submissionId);
      expect(reviewDeadline > disputeDeadline).to.equal(true);

      await expect(c.tasks.finalize(submissionId))
        .to.be.revertedWithCustomError(c.tasks, "TasksWindowOpen")
        .withArgs(submissionId, disputeDeadline);
      await time.setNextBlockTimestamp(disputeDeadline);
      await expect(c.tasks.finalize(submissionId))
        .to.be.revertedWithCustomError(c.tasks, "TasksWindowOpen")
        .withArgs(submissionId, disputeDeadline);
      await time.increaseTo(disputeDeadline + 1n);
      await expect(c.tasks.finalize(submissionId))
        .to.be.revertedWithCustomError(c.tasks, "TasksWindowOpen")
        .withArgs(submissionId, reviewDeadline);
      expect((await c.tasks.getSubmission(submissionId)).status).to.equal(STATUS.Provisional);

      await (await attestSeat(c, submissionId, panel, 2, true)).wait();
      await expect(c.tasks.finalize(submissionId))
        .to.emit(c.tasks, "SubmissionFinalized")
        .withArgs(submissionId, taskId, STATUS.Accepted, REWARD + BOND, 0n);
    });

    it("with every member attested it is still refused until the dispute deadline has passed", async function () {
      const c = await loadFixture(reviewFixture);
      const taskId = await post(c);
      const { submissionId } = await submitAndDrawAs(c, c.worker, taskId);
      await vote(c, submissionId, [true, true, true]);
      const { disputeDeadline } = await c.tasks.getSubmission(submissionId);
      await time.setNextBlockTimestamp(disputeDeadline);
      await expect(c.tasks.finalize(submissionId))
        .to.be.revertedWithCustomError(c.tasks, "TasksWindowOpen")
        .withArgs(submissionId, disputeDeadline);
      await expect(c.tasks.finalize(submissionId)).to.emit(c.tasks, "SubmissionFinalized");
    });

    it("with a member absent it is refused at the review deadline itself and works one second later", async function () {
      const c = await loadFixture(reviewFixture);
      const taskId = await post(c, { reviewWindow: 5n * REVIEW_WINDOW });
      const { submissionId } = await submitAndDrawAs(c, c.worker, taskId);
      await vote(c, submissionId, [false, false, null]);
      const { reviewDeadline } = await c.tasks.getSubmission(submissionId);
      await time.setNextBlockTimestamp(reviewDeadline);
      await expect(c.tasks.finalize(submissionId))
        .to.be.revertedWithCustomError(c.tasks, "TasksWindowOpen")
        .withArgs(submissionId, reviewDeadline);
      await expect(c.tasks.finalize(submissionId)).to.emit(c.tasks, "SubmissionFinalized");
      expect((await c.tasks.getSubmission(submissionId)).status).to.equal(STATUS.Rejected);
    });

    it("on a submission still Reviewing (no verdict) or already final reverts TasksWrongStatus", async function () {
      const c = await loadFixture(reviewFixture);
      const taskId = await post(c);
      const { submissionId } = await submitAndDrawAs(c, c.worker, taskId);
      await vote(c, submissionId, [true, false, null]);
      await time.increase(10n * BigInt(DAY));
      await expect(c.tasks.finalize(submissionId))
        .to.be.revertedWithCustomError(c.tasks, "TasksWrongStatus")
        .withArgs(submissionId, STATUS.Reviewing);
      await expect(c.tasks.finalize(42n))
        .to.be.revertedWithCustomError(c.tasks, "TasksUnknownSubmission")
        .withArgs(42n);
    });

    it("accept: pays the worker reward + bond, coherent members share the validator fee (dust back to the task), the dissenter gets nothing and is not slashed, the absentee is slashed the liveness penalty (25% to the treasury, the rest burnt), every lock is released; acceptedCount and workerRecord update", async function () {
      const c = await loadFixture(reviewFixture);
      const taskId = await post(c, { panelSize: 5n, quorum: 3n });
      const fundsAtStart = (await c.tasks.getTask(taskId)).funds;
      const { submissionId, panel } = await submitAndDrawAs(c, c.worker, taskId);
      await vote(c, submissionId, [true, true, true, false, null]);
      await time.increase(DISPUTE_WINDOW + 1n);
      const absent = at(panel, 4);
      const dissenter = at(panel, 3);
      const supplyBefore = await c.token.totalSupply();
      const stakesBefore = await Promise.all(panel.map((m) => stakeState(c, m)));
      for (const s of stakesBefore) expect(s.locked).to.equal(REVIEW_STAKE);

      const tx = await c.tasks.connect(c.stranger).finalize(submissionId);
      const share = VALIDATOR_FEE / 3n;
      const dust = VALIDATOR_FEE - 3n * share;
      expect(dust).to.equal(2n);
      await expect(tx)
        .to.emit(c.tasks, "SubmissionFinalized")
        .withArgs(submissionId, taskId, STATUS.Accepted, REWARD + BOND, 0n);
      await expect(tx).to.emit(c.tasks, "PanelSettled").withArgs(submissionId, 0n, 0b00111n, share, 0b10000n);
      await expect(tx)
        .to.emit(c.staking, "Slashed")
        .withArgs(
          absent,
          c.registry,
          c.treasury,
          LIVENESS_PENALTY,
          LIVENESS_PENALTY / 4n,
          (LIVENESS_PENALTY * 3n) / 4n,
        );
      await expect(tx).to.changeTokenBalance(c.token, c.treasury, LIVENESS_PENALTY / 4n);
      expect(await c.token.totalSupply()).to.equal(supplyBefore - (LIVENESS_PENALTY * 3n) / 4n);

      const sub = await c.tasks.getSubmission(submissionId);
      expect(sub.status).to.equal(STATUS.Accepted);
      expect(await c.tasks.balanceOf(c.tokenAddress, c.worker.address)).to.equal(REWARD + BOND);
      for (const seat of [0, 1, 2]) {
        expect(await c.tasks.balanceOf(c.tokenAddress, at(panel, seat))).to.equal(share);
      }
      expect(await c.tasks.balanceOf(c.tokenAddress, dissenter)).to.equal(0n);
      expect(await c.tasks.balanceOf(c.tokenAddress, absent)).to.equal(0n);
      for (const [seat, member] of panel.entries()) {
        const s = await stakeState(c, member);
        expect(s.locked).to.equal(0n);
        const before = stakesBefore[seat];
        if (before === undefined) throw new Error("missing stake");
        expect(s.staked).to.equal(member === absent ? before.staked - LIVENESS_PENALTY : before.staked);
      }

      const task = await c.tasks.getTask(taskId);
      expect(task.accepted).to.equal(1n);
      expect(task.pending).to.equal(0n);
      expect(task.funds).to.equal(fundsAtStart - RESERVATION + dust);
      expect(task.unsweptProtocolFees).to.equal(PROTOCOL_FEE);
      expect(await c.tasks.acceptedCount(taskId, c.worker.address)).to.equal(1n);
      expect(await c.tasks.workerRecord(c.worker.address)).to.deep.equal([1n, 0n]);
      await expect(c.tasks.finalize(submissionId))
        .to.be.revertedWithCustomError(c.tasks, "TasksWrongStatus")
        .withArgs(submissionId, STATUS.Accepted);
    });

    it("an odd validator fee split between 2 coherent members leaves its 1 wei of dust in the task's funds", async function () {
      const c = await loadFixture(reviewFixture);
      const reward = REWARD + 20n; // validator fee 5 CRP + 1 wei
      const taskId = await post(c, { reward });
      const task0 = await c.tasks.getTask(taskId);
      expect(task0.validatorFee).to.equal(VALIDATOR_FEE + 1n);
      const reservation = reward + task0.validatorFee + task0.protocolFee;
      const { submissionId, panel } = await submitAndDrawAs(c, c.worker, taskId);
      expect((await c.tasks.getTask(taskId)).funds).to.equal(task0.funds - reservation);
      await vote(c, submissionId, [true, false, true]);
      await time.increase(DISPUTE_WINDOW + 1n);
      const share = (VALIDATOR_FEE + 1n) / 2n;
      await expect(c.tasks.finalize(submissionId))
        .to.emit(c.tasks, "PanelSettled")
        .withArgs(submissionId, 0n, 0b101n, share, 0n);
      expect(await c.tasks.balanceOf(c.tokenAddress, at(panel, 0))).to.equal(share);
      expect(await c.tasks.balanceOf(c.tokenAddress, at(panel, 2))).to.equal(share);
      expect(await c.tasks.balanceOf(c.tokenAddress, at(panel, 1))).to.equal(0n);
      expect((await c.tasks.getTask(taskId)).funds).to.equal(task0.funds - reservation + 1n);
      expect(await c.tasks.balanceOf(c.tokenAddress, c.worker.address)).to.equal(reward + BOND);
    });

    it("reject: the bond goes to the requester, the slot is freed, reward + protocol fee return to the task's funds, the rejecting members share the fee and workerRecord.rejected increments", async function () {
      const c = await loadFixture(reviewFixture);
      const taskId = await post(c);
      const fundsAtStart = (await c.tasks.getTask(taskId)).funds;
      const { submissionId, panel } = await submitAndDrawAs(c, c.worker, taskId);
      await vote(c, submissionId, [false, true, false]);
      await time.increase(DISPUTE_WINDOW + 1n);
      const tx = await c.tasks.finalize(submissionId);
      await expect(tx)
        .to.emit(c.tasks, "SubmissionFinalized")
        .withArgs(submissionId, taskId, STATUS.Rejected, 0n, BOND);
      await expect(tx).not.to.emit(c.staking, "Slashed");
      expect((await c.tasks.getSubmission(submissionId)).status).to.equal(STATUS.Rejected);
      expect(await c.tasks.balanceOf(c.tokenAddress, c.requester.address)).to.equal(BOND);
      expect(await c.tasks.balanceOf(c.tokenAddress, c.worker.address)).to.equal(0n);
      expect(await c.tasks.balanceOf(c.tokenAddress, at(panel, 0))).to.equal(VALIDATOR_FEE / 2n);
      expect(await c.tasks.balanceOf(c.tokenAddress, at(panel, 2))).to.equal(VALIDATOR_FEE / 2n);
      expect(await c.tasks.balanceOf(c.tokenAddress, at(panel, 1))).to.equal(0n);
      for (const member of panel) expect((await stakeState(c, member)).locked).to.equal(0n);
      const task = await c.tasks.getTask(taskId);
      expect(task.pending).to.equal(0n);
      expect(task.accepted).to.equal(0n);
      expect(task.funds).to.equal(fundsAtStart - VALIDATOR_FEE);
      expect(task.unsweptProtocolFees).to.equal(0n);
      expect(await c.tasks.acceptedCount(taskId, c.worker.address)).to.equal(0n);
      expect(await c.tasks.workerRecord(c.worker.address)).to.deep.equal([0n, 1n]);
    });
  });

  // ─── closeRound ────────────────────────────────────────────────────────────

  describe("closeRound", function () {
    it("is refused (TasksWindowOpen(id, reviewDeadline)) until the review deadline has passed, and on a Provisional verdict (TasksWrongStatus)", async function () {
      const c = await loadFixture(reviewFixture);
      const taskId = await post(c);
      const { submissionId } = await submitAndDrawAs(c, c.worker, taskId);
      await vote(c, submissionId, [true, false, null]);
      const { reviewDeadline } = await c.tasks.getSubmission(submissionId);
      await expect(c.tasks.closeRound(submissionId))
        .to.be.revertedWithCustomError(c.tasks, "TasksWindowOpen")
        .withArgs(submissionId, reviewDeadline);
      await time.setNextBlockTimestamp(reviewDeadline);
      await expect(c.tasks.closeRound(submissionId))
        .to.be.revertedWithCustomError(c.tasks, "TasksWindowOpen")
        .withArgs(submissionId, reviewDeadline);
      await expect(c.tasks.closeRound(submissionId)).to.emit(c.tasks, "NoAgreement");

      const other = await submitAndDrawAs(c, c.otherWorker, taskId);
      await vote(c, other.submissionId, [true, true, null]);
      await time.increase(REVIEW_WINDOW + 1n);
      await expect(c.tasks.closeRound(other.submissionId))
        .to.be.revertedWithCustomError(c.tasks, "TasksWrongStatus")
        .withArgs(other.submissionId, STATUS.Provisional);
    });

    it("slashes the absentees the liveness penalty, unlocks everyone, pays no fee, emits NoAgreement(id, 0, false, 0) and requests round 1's panel (status Drawing)", async function () {
      const c = await loadFixture(reviewFixture);
      const taskId = await post(c);
      const { submissionId, panel } = await submitAndDrawAs(c, c.worker, taskId);
      const fundsAfterSubmit = (await c.tasks.getTask(taskId)).funds;
      await vote(c, submissionId, [true, false, null]);
      const { reviewDeadline } = await c.tasks.getSubmission(submissionId);
      await time.increaseTo(reviewDeadline + 1n);
      const stakesBefore = await Promise.all(panel.map((m) => stakeState(c, m)));

      const tx = await c.tasks.connect(c.stranger).closeRound(submissionId);
      const { number, timestamp } = await blockOf(tx);
      await expect(tx).to.emit(c.tasks, "NoAgreement").withArgs(submissionId, 0n, false, 0n);
      await expect(tx)
        .to.emit(c.tasks, "PanelRequested")
        .withArgs(submissionId, 1n, number + 2n);
      await expect(tx).to.emit(c.tasks, "PanelSettled").withArgs(submissionId, 0n, 0n, 0n, 0b100n);
      await expect(tx)
        .to.emit(c.staking, "Slashed")
        .withArgs(
          at(panel, 2),
          c.registry,
          c.treasury,
          LIVENESS_PENALTY,
          LIVENESS_PENALTY / 4n,
          (LIVENESS_PENALTY * 3n) / 4n,
        );
      await expect(tx).to.changeTokenBalance(c.token, c.treasury, LIVENESS_PENALTY / 4n);

      for (const [seat, member] of panel.entries()) {
        const s = await stakeState(c, member);
        expect(s.locked).to.equal(0n);
        const before = stakesBefore[seat];
        if (before === undefined) throw new Error("missing stake");
        expect(s.staked).to.equal(seat === 2 ? before.staked - LIVENESS_PENALTY : before.staked);
        expect(await c.tasks.balanceOf(c.tokenAddress, member)).to.equal(0n);
      }
      const sub = await c.tasks.getSubmission(submissionId);
      expect(sub.status).to.equal(STATUS.Drawing);
      expect(sub.round).to.equal(1n);
      expect(sub.reviewDeadline).to.equal(timestamp + REVIEW_WINDOW);
      // The reservation (validator fee included) stays with the submission.
      const task = await c.tasks.getTask(taskId);
      expect(task.funds).to.equal(fundsAfterSubmit);
      expect(task.pending).to.equal(1n);
      await expect(c.tasks.closeRound(submissionId))
        .to.be.revertedWithCustomError(c.tasks, "TasksWrongStatus")
        .withArgs(submissionId, STATUS.Drawing);
    });

    it("the redraw excludes the previous panel: with 5 validators and a panel of 3 it finds only 2 (StakingNotEnoughEligibleValidators(3, 2)); with one more validator it draws the 2 others and the newcomer", async function () {
      const c = await loadFixture(reviewFixture);
      const taskId = await post(c);
      const { submissionId, panel } = await submitAndDrawAs(c, c.worker, taskId);
      await time.increase(REVIEW_WINDOW + 1n);
      await (await c.tasks.closeRound(submissionId)).wait();
      await mine(1);
      await expect(c.tasks.drawPanel(submissionId))
        .to.be.revertedWithCustomError(c.staking, "StakingNotEnoughEligibleValidators")
        .withArgs(3n, 2n);

      const [newcomer] = await stakeExtraValidators(c, 1);
      if (newcomer === undefined) throw new Error("no newcomer");
      const tx = await c.tasks.drawPanel(submissionId);
      await expect(tx).to.emit(c.tasks, "PanelDrawn");
      const sub = await c.tasks.getSubmission(submissionId);
      expect(sub.status).to.equal(STATUS.Reviewing);
      expect(sub.round).to.equal(1n);
      const previous = new Set(lower(panel));
      const redrawn = lower(sub.panel);
      for (const m of redrawn) expect(previous.has(m)).to.equal(false);
      const expected = new Set([
        ...lower(c.validators.map((v) => v.address)).filter((v) => !previous.has(v)),
        newcomer.address.toLowerCase(),
      ]);
      expect(new Set(redrawn)).to.deep.equal(expected);
      for (const m of redrawn) expect((await stakeState(c, m)).locked).to.equal(REVIEW_STAKE);
    });

    it("after maxPanelRounds (3) rounds without agreement it becomes NoAgreement(id, 2, true, now + disputeWindow); finalize is refused until that escalate deadline has passed, then voids it: bond back to the worker, escrow back to the task", async function () {
      const c = await loadFixture(reviewFixture);
      await stakeExtraValidators(c, 4);
      const taskId = await post(c, { deadline: BigInt(await time.latest()) + 30n * BigInt(DAY) });
      const fundsAtStart = (await c.tasks.getTask(taskId)).funds;
      const submissionId = await submitAs(c, c.worker, taskId);
      let previous: string[] = [];
      let escalateBy = 0n;
      for (let round = 0n; round < MAX_PANEL_ROUNDS; round++) {
        const panel = lower([...(await drawPanelWhenReady(c, submissionId))]);
        expect((await c.tasks.getSubmission(submissionId)).round).to.equal(round);
        for (const m of panel) expect(previous).to.not.include(m);
        // A split vote: no verdict, one absentee.
        await vote(c, submissionId, [true, false, null]);
        await time.increase(REVIEW_WINDOW + 1n);
        const tx = await c.tasks.closeRound(submissionId);
        const { timestamp } = await blockOf(tx);
        const finalRound = round === MAX_PANEL_ROUNDS - 1n;
        if (finalRound) escalateBy = timestamp + DISPUTE_WINDOW;
        await expect(tx)
          .to.emit(c.tasks, "NoAgreement")
          .withArgs(submissionId, round, finalRound, finalRound ? escalateBy : 0n);
        if (finalRound) await expect(tx).not.to.emit(c.tasks, "PanelRequested");
        await expect(tx).to.emit(c.staking, "Slashed");
        for (const m of panel) expect((await stakeState(c, m)).locked).to.equal(0n);
        previous = panel;
      }
      const sub = await c.tasks.getSubmission(submissionId);
      expect(sub.status).to.equal(STATUS.NoAgreement);
      expect(sub.round).to.equal(MAX_PANEL_ROUNDS - 1n);
      expect(sub.disputeDeadline).to.equal(escalateBy);
      await expect(c.tasks.drawPanel(submissionId))
        .to.be.revertedWithCustomError(c.tasks, "TasksWrongStatus")
        .withArgs(submissionId, STATUS.NoAgreement);

      await expect(c.tasks.finalize(submissionId))
        .to.be.revertedWithCustomError(c.tasks, "TasksWindowOpen")
        .withArgs(submissionId, escalateBy);
      await time.setNextBlockTimestamp(escalateBy);
      await expect(c.tasks.finalize(submissionId))
        .to.be.revertedWithCustomError(c.tasks, "TasksWindowOpen")
        .withArgs(submissionId, escalateBy);
      await expect(c.tasks.finalize(submissionId))
        .to.emit(c.tasks, "SubmissionFinalized")
        .withArgs(submissionId, taskId, STATUS.Voided, BOND, 0n);
      expect((await c.tasks.getSubmission(submissionId)).status).to.equal(STATUS.Voided);
      expect(await c.tasks.balanceOf(c.tokenAddress, c.worker.address)).to.equal(BOND);
      const task = await c.tasks.getTask(taskId);
      expect(task.funds).to.equal(fundsAtStart);
      expect(task.pending).to.equal(0n);
      expect(await c.tasks.workerRecord(c.worker.address)).to.deep.equal([0n, 0n]);
    });
  });

  // ─── views ─────────────────────────────────────────────────────────────────

  describe("views", function () {
    it("getSubmission reports every field: an empty panel while drawing, then the panel by seat with voted / accepts bitmasks", async function () {
      const c = await loadFixture(reviewFixture);
      const taskId = await post(c);
      const tx = await c.tasks.connect(c.worker).submit(taskId, id("w"), "ipfs://w");
      const { timestamp } = await blockOf(tx);
      let sub = await c.tasks.getSubmission(1n);
      expect(sub.taskId).to.equal(taskId);
      expect(sub.worker).to.equal(c.worker.address);
      expect(sub.contentHash).to.equal(id("w"));
      expect(sub.status).to.equal(STATUS.Drawing);
      expect(sub.round).to.equal(0n);
      expect(sub.reviewDeadline).to.equal(timestamp + REVIEW_WINDOW);
      expect(sub.disputeDeadline).to.equal(0n);
      expect(sub.verdict).to.equal(0n);
      expect(sub.ruling).to.equal(0n);
      expect(sub.panel).to.have.length(0);
      expect(sub.voted).to.equal(0n);
      expect(sub.accepts).to.equal(0n);

      await mine(1);
      const receipt = await (await c.tasks.drawPanel(1n)).wait();
      const drawn = receipt?.logs
        .map((log) => c.tasks.interface.parseLog({ topics: [...log.topics], data: log.data }))
        .find((e) => e?.name === "PanelDrawn");
      const panel = [...(drawn?.args.getValue("panel") as string[])];
      sub = await c.tasks.getSubmission(1n);
      expect([...sub.panel]).to.deep.equal(panel);
      for (const [seat, member] of panel.entries()) {
        expect(await c.staking.leafOf(member)).to.not.equal(0n);
        expect(seatOf(sub.panel, member)).to.equal(seat);
      }
      await vote(c, 1n, [true, null, false]);
      sub = await c.tasks.getSubmission(1n);
      expect(sub.voted).to.equal(0b101n);
      expect(sub.accepts).to.equal(0b001n);
      expect(sub.status).to.equal(STATUS.Reviewing);
      await expect(c.tasks.getSubmission(2n))
        .to.be.revertedWithCustomError(c.tasks, "TasksUnknownSubmission")
        .withArgs(2n);
    });

    it("the lens's submissionsOf(registry, taskId, cursor, count) pages a task's submissions newest first through each one's link to the previous; next is 0 at the end", async function () {
      const c = await loadFixture(reviewFixture);
      const taskId = await post(c);
      const otherTask = await post(c);
      const a = await submitAs(c, c.worker, taskId, "a");
      const x = await submitAs(c, c.worker, otherTask, "x");
      const b = await submitAs(c, c.otherWorker, taskId, "b");
      const d = await submitAs(c, c.stranger, taskId, "d");
      expect((await c.tasks.getTask(taskId)).lastSubmission).to.equal(d);
      expect((await c.tasks.getSubmission(d)).previousInTask).to.equal(b);
      expect((await c.tasks.getSubmission(b)).previousInTask).to.equal(a);
      expect((await c.tasks.getSubmission(a)).previousInTask).to.equal(0n);
      const page = async (t: bigint, cursor: bigint, count: bigint) => {
        const [ids, next] = await c.tasksLens.submissionsOf(c.registry, t, cursor, count);
        return { ids: [...ids], next };
      };
      expect(await page(taskId, 0n, 10n)).to.deep.equal({ ids: [d, b, a], next: 0n });
      expect(await page(taskId, 0n, 2n)).to.deep.equal({ ids: [d, b], next: a });
      expect(await page(taskId, a, 2n)).to.deep.equal({ ids: [a], next: 0n });
      expect(await page(taskId, b, 0n)).to.deep.equal({ ids: [], next: b });
      // A count above the lens's MAX_PAGE (200) is capped, not refused.
      expect(await page(taskId, 0n, 10_000n)).to.deep.equal({ ids: [d, b, a], next: 0n });
      expect(await page(otherTask, 0n, 10n)).to.deep.equal({ ids: [x], next: 0n });
      expect(await page(999n, 0n, 10n).catch((e: Error) => e.message)).to.match(/TasksUnknownTask/);
    });

    it("the lens refuses a cursor that is not a submission of the task (TasksUnknownSubmission)", async function () {
      const c = await loadFixture(reviewFixture);
      const taskId = await post(c);
      const otherTask = await post(c);
      await submitAs(c, c.worker, taskId, "a");
      const x = await submitAs(c, c.worker, otherTask, "x");
      await expect(c.tasksLens.submissionsOf(c.registry, taskId, x, 5n))
        .to.be.revertedWithCustomError(c.tasks, "TasksUnknownSubmission")
        .withArgs(x);
    });
  });
});
