import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { type ContractTransactionReceipt, encodeBytes32String } from "ethers";
import { asAccount, asGovernance } from "../../scripts/lib/impersonate";
import { STATUS, drawPanelWhenReady, submitWork } from "../../scripts/lib/tasks-setup";
import { CRP } from "../helpers/fixtures";
import {
  ACCEPT,
  INCOHERENT_SLASH,
  JUROR_LOCK,
  JURY_SIZE,
  NON_REVEAL_SLASH,
  OPENING_FEE,
  PHASE,
  REJECT,
  type DisputesFixture,
  type Vote,
  attestAsMember,
  disputeAccounts,
  disputeIdFrom,
  disputedSubmission,
  disputesFixture,
  drawJuryWhenReady,
  expectDisputesSolvent,
  newSalt,
  passPhase,
  runRound,
  slashRewardOf,
  creditsSince,
} from "../helpers/disputes";
import { at } from "../helpers/lists";

// Local parameters (deploy/parameters/31337.json): 20 CRP per juror, juries of 5 (an opening fee of 100 CRP),
// 500 CRP locked per juror; a juror who does not reveal loses 20% of it (100 CRP), one who reveals another
// ruling than the final 10% (50 CRP). Staking pays a quarter of every slash to its beneficiary (the dispute
// contract, which credits it to the coherent jurors or the payer) and burns the rest.
const FEE_PER_JUROR = OPENING_FEE / JURY_SIZE;
/** What the dispute contract receives when a juror is slashed `amount`. */
const NON_REVEAL_REWARD = slashRewardOf(NON_REVEAL_SLASH); // 25 CRP
const INCOHERENT_REWARD = slashRewardOf(INCOHERENT_SLASH); // 12.5 CRP

const lower = (a: string) => a.toLowerCase();

/** A validator's stake and the part of it locked. */
interface Stake {
  staked: bigint;
  locked: bigint;
}

async function stakesOf(c: DisputesFixture, accounts: readonly string[]): Promise<Map<string, Stake>> {
  const stakes = new Map<string, Stake>();
  for (const account of accounts) {
    const [staked, locked] = await c.staking.stakeOf(account);
    stakes.set(lower(account), { staked, locked });
  }
  return stakes;
}

/** What one settleRound did, read from its events and from the balances around it. */
interface Settlement {
  ruling: bigint;
  coherentCount: bigint;
  share: bigint;
  slashed: bigint;
  refunded: bigint;
  /** Juror => CRP taken from its stake (only jurors that were slashed). */
  slashes: Map<string, bigint>;
  /** Account (jurors and payer) => what its dispute balance went up by. */
  credits: Map<string, bigint>;
  /** Slash reward the dispute contract received. */
  reward: bigint;
  /** CRP burnt by the slashes. */
  burned: bigint;
}

/**
 * Settles `round` and checks that every wei is accounted for: each Slashed event pays exactly a quarter
 * of the slash to the dispute contract and burns the rest (the CRP supply drops by the burn, staking's
 * balance by the whole slash), the contract's CRP grows by exactly the rewards, and the balances credited
 * to the round's jurors and payer add up to its fee plus those rewards, no more, no less.
 */
