import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import hre from "hardhat";
import { AbiCoder, ZeroAddress, keccak256 } from "ethers";
import { asAccount } from "../../scripts/lib/impersonate";
import { CorpusDisputes__factory } from "../../sdk/src/typechain";
import { deployCorpusFixture } from "../helpers/fixtures";
import {
  ACCEPT,
  INCOHERENT_SLASH,
  JUROR_LOCK,
  NON_REVEAL_SLASH,
  OPENING_FEE,
  REJECT,
  type Ballot,
  type DisputesFixture,
  closeDispute,
  commitAs,
  currentRound,
  disputedSubmission,
  drawJuryWhenReady,
  passPhase,
  revealAs,
  runRound,
  slashRewardOf,
} from "../helpers/disputes";
import { bulkStake } from "../helpers/staking";
import { defaultTaskParams, postTask } from "../helpers/tasks";
import { at } from "../helpers/lists";

// A juror who wants to vote with the crowd without judging copies another juror's commitment from its
// VoteCommitted event, hoping to reveal it with the victim's vote and salt once they are public. A commitment
// is keccak256(chainid, arbitrator, disputeId, round, juror, vote, salt): it opens only for the juror who made
// it, in the dispute and round it was made for, on this arbitrator and chain. The copier cannot reveal and is
// slashed as a non-revealer; a commitment replayed in another dispute or round does not open there either.

/**
 * The deployment with `count` contract validators and the default task posted by frank. With few validators
 * juries are forced to overlap: 8 leave 5 outside any panel of 3, so every first-round jury is all of them.
 */
