import { expect } from "chai";
import { loadFixture, mine, time } from "@nomicfoundation/hardhat-network-helpers";
import { AbiCoder, ZeroAddress, ZeroHash, encodeBytes32String, getAddress, id } from "ethers";
import { asAccount, asGovernance } from "../../scripts/lib/impersonate";
import { STATUS, drawPanelWhenReady, submitWork } from "../../scripts/lib/tasks-setup";
import { type CorpusDisputes, HostileArbitrable__factory } from "../../sdk/src/typechain";
import { CRP } from "../helpers/fixtures";
import { fundFromTreasury } from "../helpers/staking";
import {
  ACCEPT,
  FEE_PER_JUROR,
  JUROR_LOCK,
  OPENING_FEE,
  PHASE,
  REJECT,
  type Ballot,
  type DisputesFixture,
  attestAsMember,
  closeDispute,
  commitAs,
  disputedSubmission,
  disputesFixture,
  drawJuryWhenReady,
  excludedOf,
  expectDisputesSolvent,
  passPhase,
  revealAs,
  runRound,
} from "../helpers/disputes";

const MAX_CHOICES = 4n;
const MAX_EXCLUDED = 64n;
const HOUR = 3_600n;
const WEEK = 7n * 86_400n;
const name = (parameter: string) => encodeBytes32String(parameter);

/** `abi.encode(address[] excluded)`: the extraData an arbitrable passes. */
function extraData(excluded: string[]): string {
  return AbiCoder.defaultAbiCoder().encode(["address[]"], [excluded]);
}

/** `n` distinct non-zero addresses (none of them a validator or a named account). */
function addresses(n: number): string[] {
  return Array.from({ length: n }, (_, i) => getAddress(`0x${(0x1000 + i).toString(16).padStart(40, "0")}`));
}

/** Runs `action` on the dispute contract as `account` (a contract validator or any address). */
function as<T>(c: DisputesFixture, account: string, action: (disputes: CorpusDisputes) => Promise<T>): Promise<T> {
  return asAccount(account, (signer) => action(c.disputes.connect(signer)));
}

function plain(value: unknown): unknown {
  return Array.isArray(value) ? Array.from(value as unknown[], plain) : value;
}

/**
 * What the dispute contract has stored, as plain values: every dispute's stored fields (not its
 * time-derived phase and ruling: a failed call is mined a second later) and rounds, the count, the parameters,
 * the contract's CRP. Compare two snapshots with deep.equal to show a failed call changed nothing.
 */
async function storedState(c: DisputesFixture) {
  const count = await c.disputes.disputeCount();
  const disputes = [];
  for (let disputeId = 1n; disputeId <= count; disputeId++) {
    const d = await c.disputes.getDispute(disputeId);
    const rounds = [];
    for (let r = 0n; r <= d.round; r++) rounds.push(plain(await c.disputes.getRound(disputeId, r)));
    disputes.push({ arbitrable: d.arbitrable, choices: d.choices, round: d.round, parties: plain(d.parties), rounds });
  }
  return {
    count,
    disputes,
    parameters: plain(await c.disputes.parameters()),
    balance: await c.token.balanceOf(c.arbitrator),
  };
}

/** The deployment plus a hostile (test) arbitrable holding 10,000 CRP to pay fees with. */
async function openerFixture() {
  const c = await loadFixture(disputesFixture);
  const hostile = await new HostileArbitrable__factory(c.deployer).deploy();
  const hostileAddress = await hostile.getAddress();
  await fundFromTreasury(c, [hostileAddress], 10_000n * CRP);
  // alice opens disputes herself, as an EOA arbitrable.
  await (await c.token.connect(c.alice).approve(c.arbitrator, 10n * OPENING_FEE)).wait();
  return { c, hostile, hostileAddress };
}

/** A worker's rejected submission disputed through the registry (ruling 1 favours the worker). */
async function openFixture() {
  const c = await loadFixture(disputesFixture);
  const opened = await disputedSubmission(c, "reject");
  return { c, ...opened, excluded: await excludedOf(c, opened.disputeId) };
}

/** Round 0's jury drawn, and a staked validator that is neither on it nor excluded from it. */
async function drawnFixture() {
  const f = await loadFixture(openFixture);
  const jurors = await drawJuryWhenReady(f.c, f.disputeId);
  const outsider = f.c.validators.find((v) => !jurors.includes(v) && !f.excluded.includes(v));
  if (outsider === undefined) throw new Error("every validator sits on the jury");
  return { ...f, jurors, outsider, round: await f.c.disputes.getRound(f.disputeId, 0n) };
}

/** In the commit period: jurors 0 and 1 committed accept, juror 2 reject; jurors 3 and 4 did not commit. */
async function committedFixture() {
  const f = await loadFixture(drawnFixture);
  await passPhase(f.c, f.disputeId, "evidence");
  const ballots: Ballot[] = [];
  for (const [i, vote] of [ACCEPT, ACCEPT, REJECT].entries()) {
    ballots.push(await commitAs(f.c, f.disputeId, f.jurors[i] as string, vote));
  }
  return { ...f, ballots };
}

/** The same, in the reveal period. */
async function revealingFixture() {
  const f = await loadFixture(committedFixture);
  await passPhase(f.c, f.disputeId, "commit");
  return f;
}

/** Round 0 ruled accept 3–1 (one silent juror), in its appeal period. */
async function acceptedFixture() {
  const f = await loadFixture(drawnFixture);
  await runRound(f.c, f.disputeId, [ACCEPT, ACCEPT, ACCEPT, REJECT, null]);
  return f;
}

/** Round 0 tied 1–1 (three silent jurors): ruling 0, in its appeal period; both parties approved the appeal fee. */
async function tiedFixture() {
  const f = await loadFixture(drawnFixture);
  await runRound(f.c, f.disputeId, [ACCEPT, REJECT, null, null, null]);
  const fee = await f.c.disputes.appealCost(f.disputeId);
  for (const party of [f.c.worker, f.c.requester])
    await (await f.c.token.connect(party).approve(f.c.arbitrator, fee)).wait();
  return { ...f, fee };
}