async function settle(c: DisputesFixture, disputeId: bigint, round: bigint): Promise<Settlement> {
  const info = await c.disputes.getRound(disputeId, round);
  const accounts = [...new Set([...info.jurors, info.payer].map(lower))];
  const before = new Map<string, bigint>();
  for (const a of accounts) before.set(a, await c.disputes.balanceOf(a));
  const staking = await c.staking.getAddress();
  const crpBefore = await c.token.balanceOf(c.arbitrator);
  const stakingBefore = await c.token.balanceOf(staking);
  const supplyBefore = await c.token.totalSupply();

  const receipt = (await (await c.disputes.settleRound(disputeId, round)).wait()) as ContractTransactionReceipt;

  let settled: Omit<Settlement, "slashes" | "credits" | "reward" | "burned"> | undefined;
  const slashes = new Map<string, bigint>();
  let reward = 0n;
  let burned = 0n;
  for (const log of receipt.logs) {
    if (lower(log.address) === lower(c.arbitrator)) {
      const parsed = c.disputes.interface.parseLog(log);
      if (parsed?.name !== "RoundSettled") continue;
      expect(settled, "one RoundSettled").to.equal(undefined);
      expect(parsed.args.disputeId).to.equal(disputeId);
      expect(parsed.args.round).to.equal(round);
      settled = {
        ruling: parsed.args.ruling as bigint,
        coherentCount: parsed.args.coherentCount as bigint,
        share: parsed.args.share as bigint,
        slashed: parsed.args.slashed as bigint,
        refunded: parsed.args.refunded as bigint,
      };
    } else if (lower(log.address) === lower(staking)) {
      const parsed = c.staking.interface.parseLog(log);
      if (parsed?.name !== "Slashed") continue;
      const [validator, slasher, beneficiary, amount, paid, burnt] = parsed.args.toArray() as [
        string,
        string,
        string,
        bigint,
        bigint,
        bigint,
      ];
      expect(lower(slasher), "the dispute contract slashes").to.equal(lower(c.arbitrator));
      expect(lower(beneficiary), "to itself").to.equal(lower(c.arbitrator));
      expect(paid, "a quarter of the slash to the dispute contract").to.equal(slashRewardOf(amount));
      expect(burnt, "the rest burnt").to.equal(amount - paid);
      expect(slashes.has(lower(validator)), "each juror slashed at most once per round").to.equal(false);
      slashes.set(lower(validator), amount);
      reward += paid;
      burned += burnt;
    }
  }
  if (settled === undefined) throw new Error("no RoundSettled event");
  const totalSlashed = [...slashes.values()].reduce((a, b) => a + b, 0n);
  expect(settled.slashed, "RoundSettled.slashed is the sum of the Slashed events").to.equal(totalSlashed);
  expect(await c.token.balanceOf(c.arbitrator), "the dispute contract received exactly the rewards").to.equal(
    crpBefore + reward,
  );
  expect(await c.token.balanceOf(staking), "staking lost exactly the slashes").to.equal(stakingBefore - totalSlashed);
  expect(await c.token.totalSupply(), "the rest of every slash is burnt").to.equal(supplyBefore - burned);

  const { credits, total: credited } = await creditsSince(c, accounts, before);
  expect(credited, "credited to jurors and payer = fee + slash reward").to.equal(info.fee + reward);
  expect((await c.disputes.getRound(disputeId, round)).settled).to.equal(true);
  await expectDisputesSolvent(c, `after settling round ${round} of dispute ${disputeId}`);
  return { ...settled, slashes, credits, reward, burned };
}

/** `account` withdraws: it receives exactly its balance, which drops to 0, and Withdrawn says so. */
async function withdrawAs(c: DisputesFixture, account: string) {
  const amount = await c.disputes.balanceOf(account);
  expect(amount, `${account} has something to withdraw`).to.not.equal(0n);
  const held = await c.token.balanceOf(account);
  const crp = await c.token.balanceOf(c.arbitrator);
  await asAccount(account, async (signer) => {
    await expect(c.disputes.connect(signer).withdraw()).to.emit(c.disputes, "Withdrawn").withArgs(account, amount);
  });
  expect(await c.disputes.balanceOf(account)).to.equal(0n);
  expect(await c.token.balanceOf(account)).to.equal(held + amount);
  expect(await c.token.balanceOf(c.arbitrator)).to.equal(crp - amount);
  await expectDisputesSolvent(c, `after ${account} withdrew`);
}

/** Everyone with a balance withdraws; then the dispute contract holds exactly nothing. */
async function everyoneWithdraws(c: DisputesFixture) {
  for (const account of disputeAccounts(c)) {
    if ((await c.disputes.balanceOf(account)) !== 0n) await withdrawAs(c, account);
  }
  expect(await c.token.balanceOf(c.arbitrator), "the dispute contract holds nothing at the end").to.equal(0n);
}

/** Passes the last round's appeal period and executes the ruling, checking the event. */
async function executeFinal(c: DisputesFixture, disputeId: bigint, ruling: bigint) {
  await passPhase(c, disputeId, "appeal");
  expect(await c.disputes.currentRuling(disputeId)).to.deep.equal([ruling, true]);
  await expect(c.disputes.executeRuling(disputeId)).to.emit(c.disputes, "RulingExecuted").withArgs(disputeId, ruling);
  await expectDisputesSolvent(c, "after executing");
}

/**
 * Draws the current round's jury (snapshotting every validator's stake just before), runs it with `votes`
 * and `reveal` (see runRound) and checks the solvency invariant after each stage.
 */
