import { expect } from "chai";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import { loadFixture, mine, time } from "@nomicfoundation/hardhat-network-helpers";
import hre from "hardhat";
import { AbiCoder, encodeBytes32String, id, keccak256 } from "ethers";
import { asAccount, asGovernance } from "../../scripts/lib/impersonate";
import { STATUS } from "../../scripts/lib/tasks-setup";
import type { CorpusDisputes } from "../../sdk/src/typechain";
import { CRP } from "../helpers/fixtures";
import {
  ACCEPT,
  FEE_PER_JUROR,
  INCOHERENT_SLASH,
  OPENING_FEE,
  PHASE,
  REJECT,
  SLASH_REWARD_BPS,
  type Ballot,
  type DisputesFixture,
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

// The local phase lengths (deploy/parameters/31337.json): two days of evidence, a day to commit, a day to
// reveal, two days to appeal.
const EVIDENCE_PERIOD = 2n * 86_400n;
const COMMIT_PERIOD = 86_400n;
const REVEAL_PERIOD = 86_400n;
const APPEAL_PERIOD = 2n * 86_400n;
/** Blocks a PrevrandaoRandomness seed stays derivable after its block. */
const SEED_LIFETIME = 256;

/** Runs `action` on the dispute contract as `account` (a contract validator or any address). */
function as<T>(c: DisputesFixture, account: string, action: (disputes: CorpusDisputes) => Promise<T>): Promise<T> {
  return asAccount(account, (signer) => action(c.disputes.connect(signer)));
}

/** The request id staking asks the randomness source about for a round's jury (see CorpusStaking._seedRequest). */
function seedRequest(c: DisputesFixture, disputeId: bigint, round: bigint): string {
  const roundKey = (disputeId << 8n) | round;
  return keccak256(
    AbiCoder.defaultAbiCoder().encode(
      ["address", "bytes32"],
      [c.arbitrator, `0x${roundKey.toString(16).padStart(64, "0")}`],
    ),
  );
}

/** A fresh commitment of `vote` for `juror` in the current round, with its ballot. */
async function ballotFor(c: DisputesFixture, disputeId: bigint, juror: string, vote: bigint) {
  const { round } = await c.disputes.getDispute(disputeId);
  const salt = id(`salt ${juror} ${vote} ${round}`);
  const commitment = await c.disputes.commitmentOf(disputeId, round, juror, vote, salt);
  return { commitment, ballot: { juror, vote, salt } satisfies Ballot };
}

/**
 * What a dispute has stored, as plain values, to show a failed call changed nothing: its dispute view without
 * the time-derived phase and ruling (a failed call is mined a second later), every round, the contract's CRP.
 */
async function disputeState(c: DisputesFixture, disputeId: bigint) {
  const d = await c.disputes.getDispute(disputeId);
  const rounds = [];
  for (let r = 0n; r <= d.round; r++) rounds.push(plain(await c.disputes.getRound(disputeId, r)));
  return {
    dispute: { arbitrable: d.arbitrable, choices: d.choices, round: d.round, parties: plain(d.parties) },
    rounds,
    balance: await c.token.balanceOf(c.arbitrator),
  };
}

function plain(value: unknown): unknown {
  return Array.isArray(value) ? Array.from(value as unknown[], plain) : value;
}

/** The round's start: the RoundStarted event's block time and its readyBlock. */
async function roundStart(c: DisputesFixture, disputeId: bigint, round: bigint) {
  const [event] = await c.disputes.queryFilter(c.disputes.filters.RoundStarted(disputeId, round));
  if (event === undefined) throw new Error(`no RoundStarted(${disputeId}, ${round})`);
  const block = await event.getBlock();
  return { startedAt: BigInt(block.timestamp), startBlock: BigInt(block.number), readyBlock: event.args.readyBlock };
}

async function latestBlock(): Promise<bigint> {
  return BigInt(await hre.ethers.provider.getBlockNumber());
}

/** A worker's rejected submission disputed through the registry: round 0 waits for its jury. */
async function openFixture() {
  const c = await loadFixture(disputesFixture);
  const opened = await disputedSubmission(c, "reject");
  const excluded = await excludedOf(c, opened.disputeId);
  const start = await roundStart(c, opened.disputeId, 0n);
  return { c, ...opened, excluded, ...start, round0: await c.disputes.getRound(opened.disputeId, 0n) };
}

/** The same dispute with round 0's jury drawn at once (well before the evidence ends). */
async function drawnFixture() {
  const f = await loadFixture(openFixture);
  const jurors = await drawJuryWhenReady(f.c, f.disputeId);
  return { ...f, jurors, round: await f.c.disputes.getRound(f.disputeId, 0n) };
}

/**
 * Round 0 voted 3–2 to accept (all five revealed) a little after its commit period; the reveal and appeal
 * periods are still ahead, and the requester (the losing side) has approved the appeal fee.
 */
async function revealedFixture() {
  const f = await loadFixture(drawnFixture);
  const { c, disputeId, jurors } = f;
  await passPhase(c, disputeId, "evidence");
  const votes = [ACCEPT, ACCEPT, ACCEPT, REJECT, REJECT];
  const ballots: Ballot[] = [];
  for (const [i, juror] of jurors.entries()) ballots.push(await commitAs(c, disputeId, juror, votes[i] ?? ACCEPT));
  await passPhase(c, disputeId, "commit");
  for (const ballot of ballots) await revealAs(c, disputeId, ballot);
  const appealFee = await c.disputes.appealCost(disputeId);
  await (await c.token.connect(c.requester).approve(c.arbitrator, appealFee)).wait();
  return { ...f, ballots, appealFee };
}

describe("CorpusDisputes: phases of a round", () => {
  describe("the clock", () => {
    it("opening a dispute starts round 0 in Drawing: evidence for evidencePeriod, the jury drawable until a commit period later, no reveal or appeal end yet", async () => {
      const { c, disputeId, startedAt, startBlock, readyBlock, round0 } = await loadFixture(openFixture);
      const d = await c.disputes.getDispute(disputeId);
      expect(d.phase).to.equal(PHASE.Drawing);
      expect(d.round).to.equal(0n);
      expect(d.ruling).to.equal(0n);
      expect(d.arbitrable).to.equal(c.registry);
      expect(d.parties).to.deep.equal([c.worker.address, c.requester.address]);
      expect(round0.drawn).to.equal(false);
      expect(round0.evidenceEnd).to.equal(startedAt + EVIDENCE_PERIOD);
      // Before the draw, commitEnd is the draw deadline.
      expect(round0.commitEnd).to.equal(startedAt + EVIDENCE_PERIOD + COMMIT_PERIOD);
      expect(round0.revealEnd).to.equal(0n);
      expect(round0.appealEnd).to.equal(0n);
      expect(round0.jurors).to.deep.equal([]);
      // The seed is the hash of the block after the request: usable from the one after that.
      expect(readyBlock).to.equal(startBlock + 2n);
      expect(await c.disputes.currentRuling(disputeId)).to.deep.equal([0n, false]);
    });

    it("the phase walks Drawing → Evidence → Commit → Reveal → Appeal → Final → Executed, each phase including its end second", async () => {
      const { c, disputeId, round0 } = await loadFixture(openFixture);
      const phase = async () => (await c.disputes.getDispute(disputeId)).phase;
      expect(await phase()).to.equal(PHASE.Drawing);

      await drawJuryWhenReady(c, disputeId);
      const r = await c.disputes.getRound(disputeId, 0n);
      expect(r.evidenceEnd).to.equal(round0.evidenceEnd);
      expect(r.commitEnd).to.equal(r.evidenceEnd + COMMIT_PERIOD);
      expect(r.revealEnd).to.equal(r.commitEnd + REVEAL_PERIOD);
      expect(r.appealEnd).to.equal(r.revealEnd + APPEAL_PERIOD);
      expect(await phase()).to.equal(PHASE.Evidence);

      const steps: [bigint, bigint][] = [
        [r.evidenceEnd, PHASE.Evidence],
        [r.evidenceEnd + 1n, PHASE.Commit],
        [r.commitEnd, PHASE.Commit],
        [r.commitEnd + 1n, PHASE.Reveal],
        [r.revealEnd, PHASE.Reveal],
        [r.revealEnd + 1n, PHASE.Appeal],
        [r.appealEnd, PHASE.Appeal],
        [r.appealEnd + 1n, PHASE.Final],
      ];
      for (const [at, expected] of steps) {
        await time.increaseTo(at);
        expect(await phase(), `phase at ${at}`).to.equal(expected);
      }
      await expect(c.disputes.executeRuling(disputeId)).to.emit(c.disputes, "RulingExecuted").withArgs(disputeId, 0n);
      expect(await phase()).to.equal(PHASE.Executed);
    });

    it("commitVote is open only when evidenceEnd < now <= commitEnd: refused at evidenceEnd and at commitEnd + 1, accepted at evidenceEnd + 1 and at commitEnd", async () => {
      const { c, disputeId, jurors, round } = await loadFixture(drawnFixture);
      const [first, second, third] = jurors as [string, string, string];
      const a = await ballotFor(c, disputeId, first, ACCEPT);
      const b = await ballotFor(c, disputeId, second, REJECT);
      const cc = await ballotFor(c, disputeId, third, ACCEPT);

      await time.setNextBlockTimestamp(round.evidenceEnd);
      await expect(as(c, first, (d) => d.commitVote(disputeId, a.commitment)))
        .to.be.revertedWithCustomError(c.disputes, "DisputesWrongPhase")
        .withArgs(disputeId, PHASE.Evidence);
      expect(await c.disputes.seatOf(disputeId, 0n, first)).to.deep.equal([true, false, false, 0n]);

      await time.setNextBlockTimestamp(round.evidenceEnd + 1n);
      await expect(as(c, first, (d) => d.commitVote(disputeId, a.commitment)))
        .to.emit(c.disputes, "VoteCommitted")
        .withArgs(disputeId, 0n, first, a.commitment);

      await time.setNextBlockTimestamp(round.commitEnd);
      await expect(as(c, second, (d) => d.commitVote(disputeId, b.commitment)))
        .to.emit(c.disputes, "VoteCommitted")
        .withArgs(disputeId, 0n, second, b.commitment);

      await time.setNextBlockTimestamp(round.commitEnd + 1n);
      await expect(as(c, third, (d) => d.commitVote(disputeId, cc.commitment)))
        .to.be.revertedWithCustomError(c.disputes, "DisputesWrongPhase")
        .withArgs(disputeId, PHASE.Reveal);

      expect(await c.disputes.seatOf(disputeId, 0n, first)).to.deep.equal([true, true, false, 0n]);
      expect(await c.disputes.seatOf(disputeId, 0n, second)).to.deep.equal([true, true, false, 0n]);
      expect(await c.disputes.seatOf(disputeId, 0n, third)).to.deep.equal([true, false, false, 0n]);
    });

    it("revealVote is open only when commitEnd < now <= revealEnd: refused at commitEnd and at revealEnd + 1, accepted at commitEnd + 1 and at revealEnd", async () => {
      const { c, disputeId, jurors, round } = await loadFixture(drawnFixture);
      const [first, second, third] = jurors as [string, string, string];
      await passPhase(c, disputeId, "evidence");
      const ballots = [
        await commitAs(c, disputeId, first, ACCEPT),
        await commitAs(c, disputeId, second, REJECT),
        await commitAs(c, disputeId, third, ACCEPT),
      ] as const;
      const reveal = (ballot: Ballot) => as(c, ballot.juror, (d) => d.revealVote(disputeId, ballot.vote, ballot.salt));

      await time.setNextBlockTimestamp(round.commitEnd);
      await expect(reveal(ballots[0]))
        .to.be.revertedWithCustomError(c.disputes, "DisputesWrongPhase")
        .withArgs(disputeId, PHASE.Commit);

      await time.setNextBlockTimestamp(round.commitEnd + 1n);
      await expect(reveal(ballots[0])).to.emit(c.disputes, "VoteRevealed").withArgs(disputeId, 0n, first, ACCEPT);

      await time.setNextBlockTimestamp(round.revealEnd);
      await expect(reveal(ballots[1])).to.emit(c.disputes, "VoteRevealed").withArgs(disputeId, 0n, second, REJECT);

      await time.setNextBlockTimestamp(round.revealEnd + 1n);
      await expect(reveal(ballots[2]))
        .to.be.revertedWithCustomError(c.disputes, "DisputesWrongPhase")
        .withArgs(disputeId, PHASE.Appeal);

      const after = await c.disputes.getRound(disputeId, 0n);
      expect(after.revealed).to.equal(2n);
      expect(after.votes).to.deep.equal([1n, 1n]);
      expect(await c.disputes.seatOf(disputeId, 0n, third)).to.deep.equal([true, true, false, 0n]);
      // One vote each: a tie rules 0.
      expect(await c.disputes.currentRuling(disputeId)).to.deep.equal([0n, false]);
    });

    it("appeal is refused at revealEnd and accepted at revealEnd + 1, opening round 1 (11 jurors, 220 CRP) with its own evidence period", async () => {
      const { c, disputeId, round, appealFee } = await loadFixture(revealedFixture);
      expect(appealFee).to.equal(11n * FEE_PER_JUROR);
      expect(await c.disputes.currentRuling(disputeId)).to.deep.equal([0n, false]);

      await time.setNextBlockTimestamp(round.revealEnd);
      await expect(c.disputes.connect(c.requester).appeal(disputeId))
        .to.be.revertedWithCustomError(c.disputes, "DisputesWrongPhase")
        .withArgs(disputeId, PHASE.Reveal);
      expect((await c.disputes.getDispute(disputeId)).round).to.equal(0n);
      // The votes are all in, but until the reveal period ends the standing ruling is the previous one (none).
      expect(await c.disputes.currentRuling(disputeId)).to.deep.equal([0n, false]);

      const at = round.revealEnd + 1n;
      await time.setNextBlockTimestamp(at);
      const requesterBefore = await c.token.balanceOf(c.requester);
      const tx = c.disputes.connect(c.requester).appeal(disputeId);
      await expect(tx).to.emit(c.disputes, "Appealed").withArgs(disputeId, 1n, c.requester.address, appealFee);
      await expect(tx)
        .to.emit(c.disputes, "RoundStarted")
        .withArgs(
          disputeId,
          1n,
          c.requester.address,
          appealFee,
          11n,
          at + EVIDENCE_PERIOD,
          at + EVIDENCE_PERIOD + COMMIT_PERIOD,
          anyValue,
        );
      expect(await c.token.balanceOf(c.requester)).to.equal(requesterBefore - appealFee);
      const d = await c.disputes.getDispute(disputeId);
      expect(d.round).to.equal(1n);
      expect(d.phase).to.equal(PHASE.Drawing);
      // Round 0's ruling (accept) stands while round 1 is under way, and is not final.
      expect(d.ruling).to.equal(ACCEPT);
      expect(await c.disputes.currentRuling(disputeId)).to.deep.equal([ACCEPT, false]);
      // Evidence now goes to round 1.
      await expect(c.disputes.connect(c.worker).submitEvidence(disputeId, "ipfs://round-1", id("round 1")))
        .to.emit(c.disputes, "Evidence")
        .withArgs(disputeId, 1n, c.worker.address, "ipfs://round-1", id("round 1"));
    });

    it("appeal is still accepted at appealEnd and refused at appealEnd + 1 (Final)", async () => {
      const f = await loadFixture(revealedFixture);
      const { c, disputeId, round, appealFee } = f;
      await time.setNextBlockTimestamp(round.appealEnd);
      await expect(c.disputes.connect(c.requester).appeal(disputeId))
        .to.emit(c.disputes, "Appealed")
        .withArgs(disputeId, 1n, c.requester.address, appealFee);

      // The same again on a fresh copy of the dispute, one second later.
      const g = await loadFixture(revealedFixture);
      await time.setNextBlockTimestamp(round.appealEnd + 1n);
      const before = await disputeState(g.c, disputeId);
      await expect(g.c.disputes.connect(g.c.requester).appeal(disputeId))
        .to.be.revertedWithCustomError(g.c.disputes, "DisputesWrongPhase")
        .withArgs(disputeId, PHASE.Final);
      expect(await disputeState(g.c, disputeId)).to.deep.equal(before);
    });

    it("currentRuling is not final through appealEnd (executeRuling reverts DisputesNotFinal there) and final from appealEnd + 1", async () => {
      const { c, disputeId, round, submissionId } = await loadFixture(revealedFixture);
      await time.setNextBlockTimestamp(round.appealEnd);
      await expect(c.disputes.executeRuling(disputeId))
        .to.be.revertedWithCustomError(c.disputes, "DisputesNotFinal")
        .withArgs(disputeId);
      // The failed call was mined at appealEnd: the views read that block.
      expect(BigInt(await time.latest())).to.equal(round.appealEnd);
      expect(await c.disputes.currentRuling(disputeId)).to.deep.equal([ACCEPT, false]);
      expect((await c.disputes.getDispute(disputeId)).phase).to.equal(PHASE.Appeal);

      await time.increaseTo(round.appealEnd + 1n);
      expect(await c.disputes.currentRuling(disputeId)).to.deep.equal([ACCEPT, true]);
      await expect(c.disputes.executeRuling(disputeId))
        .to.emit(c.disputes, "RulingExecuted")
        .withArgs(disputeId, ACCEPT);
      const sub = await c.tasks.getSubmission(submissionId);
      expect(sub.status).to.equal(STATUS.Ruled);
      expect(sub.ruling).to.equal(ACCEPT);
    });

    it("parties may post evidence before the draw and until evidenceEnd inclusive; at evidenceEnd + 1 an undrawn round refuses it (Drawing)", async () => {
      const { c, disputeId, round0 } = await loadFixture(openFixture);
      await expect(c.disputes.connect(c.requester).submitEvidence(disputeId, "ipfs://early", id("early")))
        .to.emit(c.disputes, "Evidence")
        .withArgs(disputeId, 0n, c.requester.address, "ipfs://early", id("early"));

      await time.setNextBlockTimestamp(round0.evidenceEnd);
      await expect(c.disputes.connect(c.worker).submitEvidence(disputeId, "ipfs://last", id("last")))
        .to.emit(c.disputes, "Evidence")
        .withArgs(disputeId, 0n, c.worker.address, "ipfs://last", id("last"));

      await time.setNextBlockTimestamp(round0.evidenceEnd + 1n);
      await expect(c.disputes.connect(c.worker).submitEvidence(disputeId, "ipfs://late", id("late")))
        .to.be.revertedWithCustomError(c.disputes, "DisputesWrongPhase")
        .withArgs(disputeId, PHASE.Drawing);
    });

    it("once the jury is drawn, evidence is accepted at evidenceEnd and refused at evidenceEnd + 1 (Commit)", async () => {
      const { c, disputeId, round } = await loadFixture(drawnFixture);
      await time.setNextBlockTimestamp(round.evidenceEnd);
      await expect(c.disputes.connect(c.requester).submitEvidence(disputeId, "ipfs://last", id("last")))
        .to.emit(c.disputes, "Evidence")
        .withArgs(disputeId, 0n, c.requester.address, "ipfs://last", id("last"));

      await time.setNextBlockTimestamp(round.evidenceEnd + 1n);
      await expect(c.disputes.connect(c.requester).submitEvidence(disputeId, "ipfs://late", id("late")))
        .to.be.revertedWithCustomError(c.disputes, "DisputesWrongPhase")
        .withArgs(disputeId, PHASE.Commit);
    });
  });

  describe("drawJury", () => {
    it("in the seed's own block drawJury reverts with the randomness source's RandomnessNotReady (bubbled up through staking); in readyBlock it draws", async () => {
      const { c, disputeId, excluded, readyBlock } = await loadFixture(openFixture);
      // The dispute was opened in readyBlock - 2; the next transaction lands in readyBlock - 1, the seed's block.
      expect(await latestBlock()).to.equal(readyBlock - 2n);
      const before = await disputeState(c, disputeId);
      await expect(c.disputes.drawJury(disputeId, excluded))
        .to.be.revertedWithCustomError(c.randomness, "RandomnessNotReady")
        .withArgs(await c.staking.getAddress(), seedRequest(c, disputeId, 0n), readyBlock);
      expect(await latestBlock()).to.equal(readyBlock - 1n);
      expect(await disputeState(c, disputeId)).to.deep.equal(before);

      await expect(c.disputes.drawJury(disputeId, excluded)).to.emit(c.disputes, "JuryDrawn");
      expect(await latestBlock()).to.equal(readyBlock);
      const r = await c.disputes.getRound(disputeId, 0n);
      expect(r.drawn).to.equal(true);
      expect(r.jurors.length).to.equal(5);
      // No party or panel member sits on the jury.
      for (const juror of r.jurors) expect(excluded).to.not.include(juror);
    });

    for (const [label, offset] of [
      ["an hour before evidenceEnd", -3_600n],
      ["at evidenceEnd", 0n],
    ] as const) {
      it(`a draw ${label} still gives the jury a full commit period after the evidence: commitEnd = evidenceEnd + commitPeriod`, async () => {
        const { c, disputeId, excluded, round0 } = await loadFixture(openFixture);
        await mine(1);
        await time.setNextBlockTimestamp(round0.evidenceEnd + offset);
        const commitEnd = round0.evidenceEnd + COMMIT_PERIOD;
        const revealEnd = commitEnd + REVEAL_PERIOD;
        await expect(c.disputes.drawJury(disputeId, excluded))
          .to.emit(c.disputes, "JuryDrawn")
          .withArgs(disputeId, 0n, anyValue, commitEnd, revealEnd, revealEnd + APPEAL_PERIOD);
        const r = await c.disputes.getRound(disputeId, 0n);
        expect([r.evidenceEnd, r.commitEnd, r.revealEnd, r.appealEnd]).to.deep.equal([
          round0.evidenceEnd,
          commitEnd,
          revealEnd,
          revealEnd + APPEAL_PERIOD,
        ]);
        expect((await c.disputes.getDispute(disputeId)).phase).to.equal(PHASE.Evidence);
      });
    }

    for (const [label, delay] of [
      ["an hour after evidenceEnd", 3_600n],
      ["at the draw deadline itself", COMMIT_PERIOD],
    ] as const) {
      it(`a draw ${label} gives the jury a commit period from the draw: commitEnd = drawTime + commitPeriod`, async () => {
        const { c, disputeId, excluded, round0 } = await loadFixture(openFixture);
        await mine(1);
        const drawTime = round0.evidenceEnd + delay;
        // The draw deadline is round0.commitEnd = evidenceEnd + commitPeriod.
        expect(drawTime <= round0.commitEnd).to.equal(true);
        await time.setNextBlockTimestamp(drawTime);
        const commitEnd = drawTime + COMMIT_PERIOD;
        const revealEnd = commitEnd + REVEAL_PERIOD;
        await expect(c.disputes.drawJury(disputeId, excluded))
          .to.emit(c.disputes, "JuryDrawn")
          .withArgs(disputeId, 0n, anyValue, commitEnd, revealEnd, revealEnd + APPEAL_PERIOD);
        const r = await c.disputes.getRound(disputeId, 0n);
        expect([r.commitEnd, r.revealEnd, r.appealEnd]).to.deep.equal([
          commitEnd,
          revealEnd,
          revealEnd + APPEAL_PERIOD,
        ]);
        // The evidence is already in: the jurors commit at once.
        expect((await c.disputes.getDispute(disputeId)).phase).to.equal(PHASE.Commit);
        const [juror] = r.jurors as unknown as [string];
        const { commitment } = await ballotFor(c, disputeId, juror, ACCEPT);
        await expect(as(c, juror, (d) => d.commitVote(disputeId, commitment)))
          .to.emit(c.disputes, "VoteCommitted")
          .withArgs(disputeId, 0n, juror, commitment);
      });
    }

    it("one second after the draw deadline drawJury reverts DisputesWrongPhase(Final) and the round stays undrawn", async () => {
      const { c, disputeId, excluded, round0 } = await loadFixture(openFixture);
      await mine(1);
      await time.setNextBlockTimestamp(round0.commitEnd + 1n);
      const stakeBefore = await c.staking.stakeOf(c.validators[0] as string);
      await expect(c.disputes.drawJury(disputeId, excluded))
        .to.be.revertedWithCustomError(c.disputes, "DisputesWrongPhase")
        .withArgs(disputeId, PHASE.Final);
      const r = await c.disputes.getRound(disputeId, 0n);
      expect(r.drawn).to.equal(false);
      expect(r.jurors).to.deep.equal([]);
      expect(r.commitEnd).to.equal(round0.commitEnd);
      expect(await c.staking.stakeOf(c.validators[0] as string)).to.deep.equal(stakeBefore);
    });

    it("a second drawJury reverts DisputesWrongPhase and leaves the jury and its clock as drawn", async () => {
      const { c, disputeId, excluded } = await loadFixture(drawnFixture);
      const before = await disputeState(c, disputeId);
      await expect(c.disputes.drawJury(disputeId, excluded))
        .to.be.revertedWithCustomError(c.disputes, "DisputesWrongPhase")
        .withArgs(disputeId, PHASE.Evidence);
      expect(await disputeState(c, disputeId)).to.deep.equal(before);
    });
  });

  describe("a round whose jury is never drawn", () => {
    it("round 0: Drawing through its draw deadline, then Final with ruling 0; settleRound refunds the disputer's fee and the registry receives 0", async () => {
      const { c, disputeId, round0, submissionId } = await loadFixture(openFixture);
      const worker = c.worker;
      await time.increaseTo(round0.commitEnd);
      expect((await c.disputes.getDispute(disputeId)).phase).to.equal(PHASE.Drawing);
      expect(await c.disputes.currentRuling(disputeId)).to.deep.equal([0n, false]);

      await time.increaseTo(round0.commitEnd + 1n);
      expect((await c.disputes.getDispute(disputeId)).phase).to.equal(PHASE.Final);
      expect(await c.disputes.currentRuling(disputeId)).to.deep.equal([0n, true]);
      await expectDisputesSolvent(c, "before settling");

      await expect(c.disputes.settleRound(disputeId, 0n))
        .to.emit(c.disputes, "RoundSettled")
        .withArgs(disputeId, 0n, 0n, 0n, 0n, 0n, OPENING_FEE);
      expect(await c.disputes.balanceOf(worker.address)).to.equal(OPENING_FEE);
      expect((await c.disputes.getRound(disputeId, 0n)).settled).to.equal(true);
      await expectDisputesSolvent(c, "after settling");

      const workerBefore = await c.token.balanceOf(worker);
      await expect(c.disputes.connect(worker).withdraw())
        .to.emit(c.disputes, "Withdrawn")
        .withArgs(worker.address, OPENING_FEE);
      expect(await c.token.balanceOf(worker)).to.equal(workerBefore + OPENING_FEE);

      await expect(c.disputes.executeRuling(disputeId)).to.emit(c.disputes, "RulingExecuted").withArgs(disputeId, 0n);
      const sub = await c.tasks.getSubmission(submissionId);
      expect(sub.status).to.equal(STATUS.Ruled);
      expect(sub.ruling).to.equal(0n);
      await expectDisputesSolvent(c, "after withdrawing");
    });

    it("an appeal round never drawn: the appellant gets its fee back, round 0's accept stands and is executed into the registry", async () => {
      const { c, disputeId, round, appealFee, jurors, submissionId } = await loadFixture(revealedFixture);
      await time.setNextBlockTimestamp(round.revealEnd + 1n);
      await (await c.disputes.connect(c.requester).appeal(disputeId)).wait();
      const round1 = await c.disputes.getRound(disputeId, 1n);
      expect(round1.payer).to.equal(c.requester.address);
      expect(round1.fee).to.equal(appealFee);

      await time.increaseTo(round1.commitEnd);
      expect((await c.disputes.getDispute(disputeId)).phase).to.equal(PHASE.Drawing);
      expect(await c.disputes.currentRuling(disputeId)).to.deep.equal([ACCEPT, false]);
      await time.increaseTo(round1.commitEnd + 1n);
      expect((await c.disputes.getDispute(disputeId)).phase).to.equal(PHASE.Final);
      expect(await c.disputes.currentRuling(disputeId)).to.deep.equal([ACCEPT, true]);

      await expect(c.disputes.settleRound(disputeId, 1n))
        .to.emit(c.disputes, "RoundSettled")
        .withArgs(disputeId, 1n, ACCEPT, 0n, 0n, 0n, appealFee);
      expect(await c.disputes.balanceOf(c.requester.address)).to.equal(appealFee);

      // Round 0 is judged against the ruling that stood: its three accept jurors share the opening fee and
      // the reward of the two reject jurors' slashes.
      const slashed = 2n * INCOHERENT_SLASH;
      const pot = OPENING_FEE + (slashed * SLASH_REWARD_BPS) / 10_000n;
      const share = pot / 3n;
      await expect(c.disputes.settleRound(disputeId, 0n))
        .to.emit(c.disputes, "RoundSettled")
        .withArgs(disputeId, 0n, ACCEPT, 3n, share, slashed, 0n);
      const [j0, j1, j2, j3] = jurors as [string, string, string, string];
      expect(await c.disputes.balanceOf(j0)).to.equal(pot - 2n * share);
      expect(await c.disputes.balanceOf(j1)).to.equal(share);
      expect(await c.disputes.balanceOf(j2)).to.equal(share);
      expect(await c.disputes.balanceOf(j3)).to.equal(0n);

      await expect(c.disputes.executeRuling(disputeId))
        .to.emit(c.disputes, "RulingExecuted")
        .withArgs(disputeId, ACCEPT);
      expect((await c.disputes.getDispute(disputeId)).phase).to.equal(PHASE.Executed);
      const sub = await c.tasks.getSubmission(submissionId);
      expect(sub.status).to.equal(STATUS.Ruled);
      expect(sub.ruling).to.equal(ACCEPT);

      const requesterBefore = await c.token.balanceOf(c.requester);
      await (await c.disputes.connect(c.requester).withdraw()).wait();
      expect(await c.token.balanceOf(c.requester)).to.equal(requesterBefore + appealFee);
      await expectDisputesSolvent(c, "after the refund");
    });
  });

  describe("renewJurySeed", () => {
    it("is refused by the randomness source (RandomnessAlreadyRequested) while the seed is valid, before and after it is ready", async () => {
      const { c, disputeId, readyBlock } = await loadFixture(openFixture);
      const staking = await c.staking.getAddress();
      const request = seedRequest(c, disputeId, 0n);
      await expect(c.disputes.renewJurySeed(disputeId))
        .to.be.revertedWithCustomError(c.randomness, "RandomnessAlreadyRequested")
        .withArgs(staking, request);
      expect(await latestBlock()).to.be.lessThan(readyBlock);
      await mine(5);
      await expect(c.disputes.renewJurySeed(disputeId))
        .to.be.revertedWithCustomError(c.randomness, "RandomnessAlreadyRequested")
        .withArgs(staking, request);
    });

    it("the seed lives 256 blocks: in its last block the renewal is still refused; one block later drawJury reverts RandomnessExpired, renewJurySeed works and a draw follows", async () => {
      const { c, disputeId, excluded, readyBlock } = await loadFixture(openFixture);
      const staking = await c.staking.getAddress();
      const request = seedRequest(c, disputeId, 0n);
      const seedBlock = readyBlock - 1n;
      // The next transaction lands in seedBlock + SEED_LIFETIME, the last block the seed can be derived in.
      await mine(Number(seedBlock) + SEED_LIFETIME - 1 - Number(await latestBlock()));
      await expect(c.disputes.renewJurySeed(disputeId))
        .to.be.revertedWithCustomError(c.randomness, "RandomnessAlreadyRequested")
        .withArgs(staking, request);
      expect(await latestBlock()).to.equal(seedBlock + BigInt(SEED_LIFETIME));

      await expect(c.disputes.drawJury(disputeId, excluded))
        .to.be.revertedWithCustomError(c.randomness, "RandomnessExpired")
        .withArgs(staking, request, readyBlock);
      expect((await c.disputes.getRound(disputeId, 0n)).drawn).to.equal(false);

      const renewBlock = (await latestBlock()) + 1n;
      await expect(c.disputes.connect(c.stranger).renewJurySeed(disputeId))
        .to.emit(c.disputes, "JurySeedRenewed")
        .withArgs(disputeId, 0n, renewBlock + 2n);
      // The renewed seed is not ready in its own block either.
      await expect(c.disputes.drawJury(disputeId, excluded))
        .to.be.revertedWithCustomError(c.randomness, "RandomnessNotReady")
        .withArgs(staking, request, renewBlock + 2n);
      await expect(c.disputes.drawJury(disputeId, excluded)).to.emit(c.disputes, "JuryDrawn");
      expect((await c.disputes.getRound(disputeId, 0n)).jurors.length).to.equal(5);
    });

    it("after mine(300) without a draw: drawJury reverts RandomnessExpired, renewJurySeed emits JurySeedRenewed, and the jury is drawn", async () => {
      const { c, disputeId, excluded, readyBlock } = await loadFixture(openFixture);
      await mine(300);
      await expect(c.disputes.drawJury(disputeId, excluded))
        .to.be.revertedWithCustomError(c.randomness, "RandomnessExpired")
        .withArgs(await c.staking.getAddress(), seedRequest(c, disputeId, 0n), readyBlock);
      // Requested in the next block; the seed is that block's successor's hash, usable the block after.
      const renewBlock = (await latestBlock()) + 1n;
      await expect(c.disputes.renewJurySeed(disputeId))
        .to.emit(c.disputes, "JurySeedRenewed")
        .withArgs(disputeId, 0n, renewBlock + 2n);
      const jurors = await drawJuryWhenReady(c, disputeId);
      expect(jurors.length).to.equal(5);
      expect((await c.disputes.getDispute(disputeId)).phase).to.equal(PHASE.Evidence);
    });

    it("is refused (DisputesWrongPhase) once the jury is drawn, and after the draw deadline", async () => {
      const drawn = await loadFixture(drawnFixture);
      await expect(drawn.c.disputes.renewJurySeed(drawn.disputeId))
        .to.be.revertedWithCustomError(drawn.c.disputes, "DisputesWrongPhase")
        .withArgs(drawn.disputeId, PHASE.Evidence);

      const { c, disputeId, round0 } = await loadFixture(openFixture);
      await mine(300);
      await time.setNextBlockTimestamp(round0.commitEnd + 1n);
      await expect(c.disputes.renewJurySeed(disputeId))
        .to.be.revertedWithCustomError(c.disputes, "DisputesWrongPhase")
        .withArgs(disputeId, PHASE.Final);
    });
  });

  describe("the last possible round", () => {
    /** First juries of 3, so that the three appeals draw 7, 15 and 31 jurors. */
    async function smallJuryFixture() {
      const c = await loadFixture(disputesFixture);
      await asGovernance(c.timelock, async (t) =>
        (await c.disputes.connect(t).setParameter(encodeBytes32String("jurySize"), 3n)).wait(),
      );
      await (await c.token.connect(c.requester).approve(c.arbitrator, 10_000n * CRP)).wait();
      await (await c.token.connect(c.worker).approve(c.arbitrator, 10_000n * CRP)).wait();
      const { disputeId, submissionId } = await disputedSubmission(c, "reject");
      return { c, disputeId, submissionId };
    }

    it("after three appeals (juries of 3, 7, 15, 31) the fourth round has appealEnd == revealEnd, appeal reverts DisputesNoMoreAppeals and its ruling is final at once", async () => {
      const { c, disputeId, submissionId } = await loadFixture(smallJuryFixture);
      // Each round, one juror votes and the losing side appeals: accept, reject, accept, then the last round.
      const plan = [
        { vote: ACCEPT, appellant: c.requester },
        { vote: REJECT, appellant: c.worker },
        { vote: ACCEPT, appellant: c.requester },
      ];
      for (const [round, { vote, appellant }] of plan.entries()) {
        await runRound(c, disputeId, [vote]);
        const r = await c.disputes.getRound(disputeId, BigInt(round));
        expect(r.jurySize).to.equal(2n ** BigInt(round + 2) - 1n);
        expect(r.appealEnd).to.equal(r.revealEnd + APPEAL_PERIOD);
        const fee = (2n ** BigInt(round + 3) - 1n) * FEE_PER_JUROR;
        expect(await c.disputes.appealCost(disputeId)).to.equal(fee);
        await expect(c.disputes.connect(appellant).appeal(disputeId))
          .to.emit(c.disputes, "Appealed")
          .withArgs(disputeId, BigInt(round + 1), appellant.address, fee);
      }

      const jurors = await drawJuryWhenReady(c, disputeId);
      expect(jurors.length).to.equal(31);
      const last = await c.disputes.getRound(disputeId, 3n);
      expect(last.jurySize).to.equal(31n);
      expect(last.appealEnd).to.equal(last.revealEnd);
      const [event] = await c.disputes.queryFilter(c.disputes.filters.JuryDrawn(disputeId, 3n));
      expect(event?.args.appealEnd).to.equal(event?.args.revealEnd);

      await passPhase(c, disputeId, "evidence");
      const ballot = await commitAs(c, disputeId, jurors[0] as string, REJECT);
      await passPhase(c, disputeId, "commit");
      await revealAs(c, disputeId, ballot);

      await time.increaseTo(last.revealEnd);
      expect((await c.disputes.getDispute(disputeId)).phase).to.equal(PHASE.Reveal);
      // Until its reveal ends, round 2's accept stands.
      expect(await c.disputes.currentRuling(disputeId)).to.deep.equal([ACCEPT, false]);

      await time.setNextBlockTimestamp(last.revealEnd + 1n);
      const before = await disputeState(c, disputeId);
      const requesterBefore = await c.token.balanceOf(c.requester);
      // The last round rejects, which favours the requester: the worker is the losing side, and still may not.
      await expect(c.disputes.connect(c.worker).appeal(disputeId))
        .to.be.revertedWithCustomError(c.disputes, "DisputesNoMoreAppeals")
        .withArgs(disputeId);
      expect(await disputeState(c, disputeId)).to.deep.equal(before);
      expect(await c.token.balanceOf(c.requester)).to.equal(requesterBefore);
      expect((await c.disputes.getDispute(disputeId)).phase).to.equal(PHASE.Final);
      expect(await c.disputes.currentRuling(disputeId)).to.deep.equal([REJECT, true]);

      await expect(c.disputes.executeRuling(disputeId))
        .to.emit(c.disputes, "RulingExecuted")
        .withArgs(disputeId, REJECT);
      expect((await c.tasks.getSubmission(submissionId)).ruling).to.equal(REJECT);
    });
  });
});