/** In the reveal period: juror 0 committed accept, juror 1 committed to ruling 3 and juror 2 to ruling 0. */
async function invalidVotesFixture() {
  const f = await loadFixture(drawnFixture);
  await passPhase(f.c, f.disputeId, "evidence");
  const ballots = [
    await commitAs(f.c, f.disputeId, f.jurors[0] as string, ACCEPT),
    await commitAs(f.c, f.disputeId, f.jurors[1] as string, 3n),
    await commitAs(f.c, f.disputeId, f.jurors[2] as string, 0n),
  ];
  await passPhase(f.c, f.disputeId, "commit");
  return { ...f, ballots };
}

/**
 * A dispute appealed three times by the worker, in its last round (jury not drawn yet). Juries of 3, 7, 15
 * and 31 keep this cheap; each round rules 0 (no one votes), so the worker may appeal each time.
 */
async function threeAppealsFixture() {
  const c = await loadFixture(disputesFixture);
  await asGovernance(c.timelock, async (t) => (await c.disputes.connect(t).setParameter(name("jurySize"), 3n)).wait());
  await (await c.token.connect(c.worker).approve(c.arbitrator, 10_000n * CRP)).wait();
  const { disputeId } = await disputedSubmission(c, "reject");
  for (let round = 0; round < 3; round++) {
    await runRound(c, disputeId, []);
    await (await c.disputes.connect(c.worker).appeal(disputeId)).wait();
  }
  return { c, disputeId };
}