async function drawAndRun(c: DisputesFixture, disputeId: bigint, votes: Vote[], reveal: boolean[] = []) {
  const beforeDraw = await stakesOf(c, c.validators);
  const jurors = await drawJuryWhenReady(c, disputeId);
  await expectDisputesSolvent(c, "after the draw");
  for (const juror of jurors) {
    const was = beforeDraw.get(lower(juror));
    expect((await c.staking.stakeOf(juror)).locked, "the draw locks JUROR_LOCK").to.equal(
      (was?.locked ?? 0n) + JUROR_LOCK,
    );
  }
  await runRound(c, disputeId, votes, reveal);
  await expectDisputesSolvent(c, "after the votes");
  return { jurors, beforeDraw };
}

/**
 * After every round is settled: each juror's lock is back to its value before the draw, and its stake is
 * down by exactly what it was slashed (`slashes`, summed over rounds); every other validator is untouched.
 */
async function expectLocksReleased(c: DisputesFixture, beforeDraw: Map<string, Stake>, slashes: Map<string, bigint>) {
  const after = await stakesOf(c, c.validators);
  for (const [account, was] of beforeDraw) {
    expect(after.get(account), `${account}'s stake after settlement`).to.deep.equal({
      staked: was.staked - (slashes.get(account) ?? 0n),
      locked: was.locked,
    });
  }
}

/**
 * With maxPanelRounds = 1, a submission whose one panel disagrees (accept, reject, absent) ends in
 * NoAgreement; the worker escalates it, which opens an unfunded dispute. Returns the ids and the panel.
 */
async function escalatedSubmission(c: DisputesFixture) {
  await asGovernance(c.timelock, async (timelock) => {
    await (await c.tasks.connect(timelock).setParameter(encodeBytes32String("maxPanelRounds"), 1n)).wait();
  });
  const submissionId = await submitWork(c, c.worker, c.taskId, `work-${newSalt()}.json`);
  const panel = await drawPanelWhenReady(c, submissionId);
  await attestAsMember(c, submissionId, at(panel, 0), true);
  await attestAsMember(c, submissionId, at(panel, 1), false);
  await time.increaseTo((await c.tasks.getSubmission(submissionId)).reviewDeadline + 1n);
  await (await c.tasks.closeRound(submissionId)).wait();
  expect((await c.tasks.getSubmission(submissionId)).status).to.equal(STATUS.NoAgreement);
  const crpBefore = await c.token.balanceOf(c.arbitrator);
  const workerBefore = await c.token.balanceOf(c.worker);
  const receipt = await (await c.tasks.connect(c.worker).escalate(submissionId)).wait();
  const disputeId = disputeIdFrom(c, receipt);
  // Unfunded: no one paid anything and the round's fee is 0.
  expect(await c.token.balanceOf(c.arbitrator)).to.equal(crpBefore);
  expect(await c.token.balanceOf(c.worker)).to.equal(workerBefore);
  const round = await c.disputes.getRound(disputeId, 0n);
  expect(round.fee).to.equal(0n);
  expect(round.payer).to.equal(c.worker.address);
  await expectDisputesSolvent(c, "after escalating");
  return { submissionId, disputeId, panel };
}

