import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { asAccount } from "../../scripts/lib/impersonate";
import { deployCorpusFixture } from "../helpers/fixtures";
import {
  ACCEPT,
  PHASE,
  REJECT,
  type DisputesFixture,
  commitAs,
  disputedSubmission,
  drawJuryWhenReady,
  excludedOf,
  passPhase,
  revealAs,
} from "../helpers/disputes";
import { bulkStake } from "../helpers/staking";
import { defaultTaskParams, postTask } from "../helpers/tasks";
import { at } from "../helpers/lists";

// Juror B learns juror A's vote and salt (A leaked them, or B watched A's reveal in the mempool) and calls
// revealVote with them, to reveal A's seat early, to reveal it for A (so A's vote counts however A meant to
// act), or to make A's own reveal fail. revealVote names no juror: it opens the caller's own seat against the
// caller's own commitment, so B's call with A's data is checked against B's seat and fails, and A's seat
// stays committed until A reveals. Accounts without a seat cannot commit or reveal at all.

/** Twelve contract validators: a panel of three leaves nine, of which a jury of five is drawn and four are not. */
async function twelveValidators(): Promise<DisputesFixture> {
  const c = await loadFixture(deployCorpusFixture);
  const validators = await bulkStake(c, 12);
  const taskId = await postTask(c, c.frank, await defaultTaskParams(c));
  return {
    ...c,
    validators,
    requester: c.frank,
    worker: c.grace,
    taskId,
    registry: await c.tasks.getAddress(),
    arbitrator: await c.disputes.getAddress(),
  };
}

/** A disputed submission whose jurors A (accept) and B (reject) committed; the others did not yet. */
async function committedFixture() {
  const c = await loadFixture(twelveValidators);
  const { disputeId } = await disputedSubmission(c, "reject");
  const jurors = await drawJuryWhenReady(c, disputeId);
  await passPhase(c, disputeId, "evidence");
  const a = await commitAs(c, disputeId, at(jurors, 0), ACCEPT);
  const b = await commitAs(c, disputeId, at(jurors, 1), REJECT);
  const excluded = await excludedOf(c, disputeId);
  const outsider = c.validators.find((v) => !jurors.includes(v) && !excluded.includes(v));
  if (outsider === undefined) throw new Error("every validator sits on the jury or the panel");
  return { c, disputeId, jurors, a, b, excluded, outsider };
}

function reveal(c: DisputesFixture, disputeId: bigint, caller: string, vote: bigint, salt: string) {
  return asAccount(caller, (signer) => c.disputes.connect(signer).revealVote(disputeId, vote, salt));
}

function commit(c: DisputesFixture, disputeId: bigint, caller: string, commitment: string) {
  return asAccount(caller, (signer) => c.disputes.connect(signer).commitVote(disputeId, commitment));
}

/** Every seat of the jury and the round's tally: what a refused reveal must leave as it was. */
async function juryState(c: DisputesFixture, disputeId: bigint, jurors: string[]) {
  const seats = [];
  for (const juror of jurors) seats.push(await c.disputes.seatOf(disputeId, 0n, juror));
  const round = await c.disputes.getRound(disputeId, 0n);
  return {
    seats,
    votes: round.votes,
    revealed: round.revealed,
    ruling: (await c.disputes.getDispute(disputeId)).ruling,
  };
}