describe("CorpusDisputes: bad inputs revert with their named error and change nothing", () => {
  describe("opening a dispute", () => {
    it("choices 0, 1 and 5 revert DisputesInvalidChoices(choices, 4); 4 choices open (EOA arbitrable)", async () => {
      const { c } = await loadFixture(openerFixture);
      const parties = [c.alice.address, c.bob.address, c.carol.address, c.dave.address];
      const before = await storedState(c);
      const aliceBefore = await c.token.balanceOf(c.alice);
      for (const choices of [0n, 1n, 5n]) {
        await expect(c.disputes.connect(c.alice).createDispute(choices, extraData(parties), c.alice.address))
          .to.be.revertedWithCustomError(c.disputes, "DisputesInvalidChoices")
          .withArgs(choices, MAX_CHOICES);
      }
      expect(await storedState(c)).to.deep.equal(before);
      expect(await c.token.balanceOf(c.alice)).to.equal(aliceBefore);

      await expect(c.disputes.connect(c.alice).createDispute(MAX_CHOICES, extraData(parties), c.dave.address))
        .to.emit(c.disputes, "DisputeOpened")
        .withArgs(before.count + 1n, c.alice.address, c.dave.address, MAX_CHOICES, OPENING_FEE, parties);
      expect(await c.token.balanceOf(c.alice)).to.equal(aliceBefore - OPENING_FEE);
    });

    it("fewer addresses than choices, or more than 64, revert DisputesInvalidExclusions(count, choices, 64); exactly 64 open", async () => {
      const { c, hostile, hostileAddress } = await loadFixture(openerFixture);
      const before = await storedState(c);
      const hostileBefore = await c.token.balanceOf(hostileAddress);
      const cases: [string[], bigint][] = [
        [[], 2n],
        [[c.alice.address], 2n],
        [[c.alice.address, ...addresses(64)], 2n],
      ];
      for (const [list, choices] of cases) {
        await expect(hostile.open(c.arbitrator, extraData(list), c.alice.address))
          .to.be.revertedWithCustomError(c.disputes, "DisputesInvalidExclusions")
          .withArgs(BigInt(list.length), choices, MAX_EXCLUDED);
      }
      // Four choices need four parties: three addresses are too few.
      const three = [c.alice.address, c.bob.address, c.carol.address];
      await expect(c.disputes.connect(c.alice).createDispute(4n, extraData(three), c.alice.address))
        .to.be.revertedWithCustomError(c.disputes, "DisputesInvalidExclusions")
        .withArgs(3n, 4n, MAX_EXCLUDED);
      expect(await storedState(c)).to.deep.equal(before);
      expect(await c.token.balanceOf(hostileAddress)).to.equal(hostileBefore);
      expect(await c.token.allowance(hostileAddress, c.arbitrator)).to.equal(0n);

      const sixtyFour = [c.alice.address, ...addresses(63)];
      await expect(hostile.open(c.arbitrator, extraData(sixtyFour), c.alice.address))
        .to.emit(c.disputes, "DisputeOpened")
        .withArgs(before.count + 1n, hostileAddress, c.alice.address, 2n, OPENING_FEE, sixtyFour);
      expect(await c.token.balanceOf(hostileAddress)).to.equal(hostileBefore - OPENING_FEE);
    });

    it("a party that is not one of the first `choices` addresses (a listed reviewer, or not listed at all) reverts DisputesPartyNotListed(party)", async () => {
      const { c, hostile } = await loadFixture(openerFixture);
      const list = [c.alice.address, c.bob.address, c.carol.address];
      const before = await storedState(c);
      for (const party of [c.carol.address, c.stranger.address]) {
        await expect(hostile.open(c.arbitrator, extraData(list), party))
          .to.be.revertedWithCustomError(c.disputes, "DisputesPartyNotListed")
          .withArgs(party);
      }
      expect(await storedState(c)).to.deep.equal(before);
      await expect(hostile.open(c.arbitrator, extraData(list), c.bob.address)).to.emit(c.disputes, "DisputeOpened");
    });

    it("party zero reverts DisputesZeroAddress, funded or unfunded", async () => {
      const { c, hostile, hostileAddress } = await loadFixture(openerFixture);
      await asGovernance(c.timelock, async (t) =>
        (await c.disputes.connect(t).setUnfundedAllowed(hostileAddress, true)).wait(),
      );
      const list = [c.alice.address, c.bob.address];
      const before = await storedState(c);
      await expect(hostile.open(c.arbitrator, extraData(list), ZeroAddress)).to.be.revertedWithCustomError(
        c.disputes,
        "DisputesZeroAddress",
      );
      await expect(hostile.openUnfunded(c.arbitrator, extraData(list), ZeroAddress)).to.be.revertedWithCustomError(
        c.disputes,
        "DisputesZeroAddress",
      );
      await expect(
        c.disputes.connect(c.alice).createDispute(2n, extraData(list), ZeroAddress),
      ).to.be.revertedWithCustomError(c.disputes, "DisputesZeroAddress");
      // A party listed as zero: the ruling that favours it could never be appealed by anyone.
      for (const zeroed of [
        [ZeroAddress, c.bob.address],
        [c.alice.address, ZeroAddress],
      ]) {
        await expect(hostile.open(c.arbitrator, extraData(zeroed), c.alice.address)).to.be.revertedWithCustomError(
          c.disputes,
          "DisputesZeroAddress",
        );
      }
      expect(await storedState(c)).to.deep.equal(before);
    });

    it("createUnfundedDispute by a caller governance has not allowed (an EOA, a contract, a disallowed one) reverts DisputesUnfundedNotAllowed(caller)", async () => {
      const { c, hostile, hostileAddress } = await loadFixture(openerFixture);
      const list = [c.alice.address, c.bob.address];
      expect(await c.disputes.isUnfundedAllowed(c.registry)).to.equal(true);
      expect(await c.disputes.isUnfundedAllowed(hostileAddress)).to.equal(false);
      const before = await storedState(c);
      await expect(c.disputes.connect(c.alice).createUnfundedDispute(2n, extraData(list), c.alice.address))
        .to.be.revertedWithCustomError(c.disputes, "DisputesUnfundedNotAllowed")
        .withArgs(c.alice.address);
      await expect(hostile.openUnfunded(c.arbitrator, extraData(list), c.alice.address))
        .to.be.revertedWithCustomError(c.disputes, "DisputesUnfundedNotAllowed")
        .withArgs(hostileAddress);
      expect(await storedState(c)).to.deep.equal(before);

      // Allowed, it opens a dispute no one paid for...
      await asGovernance(c.timelock, async (t) => {
        await expect(c.disputes.connect(t).setUnfundedAllowed(hostileAddress, true))
          .to.emit(c.disputes, "UnfundedAllowedSet")
          .withArgs(hostileAddress, true);
      });
      await expect(hostile.openUnfunded(c.arbitrator, extraData(list), c.alice.address))
        .to.emit(c.disputes, "DisputeOpened")
        .withArgs(before.count + 1n, hostileAddress, c.alice.address, 2n, 0n, list);
      expect(await c.token.balanceOf(c.arbitrator)).to.equal(before.balance);
      // ...and disallowed again, it no longer can.
      await asGovernance(c.timelock, async (t) =>
        (await c.disputes.connect(t).setUnfundedAllowed(hostileAddress, false)).wait(),
      );
      await expect(hostile.openUnfunded(c.arbitrator, extraData(list), c.alice.address))
        .to.be.revertedWithCustomError(c.disputes, "DisputesUnfundedNotAllowed")
        .withArgs(hostileAddress);
    });

    it("while the guardian has paused, new disputes from anyone but an allowed arbitrable revert EnforcedPause", async () => {
      const { c, hostile, hostileAddress } = await loadFixture(openerFixture);
      await (await c.disputes.connect(c.guardian).pause()).wait();
      const list = [c.alice.address, c.bob.address];
      const before = await storedState(c);
      await expect(
        c.disputes.connect(c.alice).createDispute(2n, extraData(list), c.alice.address),
      ).to.be.revertedWithCustomError(c.disputes, "EnforcedPause");
      await expect(hostile.open(c.arbitrator, extraData(list), c.alice.address)).to.be.revertedWithCustomError(
        c.disputes,
        "EnforcedPause",
      );
      // Unfunded disputes were never open to it.
      await expect(hostile.openUnfunded(c.arbitrator, extraData(list), c.alice.address))
        .to.be.revertedWithCustomError(c.disputes, "DisputesUnfundedNotAllowed")
        .withArgs(hostileAddress);
      expect(await storedState(c)).to.deep.equal(before);
      // Only governance unpauses; then the same contract opens its dispute.
      await asGovernance(c.timelock, async (t) => (await c.disputes.connect(t).unpause()).wait());
      await expect(hostile.open(c.arbitrator, extraData(list), c.alice.address)).to.emit(c.disputes, "DisputeOpened");
    });

    it("the registry (an allowed arbitrable) still opens disputes while paused: its dispute windows keep running, so a pause must not make a contested verdict final", async () => {
      const { c } = await loadFixture(openerFixture);
      const submissionId = await submitWork(c, c.worker, c.taskId, "paused.json");
      for (const member of await drawPanelWhenReady(c, submissionId)) {
        await attestAsMember(c, submissionId, member, false);
      }
      await (await c.token.connect(c.worker).approve(c.registry, OPENING_FEE)).wait();
      await (await c.disputes.connect(c.guardian).pause()).wait();
      expect(await c.disputes.paused()).to.equal(true);
      await expect(c.tasks.connect(c.worker).dispute(submissionId)).to.emit(c.disputes, "DisputeOpened");
      expect((await c.tasks.getSubmission(submissionId)).status).to.equal(STATUS.Disputed);
    });

    it("with a zero fee per juror only allowed arbitrables may open disputes: free disputes would lock jurors' stake for nothing", async () => {
      const { c, hostile, hostileAddress } = await loadFixture(openerFixture);
      await asGovernance(c.timelock, async (t) =>
        (await c.disputes.connect(t).setParameter(encodeBytes32String("feePerJuror"), 0n)).wait(),
      );
      const list = [c.alice.address, c.bob.address];
      const before = await storedState(c);
      await expect(c.disputes.connect(c.alice).createDispute(2n, extraData(list), c.alice.address))
        .to.be.revertedWithCustomError(c.disputes, "DisputesUnfundedNotAllowed")
        .withArgs(c.alice.address);
      await expect(hostile.open(c.arbitrator, extraData(list), c.alice.address))
        .to.be.revertedWithCustomError(c.disputes, "DisputesUnfundedNotAllowed")
        .withArgs(hostileAddress);
      expect(await storedState(c)).to.deep.equal(before);
      await asGovernance(c.timelock, async (t) =>
        (await c.disputes.connect(t).setUnfundedAllowed(hostileAddress, true)).wait(),
      );
      await expect(hostile.open(c.arbitrator, extraData(list), c.alice.address)).to.emit(c.disputes, "DisputeOpened");
    });

    it("a dispute running when the guardian pauses still draws, takes evidence, commits, reveals, appeals, settles, executes and withdraws", async () => {
      const { c, disputeId, submissionId } = await loadFixture(openFixture);
      await (await c.disputes.connect(c.guardian).pause()).wait();
      expect(await c.disputes.paused()).to.equal(true);

      await expect(c.disputes.connect(c.worker).submitEvidence(disputeId, "ipfs://paused", id("paused")))
        .to.emit(c.disputes, "Evidence")
        .withArgs(disputeId, 0n, c.worker.address, "ipfs://paused", id("paused"));
      const { jurors } = await runRound(c, disputeId, [ACCEPT, ACCEPT, ACCEPT, REJECT, REJECT]);
      expect((await c.disputes.getRound(disputeId, 0n)).votes).to.deep.equal([3n, 2n]);

      const fee = await c.disputes.appealCost(disputeId);
      await (await c.token.connect(c.requester).approve(c.arbitrator, fee)).wait();
      await expect(c.disputes.connect(c.requester).appeal(disputeId))
        .to.emit(c.disputes, "Appealed")
        .withArgs(disputeId, 1n, c.requester.address, fee);
      // Round 1 agrees with round 0.
      await runRound(c, disputeId, Array<bigint>(11).fill(ACCEPT));
      expect(await closeDispute(c, disputeId)).to.equal(ACCEPT);
      expect((await c.disputes.getDispute(disputeId)).phase).to.equal(PHASE.Executed);
      expect((await c.tasks.getSubmission(submissionId)).ruling).to.equal(ACCEPT);
      expect((await c.disputes.getRound(disputeId, 1n)).settled).to.equal(true);

      const juror = jurors[0] as string;
      const owed = await c.disputes.balanceOf(juror);
      expect(owed).to.be.greaterThan(0n);
      const jurorBefore = await c.token.balanceOf(juror);
      await as(c, juror, async (d) => {
        await expect(d.withdraw()).to.emit(c.disputes, "Withdrawn").withArgs(juror, owed);
      });
      expect(await c.token.balanceOf(juror)).to.equal(jurorBefore + owed);
      expect(await c.disputes.paused()).to.equal(true);
      await expectDisputesSolvent(c, "after a paused dispute");
    });
  });

  describe("unknown disputes and rounds", () => {
    it("every function taking a dispute id reverts DisputesUnknownDispute for 0, the next id and 999", async () => {
      const { c, excluded } = await loadFixture(openFixture);
      const [validator] = c.validators as [string];
      const next = (await c.disputes.disputeCount()) + 1n;
      await (await c.token.connect(c.worker).approve(c.arbitrator, 10_000n * CRP)).wait();
      const before = await storedState(c);
      for (const unknown of [0n, next, 999n]) {
        const calls: [string, () => Promise<unknown>][] = [
          ["drawJury", () => c.disputes.drawJury(unknown, excluded)],
          ["renewJurySeed", () => c.disputes.renewJurySeed(unknown)],
          ["executeRuling", () => c.disputes.executeRuling(unknown)],
          ["settleRound", () => c.disputes.settleRound(unknown, 0n)],
          ["submitEvidence", () => c.disputes.connect(c.worker).submitEvidence(unknown, "ipfs://e", id("e"))],
          ["appeal", () => c.disputes.connect(c.worker).appeal(unknown)],
          ["commitVote", () => as(c, validator, (d) => d.commitVote(unknown, id("commitment")))],
          ["revealVote", () => as(c, validator, (d) => d.revealVote(unknown, ACCEPT, id("salt")))],
          ["getDispute", () => c.disputes.getDispute(unknown)],
          ["getRound", () => c.disputes.getRound(unknown, 0n)],
          ["currentRuling", () => c.disputes.currentRuling(unknown)],
          ["appealCost", () => c.disputes.appealCost(unknown)],
        ];
        for (const [fn, call] of calls) {
          await expect(call(), `${fn}(${unknown})`)
            .to.be.revertedWithCustomError(c.disputes, "DisputesUnknownDispute")
            .withArgs(unknown);
        }
        // seatOf is a plain read: an unknown dispute has no seats.
        expect(await c.disputes.seatOf(unknown, 0n, validator)).to.deep.equal([false, false, false, 0n]);
      }
      expect(await storedState(c)).to.deep.equal(before);
    });

    it("settleRound and getRound past the last round revert DisputesUnknownRound(id, round)", async () => {
      const { c, disputeId } = await loadFixture(openFixture);
      const before = await storedState(c);
      for (const round of [1n, 3n, 4n, 255n]) {
        await expect(c.disputes.settleRound(disputeId, round))
          .to.be.revertedWithCustomError(c.disputes, "DisputesUnknownRound")
          .withArgs(disputeId, round);
        await expect(c.disputes.getRound(disputeId, round))
          .to.be.revertedWithCustomError(c.disputes, "DisputesUnknownRound")
          .withArgs(disputeId, round);
      }
      expect(await storedState(c)).to.deep.equal(before);
    });
  });

  describe("drawing the jury", () => {
    it("any list but the one the dispute was opened with (shorter, longer, parties swapped, panel reordered, empty) reverts DisputesWrongExclusions(id)", async () => {
      const { c, disputeId, excluded } = await loadFixture(openFixture);
      await mine(1);
      const [worker, requester, ...panel] = excluded as [string, string, ...string[]];
      const wrong = [
        excluded.slice(0, -1),
        [...excluded, c.stranger.address],
        [requester, worker, ...panel],
        [worker, requester, ...[...panel].reverse()],
        [],
      ];
      const before = await storedState(c);
      const stakeBefore = await c.staking.stakeOf(c.validators[0] as string);
      for (const list of wrong) {
        await expect(c.disputes.drawJury(disputeId, list))
          .to.be.revertedWithCustomError(c.disputes, "DisputesWrongExclusions")
          .withArgs(disputeId);
      }
      expect(await storedState(c)).to.deep.equal(before);
      expect(await c.staking.stakeOf(c.validators[0] as string)).to.deep.equal(stakeBefore);
      await expect(c.disputes.drawJury(disputeId, excluded)).to.emit(c.disputes, "JuryDrawn");
    });
  });

  describe("voting", () => {
    it("commitVote by a validator not drawn, by either party, or by a panel member reverts DisputesNotAJuror(id, 0, account)", async () => {
      const { c, disputeId, outsider, excluded } = await loadFixture(committedFixture);
      const before = await storedState(c);
      for (const account of [outsider, c.worker.address, c.requester.address, excluded[2] as string]) {
        await expect(as(c, account, (d) => d.commitVote(disputeId, id("commitment"))))
          .to.be.revertedWithCustomError(c.disputes, "DisputesNotAJuror")
          .withArgs(disputeId, 0n, account);
        expect(await c.disputes.seatOf(disputeId, 0n, account)).to.deep.equal([false, false, false, 0n]);
      }
      expect(await storedState(c)).to.deep.equal(before);
    });

    it("revealVote by a validator not drawn or by either party reverts DisputesNotAJuror(id, 0, account)", async () => {
      const { c, disputeId, outsider } = await loadFixture(revealingFixture);
      const before = await storedState(c);
      for (const account of [outsider, c.worker.address, c.requester.address]) {
        await expect(as(c, account, (d) => d.revealVote(disputeId, ACCEPT, id("salt"))))
          .to.be.revertedWithCustomError(c.disputes, "DisputesNotAJuror")
          .withArgs(disputeId, 0n, account);
      }
      expect(await storedState(c)).to.deep.equal(before);
    });

    it("a second commit reverts DisputesAlreadyCommitted(id, 0, juror) and the first commitment is the one that reveals", async () => {
      const { c, disputeId, ballots } = await loadFixture(committedFixture);
      const first = ballots[0] as Ballot;
      const other = id("another salt");
      const replacement = await c.disputes.commitmentOf(disputeId, 0n, first.juror, REJECT, other);
      await expect(as(c, first.juror, (d) => d.commitVote(disputeId, replacement)))
        .to.be.revertedWithCustomError(c.disputes, "DisputesAlreadyCommitted")
        .withArgs(disputeId, 0n, first.juror);
      expect(await c.disputes.seatOf(disputeId, 0n, first.juror)).to.deep.equal([true, true, false, 0n]);

      await passPhase(c, disputeId, "commit");
      await expect(as(c, first.juror, (d) => d.revealVote(disputeId, REJECT, other)))
        .to.be.revertedWithCustomError(c.disputes, "DisputesRevealMismatch")
        .withArgs(disputeId, 0n, first.juror);
      await expect(as(c, first.juror, (d) => d.revealVote(disputeId, first.vote, first.salt)))
        .to.emit(c.disputes, "VoteRevealed")
        .withArgs(disputeId, 0n, first.juror, ACCEPT);
    });

    it("revealVote by a juror who did not commit reverts DisputesNotCommitted(id, 0, juror)", async () => {
      const { c, disputeId, jurors } = await loadFixture(revealingFixture);
      const silent = jurors[3] as string;
      const before = await storedState(c);
      await expect(as(c, silent, (d) => d.revealVote(disputeId, ACCEPT, id("salt"))))
        .to.be.revertedWithCustomError(c.disputes, "DisputesNotCommitted")
        .withArgs(disputeId, 0n, silent);
      expect(await c.disputes.seatOf(disputeId, 0n, silent)).to.deep.equal([true, false, false, 0n]);
      expect(await storedState(c)).to.deep.equal(before);
    });

    it("a second reveal reverts DisputesAlreadyRevealed(id, 0, juror) and counts nothing twice", async () => {
      const { c, disputeId, ballots } = await loadFixture(revealingFixture);
      const first = ballots[0] as Ballot;
      await revealAs(c, disputeId, first);
      const before = await storedState(c);
      for (const vote of [ACCEPT, REJECT]) {
        await expect(as(c, first.juror, (d) => d.revealVote(disputeId, vote, first.salt)))
          .to.be.revertedWithCustomError(c.disputes, "DisputesAlreadyRevealed")
          .withArgs(disputeId, 0n, first.juror);
      }
      expect(await storedState(c)).to.deep.equal(before);
      const round = await c.disputes.getRound(disputeId, 0n);
      expect(round.revealed).to.equal(1n);
      expect(round.votes).to.deep.equal([1n, 0n]);
      expect(await c.disputes.seatOf(disputeId, 0n, first.juror)).to.deep.equal([true, true, true, ACCEPT]);
    });

    it("a vote of 0 or 3 reverts DisputesInvalidVote(vote, 2): a juror who committed to 3 can never reveal", async () => {
      const { c, disputeId, jurors, ballots } = await loadFixture(invalidVotesFixture);
      const [honest, three, zero] = ballots as [Ballot, Ballot, Ballot];
      const before = await storedState(c);
      for (const ballot of [three, zero]) {
        await expect(as(c, ballot.juror, (d) => d.revealVote(disputeId, ballot.vote, ballot.salt)))
          .to.be.revertedWithCustomError(c.disputes, "DisputesInvalidVote")
          .withArgs(ballot.vote, 2n);
      }
      for (const vote of [0n, 3n]) {
        await expect(as(c, honest.juror, (d) => d.revealVote(disputeId, vote, honest.salt)))
          .to.be.revertedWithCustomError(c.disputes, "DisputesInvalidVote")
          .withArgs(vote, 2n);
      }
      expect(await storedState(c)).to.deep.equal(before);
      for (const juror of jurors.slice(0, 3)) {
        expect(await c.disputes.seatOf(disputeId, 0n, juror)).to.deep.equal([true, true, false, 0n]);
      }
      await revealAs(c, disputeId, honest);
      expect((await c.disputes.getRound(disputeId, 0n)).votes).to.deep.equal([1n, 0n]);
    });

    it("DisputesRevealMismatch(id, 0, juror): a wrong salt, the right salt with the other vote, and another juror's commitment copied then revealed with its vote and salt", async () => {
      const { c, disputeId, jurors } = await loadFixture(drawnFixture);
      await passPhase(c, disputeId, "evidence");
      const original = await commitAs(c, disputeId, jurors[0] as string, ACCEPT);
      const copier = jurors[1] as string;
      // The copier reads the original commitment from its VoteCommitted event and commits the same hash.
      const [event] = await c.disputes.queryFilter(c.disputes.filters.VoteCommitted(disputeId, 0n, original.juror));
      const copied = event?.args.commitment as string;
      await (await as(c, copier, (d) => d.commitVote(disputeId, copied))).wait();
      await passPhase(c, disputeId, "commit");

      const before = await storedState(c);
      const attempts: [string, bigint, string][] = [
        [original.juror, ACCEPT, id("wrong salt")],
        [original.juror, REJECT, original.salt],
        // Even with the original's vote and salt: the commitment binds the juror who made it.
        [copier, ACCEPT, original.salt],
      ];
      for (const [juror, vote, salt] of attempts) {
        await expect(as(c, juror, (d) => d.revealVote(disputeId, vote, salt)))
          .to.be.revertedWithCustomError(c.disputes, "DisputesRevealMismatch")
          .withArgs(disputeId, 0n, juror);
      }
      expect(await storedState(c)).to.deep.equal(before);
      expect(await c.disputes.seatOf(disputeId, 0n, copier)).to.deep.equal([true, true, false, 0n]);
      await revealAs(c, disputeId, original);
      expect(await c.disputes.seatOf(disputeId, 0n, original.juror)).to.deep.equal([true, true, true, ACCEPT]);
    });
  });

  describe("appeals", () => {
    it("after an accept ruling the worker it favours, a stranger, a juror and a panel member revert DisputesNotLosingSide(id, account); the requester may appeal", async () => {
      const { c, disputeId, jurors, excluded } = await loadFixture(acceptedFixture);
      expect(await c.disputes.currentRuling(disputeId)).to.deep.equal([ACCEPT, false]);
      const fee = await c.disputes.appealCost(disputeId);
      await (await c.token.connect(c.worker).approve(c.arbitrator, fee)).wait();
      await (await c.token.connect(c.requester).approve(c.arbitrator, fee)).wait();
      const before = await storedState(c);
      const workerBefore = await c.token.balanceOf(c.worker);
      for (const account of [c.worker.address, c.stranger.address, jurors[0] as string, excluded[2] as string]) {
        await expect(as(c, account, (d) => d.appeal(disputeId)))
          .to.be.revertedWithCustomError(c.disputes, "DisputesNotLosingSide")
          .withArgs(disputeId, account);
      }
      expect(await storedState(c)).to.deep.equal(before);
      expect(await c.token.balanceOf(c.worker)).to.equal(workerBefore);

      await expect(c.disputes.connect(c.requester).appeal(disputeId))
        .to.emit(c.disputes, "Appealed")
        .withArgs(disputeId, 1n, c.requester.address, fee);
    });

    it("after a ruling of 0 (a tie) either party may appeal, and a stranger still may not", async () => {
      const f = await loadFixture(tiedFixture);
      expect(await f.c.disputes.currentRuling(f.disputeId)).to.deep.equal([0n, false]);
      await expect(as(f.c, f.c.stranger.address, (d) => d.appeal(f.disputeId)))
        .to.be.revertedWithCustomError(f.c.disputes, "DisputesNotLosingSide")
        .withArgs(f.disputeId, f.c.stranger.address);
      await expect(f.c.disputes.connect(f.c.worker).appeal(f.disputeId))
        .to.emit(f.c.disputes, "Appealed")
        .withArgs(f.disputeId, 1n, f.c.worker.address, f.fee);

      const g = await loadFixture(tiedFixture);
      await expect(g.c.disputes.connect(g.c.requester).appeal(g.disputeId))
        .to.emit(g.c.disputes, "Appealed")
        .withArgs(g.disputeId, 1n, g.c.requester.address, g.fee);
    });

    it("a fourth appeal reverts DisputesNoMoreAppeals(id), from the evidence period of the last round to its end", async () => {
      const { c, disputeId } = await loadFixture(threeAppealsFixture);
      expect((await c.disputes.getDispute(disputeId)).round).to.equal(3n);
      expect((await c.disputes.getRound(disputeId, 3n)).jurySize).to.equal(31n);
      await drawJuryWhenReady(c, disputeId);

      const before = await storedState(c);
      const workerBefore = await c.token.balanceOf(c.worker);
      // In the last round's evidence period, and once its reveal period is over (the ruling is 0: either
      // party would be on the losing side).
      await expect(c.disputes.connect(c.worker).appeal(disputeId))
        .to.be.revertedWithCustomError(c.disputes, "DisputesNoMoreAppeals")
        .withArgs(disputeId);
      await passPhase(c, disputeId, "reveal");
      for (const party of [c.worker, c.requester]) {
        await expect(c.disputes.connect(party).appeal(disputeId))
          .to.be.revertedWithCustomError(c.disputes, "DisputesNoMoreAppeals")
          .withArgs(disputeId);
      }
      // The quote says so too, instead of pricing an appeal that cannot happen.
      await expect(c.disputes.appealCost(disputeId))
        .to.be.revertedWithCustomError(c.disputes, "DisputesNoMoreAppeals")
        .withArgs(disputeId);
      expect(await storedState(c)).to.deep.equal(before);
      expect(await c.token.balanceOf(c.worker)).to.equal(workerBefore);
      expect(await c.disputes.currentRuling(disputeId)).to.deep.equal([0n, true]);
    });
  });

  describe("evidence", () => {
    it("a stranger, a juror or a panel member posting evidence reverts DisputesNotAParty(id, account)", async () => {
      const { c, disputeId, jurors, excluded } = await loadFixture(drawnFixture);
      for (const account of [c.stranger.address, jurors[0] as string, excluded[2] as string]) {
        await expect(as(c, account, (d) => d.submitEvidence(disputeId, "ipfs://e", id("e"))))
          .to.be.revertedWithCustomError(c.disputes, "DisputesNotAParty")
          .withArgs(disputeId, account);
      }
      expect(await c.disputes.queryFilter(c.disputes.filters.Evidence(disputeId))).to.have.length(0);
    });

    it("a party posting an empty URI reverts DisputesEmptyEvidence", async () => {
      const { c, disputeId } = await loadFixture(drawnFixture);
      for (const party of [c.worker, c.requester]) {
        await expect(
          c.disputes.connect(party).submitEvidence(disputeId, "", id("content")),
        ).to.be.revertedWithCustomError(c.disputes, "DisputesEmptyEvidence");
      }
      expect(await c.disputes.queryFilter(c.disputes.filters.Evidence(disputeId))).to.have.length(0);
    });
  });

  describe("execution, settlement and withdrawal", () => {
    it("executeRuling and settleRound before the ruling is final revert DisputesNotFinal(id), in every phase up to appealEnd", async () => {
      const { c, disputeId } = await loadFixture(openFixture);
      const expectNotFinal = async (phase: bigint) => {
        expect((await c.disputes.getDispute(disputeId)).phase).to.equal(phase);
        await expect(c.disputes.executeRuling(disputeId))
          .to.be.revertedWithCustomError(c.disputes, "DisputesNotFinal")
          .withArgs(disputeId);
        await expect(c.disputes.settleRound(disputeId, 0n))
          .to.be.revertedWithCustomError(c.disputes, "DisputesNotFinal")
          .withArgs(disputeId);
      };
      await expectNotFinal(PHASE.Drawing);
      const jurors = await drawJuryWhenReady(c, disputeId);
      await expectNotFinal(PHASE.Evidence);
      await passPhase(c, disputeId, "evidence");
      const ballot = await commitAs(c, disputeId, jurors[0] as string, ACCEPT);
      await expectNotFinal(PHASE.Commit);
      await passPhase(c, disputeId, "commit");
      await revealAs(c, disputeId, ballot);
      await expectNotFinal(PHASE.Reveal);
      await passPhase(c, disputeId, "reveal");
      await expectNotFinal(PHASE.Appeal);
      const round = await c.disputes.getRound(disputeId, 0n);
      await time.increaseTo(round.appealEnd - 2n);
      // The next two transactions land at appealEnd - 1 and appealEnd.
      await expectNotFinal(PHASE.Appeal);
      expect(BigInt(await time.latest())).to.equal(round.appealEnd);
      const r = await c.disputes.getRound(disputeId, 0n);
      expect([r.settled, r.revealed]).to.deep.equal([false, 1n]);
      await expect(c.disputes.executeRuling(disputeId))
        .to.emit(c.disputes, "RulingExecuted")
        .withArgs(disputeId, ACCEPT);
    });

    it("a second executeRuling reverts DisputesAlreadyExecuted(id) and the registry keeps its ruling", async () => {
      const { c, disputeId, submissionId } = await loadFixture(acceptedFixture);
      await passPhase(c, disputeId, "appeal");
      await (await c.disputes.executeRuling(disputeId)).wait();
      const sub = await c.tasks.getSubmission(submissionId);
      expect([sub.status, sub.ruling]).to.deep.equal([STATUS.Ruled, ACCEPT]);
      await expect(c.disputes.executeRuling(disputeId))
        .to.be.revertedWithCustomError(c.disputes, "DisputesAlreadyExecuted")
        .withArgs(disputeId);
      const after = await c.tasks.getSubmission(submissionId);
      expect([after.status, after.ruling]).to.deep.equal([STATUS.Ruled, ACCEPT]);
      expect((await c.disputes.getDispute(disputeId)).phase).to.equal(PHASE.Executed);
    });

    it("a second settleRound reverts DisputesRoundAlreadySettled(id, 0) and credits no one twice", async () => {
      const { c, disputeId, jurors } = await loadFixture(acceptedFixture);
      await passPhase(c, disputeId, "appeal");
      await (await c.disputes.settleRound(disputeId, 0n)).wait();
      const balances = await Promise.all(jurors.map((j) => c.disputes.balanceOf(j)));
      const stakes = await Promise.all(jurors.map((j) => c.staking.stakeOf(j)));
      const before = await storedState(c);
      await expect(c.disputes.settleRound(disputeId, 0n))
        .to.be.revertedWithCustomError(c.disputes, "DisputesRoundAlreadySettled")
        .withArgs(disputeId, 0n);
      expect(await Promise.all(jurors.map((j) => c.disputes.balanceOf(j)))).to.deep.equal(balances);
      expect(plain(await Promise.all(jurors.map((j) => c.staking.stakeOf(j))))).to.deep.equal(plain(stakes));
      expect(await storedState(c)).to.deep.equal(before);
      await expectDisputesSolvent(c, "after the second settle");
    });

    it("withdraw with a zero balance reverts DisputesNothingToWithdraw(account), also right after a withdrawal", async () => {
      const { c, disputeId, jurors } = await loadFixture(acceptedFixture);
      await expect(c.disputes.connect(c.stranger).withdraw())
        .to.be.revertedWithCustomError(c.disputes, "DisputesNothingToWithdraw")
        .withArgs(c.stranger.address);
      await passPhase(c, disputeId, "appeal");
      await (await c.disputes.settleRound(disputeId, 0n)).wait();
      const juror = jurors[0] as string;
      const owed = await c.disputes.balanceOf(juror);
      expect(owed).to.be.greaterThan(0n);
      const balance = await c.token.balanceOf(c.arbitrator);
      await as(c, juror, async (d) => {
        await (await d.withdraw()).wait();
        await expect(d.withdraw())
          .to.be.revertedWithCustomError(c.disputes, "DisputesNothingToWithdraw")
          .withArgs(juror);
      });
      expect(await c.token.balanceOf(c.arbitrator)).to.equal(balance - owed);
      expect(await c.disputes.balanceOf(juror)).to.equal(0n);
    });
  });

  describe("governance", () => {
    // [name, value, min, max] for every way out of bounds, with the local parameters in force (non-reveal
    // slash 2,000 bps, incoherence slash 1,000 bps).
    const outOfBounds: [string, bigint, bigint, bigint][] = [
      ["feePerJuror", 10_000n * CRP + 1n, 0n, 10_000n * CRP],
      ["jurySize", 0n, 3n, 7n],
      ["jurySize", 1n, 3n, 7n],
      ["jurySize", 9n, 3n, 7n],
      ["jurySize", 4n, 3n, 7n],
      ["jurySize", 6n, 3n, 7n],
      ["jurorLock", 0n, CRP, 1_000_000n * CRP],
      ["jurorLock", 1_000_001n * CRP, CRP, 1_000_000n * CRP],
      ["jurorLock", CRP / 2n, CRP, 1_000_000n * CRP],
      ["jurorLock", 500n * CRP + 1n, CRP, 1_000_000n * CRP],
      ["evidencePeriod", HOUR - 1n, HOUR, WEEK],
      ["evidencePeriod", WEEK + 1n, HOUR, WEEK],
      ["commitPeriod", HOUR - 1n, HOUR, WEEK],
      ["commitPeriod", WEEK + 1n, HOUR, WEEK],
      ["revealPeriod", HOUR - 1n, HOUR, WEEK],
      ["revealPeriod", WEEK + 1n, HOUR, WEEK],
      ["appealPeriod", HOUR - 1n, HOUR, WEEK],
      ["appealPeriod", WEEK + 1n, HOUR, WEEK],
      ["nonRevealSlashBps", 999n, 1_000n, 10_000n],
      ["nonRevealSlashBps", 10_001n, 1_000n, 10_000n],
      ["incoherentSlashBps", 2_001n, 0n, 2_000n],
      ["fee", 5n, 0n, 0n],
      ["", 0n, 0n, 0n],
      ["JurySize", 3n, 0n, 0n],
    ];

    it("every parameter below or above its bounds, an even jury, a lock that is not whole CRP, crossed slash shares and unknown names revert DisputesParameterOutOfBounds(name, value, min, max)", async () => {
      const c = await loadFixture(disputesFixture);
      const before = plain(await c.disputes.parameters());
      await asGovernance(c.timelock, async (t) => {
        for (const [parameter, value, min, max] of outOfBounds) {
          await expect(c.disputes.connect(t).setParameter(name(parameter), value), `${parameter} = ${value}`)
            .to.be.revertedWithCustomError(c.disputes, "DisputesParameterOutOfBounds")
            .withArgs(name(parameter), value, min, max);
        }
      });
      expect(plain(await c.disputes.parameters())).to.deep.equal(before);
    });

    it("each bound itself is accepted with ParameterSet(old, new), and the slash shares bound each other", async () => {
      const c = await loadFixture(disputesFixture);
      const steps: [string, bigint, bigint][] = [
        ["feePerJuror", FEE_PER_JUROR, 0n],
        ["feePerJuror", 0n, 10_000n * CRP],
        ["jurySize", 5n, 3n],
        ["jurySize", 3n, 7n],
        ["jurorLock", JUROR_LOCK, CRP],
        ["jurorLock", CRP, 1_000_000n * CRP],
        ["evidencePeriod", 2n * 86_400n, HOUR],
        ["evidencePeriod", HOUR, WEEK],
        ["commitPeriod", 86_400n, HOUR],
        ["commitPeriod", HOUR, WEEK],
        ["revealPeriod", 86_400n, HOUR],
        ["revealPeriod", HOUR, WEEK],
        ["appealPeriod", 2n * 86_400n, HOUR],
        ["appealPeriod", HOUR, WEEK],
        // The non-reveal share may come down to the incoherence share (1,000) and go up to 100%...
        ["nonRevealSlashBps", 2_000n, 1_000n],
        ["nonRevealSlashBps", 1_000n, 10_000n],
        // ...and the incoherence share may go from 0 up to the non-reveal share.
        ["incoherentSlashBps", 1_000n, 0n],
        ["incoherentSlashBps", 0n, 10_000n],
      ];
      await asGovernance(c.timelock, async (t) => {
        for (const [parameter, old, value] of steps) {
          await expect(c.disputes.connect(t).setParameter(name(parameter), value), `${parameter} = ${value}`)
            .to.emit(c.disputes, "ParameterSet")
            .withArgs(name(parameter), old, value);
        }
        // With both shares at 100%, the non-reveal share can no longer go below it.
        await expect(c.disputes.connect(t).setParameter(name("nonRevealSlashBps"), 9_999n))
          .to.be.revertedWithCustomError(c.disputes, "DisputesParameterOutOfBounds")
          .withArgs(name("nonRevealSlashBps"), 9_999n, 10_000n, 10_000n);
      });
      expect(plain(await c.disputes.parameters())).to.deep.equal([
        10_000n * CRP,
        7n,
        1_000_000n * CRP,
        WEEK,
        WEEK,
        WEEK,
        WEEK,
        10_000n,
        10_000n,
      ]);
    });

    it("setParameter by governance emits ParameterSet(old, new) and changes parameters(); a round already started keeps its terms", async () => {
      const { c, disputeId } = await loadFixture(openFixture);
      await asGovernance(c.timelock, async (t) => {
        await expect(c.disputes.connect(t).setParameter(name("jurorLock"), 600n * CRP))
          .to.emit(c.disputes, "ParameterSet")
          .withArgs(name("jurorLock"), JUROR_LOCK, 600n * CRP);
        await expect(c.disputes.connect(t).setParameter(name("feePerJuror"), 30n * CRP))
          .to.emit(c.disputes, "ParameterSet")
          .withArgs(name("feePerJuror"), FEE_PER_JUROR, 30n * CRP);
        await expect(c.disputes.connect(t).setParameter(name("incoherentSlashBps"), 1_500n))
          .to.emit(c.disputes, "ParameterSet")
          .withArgs(name("incoherentSlashBps"), 1_000n, 1_500n);
      });
      expect(plain(await c.disputes.parameters())).to.deep.equal([
        30n * CRP,
        5n,
        600n * CRP,
        2n * 86_400n,
        86_400n,
        86_400n,
        2n * 86_400n,
        2_000n,
        1_500n,
      ]);
      expect(await c.disputes.arbitrationCost("0x")).to.equal(5n * 30n * CRP);
      const round = await c.disputes.getRound(disputeId, 0n);
      expect([round.jurorLock, round.incoherentSlashBps, round.fee]).to.deep.equal([JUROR_LOCK, 1_000n, OPENING_FEE]);
    });

    it("setParameter and setUnfundedAllowed by anyone but governance (a stranger, the guardian, the deployer) revert AccessControlUnauthorizedAccount(account, DEFAULT_ADMIN_ROLE)", async () => {
      const { c, hostileAddress } = await loadFixture(openerFixture);
      const before = await storedState(c);
      for (const account of [c.stranger, c.guardian, c.deployer]) {
        await expect(c.disputes.connect(account).setParameter(name("jurySize"), 3n))
          .to.be.revertedWithCustomError(c.disputes, "AccessControlUnauthorizedAccount")
          .withArgs(account.address, ZeroHash);
        await expect(c.disputes.connect(account).setUnfundedAllowed(hostileAddress, true))
          .to.be.revertedWithCustomError(c.disputes, "AccessControlUnauthorizedAccount")
          .withArgs(account.address, ZeroHash);
        await expect(c.disputes.connect(account).setUnfundedAllowed(c.registry, false))
          .to.be.revertedWithCustomError(c.disputes, "AccessControlUnauthorizedAccount")
          .withArgs(account.address, ZeroHash);
      }
      expect(await storedState(c)).to.deep.equal(before);
      expect(await c.disputes.isUnfundedAllowed(hostileAddress)).to.equal(false);
      expect(await c.disputes.isUnfundedAllowed(c.registry)).to.equal(true);
    });

    it("setUnfundedAllowed for the zero address reverts DisputesZeroAddress", async () => {
      const c = await loadFixture(disputesFixture);
      await asGovernance(c.timelock, async (t) => {
        await expect(c.disputes.connect(t).setUnfundedAllowed(ZeroAddress, true)).to.be.revertedWithCustomError(
          c.disputes,
          "DisputesZeroAddress",
        );
      });
      expect(await c.disputes.isUnfundedAllowed(ZeroAddress)).to.equal(false);
    });
  });
});
