import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { AbiCoder, Wallet, id } from "ethers";
import { HostileArbitrable__factory } from "../../sdk/src/typechain";
import { CRP, deployCorpusFixture } from "../helpers/fixtures";
import { mintParams } from "../helpers/data";
import { OPENING_FEE, excludedOf } from "../helpers/disputes";
import { MIN_STAKE, fundFromTreasury } from "../helpers/staking";
import {
  ARBITRATION_FEE,
  BOND,
  PROTOCOL_FEE,
  RESERVATION,
  REWARD,
  STATUS,
  VALIDATOR_FEE,
  attestVotes,
  defaultTaskParams,
  drawPanelWhenReady,
  expectSolvent,
  postDefaultTask,
  submitWork,
  tasksFixture,
} from "../helpers/tasks";

// Griefing by volume: an attacker floods a task with submissions, floods the registry or the arbitrator with
// disputes, or hands a contract an input large enough to make a loop run out of gas. Each flood is priced
// (a worker bond per submission, an arbitration fee per dispute) and bounded (a task's slots, one live
// submission per worker, one dispute per verdict), and every loop over caller input has a MAX_* bound.

const SLOTS = 3n;
const coder = AbiCoder.defaultAbiCoder();

/** A 3-slot default task of the requester; three spammers (grace, heidi, stranger) and a late fourth (alice). */
async function spamFixture() {
  const c = await loadFixture(tasksFixture);
  const requesterBalanceBefore = await c.token.balanceOf(c.requester);
  const taskId = await postDefaultTask(c, { slots: SLOTS });
  return { c, taskId, spammers: [c.grace, c.heidi, c.stranger], requesterBalanceBefore };
}

/** Each spammer submits junk once: every slot is pending. */
async function filledFixture() {
  const f = await loadFixture(spamFixture);
  const submissions: bigint[] = [];
  for (const [i, spammer] of f.spammers.entries()) {
    submissions.push(await submitWork(f.c, spammer, f.taskId, `junk-${i}.json`));
  }
  return { ...f, submissions };
}

/** A submission the panel accepted unanimously (so the requester lost), still in its dispute window. */
async function acceptedFixture() {
  const c = await loadFixture(tasksFixture);
  const taskId = await postDefaultTask(c);
  const submissionId = await submitWork(c, c.worker, taskId);
  const panel = await drawPanelWhenReady(c, submissionId);
  await attestVotes(c, submissionId, [true, true, true]);
  expect((await c.tasks.getSubmission(submissionId)).status).to.equal(STATUS.Provisional);
  return { c, taskId, submissionId, panel };
}

function openExtraData(parties: string[]) {
  return coder.encode(["address[]"], [parties]);
}

/** A fresh contract with no standing at the arbitrator, and the extra data it disputes with. */
async function randomArbitrableFixture() {
  const c = await loadFixture(deployCorpusFixture);
  const spammer = await new HostileArbitrable__factory(c.stranger).deploy();
  return {
    c,
    spammer,
    address: await spammer.getAddress(),
    extraData: openExtraData([c.alice.address, c.bob.address]),
  };
}

/** What a dispute flood could change at the arbitrator. */
async function arbitratorState(c: Awaited<ReturnType<typeof deployCorpusFixture>>) {
  return {
    disputeCount: await c.disputes.disputeCount(),
    balance: await c.token.balanceOf(c.disputes),
    treasury: await c.token.balanceOf(c.timelock),
  };
}

