import { expect } from "chai";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import hre from "hardhat";
import { AbiCoder, type ContractTransactionReceipt, encodeBytes32String, keccak256 } from "ethers";
import { asAccount, asGovernance } from "../../scripts/lib/impersonate";
import { CRP } from "../helpers/fixtures";
import {
  ACCEPT,
  FEE_PER_JUROR,
  INCOHERENT_SLASH,
  JURY_SIZE,
  NON_REVEAL_SLASH,
  OPENING_FEE,
  PHASE,
  REJECT,
  type DisputesFixture,
  attestAsMember,
  closeDispute,
  commitAs,
  disputeIdFrom,
  disputedSubmission,
  disputesFixture,
  drawJuryWhenReady,
  excludedOf,
  expectDisputesSolvent,
  passPhase,
  revealAs,
  runRound,
  slashRewardOf,
} from "../helpers/disputes";
import { stakeAs } from "../helpers/staking";
import {
  BOND,
  REVIEW_STAKE,
  REWARD,
  STATUS,
  VALIDATOR_FEE,
  defaultTaskParams,
  drawPanelWhenReady,
  postTask,
  submitWork,
} from "../helpers/tasks";
import { at } from "../helpers/lists";

// The registry's disputes end to end with the real arbitrator (CorpusDisputes): the default task (100 CRP
// reward, 10 CRP bond, 5 CRP validator fee, 3-member panel of which 2 must agree, 1,000 CRP review stake),
// juries of 5 at 20 CRP each (a 100 CRP opening fee), 500 CRP locked per juror. Ruling 1 accepts (favours the
// worker), 2 rejects (favours the requester).
const A = ACCEPT;
const R = REJECT;

/** What `account` can withdraw from the registry in CRP. */
async function owedTo(c: DisputesFixture, account: string) {
  return c.tasks.balanceOf(await c.token.getAddress(), account);
}

/** `validator`'s staked and locked stake. */
async function stakeOf(c: DisputesFixture, validator: string) {
  const [staked, locked] = await c.staking.stakeOf(validator);
  return { staked, locked };
}

/** Every staking `Slashed` event in `receipt`, as plain values, in log order. */
function slashesIn(c: DisputesFixture, receipt: ContractTransactionReceipt | null, staking: string) {
  const slashes: { validator: string; slasher: string; beneficiary: string; amount: bigint; reward: bigint }[] = [];
  for (const log of receipt?.logs ?? []) {
    if (log.address.toLowerCase() !== staking.toLowerCase()) continue;
    const parsed = c.staking.interface.parseLog({ topics: [...log.topics], data: log.data });
    if (parsed?.name !== "Slashed") continue;
    const [validator, slasher, beneficiary, amount, reward, burned] = parsed.args;
    expect(reward + burned, "a slash is its reward plus what is burnt").to.equal(amount);
    slashes.push({ validator, slasher, beneficiary, amount, reward });
  }
  return slashes;
}

/** Moves time past the current round's appeal period (or draw deadline): the ruling is final. */
async function toFinal(c: DisputesFixture, disputeId: bigint) {
  const { round } = await c.disputes.getDispute(disputeId);
  const last = await c.disputes.getRound(disputeId, round);
  const end = last.drawn ? last.appealEnd : last.commitEnd;
  if (BigInt(await time.latest()) <= end) await time.increaseTo(end + 1n);
}

/** `appellant` approves the current appeal cost and appeals; returns what it paid. */
async function appealAs(c: DisputesFixture, disputeId: bigint, appellant: HardhatEthersSigner) {
  const cost = await c.disputes.appealCost(disputeId);
  await (await c.token.connect(appellant).approve(c.arbitrator, cost)).wait();
  await (await c.disputes.connect(appellant).appeal(disputeId)).wait();
  return cost;
}

/**
 * Like `disputedSubmission`, on a task of its own (the worker may hold one live submission per task): posts the
 * default task, submits, has the whole panel attest `verdict`, and the losing party disputes.
 */