async function withValidators(count: number): Promise<DisputesFixture> {
  const c = await loadFixture(deployCorpusFixture);
  const validators = await bulkStake(c, count);
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
const eightValidators = () => withValidators(8);
const fourteenValidators = () => withValidators(14);

/** A rejected submission disputed by its worker, its jury drawn, and the evidence period over. */
async function committingFixture() {
  const c = await loadFixture(eightValidators);
  const { disputeId } = await disputedSubmission(c, "reject");
  const jurors = await drawJuryWhenReady(c, disputeId);
  await passPhase(c, disputeId, "evidence");
  return { c, disputeId, jurors };
}

/** The commitment `juror` published in `round` of `disputeId`, as anyone reads it from VoteCommitted. */
async function publishedCommitment(c: DisputesFixture, disputeId: bigint, round: bigint, juror: string) {
  const [event] = await c.disputes.queryFilter(c.disputes.filters.VoteCommitted(disputeId, round, juror));
  if (event === undefined) throw new Error(`${juror} committed nothing in round ${round} of ${disputeId}`);
  return event.args.commitment;
}

function commitRaw(c: DisputesFixture, disputeId: bigint, juror: string, commitment: string) {
  return asAccount(juror, async (signer) =>
    (await c.disputes.connect(signer).commitVote(disputeId, commitment)).wait(),
  );
}

function revealRaw(c: DisputesFixture, disputeId: bigint, juror: string, vote: bigint, salt: string) {
  return asAccount(juror, (signer) => c.disputes.connect(signer).revealVote(disputeId, vote, salt));
}

/** A juror's staked and locked stake. */
async function stakeOf(c: DisputesFixture, juror: string) {
  const [staked, locked] = await c.staking.stakeOf(juror);
  return { staked, locked };
}

describe("attack: copying another juror's commitment", () => {
  describe("a juror copies the victim's commitment hash and reveals with the victim's vote and salt", () => {
    it("the copy is accepted as a commitment but never reveals: DisputesRevealMismatch(id, 0, copier) before and after the victim reveals", async () => {
      const { c, disputeId, jurors } = await loadFixture(committingFixture);
      const [victimJuror, copier] = [at(jurors, 0), at(jurors, 1)];
      const victim = await commitAs(c, disputeId, victimJuror, ACCEPT);
      const copied = await publishedCommitment(c, disputeId, 0n, victimJuror);
      await commitRaw(c, disputeId, copier, copied);
      // The contract cannot tell a copy from a commitment: the copier's seat is committed like any other.
      expect(await c.disputes.seatOf(disputeId, 0n, copier)).to.deep.equal([true, true, false, 0n]);
      await passPhase(c, disputeId, "commit");

      // Before the victim reveals (its vote and salt leaked to the copier): no vote opens the copy.
      for (const vote of [ACCEPT, REJECT]) {
        await expect(revealRaw(c, disputeId, copier, vote, victim.salt))
          .to.be.revertedWithCustomError(c.disputes, "DisputesRevealMismatch")
          .withArgs(disputeId, 0n, copier);
      }
      // The victim reveals; its vote and salt are now public in the calldata of its reveal.
      await revealAs(c, disputeId, victim);
      const [revealed] = await c.disputes.queryFilter(c.disputes.filters.VoteRevealed(disputeId, 0n, victimJuror));
      const tx = await hre.ethers.provider.getTransaction(revealed?.transactionHash ?? "");
      const parsed = c.disputes.interface.parseTransaction({ data: tx?.data ?? "0x" });
      const [, publicVote, publicSalt] = parsed?.args ?? [];
      expect([publicVote, publicSalt]).to.deep.equal([victim.vote, victim.salt]);
      await expect(revealRaw(c, disputeId, copier, publicVote as bigint, publicSalt as string))
        .to.be.revertedWithCustomError(c.disputes, "DisputesRevealMismatch")
        .withArgs(disputeId, 0n, copier);

      // The copier's seat never opened; only the victim's vote counts.
      expect(await c.disputes.seatOf(disputeId, 0n, copier)).to.deep.equal([true, true, false, 0n]);
      expect(await c.disputes.seatOf(disputeId, 0n, victimJuror)).to.deep.equal([true, true, true, ACCEPT]);
      const round = await c.disputes.getRound(disputeId, 0n);
      expect(round.votes).to.deep.equal([1n, 0n]);
      expect(round.revealed).to.equal(1n);
    });

    it("copying costs the copier a non-reveal slash and its share of the fee: it is paid like a juror who never voted", async () => {
      const { c, disputeId, jurors } = await loadFixture(committingFixture);
      const [victimJuror, copier, third, fourth, dissenter] = jurors as [string, string, string, string, string];
      const copierBefore = await stakeOf(c, copier);
      expect(copierBefore.locked).to.equal(JUROR_LOCK);

      const victim = await commitAs(c, disputeId, victimJuror, ACCEPT);
      await commitRaw(c, disputeId, copier, await publishedCommitment(c, disputeId, 0n, victimJuror));
      const ballots: Ballot[] = [
        victim,
        await commitAs(c, disputeId, third, ACCEPT),
        await commitAs(c, disputeId, fourth, ACCEPT),
        await commitAs(c, disputeId, dissenter, REJECT),
      ];
      await passPhase(c, disputeId, "commit");
      for (const ballot of ballots) await revealAs(c, disputeId, ballot);
      await expect(revealRaw(c, disputeId, copier, victim.vote, victim.salt)).to.be.revertedWithCustomError(
        c.disputes,
        "DisputesRevealMismatch",
      );
      await passPhase(c, disputeId, "reveal");
      expect(await closeDispute(c, disputeId)).to.equal(ACCEPT);

      // The copier voted with the majority in spirit, and is treated as the non-revealer it is.
      const copierAfter = await stakeOf(c, copier);
      expect(copierAfter.staked).to.equal(copierBefore.staked - NON_REVEAL_SLASH);
      expect(copierAfter.locked).to.equal(0n);
      expect(await c.disputes.balanceOf(copier)).to.equal(0n);
      // The three coherent jurors share the fee and both slash rewards; the victim, first of them, the dust.
      const pot = OPENING_FEE + slashRewardOf(NON_REVEAL_SLASH) + slashRewardOf(INCOHERENT_SLASH);
      const share = pot / 3n;
      expect(await c.disputes.balanceOf(victimJuror)).to.equal(share + (pot - 3n * share));
      expect(await c.disputes.balanceOf(third)).to.equal(share);
      expect(await c.disputes.balanceOf(fourth)).to.equal(share);
      expect(await c.disputes.balanceOf(dissenter)).to.equal(0n);
    });
  });

  describe("a juror replays its own commitment (same vote, same salt) in another dispute", () => {
    it("the commitment binds the dispute id: replayed in a second dispute it never reveals (DisputesRevealMismatch(second, 0, juror))", async () => {
      const c = await loadFixture(eightValidators);
      const first = (await disputedSubmission(c, "reject")).disputeId;
      const secondTask = await postTask(c, c.frank, await defaultTaskParams(c));
      const second = (await disputedSubmission({ ...c, taskId: secondTask }, "reject")).disputeId;
      const firstJury = await drawJuryWhenReady(c, first);
      const secondJury = await drawJuryWhenReady(c, second);
      // Eight validators, a panel of three excluded from each: the two juries of five share at least two jurors.
      const shared = firstJury.filter((juror) => secondJury.includes(juror));
      expect(shared.length).to.be.greaterThanOrEqual(2);
      const juror = at(shared, 0);

      await passPhase(c, first, "evidence");
      await passPhase(c, second, "evidence");
      const ballot = await commitAs(c, first, juror, ACCEPT);
      const commitment = await publishedCommitment(c, first, 0n, juror);
      expect(await c.disputes.commitmentOf(second, 0n, juror, ballot.vote, ballot.salt)).to.not.equal(commitment);
      await commitRaw(c, second, juror, commitment);

      await passPhase(c, first, "commit");
      await passPhase(c, second, "commit");
      await expect(revealRaw(c, second, juror, ballot.vote, ballot.salt))
        .to.be.revertedWithCustomError(c.disputes, "DisputesRevealMismatch")
        .withArgs(second, 0n, juror);
      expect(await c.disputes.seatOf(second, 0n, juror)).to.deep.equal([true, true, false, 0n]);
      expect((await c.disputes.getRound(second, 0n)).revealed).to.equal(0n);
      // Where it was made, the same vote and salt reveal.
      await expect(revealRaw(c, first, juror, ballot.vote, ballot.salt))
        .to.emit(c.disputes, "VoteRevealed")
        .withArgs(first, 0n, juror, ACCEPT);
    });

    it("the commitment binds the chain and the arbitrator: the same inputs hash differently on another chain id or another CorpusDisputes", async () => {
      const c = await loadFixture(eightValidators);
      const [juror] = c.validators as [string];
      const salt = keccak256("0x01");
      const onThis = await c.disputes.commitmentOf(1n, 0n, juror, ACCEPT, salt);
      const encode = (chainId: bigint, arbitrator: string) =>
        keccak256(
          AbiCoder.defaultAbiCoder().encode(
            ["uint256", "address", "uint256", "uint256", "address", "uint256", "bytes32"],
            [chainId, arbitrator, 1n, 0n, juror, ACCEPT, salt],
          ),
        );
      const { chainId } = await hre.ethers.provider.getNetwork();
      expect(encode(chainId, c.arbitrator)).to.equal(onThis);
      expect(encode(chainId + 1n, c.arbitrator)).to.not.equal(onThis);

      // A second arbitrator over the same staking (as a redeployment would be) hashes the same inputs apart.
      const parameters = await c.disputes.parameters();
      const other = await new CorpusDisputes__factory(c.deployer).deploy(
        await c.staking.getAddress(),
        await c.timelock.getAddress(),
        c.guardian.address,
        [...parameters],
        ZeroAddress,
      );
      expect(await other.commitmentOf(1n, 0n, juror, ACCEPT, salt)).to.equal(encode(chainId, await other.getAddress()));
      expect(await other.commitmentOf(1n, 0n, juror, ACCEPT, salt)).to.not.equal(onThis);
    });
  });

  describe("a juror replays its first-round commitment in the appeal round of the same dispute", () => {
    it("the commitment binds the round: replayed in round 1 it never reveals (DisputesRevealMismatch(id, 1, juror)) and the juror is slashed for not revealing", async () => {
      const c = await loadFixture(fourteenValidators);
      const { disputeId } = await disputedSubmission(c, "reject");
      // Round 0 accepts; the requester appeals to a jury of 11, which is every validator outside the panel.
      const { jurors: firstJury, ballots } = await runRound(c, disputeId, [ACCEPT, ACCEPT, ACCEPT, REJECT, REJECT]);
      const fee = await c.disputes.appealCost(disputeId);
      await (await c.token.connect(c.requester).approve(c.arbitrator, fee)).wait();
      await (await c.disputes.connect(c.requester).appeal(disputeId)).wait();
      const appealJury = await drawJuryWhenReady(c, disputeId);
      expect(appealJury).to.have.length(11);
      expect(appealJury).to.include.members(firstJury);

      const ballot = at(ballots, 0);
      const replayed = await publishedCommitment(c, disputeId, 0n, ballot.juror);
      expect(await c.disputes.commitmentOf(disputeId, 1n, ballot.juror, ballot.vote, ballot.salt)).to.not.equal(
        replayed,
      );
      await passPhase(c, disputeId, "evidence");
      await commitRaw(c, disputeId, ballot.juror, replayed);
      // Every other appeal juror votes (and reveals) reject.
      const honest: Ballot[] = [];
      for (const juror of appealJury.filter((j) => j !== ballot.juror)) {
        honest.push(await commitAs(c, disputeId, juror, REJECT));
      }
      await passPhase(c, disputeId, "commit");
      expect((await currentRound(c, disputeId)).round).to.equal(1n);
      await expect(revealRaw(c, disputeId, ballot.juror, ballot.vote, ballot.salt))
        .to.be.revertedWithCustomError(c.disputes, "DisputesRevealMismatch")
        .withArgs(disputeId, 1n, ballot.juror);
      for (const b of honest) await revealAs(c, disputeId, b);
      await passPhase(c, disputeId, "reveal");

      const before = await stakeOf(c, ballot.juror);
      expect(before.locked).to.equal(2n * JUROR_LOCK);
      expect(await closeDispute(c, disputeId)).to.equal(REJECT);
      // Round 0 (it voted accept, overturned): incoherent; round 1 (replay, never revealed): non-revealer.
      const after = await stakeOf(c, ballot.juror);
      expect(after.staked).to.equal(before.staked - INCOHERENT_SLASH - NON_REVEAL_SLASH);
      expect(after.locked).to.equal(0n);
      expect(await c.disputes.seatOf(disputeId, 1n, ballot.juror)).to.deep.equal([true, true, false, 0n]);
    });
  });
});