describe("CorpusDisputes: every wei of fees and slashes goes to exactly one place", function () {
  describe("opening through the registry", function () {
    it("the disputer's fee is pulled by the arbitrator through the registry: the disputer pays exactly OPENING_FEE, the arbitrator holds it as round 0's fee, the registry keeps neither CRP nor allowance", async function () {
      const c = await loadFixture(disputesFixture);
      // A rejected submission, disputed by the worker (as disputedSubmission does, but measured around dispute()).
      const submissionId = await submitWork(c, c.worker, c.taskId, "measured.json");
      const panel = await drawPanelWhenReady(c, submissionId);
      for (const member of panel) await attestAsMember(c, submissionId, member, false);
      await (await c.token.connect(c.worker).approve(c.registry, OPENING_FEE)).wait();
      const workerBefore = await c.token.balanceOf(c.worker);
      const registryBefore = await c.token.balanceOf(c.registry);
      const arbitratorBefore = await c.token.balanceOf(c.arbitrator);

      const tx = c.tasks.connect(c.worker).dispute(submissionId);
      await expect(tx)
        .to.emit(c.tasks, "SubmissionDisputed")
        .withArgs(submissionId, c.worker.address, c.arbitrator, 1n, OPENING_FEE);
      await expect(tx)
        .to.emit(c.disputes, "DisputeOpened")
        .withArgs(1n, c.registry, c.worker.address, 2n, OPENING_FEE, [c.worker.address, c.requester.address, ...panel]);

      expect(await c.token.balanceOf(c.worker)).to.equal(workerBefore - OPENING_FEE);
      expect(await c.token.balanceOf(c.registry)).to.equal(registryBefore);
      expect(await c.token.balanceOf(c.arbitrator)).to.equal(arbitratorBefore + OPENING_FEE);
      expect(await c.token.allowance(c.registry, c.arbitrator)).to.equal(0n);
      expect(await c.token.allowance(c.worker, c.registry)).to.equal(0n);
      const round = await c.disputes.getRound(1n, 0n);
      expect([round.payer, round.fee, round.jurySize]).to.deep.equal([c.worker.address, OPENING_FEE, JURY_SIZE]);
      expect(round.fee).to.equal(FEE_PER_JUROR * JURY_SIZE);
      // Nothing is anyone's balance yet: the fee is owed to the round.
      expect(await c.disputes.balanceOf(c.worker)).to.equal(0n);
      await expectDisputesSolvent(c, "after opening");
    });
  });

  describe("settleRound", function () {
    it("three coherent jurors share the fee plus the slash rewards of the incoherent and the silent juror equally, and the first coherent juror in draw order also gets the 1-wei dust", async function () {
      const c = await loadFixture(disputesFixture);
      const { disputeId, disputer } = await disputedSubmission(c, "reject");
      await expectDisputesSolvent(c, "after opening");
      // Juror 0 reveals the losing ruling, so the dust goes to juror 1, not simply to the first juror.
      const { jurors, beforeDraw } = await drawAndRun(c, disputeId, [REJECT, ACCEPT, ACCEPT, ACCEPT, null]);
      await executeFinal(c, disputeId, ACCEPT);

      // 100 + 12.5 + 25 = 137.5 CRP among 3: 45.8333… CRP each and 1 wei left over.
      const pot = OPENING_FEE + INCOHERENT_REWARD + NON_REVEAL_REWARD;
      expect(pot).to.equal(137_500_000_000_000_000_000n);
      const share = pot / 3n;
      expect(share).to.equal(45_833_333_333_333_333_333n);
      expect(pot - 3n * share).to.equal(1n);

      const s = await settle(c, disputeId, 0n);
      expect([s.ruling, s.coherentCount, s.share, s.slashed, s.refunded]).to.deep.equal([
        ACCEPT,
        3n,
        share,
        INCOHERENT_SLASH + NON_REVEAL_SLASH,
        0n,
      ]);
      expect(s.reward).to.equal(INCOHERENT_REWARD + NON_REVEAL_REWARD);
      expect(s.burned).to.equal(INCOHERENT_SLASH + NON_REVEAL_SLASH - s.reward);
      expect(s.slashes).to.deep.equal(
        new Map([
          [lower(at(jurors, 0)), INCOHERENT_SLASH],
          [lower(at(jurors, 4)), NON_REVEAL_SLASH],
        ]),
      );
      expect(s.credits).to.deep.equal(
        new Map([
          [lower(at(jurors, 1)), share + 1n],
          [lower(at(jurors, 2)), share],
          [lower(at(jurors, 3)), share],
        ]),
      );
      expect(await c.disputes.balanceOf(disputer)).to.equal(0n);
      await expectLocksReleased(c, beforeDraw, s.slashes);
      await everyoneWithdraws(c);
    });

    it("a juror who never commits and one who commits but never reveals each lose NON_REVEAL_SLASH, one who reveals the losing ruling INCOHERENT_SLASH, coherent jurors nothing; every lock is back to its pre-draw value and every stake down by exactly its slash", async function () {
      const c = await loadFixture(disputesFixture);
      const { disputeId } = await disputedSubmission(c, "accept");
      // Jurors 0, 1 reveal accept, 2 reveals reject, 3 commits accept and never reveals, 4 never commits.
      const { jurors, beforeDraw } = await drawAndRun(
        c,
        disputeId,
        [ACCEPT, ACCEPT, REJECT, ACCEPT, null],
        [true, true, true, false],
      );
      const seat3 = await c.disputes.seatOf(disputeId, 0n, at(jurors, 3));
      const seat4 = await c.disputes.seatOf(disputeId, 0n, at(jurors, 4));
      expect([...seat3]).to.deep.equal([true, true, false, 0n]);
      expect([...seat4]).to.deep.equal([true, false, false, 0n]);
      // Before settlement every juror is still locked.
      for (const juror of jurors) {
        expect((await c.staking.stakeOf(juror)).locked).to.equal(
          (beforeDraw.get(lower(juror))?.locked ?? 0n) + JUROR_LOCK,
        );
      }
      await executeFinal(c, disputeId, ACCEPT);

      // 100 + 12.5 + 25 + 25 = 162.5 CRP among 2: 81.25 CRP each, no dust.
      const pot = OPENING_FEE + INCOHERENT_REWARD + 2n * NON_REVEAL_REWARD;
      const s = await settle(c, disputeId, 0n);
      expect([s.ruling, s.coherentCount, s.share, s.slashed, s.refunded]).to.deep.equal([
        ACCEPT,
        2n,
        pot / 2n,
        INCOHERENT_SLASH + 2n * NON_REVEAL_SLASH,
        0n,
      ]);
      expect(pot / 2n).to.equal(8125n * 10n ** 16n);
      expect(s.slashes).to.deep.equal(
        new Map([
          [lower(at(jurors, 2)), INCOHERENT_SLASH],
          [lower(at(jurors, 3)), NON_REVEAL_SLASH],
          [lower(at(jurors, 4)), NON_REVEAL_SLASH],
        ]),
      );
      expect(s.credits).to.deep.equal(
        new Map([
          [lower(at(jurors, 0)), pot / 2n],
          [lower(at(jurors, 1)), pot / 2n],
        ]),
      );
      // Every other validator, the panel included (the registry has not settled it), is untouched.
      await expectLocksReleased(c, beforeDraw, s.slashes);
      // Settling twice would release and slash twice: it reverts and changes nothing.
      await expect(c.disputes.settleRound(disputeId, 0n))
        .to.be.revertedWithCustomError(c.disputes, "DisputesRoundAlreadySettled")
        .withArgs(disputeId, 0n);
      await expectLocksReleased(c, beforeDraw, s.slashes);
      await everyoneWithdraws(c);
    });

    it("a tie (2 accept, 2 reject, 1 silent) rules 0: the four revealers are coherent and share fee + slash reward, the silent juror is slashed, and the registry keeps the panel's provisional verdict", async function () {
      const c = await loadFixture(disputesFixture);
      const { submissionId, disputeId, disputer } = await disputedSubmission(c, "accept");
      expect(disputer.address).to.equal(c.requester.address);
      const { jurors, beforeDraw } = await drawAndRun(c, disputeId, [ACCEPT, REJECT, ACCEPT, REJECT, null]);
      await executeFinal(c, disputeId, 0n);

      // 100 + 25 = 125 CRP among the 4 revealers: 31.25 CRP each.
      const pot = OPENING_FEE + NON_REVEAL_REWARD;
      const s = await settle(c, disputeId, 0n);
      expect([s.ruling, s.coherentCount, s.share, s.slashed, s.refunded]).to.deep.equal([
        0n,
        4n,
        pot / 4n,
        NON_REVEAL_SLASH,
        0n,
      ]);
      expect(s.slashes).to.deep.equal(new Map([[lower(at(jurors, 4)), NON_REVEAL_SLASH]]));
      expect(s.credits).to.deep.equal(new Map(jurors.slice(0, 4).map((j) => [lower(j), pot / 4n])));
      expect(await c.disputes.balanceOf(disputer)).to.equal(0n);

      // Ruling 0 is "no ruling": the submission keeps the panel's accept verdict.
      const ruled = await c.tasks.getSubmission(submissionId);
      expect([ruled.status, ruled.ruling]).to.deep.equal([STATUS.Ruled, 0n]);
      // (Before the registry finalizes, which releases the panel's own locks.)
      await expectLocksReleased(c, beforeDraw, s.slashes);
      await (await c.tasks.finalize(submissionId)).wait();
      expect((await c.tasks.getSubmission(submissionId)).status).to.equal(STATUS.Accepted);
      await expectDisputesSolvent(c, "after the registry finalized");
      await everyoneWithdraws(c);
    });

    it("when nobody reveals, the ruling is 0, every juror (committed or not) loses NON_REVEAL_SLASH, and the disputer is credited the fee plus the whole slash reward", async function () {
      const c = await loadFixture(disputesFixture);
      const { disputeId, disputer } = await disputedSubmission(c, "reject");
      const { jurors, beforeDraw } = await drawAndRun(
        c,
        disputeId,
        [ACCEPT, REJECT, ACCEPT, null, null],
        [false, false, false],
      );
      expect((await c.disputes.getRound(disputeId, 0n)).revealed).to.equal(0n);
      await executeFinal(c, disputeId, 0n);

      const refund = OPENING_FEE + 5n * NON_REVEAL_REWARD; // 225 CRP
      expect(refund).to.equal(225n * CRP);
      const s = await settle(c, disputeId, 0n);
      expect([s.ruling, s.coherentCount, s.share, s.slashed, s.refunded]).to.deep.equal([
        0n,
        0n,
        0n,
        5n * NON_REVEAL_SLASH,
        refund,
      ]);
      expect(s.slashes).to.deep.equal(new Map(jurors.map((j) => [lower(j), NON_REVEAL_SLASH])));
      expect(s.credits).to.deep.equal(new Map([[lower(disputer.address), refund]]));
      await expectLocksReleased(c, beforeDraw, s.slashes);
      await everyoneWithdraws(c);
    });

    it("an appeal that flips the ruling refunds the first round's pot (fee + slash rewards) to the opener, and the appeal round's coherent jurors share the appeal fee and its slash rewards with 2 wei of dust to the first of them", async function () {
      const c = await loadFixture(disputesFixture);
      const { disputeId, disputer } = await disputedSubmission(c, "reject");
      expect(disputer.address).to.equal(c.worker.address);
      // Round 0: four revealers, all for accept (the worker's side), one silent.
      const first = await drawAndRun(c, disputeId, [ACCEPT, ACCEPT, ACCEPT, ACCEPT, null]);
      // The requester, who lost round 0, appeals to a jury of 11 for 220 CRP.
      const appealFee = 11n * FEE_PER_JUROR;
      expect(await c.disputes.appealCost(disputeId)).to.equal(appealFee);
      await (await c.token.connect(c.requester).approve(c.arbitrator, appealFee)).wait();
      const requesterBefore = await c.token.balanceOf(c.requester);
      await expect(c.disputes.connect(c.requester).appeal(disputeId))
        .to.emit(c.disputes, "Appealed")
        .withArgs(disputeId, 1n, c.requester.address, appealFee);
      expect(await c.token.balanceOf(c.requester)).to.equal(requesterBefore - appealFee);
      expect(await c.token.allowance(c.requester, c.arbitrator)).to.equal(0n);
      await expectDisputesSolvent(c, "after the appeal");
      // Round 1: six for reject, two for accept, three silent: the final ruling is reject.
      const second = await drawAndRun(c, disputeId, [
        REJECT,
        ACCEPT,
        REJECT,
        REJECT,
        null,
        REJECT,
        ACCEPT,
        REJECT,
        null,
        REJECT,
        null,
      ]);
      await executeFinal(c, disputeId, REJECT);

      // Round 0: every revealer voted accept, the final ruling is reject: no coherent juror, the pot goes back.
      const refund = OPENING_FEE + 4n * INCOHERENT_REWARD + NON_REVEAL_REWARD; // 175 CRP
      const s0 = await settle(c, disputeId, 0n);
      expect([s0.ruling, s0.coherentCount, s0.share, s0.slashed, s0.refunded]).to.deep.equal([
        REJECT,
        0n,
        0n,
        4n * INCOHERENT_SLASH + NON_REVEAL_SLASH,
        refund,
      ]);
      expect(s0.credits).to.deep.equal(new Map([[lower(c.worker.address), refund]]));
      expect(s0.slashes.size).to.equal(5);

      // Round 1: 220 + 2 × 12.5 + 3 × 25 = 320 CRP among 6: 53.333… CRP each and 2 wei of dust.
      const pot = appealFee + 2n * INCOHERENT_REWARD + 3n * NON_REVEAL_REWARD;
      const share = pot / 6n;
      expect(pot - 6n * share).to.equal(2n);
      const s1 = await settle(c, disputeId, 1n);
      expect([s1.ruling, s1.coherentCount, s1.share, s1.slashed, s1.refunded]).to.deep.equal([
        REJECT,
        6n,
        share,
        2n * INCOHERENT_SLASH + 3n * NON_REVEAL_SLASH,
        0n,
      ]);
      const coherent = [0, 2, 3, 5, 7, 9].map((i) => lower(at(second.jurors, i)));
      expect(s1.credits).to.deep.equal(new Map(coherent.map((j, k) => [j, k === 0 ? share + 2n : share])));
      expect(await c.disputes.balanceOf(c.requester)).to.equal(0n);

      // A juror may sit in both rounds: its slashes add up, and its lock is back once both are settled.
      const slashes = new Map<string, bigint>(s0.slashes);
      for (const [j, amount] of s1.slashes) slashes.set(j, (slashes.get(j) ?? 0n) + amount);
      await expectLocksReleased(c, first.beforeDraw, slashes);
      await everyoneWithdraws(c);
    });

    it("an appeal round whose jury is never drawn refunds the appellant's fee in full, and round 0's ruling stands and pays round 0's jurors", async function () {
      const c = await loadFixture(disputesFixture);
      const { disputeId } = await disputedSubmission(c, "reject");
      const { jurors } = await drawAndRun(c, disputeId, [ACCEPT, ACCEPT, ACCEPT, ACCEPT, ACCEPT]);
      const appealFee = 11n * FEE_PER_JUROR;
      await (await c.token.connect(c.requester).approve(c.arbitrator, appealFee)).wait();
      await (await c.disputes.connect(c.requester).appeal(disputeId)).wait();
      // No one draws round 1 before its deadline: the dispute ends with round 0's ruling.
      const { commitEnd } = await c.disputes.getRound(disputeId, 1n);
      await time.increaseTo(commitEnd + 1n);
      expect((await c.disputes.getDispute(disputeId)).phase).to.equal(PHASE.Final);
      expect(await c.disputes.currentRuling(disputeId)).to.deep.equal([ACCEPT, true]);
      await expect(c.disputes.executeRuling(disputeId))
        .to.emit(c.disputes, "RulingExecuted")
        .withArgs(disputeId, ACCEPT);

      const s1 = await settle(c, disputeId, 1n);
      expect([s1.ruling, s1.coherentCount, s1.share, s1.slashed, s1.refunded]).to.deep.equal([
        ACCEPT,
        0n,
        0n,
        0n,
        appealFee,
      ]);
      expect(s1.credits).to.deep.equal(new Map([[lower(c.requester.address), appealFee]]));
      const s0 = await settle(c, disputeId, 0n);
      expect([s0.coherentCount, s0.share, s0.slashed, s0.refunded]).to.deep.equal([5n, OPENING_FEE / 5n, 0n, 0n]);
      expect(s0.credits).to.deep.equal(new Map(jurors.map((j) => [lower(j), OPENING_FEE / 5n])));
      await everyoneWithdraws(c);
    });

    it("a first round whose jury is never drawn refunds the opener's fee and rules 0", async function () {
      const c = await loadFixture(disputesFixture);
      const { disputeId, disputer } = await disputedSubmission(c, "accept");
      const { commitEnd } = await c.disputes.getRound(disputeId, 0n);
      await time.increaseTo(commitEnd + 1n);
      expect(await c.disputes.currentRuling(disputeId)).to.deep.equal([0n, true]);
      const s = await settle(c, disputeId, 0n);
      expect([s.ruling, s.coherentCount, s.share, s.slashed, s.refunded]).to.deep.equal([0n, 0n, 0n, 0n, OPENING_FEE]);
      expect(s.credits).to.deep.equal(new Map([[lower(disputer.address), OPENING_FEE]]));
      await everyoneWithdraws(c);
    });
  });

  describe("unfunded disputes (escalated after no agreement)", function () {
    it("with no incoherent or silent juror the jurors are credited 0, nothing is slashed or burnt, the ruling executes and no one has anything to withdraw", async function () {
      const c = await loadFixture(disputesFixture);
      const { submissionId, disputeId } = await escalatedSubmission(c);
      const { jurors, beforeDraw } = await drawAndRun(c, disputeId, [ACCEPT, ACCEPT, ACCEPT, ACCEPT, ACCEPT]);
      await executeFinal(c, disputeId, ACCEPT);
      const s = await settle(c, disputeId, 0n);
      expect([s.ruling, s.coherentCount, s.share, s.slashed, s.refunded]).to.deep.equal([ACCEPT, 5n, 0n, 0n, 0n]);
      expect(s.slashes.size).to.equal(0);
      expect(s.credits.size).to.equal(0);
      expect(s.burned).to.equal(0n);
      await expectLocksReleased(c, beforeDraw, s.slashes);
      for (const juror of jurors) {
        await asAccount(juror, async (signer) => {
          await expect(c.disputes.connect(signer).withdraw())
            .to.be.revertedWithCustomError(c.disputes, "DisputesNothingToWithdraw")
            .withArgs(juror);
        });
      }
      // The registry takes the arbitrator's ruling as the outcome.
      await (await c.tasks.finalize(submissionId)).wait();
      expect((await c.tasks.getSubmission(submissionId)).status).to.equal(STATUS.Accepted);
      expect(await c.token.balanceOf(c.arbitrator)).to.equal(0n);
      await expectDisputesSolvent(c, "at the end");
    });

    it("the jurors are paid only from slashes: the coherent ones share the slash reward of an incoherent and a silent juror", async function () {
      const c = await loadFixture(disputesFixture);
      const { disputeId } = await escalatedSubmission(c);
      const { jurors, beforeDraw } = await drawAndRun(c, disputeId, [REJECT, REJECT, ACCEPT, REJECT, null]);
      await executeFinal(c, disputeId, REJECT);
      // 12.5 + 25 = 37.5 CRP among 3: 12.5 CRP each.
      const pot = INCOHERENT_REWARD + NON_REVEAL_REWARD;
      const s = await settle(c, disputeId, 0n);
      expect([s.ruling, s.coherentCount, s.share, s.slashed, s.refunded]).to.deep.equal([
        REJECT,
        3n,
        pot / 3n,
        INCOHERENT_SLASH + NON_REVEAL_SLASH,
        0n,
      ]);
      expect(pot / 3n).to.equal(125n * 10n ** 17n);
      expect(s.credits).to.deep.equal(new Map([0, 1, 3].map((i) => [lower(at(jurors, i)), pot / 3n])));
      await expectLocksReleased(c, beforeDraw, s.slashes);
      await everyoneWithdraws(c);
    });
  });

  describe("withdraw", function () {
    it("pays exactly the balance, zeroes it and emits Withdrawn; a second withdraw reverts DisputesNothingToWithdraw and changes nothing", async function () {
      const c = await loadFixture(disputesFixture);
      const { disputeId } = await disputedSubmission(c, "reject");
      const { jurors } = await drawAndRun(c, disputeId, [ACCEPT, ACCEPT, REJECT, null, null]);
      await executeFinal(c, disputeId, ACCEPT);
      await settle(c, disputeId, 0n);
      // 100 + 12.5 + 2 × 25 = 162.5 CRP among 2.
      const share = (OPENING_FEE + INCOHERENT_REWARD + 2n * NON_REVEAL_REWARD) / 2n;
      const juror = at(jurors, 0);
      expect(await c.disputes.balanceOf(juror)).to.equal(share);

      await asAccount(juror, async (signer) => {
        const tx = c.disputes.connect(signer).withdraw();
        await expect(tx).to.emit(c.disputes, "Withdrawn").withArgs(juror, share);
        await expect(tx).to.changeTokenBalances(c.token, [juror, c.arbitrator], [share, -share]);
      });
      expect(await c.disputes.balanceOf(juror)).to.equal(0n);
      await expectDisputesSolvent(c, "after the first withdraw");

      const held = await c.token.balanceOf(juror);
      const crp = await c.token.balanceOf(c.arbitrator);
      await asAccount(juror, async (signer) => {
        await expect(c.disputes.connect(signer).withdraw())
          .to.be.revertedWithCustomError(c.disputes, "DisputesNothingToWithdraw")
          .withArgs(juror);
      });
      expect(await c.token.balanceOf(juror)).to.equal(held);
      expect(await c.token.balanceOf(c.arbitrator)).to.equal(crp);
      // Someone who never had a balance cannot withdraw either.
      await expect(c.disputes.connect(c.stranger).withdraw())
        .to.be.revertedWithCustomError(c.disputes, "DisputesNothingToWithdraw")
        .withArgs(c.stranger.address);
      // The other coherent juror's balance is untouched by all this.
      expect(await c.disputes.balanceOf(at(jurors, 1))).to.equal(share);
      await everyoneWithdraws(c);
    });
  });
});