async function disputeOnNewTask(c: DisputesFixture, verdict: "accept" | "reject") {
  const taskId = await postTask(c, c.requester, await defaultTaskParams(c));
  const submissionId = await submitWork(c, c.worker, taskId, `work-${taskId}.json`);
  const panel = await drawPanelWhenReady(c, submissionId);
  for (const member of panel) await attestAsMember(c, submissionId, member, verdict === "accept");
  const disputer = verdict === "accept" ? c.requester : c.worker;
  await (await c.token.connect(disputer).approve(c.registry, OPENING_FEE)).wait();
  const receipt = await (await c.tasks.connect(disputer).dispute(submissionId)).wait();
  return { taskId, submissionId, disputeId: disputeIdFrom(c, receipt), panel: [...panel] };
}

describe("CorpusDisputes through the task registry", () => {
  describe("the jury overturns the panel", () => {
    it("a worker wrongly rejected by a unanimous panel wins: Accepted, reward and bond credited to the worker, each member loses its whole 1,000 CRP review stake with a quarter to the worker", async () => {
      const c = await loadFixture(disputesFixture);
      const { submissionId, disputeId, panel } = await disputedSubmission(c, "reject");
      const { jurors } = await runRound(c, disputeId, [A, A, A, A, A]);
      expect(await closeDispute(c, disputeId)).to.equal(ACCEPT);
      // The worker's 100 CRP fee paid the five coherent jurors, although the worker won.
      for (const juror of jurors) expect(await c.disputes.balanceOf(juror)).to.equal(OPENING_FEE / JURY_SIZE);
      expect(await c.disputes.balanceOf(c.worker)).to.equal(0n);

      const ruled = await c.tasks.getSubmission(submissionId);
      expect(ruled.status).to.equal(STATUS.Ruled);
      expect(ruled.ruling).to.equal(ACCEPT);
      expect(ruled.verdict).to.equal(REJECT);
      for (const member of panel) expect((await stakeOf(c, member)).locked).to.equal(REVIEW_STAKE);
      const stakedBefore = await Promise.all(panel.map(async (m) => (await stakeOf(c, m)).staked));
      const workerCrpBefore = await c.token.balanceOf(c.worker);
      const fundsBefore = (await c.tasks.getTask(c.taskId)).funds;

      const tx = c.tasks.finalize(submissionId);
      // No member attested accept: no one shares the validator fee, every seat (0b111) is slashed.
      await expect(tx)
        .to.emit(c.tasks, "PanelSettled")
        .withArgs(submissionId, 0n, 0n, 0n, 0b111n)
        .and.to.emit(c.tasks, "SubmissionFinalized")
        .withArgs(submissionId, c.taskId, STATUS.Accepted, REWARD + BOND, 0n);
      const receipt = await (await tx).wait();
      expect(slashesIn(c, receipt, await c.staking.getAddress())).to.deep.equal(
        panel.map((member) => ({
          validator: member,
          slasher: c.registry,
          beneficiary: c.worker.address,
          amount: REVIEW_STAKE,
          reward: slashRewardOf(REVIEW_STAKE),
        })),
      );

      expect((await c.tasks.getSubmission(submissionId)).status).to.equal(STATUS.Accepted);
      expect(await owedTo(c, c.worker.address)).to.equal(REWARD + BOND);
      expect(await owedTo(c, c.requester.address)).to.equal(0n);
      expect(await c.token.balanceOf(c.worker)).to.equal(workerCrpBefore + 3n * slashRewardOf(REVIEW_STAKE));
      for (const [i, member] of panel.entries()) {
        expect(await stakeOf(c, member)).to.deep.equal({ staked: at(stakedBefore, i) - REVIEW_STAKE, locked: 0n });
        expect(await owedTo(c, member)).to.equal(0n);
      }
      // The validator fee no one earned goes back to the (open) task.
      expect((await c.tasks.getTask(c.taskId)).funds).to.equal(fundsBefore + VALIDATOR_FEE);
      expect(await c.tasks.workerRecord(c.worker)).to.deep.equal([1n, 0n]);
      await expectDisputesSolvent(c, "after settling");
    });

    it("a requester handed junk a unanimous panel accepted wins: Rejected, the worker gets nothing, the bond goes to the requester and each member's whole review stake is slashed with a quarter to the requester", async () => {
      const c = await loadFixture(disputesFixture);
      const { submissionId, disputeId, panel, disputer } = await disputedSubmission(c, "accept");
      expect(disputer.address).to.equal(c.requester.address);
      const { jurors } = await runRound(c, disputeId, [R, R, R, R, A]);
      expect(await closeDispute(c, disputeId)).to.equal(REJECT);
      // Four coherent jurors share the requester's fee and the reward of the fifth one's incoherence slash.
      const share = (OPENING_FEE + slashRewardOf(INCOHERENT_SLASH)) / 4n;
      for (const juror of jurors.slice(0, 4)) expect(await c.disputes.balanceOf(juror)).to.equal(share);
      expect(await c.disputes.balanceOf(at(jurors, 4))).to.equal(0n);

      const stakedBefore = await Promise.all(panel.map(async (m) => (await stakeOf(c, m)).staked));
      const requesterCrpBefore = await c.token.balanceOf(c.requester);
      const tx = c.tasks.finalize(submissionId);
      await expect(tx)
        .to.emit(c.tasks, "PanelSettled")
        .withArgs(submissionId, 0n, 0n, 0n, 0b111n)
        .and.to.emit(c.tasks, "SubmissionFinalized")
        .withArgs(submissionId, c.taskId, STATUS.Rejected, 0n, BOND);
      const receipt = await (await tx).wait();
      expect(slashesIn(c, receipt, await c.staking.getAddress())).to.deep.equal(
        panel.map((member) => ({
          validator: member,
          slasher: c.registry,
          beneficiary: c.requester.address,
          amount: REVIEW_STAKE,
          reward: slashRewardOf(REVIEW_STAKE),
        })),
      );

      expect((await c.tasks.getSubmission(submissionId)).status).to.equal(STATUS.Rejected);
      expect(await owedTo(c, c.worker.address)).to.equal(0n);
      expect(await owedTo(c, c.requester.address)).to.equal(BOND);
      expect(await c.token.balanceOf(c.requester)).to.equal(requesterCrpBefore + 3n * slashRewardOf(REVIEW_STAKE));
      for (const [i, member] of panel.entries()) {
        expect(await stakeOf(c, member)).to.deep.equal({ staked: at(stakedBefore, i) - REVIEW_STAKE, locked: 0n });
        expect(await owedTo(c, member)).to.equal(0n);
      }
      expect(await c.tasks.workerRecord(c.worker)).to.deep.equal([0n, 1n]);
      await expectDisputesSolvent(c, "after settling");
    });
  });

  describe("the jury confirms the panel", () => {
    it("the verdict stands, the panel keeps its stake and shares the validator fee, and the disputer's fee pays the jury", async () => {
      const c = await loadFixture(disputesFixture);
      const { submissionId, disputeId, panel } = await disputedSubmission(c, "reject");
      const { jurors } = await runRound(c, disputeId, [R, R, R, R, R]);
      await toFinal(c, disputeId);
      await (await c.disputes.executeRuling(disputeId)).wait();
      // The whole 100 CRP the worker paid goes to the five jurors: nothing is refunded to a losing disputer.
      await expect(c.disputes.settleRound(disputeId, 0n))
        .to.emit(c.disputes, "RoundSettled")
        .withArgs(disputeId, 0n, REJECT, 5n, FEE_PER_JUROR, 0n, 0n);
      for (const juror of jurors) expect(await c.disputes.balanceOf(juror)).to.equal(FEE_PER_JUROR);
      expect(await c.disputes.balanceOf(c.worker)).to.equal(0n);

      const stakedBefore = await Promise.all(panel.map(async (m) => (await stakeOf(c, m)).staked));
      const tx = c.tasks.finalize(submissionId);
      const feeShare = VALIDATOR_FEE / 3n;
      await expect(tx)
        .to.emit(c.tasks, "PanelSettled")
        .withArgs(submissionId, 0n, 0b111n, feeShare, 0n)
        .and.to.emit(c.tasks, "SubmissionFinalized")
        .withArgs(submissionId, c.taskId, STATUS.Rejected, 0n, BOND);
      expect(slashesIn(c, await (await tx).wait(), await c.staking.getAddress())).to.deep.equal([]);
      expect((await c.tasks.getSubmission(submissionId)).status).to.equal(STATUS.Rejected);
      for (const [i, member] of panel.entries()) {
        expect(await stakeOf(c, member)).to.deep.equal({ staked: at(stakedBefore, i), locked: 0n });
        expect(await owedTo(c, member)).to.equal(feeShare);
      }
      expect(await owedTo(c, c.worker.address)).to.equal(0n);
      expect(await owedTo(c, c.requester.address)).to.equal(BOND);
      await expectDisputesSolvent(c, "after settling");
    });
  });

  describe("who may sit on a jury", () => {
    /**
     * The requester and the worker also stake, 100 times as much as any validator: if the draw did not exclude
     * them, they would sit on almost every jury.
     */
    async function stakedPartiesFixture() {
      const c = await loadFixture(disputesFixture);
      for (const party of [c.requester, c.worker]) await (await stakeAs(c, party, 1_000_000n * CRP)).wait();
      return c;
    }

    it("no jury of any round, appeals included, ever holds a party or a member of the panel under review, even when the parties stake heavily", async () => {
      const c = await loadFixture(stakedPartiesFixture);
      // Each party holds over a third of the selection weight: a draw that ignored the exclusions would pick them.
      const total = await c.staking.totalSelectionWeight();
      for (const party of [c.requester, c.worker])
        expect(3n * (await c.staking.selectionWeight(party))).to.be.gt(total);
      // One after the other: four rounds take weeks, longer than an undrawn round waits for its jury.
      for (const verdict of ["reject", "accept", "reject"] as const) {
        const { disputeId, panel } = await disputeOnNewTask(c, verdict);
        const excluded = [c.worker.address, c.requester.address, ...panel];
        // The order is the ruling order: ruling 1 favours excluded[0] (the worker), ruling 2 excluded[1].
        expect(await excludedOf(c, disputeId)).to.deep.equal(excluded);
        expect((await c.disputes.getDispute(disputeId)).parties).to.deep.equal(excluded.slice(0, 2));
        const banned = new Set(excluded.map((a) => a.toLowerCase()));
        for (let round = 0n; round <= 3n; round++) {
          const jurors = await drawJuryWhenReady(c, disputeId);
          const size = [5, 11, 23, 47][Number(round)];
          expect(jurors.length, `round ${round} of dispute ${disputeId}`).to.equal(size);
          expect(new Set(jurors.map((j) => j.toLowerCase())).size, "jurors are distinct").to.equal(size);
          const intruders = jurors.filter((j) => banned.has(j.toLowerCase()));
          expect(intruders, `excluded jurors in round ${round} of dispute ${disputeId}`).to.deep.equal([]);
          if (round === 3n) break;
          // No one votes: the round rules 0, so either party may appeal; they take turns.
          await passPhase(c, disputeId, "reveal");
          await appealAs(c, disputeId, round % 2n === 0n ? c.worker : c.requester);
        }
      }
    });
  });

  describe("the secrecy of votes", () => {
    /** A disputed rejection whose jurors 0 to 3 committed (accept, accept, reject, reject); juror 4 has not. */
    async function committedFixture() {
      const c = await loadFixture(disputesFixture);
      const { disputeId } = await disputedSubmission(c, "reject");
      const jurors = await drawJuryWhenReady(c, disputeId);
      await passPhase(c, disputeId, "evidence");
      const ballots = [];
      for (const [i, vote] of [A, A, R, R].entries()) ballots.push(await commitAs(c, disputeId, at(jurors, i), vote));
      return { c, disputeId, jurors, ballots };
    }

    /** Where a juror's seat lives: the seat mapping is found by scanning the contract's first storage slots. */
    async function seatWord(c: DisputesFixture, disputeId: bigint, juror: string, commitment: string) {
      const coder = AbiCoder.defaultAbiCoder();
      const roundKey = disputeId << 8n; // round 0
      const top = BigInt(commitment) >> 16n;
      for (let slot = 0n; slot < 64n; slot++) {
        const inner = keccak256(coder.encode(["uint256", "uint256"], [roundKey, slot]));
        const seatSlot = keccak256(coder.encode(["address", "bytes32"], [juror, inner]));
        const word = BigInt(await hre.ethers.provider.getStorage(c.arbitrator, seatSlot));
        if (word >> 16n === top) return { seatSlot, word };
      }
      throw new Error(`no storage slot holds the commitment of ${juror}`);
    }

    it("before the reveal, seatOf shows no vote, the round tallies nothing, and the seat's raw storage holds only the commitment", async () => {
      const { c, disputeId, jurors, ballots } = await loadFixture(committedFixture);
      const check = async () => {
        for (const ballot of ballots) {
          expect(await c.disputes.seatOf(disputeId, 0n, ballot.juror)).to.deep.equal([true, true, false, 0n]);
          const commitment = await c.disputes.commitmentOf(disputeId, 0n, ballot.juror, ballot.vote, ballot.salt);
          const { word } = await seatWord(c, disputeId, ballot.juror, commitment);
          // State 2 (committed) in the low byte; the vote byte above it is still 0.
          expect(word).to.equal((BigInt(commitment) & ~0xffffn) | 2n);
        }
        expect(await c.disputes.seatOf(disputeId, 0n, at(jurors, 4))).to.deep.equal([true, false, false, 0n]);
        const round = await c.disputes.getRound(disputeId, 0n);
        expect(round.votes).to.deep.equal([0n, 0n]);
        expect(round.revealed).to.equal(0n);
        expect((await c.disputes.getDispute(disputeId)).ruling).to.equal(0n);
      };
      expect((await c.disputes.getDispute(disputeId)).phase).to.equal(PHASE.Commit);
      await check();
      // The reveal period has started; no one revealed yet.
      await passPhase(c, disputeId, "commit");
      expect((await c.disputes.getDispute(disputeId)).phase).to.equal(PHASE.Reveal);
      await check();

      // Once revealed, the same slot carries the vote, and the views show it.
      const first = at(ballots, 0);
      const commitment = await c.disputes.commitmentOf(disputeId, 0n, first.juror, first.vote, first.salt);
      const { seatSlot } = await seatWord(c, disputeId, first.juror, commitment);
      await revealAs(c, disputeId, first);
      expect(BigInt(await hre.ethers.provider.getStorage(c.arbitrator, seatSlot))).to.equal(
        (BigInt(commitment) & ~0xffffn) | (A << 8n) | 3n,
      );
      expect(await c.disputes.seatOf(disputeId, 0n, first.juror)).to.deep.equal([true, true, true, A]);
      expect((await c.disputes.getRound(disputeId, 0n)).votes).to.deep.equal([1n, 0n]);
    });

    it("VoteCommitted carries only the commitment, which cannot be matched to a vote without the salt", async () => {
      const { c, disputeId, ballots } = await loadFixture(committedFixture);
      const events = await c.disputes.queryFilter(c.disputes.filters.VoteCommitted(disputeId));
      expect(events.map((e) => e.fragment.inputs.map((input) => input.name))).to.deep.equal(
        ballots.map(() => ["disputeId", "round", "juror", "commitment"]),
      );
      const otherSalt = encodeBytes32String("a guessed salt");
      for (const [i, ballot] of ballots.entries()) {
        const { juror, commitment } = at(events, i).args;
        expect(juror).to.equal(ballot.juror);
        expect(commitment).to.equal(
          await c.disputes.commitmentOf(disputeId, 0n, ballot.juror, ballot.vote, ballot.salt),
        );
        // Trying both rulings without the juror's salt matches neither.
        for (const vote of [A, R]) {
          expect(await c.disputes.commitmentOf(disputeId, 0n, juror, vote, otherSalt)).to.not.equal(commitment);
        }
      }
    });

    it("a commitment binds its juror: copying another juror's commitment cannot copy its vote", async () => {
      const { c, disputeId, jurors, ballots } = await loadFixture(committedFixture);
      const leader = at(ballots, 0);
      const copier = at(jurors, 4);
      const [event] = await c.disputes.queryFilter(c.disputes.filters.VoteCommitted(disputeId, 0n, leader.juror));
      const copied = event?.args.commitment;
      if (copied === undefined) throw new Error("no VoteCommitted event for the leader");
      // The same vote and salt give another hash for any other juror, dispute or round.
      expect(await c.disputes.commitmentOf(disputeId, 0n, copier, leader.vote, leader.salt)).to.not.equal(copied);
      expect(await c.disputes.commitmentOf(disputeId + 1n, 0n, leader.juror, leader.vote, leader.salt)).to.not.equal(
        copied,
      );
      expect(await c.disputes.commitmentOf(disputeId, 1n, leader.juror, leader.vote, leader.salt)).to.not.equal(copied);

      await asAccount(copier, async (signer) =>
        (await c.disputes.connect(signer).commitVote(disputeId, copied)).wait(),
      );
      await passPhase(c, disputeId, "commit");
      await revealAs(c, disputeId, leader);
      // The leader's vote and salt are now public, and still do not open the copier's commitment.
      await asAccount(copier, async (signer) => {
        await expect(c.disputes.connect(signer).revealVote(disputeId, leader.vote, leader.salt))
          .to.be.revertedWithCustomError(c.disputes, "DisputesRevealMismatch")
          .withArgs(disputeId, 0n, copier);
      });
      expect(await c.disputes.seatOf(disputeId, 0n, copier)).to.deep.equal([true, true, false, 0n]);
      const round = await c.disputes.getRound(disputeId, 0n);
      expect(round.revealed).to.equal(1n);
      expect(round.votes).to.deep.equal([1n, 0n]);
    });
  });

  describe("escalation after a panel that never agreed", () => {
    /**
     * With maxPanelRounds 1, a panel that splits accept, reject, absent reaches no verdict; after its review
     * window closeRound settles it and the worker may only escalate. The task runs for 30 days, so it is still
     * open when the submission is final and what the submission no longer needs goes back to the task.
     */
    async function noAgreementFixture() {
      const c = await loadFixture(disputesFixture);
      await asGovernance(c.timelock, async (timelock) => {
        await (await c.tasks.connect(timelock).setParameter(encodeBytes32String("maxPanelRounds"), 1n)).wait();
      });
      const deadline = BigInt(await time.latest()) + 30n * 86_400n;
      const taskId = await postTask(c, c.requester, await defaultTaskParams(c, { deadline }));
      const submissionId = await submitWork(c, c.worker, taskId, "split.json");
      const panel = [...(await drawPanelWhenReady(c, submissionId))];
      await attestAsMember(c, submissionId, at(panel, 0), true);
      await attestAsMember(c, submissionId, at(panel, 1), false);
      await time.increaseTo((await c.tasks.getSubmission(submissionId)).reviewDeadline + 1n);
      await (await c.tasks.closeRound(submissionId)).wait();
      expect((await c.tasks.getSubmission(submissionId)).status).to.equal(STATUS.NoAgreement);
      return { c, taskId, submissionId, panel };
    }

    async function escalatedFixture() {
      const { c, taskId, submissionId, panel } = await loadFixture(noAgreementFixture);
      const receipt = await (await c.tasks.connect(c.worker).escalate(submissionId)).wait();
      return { c, taskId, submissionId, panel, disputeId: disputeIdFrom(c, receipt) };
    }

    /** Runs the jury with `votes`, executes the ruling, settles the round and finalizes the submission. */
    async function judge(
      fixture: Awaited<ReturnType<typeof escalatedFixture>>,
      votes: (bigint | null)[],
      ruling: bigint,
      settled: { coherent: bigint; share: bigint; slashed: bigint },
    ) {
      const { c, submissionId, disputeId } = fixture;
      await runRound(c, disputeId, votes);
      await toFinal(c, disputeId);
      expect(await c.disputes.currentRuling(disputeId)).to.deep.equal([ruling, true]);
      await expect(c.disputes.executeRuling(disputeId))
        .to.emit(c.tasks, "Ruling")
        .withArgs(c.arbitrator, disputeId, ruling);
      // Unfunded: the jury is paid only by the reward of what its incoherent and silent jurors lose.
      await expect(c.disputes.settleRound(disputeId, 0n))
        .to.emit(c.disputes, "RoundSettled")
        .withArgs(disputeId, 0n, ruling, settled.coherent, settled.share, settled.slashed, 0n);
      const sub = await c.tasks.getSubmission(submissionId);
      expect(sub.status).to.equal(STATUS.Ruled);
      expect(sub.ruling).to.equal(ruling);
      return c.tasks.finalize(submissionId);
    }

    it("the worker escalates for free: an unfunded dispute, fee 0, excluding the parties and the panel", async () => {
      const { c, submissionId, panel } = await loadFixture(noAgreementFixture);
      const workerCrp = await c.token.balanceOf(c.worker);
      const disputeId = (await c.disputes.disputeCount()) + 1n;
      const excluded = [c.worker.address, c.requester.address, ...panel];
      await expect(c.tasks.connect(c.worker).escalate(submissionId))
        .to.emit(c.tasks, "SubmissionDisputed")
        .withArgs(submissionId, c.worker.address, c.arbitrator, disputeId, 0n)
        .and.to.emit(c.disputes, "DisputeOpened")
        .withArgs(disputeId, c.registry, c.worker.address, 2n, 0n, excluded);
      expect(await c.token.balanceOf(c.worker)).to.equal(workerCrp);
      const round = await c.disputes.getRound(disputeId, 0n);
      expect([round.payer, round.fee, round.jurySize]).to.deep.equal([c.worker.address, 0n, JURY_SIZE]);
      expect((await c.tasks.getSubmission(submissionId)).status).to.equal(STATUS.Disputed);
    });

    it("a jury that accepts makes the submission Accepted: reward and bond to the worker", async () => {
      const fixture = await loadFixture(escalatedFixture);
      const { c, taskId, submissionId } = fixture;
      // Three accept, one rejects (loses 50 CRP), one stays silent (loses 100 CRP): a quarter of 150 CRP for three.
      const slashed = INCOHERENT_SLASH + NON_REVEAL_SLASH;
      const fundsBefore = (await c.tasks.getTask(taskId)).funds;
      const tx = judge(fixture, [A, A, A, R, null], ACCEPT, {
        coherent: 3n,
        share: slashRewardOf(slashed) / 3n,
        slashed,
      });
      await expect(tx)
        .to.emit(c.tasks, "SubmissionFinalized")
        .withArgs(submissionId, taskId, STATUS.Accepted, REWARD + BOND, 0n);
      // The panel was settled when its round closed: no one is slashed now.
      expect(slashesIn(c, await (await tx).wait(), await c.staking.getAddress())).to.deep.equal([]);
      expect((await c.tasks.getSubmission(submissionId)).status).to.equal(STATUS.Accepted);
      expect(await owedTo(c, c.worker.address)).to.equal(REWARD + BOND);
      expect(await owedTo(c, c.requester.address)).to.equal(0n);
      // No panel earned the validator fee: it goes back to the task.
      expect((await c.tasks.getTask(taskId)).funds).to.equal(fundsBefore + VALIDATOR_FEE);
      await expectDisputesSolvent(c, "after settling");
    });

    it("a jury that rejects makes the submission Rejected: the bond to the requester, nothing to the worker", async () => {
      const fixture = await loadFixture(escalatedFixture);
      const { c, taskId, submissionId } = fixture;
      const slashed = INCOHERENT_SLASH + NON_REVEAL_SLASH;
      const tx = judge(fixture, [R, R, R, A, null], REJECT, {
        coherent: 3n,
        share: slashRewardOf(slashed) / 3n,
        slashed,
      });
      await expect(tx)
        .to.emit(c.tasks, "SubmissionFinalized")
        .withArgs(submissionId, taskId, STATUS.Rejected, 0n, BOND);
      expect((await c.tasks.getSubmission(submissionId)).status).to.equal(STATUS.Rejected);
      expect(await owedTo(c, c.worker.address)).to.equal(0n);
      expect(await owedTo(c, c.requester.address)).to.equal(BOND);
      await expectDisputesSolvent(c, "after settling");
    });

    it("a jury that ties (ruling 0) voids the submission: the bond back to the worker", async () => {
      const fixture = await loadFixture(escalatedFixture);
      const { c, taskId, submissionId } = fixture;
      // One accept, one reject, three silent: ruling 0, both revealers coherent, three non-reveal slashes.
      const slashed = 3n * NON_REVEAL_SLASH;
      const tx = judge(fixture, [A, R, null, null, null], 0n, {
        coherent: 2n,
        share: slashRewardOf(slashed) / 2n,
        slashed,
      });
      await expect(tx).to.emit(c.tasks, "SubmissionFinalized").withArgs(submissionId, taskId, STATUS.Voided, BOND, 0n);
      expect((await c.tasks.getSubmission(submissionId)).status).to.equal(STATUS.Voided);
      expect(await owedTo(c, c.worker.address)).to.equal(BOND);
      expect(await owedTo(c, c.requester.address)).to.equal(0n);
      expect(await c.tasks.workerRecord(c.worker)).to.deep.equal([0n, 0n]);
      await expectDisputesSolvent(c, "after settling");
    });
  });

  describe("delivering the ruling", () => {
    async function judgedFixture() {
      const c = await loadFixture(disputesFixture);
      const { submissionId, disputeId } = await disputedSubmission(c, "reject");
      await runRound(c, disputeId, [A, A, A, A, A]);
      return { c, submissionId, disputeId };
    }

    it("executeRuling refuses until the appeal period is over, then moves the submission Disputed → Ruled exactly once", async () => {
      const { c, submissionId, disputeId } = await loadFixture(judgedFixture);
      expect((await c.disputes.getDispute(disputeId)).phase).to.equal(PHASE.Appeal);
      await expect(c.disputes.executeRuling(disputeId))
        .to.be.revertedWithCustomError(c.disputes, "DisputesNotFinal")
        .withArgs(disputeId);
      expect((await c.tasks.getSubmission(submissionId)).status).to.equal(STATUS.Disputed);

      await toFinal(c, disputeId);
      expect((await c.tasks.getSubmission(submissionId)).status).to.equal(STATUS.Disputed);
      await expect(c.disputes.connect(c.stranger).executeRuling(disputeId))
        .to.emit(c.disputes, "RulingExecuted")
        .withArgs(disputeId, ACCEPT)
        .and.to.emit(c.tasks, "Ruling")
        .withArgs(c.arbitrator, disputeId, ACCEPT)
        .and.not.to.emit(c.disputes, "RulingExecutionFailed");
      const sub = await c.tasks.getSubmission(submissionId);
      expect([sub.status, sub.ruling]).to.deep.equal([STATUS.Ruled, ACCEPT]);
      expect((await c.disputes.getDispute(disputeId)).phase).to.equal(PHASE.Executed);

      await expect(c.disputes.executeRuling(disputeId))
        .to.be.revertedWithCustomError(c.disputes, "DisputesAlreadyExecuted")
        .withArgs(disputeId);
      // Only the arbitrator holding the dispute may rule, and only once: the registry forgot the dispute.
      await asAccount(c.arbitrator, async (signer) => {
        await expect(c.tasks.connect(signer).rule(disputeId, REJECT))
          .to.be.revertedWithCustomError(c.tasks, "TasksUnknownDispute")
          .withArgs(c.arbitrator, disputeId);
      });
      const after = await c.tasks.getSubmission(submissionId);
      expect([after.status, after.ruling]).to.deep.equal([STATUS.Ruled, ACCEPT]);
    });
  });
});