describe("attack: spamming submissions, disputes and oversized inputs", () => {
  describe("a worker spams a task with submissions", () => {
    it("a worker gets one live submission per task: a second submit reverts TasksLiveSubmission(task, worker, live) and takes nothing", async () => {
      const { c, taskId, submissions, spammers } = await loadFixture(filledFixture);
      const [spammer] = spammers;
      if (spammer === undefined) throw new Error("no spammer");
      await (await c.token.connect(spammer).approve(c.registry, BOND)).wait();
      const balance = await c.token.balanceOf(spammer);
      await expect(c.tasks.connect(spammer).submit(taskId, id("again"), "ipfs://again"))
        .to.be.revertedWithCustomError(c.tasks, "TasksLiveSubmission")
        .withArgs(taskId, spammer.address, submissions[0]);
      expect(await c.token.balanceOf(spammer)).to.equal(balance);
      expect((await c.tasks.getTask(taskId)).pending).to.equal(SLOTS);
    });

    it("each pending submission reserves reward and fees out of the escrow; once every slot is pending TasksNoFreeSlot(task, 3), and the requester never pays more than its escrow", async () => {
      const { c, taskId, spammers, requesterBalanceBefore } = await loadFixture(spamFixture);
      const escrow = SLOTS * RESERVATION;
      expect(await c.token.balanceOf(c.requester)).to.equal(requesterBalanceBefore - escrow);
      for (const [i, spammer] of spammers.entries()) {
        const before = await c.token.balanceOf(spammer);
        await submitWork(c, spammer, taskId, `junk-${i}.json`);
        // The spammer paid its bond; the task set aside one reservation for it.
        expect(await c.token.balanceOf(spammer)).to.equal(before - BOND);
        const task = await c.tasks.getTask(taskId);
        expect(task.pending).to.equal(BigInt(i + 1));
        expect(task.funds).to.equal(escrow - BigInt(i + 1) * RESERVATION);
      }
      // A fourth worker, even with its bond approved and the task topped up, finds no free slot.
      await (await c.token.connect(c.requester).approve(c.registry, RESERVATION)).wait();
      await (await c.tasks.connect(c.requester).fundTask(taskId, RESERVATION)).wait();
      await (await c.token.connect(c.alice).approve(c.registry, BOND)).wait();
      await expect(c.tasks.connect(c.alice).submit(taskId, id("late"), "ipfs://late"))
        .to.be.revertedWithCustomError(c.tasks, "TasksNoFreeSlot")
        .withArgs(taskId, SLOTS);
      const task = await c.tasks.getTask(taskId);
      expect(task.pending).to.equal(SLOTS);
      expect(task.funds).to.equal(RESERVATION);
      // The requester's whole exposure is what it escrowed (and chose to add); the flood pulled nothing else.
      expect(await c.token.balanceOf(c.requester)).to.equal(requesterBalanceBefore - escrow - RESERVATION);
      await expectSolvent(c, undefined, "after the flood");
    });

    it("rejected spam loses its bonds to the requester, who paid the reviewers less than that; the reward goes back to the task", async () => {
      const { c, taskId, spammers, submissions } = await loadFixture(filledFixture);
      for (const submissionId of submissions) {
        await drawPanelWhenReady(c, submissionId);
        await attestVotes(c, submissionId, [false, false, false]);
      }
      const { disputeDeadline } = await c.tasks.getSubmission(submissions[submissions.length - 1] ?? 0n);
      await time.increaseTo(disputeDeadline + 1n);
      for (const submissionId of submissions) await (await c.tasks.finalize(submissionId)).wait();

      const crp = await c.token.getAddress();
      for (const [i, spammer] of spammers.entries()) {
        expect((await c.tasks.getSubmission(submissions[i] ?? 0n)).status).to.equal(STATUS.Rejected);
        expect(await c.tasks.balanceOf(crp, spammer.address), "the spammer gets nothing back").to.equal(0n);
        expect((await c.tasks.workerRecord(spammer.address)).rejected).to.equal(1n);
      }
      // Every bond went to the requester; each junk submission cost it one validator fee, less than a bond.
      expect(await c.tasks.balanceOf(crp, c.requester.address)).to.equal(SLOTS * BOND);
      expect(VALIDATOR_FEE).to.be.lessThan(BOND);
      const task = await c.tasks.getTask(taskId);
      expect(task.pending).to.equal(0n);
      // Back to the task: each reward and protocol fee, and the wei of each validator fee three reviewers can't split.
      expect(task.funds).to.equal(SLOTS * (REWARD + PROTOCOL_FEE + (VALIDATOR_FEE % 3n)));
      // The slots are free again, but spamming them again costs new bonds.
      const spammer = spammers[0] ?? c.grace;
      const before = await c.token.balanceOf(spammer);
      await submitWork(c, spammer, taskId, "junk-again.json");
      expect(await c.token.balanceOf(spammer)).to.equal(before - BOND);
      await expectSolvent(c, undefined, "after the rejections");
    });
  });

  describe("an attacker spams disputes through the registry", () => {
    it("no one but the losing party may dispute: a stranger, the winning worker and a panel member revert TasksNotLosingParty(submission, caller)", async () => {
      const { c, submissionId, panel } = await loadFixture(acceptedFixture);
      const member = c.validators.find((v) => v.address === panel[0]);
      if (member === undefined) throw new Error("panel member is not a fixture validator");
      for (const caller of [c.stranger, c.worker, member]) {
        await (await c.token.connect(caller).approve(c.registry, ARBITRATION_FEE)).wait();
        const balance = await c.token.balanceOf(caller);
        await expect(c.tasks.connect(caller).dispute(submissionId))
          .to.be.revertedWithCustomError(c.tasks, "TasksNotLosingParty")
          .withArgs(submissionId, caller.address);
        expect(await c.token.balanceOf(caller)).to.equal(balance);
      }
      expect((await c.tasks.getSubmission(submissionId)).status).to.equal(STATUS.Provisional);
    });

    it("the loser's dispute costs it the arbitration fee, and a second dispute of the same submission reverts TasksWrongStatus(submission, Disputed)", async () => {
      const { c, submissionId } = await loadFixture(acceptedFixture);
      await (await c.token.connect(c.requester).approve(c.registry, 2n * ARBITRATION_FEE)).wait();
      const before = await c.token.balanceOf(c.requester);
      await (await c.tasks.connect(c.requester).dispute(submissionId)).wait();
      expect(await c.token.balanceOf(c.requester)).to.equal(before - ARBITRATION_FEE);
      expect(await c.token.balanceOf(c.arbitrator)).to.equal(ARBITRATION_FEE);
      await expect(c.tasks.connect(c.requester).dispute(submissionId))
        .to.be.revertedWithCustomError(c.tasks, "TasksWrongStatus")
        .withArgs(submissionId, STATUS.Disputed);
      expect(await c.token.balanceOf(c.requester)).to.equal(before - ARBITRATION_FEE);
      expect(await c.token.balanceOf(c.arbitrator)).to.equal(ARBITRATION_FEE);
    });
  });

  describe("an arbitrary contract spams CorpusDisputes.createDispute", () => {
    it("every dispute costs the full jury fee: without the CRP the opening reverts ERC20InsufficientBalance, and each one paid for takes 100 CRP", async () => {
      const { c, spammer, address, extraData } = await loadFixture(randomArbitrableFixture);
      expect(await c.disputes.arbitrationCost(extraData)).to.equal(OPENING_FEE);
      const before = await arbitratorState(c);
      await expect(spammer.open(c.disputes, extraData, c.alice.address))
        .to.be.revertedWithCustomError(c.token, "ERC20InsufficientBalance")
        .withArgs(address, 0n, OPENING_FEE);
      expect(await arbitratorState(c)).to.deep.equal(before);

      // Funded for three, it opens three and no more.
      await fundFromTreasury(c, [address], 3n * OPENING_FEE);
      for (let i = 0; i < 3; i++) await (await spammer.open(c.disputes, extraData, c.alice.address)).wait();
      expect(await c.disputes.disputeCount()).to.equal(before.disputeCount + 3n);
      expect(await c.token.balanceOf(c.disputes)).to.equal(before.balance + 3n * OPENING_FEE);
      expect(await c.token.balanceOf(address)).to.equal(0n);
      await expect(spammer.open(c.disputes, extraData, c.alice.address))
        .to.be.revertedWithCustomError(c.token, "ERC20InsufficientBalance")
        .withArgs(address, 0n, OPENING_FEE);
      expect(await c.disputes.disputeCount()).to.equal(before.disputeCount + 3n);
    });

    it("an account that did not approve the fee reverts ERC20InsufficientAllowance, and only the allowlisted registry may open unfunded disputes (DisputesUnfundedNotAllowed(caller))", async () => {
      const { c, spammer, address, extraData } = await loadFixture(randomArbitrableFixture);
      const before = await arbitratorState(c);
      await expect(c.disputes.connect(c.stranger).createDispute(2n, extraData, c.alice.address))
        .to.be.revertedWithCustomError(c.token, "ERC20InsufficientAllowance")
        .withArgs(await c.disputes.getAddress(), 0n, OPENING_FEE);
      await expect(spammer.openUnfunded(c.disputes, extraData, c.alice.address))
        .to.be.revertedWithCustomError(c.disputes, "DisputesUnfundedNotAllowed")
        .withArgs(address);
      await expect(c.disputes.connect(c.stranger).createUnfundedDispute(2n, extraData, c.alice.address))
        .to.be.revertedWithCustomError(c.disputes, "DisputesUnfundedNotAllowed")
        .withArgs(c.stranger.address);
      expect(await arbitratorState(c)).to.deep.equal(before);
      expect(await c.disputes.isUnfundedAllowed(address)).to.equal(false);
      expect(await c.disputes.isUnfundedAllowed(c.tasks)).to.equal(true);
    });
  });

  describe("an attacker feeds a loop an oversized input", () => {
    it("a dispute cannot exclude more than MAX_EXCLUDED (64) addresses: 65 revert DisputesInvalidExclusions(65, 2, 64), and drawJury takes only the stored list (DisputesWrongExclusions)", async () => {
      const { c, spammer, extraData } = await loadFixture(randomArbitrableFixture);
      expect(await c.disputes.MAX_EXCLUDED()).to.equal(64n);
      await fundFromTreasury(c, [await spammer.getAddress()], OPENING_FEE);
      const tooMany = [
        c.alice.address,
        c.bob.address,
        ...Array.from({ length: 63 }, () => Wallet.createRandom().address),
      ];
      const before = await arbitratorState(c);
      await expect(spammer.open(c.disputes, openExtraData(tooMany), c.alice.address))
        .to.be.revertedWithCustomError(c.disputes, "DisputesInvalidExclusions")
        .withArgs(65n, 2n, 64n);
      expect(await arbitratorState(c)).to.deep.equal(before);

      // A dispute opened with two: drawing its jury with any other list, 65 long or not, is refused.
      const receipt = await (await spammer.open(c.disputes, extraData, c.alice.address)).wait();
      const disputeId = await c.disputes.disputeCount();
      expect(receipt?.status).to.equal(1);
      expect(await excludedOf(c, disputeId)).to.deep.equal([c.alice.address, c.bob.address]);
      for (const list of [tooMany, [c.alice.address]]) {
        await expect(c.disputes.drawJury(disputeId, list))
          .to.be.revertedWithCustomError(c.disputes, "DisputesWrongExclusions")
          .withArgs(disputeId);
      }
      expect((await c.disputes.getRound(disputeId, 0n)).drawn).to.equal(false);
    });

    it("staking's loops: a draw excluding 65 reverts StakingTooManyExclusions(65, 64), drawing 65 StakingInvalidDrawSize(65, 64), refreshing 257 StakingRefreshBatchTooLarge(257, 256)", async () => {
      const c = await loadFixture(deployCorpusFixture);
      const many = (n: number) => Array.from({ length: n }, () => Wallet.createRandom().address);
      const seed = id("seed");
      await expect(c.staking.previewDraw(seed, 1n, many(65), MIN_STAKE))
        .to.be.revertedWithCustomError(c.staking, "StakingTooManyExclusions")
        .withArgs(65n, 64n);
      await expect(c.staking.previewDraw(seed, 65n, [], 0n))
        .to.be.revertedWithCustomError(c.staking, "StakingInvalidDrawSize")
        .withArgs(65n, 64n);
      await expect(c.staking.refresh(many(257)))
        .to.be.revertedWithCustomError(c.staking, "StakingRefreshBatchTooLarge")
        .withArgs(257n, 256n);
      // At the bound, the refresh loop runs (over addresses that never staked, it changes nothing).
      await expect(c.staking.refresh(many(256))).to.not.be.reverted;
    });

    it("the Data NFT's loops: claimMany over 65 tokens reverts DataTooManyTokens(65, 64); a mint linking 33 tasks DataInvalidTaskCount(33, 32) or naming 9 parents DataTooManyParents(9, 8)", async () => {
      const c = await loadFixture(deployCorpusFixture);
      const crp = await c.token.getAddress();
      const ids = (n: number) => Array.from({ length: n }, (_, i) => BigInt(i + 1));
      await expect(c.data.connect(c.stranger).claimMany(ids(65), crp))
        .to.be.revertedWithCustomError(c.data, "DataTooManyTokens")
        .withArgs(65n, 64n);
      await expect(c.data.connect(c.frank).mint(mintParams(ids(33))))
        .to.be.revertedWithCustomError(c.data, "DataInvalidTaskCount")
        .withArgs(33n, 32n);
      await expect(c.data.connect(c.frank).mint(mintParams(ids(1), { parents: ids(9), parentShareBps: 100n })))
        .to.be.revertedWithCustomError(c.data, "DataTooManyParents")
        .withArgs(9n, 8n);
      expect(await c.data.tokenCount()).to.equal(0n);
      expect([await c.data.MAX_CLAIM_BATCH(), await c.data.MAX_TASKS(), await c.data.MAX_PARENTS()]).to.deep.equal([
        64n,
        32n,
        8n,
      ]);
    });

    it("the registry's sizes: 10,001 slots revert TasksInvalidSlots(10001, 10000), a panel of 9 TasksInvalidPanel(9, 5, 7), a 513-byte submission URI TasksInvalidContent(513, 512)", async () => {
      const c = await loadFixture(tasksFixture);
      const tooManySlots = await defaultTaskParams(c, { slots: 10_001n, reward: CRP });
      await (await c.token.connect(c.requester).approve(c.registry, 10n ** 27n)).wait();
      await expect(c.tasks.connect(c.requester).createTask(tooManySlots))
        .to.be.revertedWithCustomError(c.tasks, "TasksInvalidSlots")
        .withArgs(10_001n, 10_000n);
      await expect(c.tasks.connect(c.requester).createTask(await defaultTaskParams(c, { panelSize: 9n, quorum: 5n })))
        .to.be.revertedWithCustomError(c.tasks, "TasksInvalidPanel")
        .withArgs(9n, 5n, 7n);
      expect(await c.tasks.taskCount()).to.equal(0n);

      const taskId = await postDefaultTask(c);
      await (await c.token.connect(c.worker).approve(c.registry, BOND)).wait();
      await expect(c.tasks.connect(c.worker).submit(taskId, id("work"), `ipfs://${"x".repeat(506)}`))
        .to.be.revertedWithCustomError(c.tasks, "TasksInvalidContent")
        .withArgs(513n, 512n);
      expect(await c.tasks.submissionCount()).to.equal(0n);
      await expectSolvent(c);
    });
  });
});