describe("attack: revealing another juror's vote", () => {
  it("revealVote takes no juror: its inputs are (disputeId, vote, salt), and the seat it opens is the caller's", async () => {
    const { c } = await loadFixture(committedFixture);
    const fragment = c.disputes.interface.getFunction("revealVote");
    expect(fragment?.inputs.map((input) => `${input.type} ${input.name}`)).to.deep.equal([
      "uint256 disputeId",
      "uint256 vote",
      "bytes32 salt",
    ]);
  });

  describe("juror B reveals with juror A's vote and salt", () => {
    it("B's call is checked against B's own commitment and reverts DisputesRevealMismatch(id, 0, B); A's seat stays committed and unrevealed", async () => {
      const { c, disputeId, jurors, a, b } = await loadFixture(committedFixture);
      await passPhase(c, disputeId, "commit");
      const before = await juryState(c, disputeId, jurors);
      await expect(reveal(c, disputeId, b.juror, a.vote, a.salt))
        .to.be.revertedWithCustomError(c.disputes, "DisputesRevealMismatch")
        .withArgs(disputeId, 0n, b.juror);
      expect(await juryState(c, disputeId, jurors)).to.deep.equal(before);
      expect(await c.disputes.seatOf(disputeId, 0n, a.juror)).to.deep.equal([true, true, false, 0n]);

      // A reveals its own vote; B's own vote still reveals afterwards, and each seat holds its own vote.
      await revealAs(c, disputeId, a);
      await revealAs(c, disputeId, b);
      expect(await c.disputes.seatOf(disputeId, 0n, a.juror)).to.deep.equal([true, true, true, ACCEPT]);
      expect(await c.disputes.seatOf(disputeId, 0n, b.juror)).to.deep.equal([true, true, true, REJECT]);
      expect((await c.disputes.getRound(disputeId, 0n)).votes).to.deep.equal([1n, 1n]);
    });

    it("after A revealed, B replaying A's public vote and salt still reverts DisputesRevealMismatch(id, 0, B), and A's vote is counted once", async () => {
      const { c, disputeId, jurors, a, b } = await loadFixture(committedFixture);
      await passPhase(c, disputeId, "commit");
      await revealAs(c, disputeId, a);
      const before = await juryState(c, disputeId, jurors);
      await expect(reveal(c, disputeId, b.juror, a.vote, a.salt))
        .to.be.revertedWithCustomError(c.disputes, "DisputesRevealMismatch")
        .withArgs(disputeId, 0n, b.juror);
      // A itself cannot be made to count twice either.
      await expect(reveal(c, disputeId, a.juror, a.vote, a.salt))
        .to.be.revertedWithCustomError(c.disputes, "DisputesAlreadyRevealed")
        .withArgs(disputeId, 0n, a.juror);
      expect(await juryState(c, disputeId, jurors)).to.deep.equal(before);
      expect((await c.disputes.getRound(disputeId, 0n)).votes).to.deep.equal([1n, 0n]);
    });

    it("a juror who has not committed reverts DisputesNotCommitted(id, 0, juror) with A's data, and A's own reveal is unaffected", async () => {
      const { c, disputeId, jurors, a } = await loadFixture(committedFixture);
      const silent = at(jurors, 2);
      await passPhase(c, disputeId, "commit");
      const before = await juryState(c, disputeId, jurors);
      await expect(reveal(c, disputeId, silent, a.vote, a.salt))
        .to.be.revertedWithCustomError(c.disputes, "DisputesNotCommitted")
        .withArgs(disputeId, 0n, silent);
      expect(await juryState(c, disputeId, jurors)).to.deep.equal(before);
      await expect(reveal(c, disputeId, a.juror, a.vote, a.salt))
        .to.emit(c.disputes, "VoteRevealed")
        .withArgs(disputeId, 0n, a.juror, ACCEPT);
    });

    it("during the commit period, before A could reveal, B's attempt reverts DisputesWrongPhase(id, Commit)", async () => {
      const { c, disputeId, jurors, a, b } = await loadFixture(committedFixture);
      const before = await juryState(c, disputeId, jurors);
      await expect(reveal(c, disputeId, b.juror, a.vote, a.salt))
        .to.be.revertedWithCustomError(c.disputes, "DisputesWrongPhase")
        .withArgs(disputeId, PHASE.Commit);
      expect(await juryState(c, disputeId, jurors)).to.deep.equal(before);
    });
  });

  describe("an account without a seat commits or reveals", () => {
    it("a stranger, a staked validator not drawn, a party and a panel member revert DisputesNotAJuror(id, 0, account) on commitVote and on revealVote with A's data", async () => {
      const { c, disputeId, jurors, a, excluded, outsider } = await loadFixture(committedFixture);
      const copied = await c.disputes.commitmentOf(disputeId, 0n, a.juror, a.vote, a.salt);
      const intruders = [c.stranger.address, outsider, c.worker.address, c.requester.address, at(excluded, 2)];
      const before = await juryState(c, disputeId, jurors);
      for (const account of intruders) {
        await expect(commit(c, disputeId, account, copied))
          .to.be.revertedWithCustomError(c.disputes, "DisputesNotAJuror")
          .withArgs(disputeId, 0n, account);
      }
      await passPhase(c, disputeId, "commit");
      for (const account of intruders) {
        await expect(reveal(c, disputeId, account, a.vote, a.salt))
          .to.be.revertedWithCustomError(c.disputes, "DisputesNotAJuror")
          .withArgs(disputeId, 0n, account);
        expect(await c.disputes.seatOf(disputeId, 0n, account)).to.deep.equal([false, false, false, 0n]);
      }
      expect(await juryState(c, disputeId, jurors)).to.deep.equal(before);
      await revealAs(c, disputeId, a);
      expect((await c.disputes.getRound(disputeId, 0n)).votes).to.deep.equal([1n, 0n]);
    });
  });
});
