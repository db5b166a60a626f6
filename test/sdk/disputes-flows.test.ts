import { expect } from "chai";
import { createHash } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { loadFixture, mine, time } from "@nomicfoundation/hardhat-network-helpers";
import hre from "hardhat";
import { ZeroHash, hexlify, randomBytes } from "ethers";
import {
  type CorpusClient,
  CorpusInputError,
  CorpusSaltNotFoundError,
  DISPUTE_PHASES,
  type DisputePhase,
  MemorySaltStore,
  type SaltStore,
  type StoredBallot,
  ballotKey,
  hashJson,
  hashText,
  isCorpusContractError,
  voteCommitment,
} from "../../sdk/src";
import { FileSaltStore } from "../../sdk/src/node";
import { LOCAL_CHAIN_ID } from "../../deploy/deploy-corpus";
import { CRP, DAY } from "../helpers/fixtures";
import { type SdkFixture, sdkFixture } from "../helpers/sdk";
import { nonceOf, onlyEvent, plain, rejectionOf } from "../helpers/sdk-assertions";

/** The registry's rulings: 1 accepts the work (favours the worker), 2 rejects it (favours the requester). */
const ACCEPT = 1n;
const REJECT = 2n;
const BPS = 10_000n;

// ─── Fixtures ───────────────────────────────────────────────────────────────

/**
 * alice posts a task through the SDK, bob submits, the 3-member panel is drawn and accepts, and alice (the
 * losing requester) disputes through `tasks.dispute`. The jury is not drawn yet.
 */
async function openedDisputeFixture() {
  const f = await loadFixture(sdkFixture);
  const requester = await f.clientFor(f.alice);
  const { taskId } = await requester.tasks.post({
    reward: 100n * CRP,
    slots: 2,
    deadline: (await time.latest()) + 7 * DAY,
    reviewWindow: DAY,
    panelSize: 3,
    quorum: 2,
    kind: "labeling",
    specUri: "ipfs://spec.json",
    specHash: hashJson({ labels: ["cat", "dog"] }),
  });
  const worker = await f.clientFor(f.bob);
  const { submissionId } = await worker.tasks.submit(taskId, { contentHash: hashText("labels"), uri: "ipfs://w" });
  await mine(1);
  await worker.tasks.drawPanel(submissionId);
  const panel = [...(await worker.tasks.getSubmission(submissionId)).panel];
  for (const member of panel) {
    const client = await f.clientFor(f.validatorSigner(member));
    await client.tasks.attest(submissionId, true, "looks right");
  }
  const { disputeId } = await requester.tasks.dispute(submissionId);
  return { f, taskId, submissionId, panel, disputeId };
}

/** The opened dispute with its first jury (5 of the 6 validators not on the panel) drawn through the SDK. */
async function drawnDisputeFixture() {
  const opened = await loadFixture(openedDisputeFixture);
  await mine(1);
  const anyone = await opened.f.clientFor(opened.f.carol);
  await anyone.disputes.drawJury(opened.disputeId);
  const round = await opened.f.disputes.getRound(opened.disputeId, 0n);
  return { ...opened, jurors: [...round.jurors] };
}

type Drawn = Awaited<ReturnType<typeof drawnDisputeFixture>>;

// ─── Phases ─────────────────────────────────────────────────────────────────

async function currentRound(f: SdkFixture, disputeId: bigint) {
  return f.disputes.getRound(disputeId, (await f.disputes.getDispute(disputeId)).round);
}

/** Mines a block just inside the current round's commit period. */
async function toCommit(f: SdkFixture, disputeId: bigint): Promise<void> {
  await time.increaseTo((await currentRound(f, disputeId)).evidenceEnd + 1n);
}

/** Mines a block just inside the current round's reveal period. */
async function toReveal(f: SdkFixture, disputeId: bigint): Promise<void> {
  await time.increaseTo((await currentRound(f, disputeId)).commitEnd + 1n);
}

/** Mines a block just inside the current round's appeal period. */
async function toAppeal(f: SdkFixture, disputeId: bigint): Promise<void> {
  await time.increaseTo((await currentRound(f, disputeId)).revealEnd + 1n);
}

/** Mines a block after the current round's appeal period: the ruling is final. */
async function toFinal(f: SdkFixture, disputeId: bigint): Promise<void> {
  await time.increaseTo((await currentRound(f, disputeId)).appealEnd + 1n);
}

// ─── Salt stores ────────────────────────────────────────────────────────────

interface StoreOp {
  op: "put" | "get" | "delete";
  key: string;
  ballot?: StoredBallot;
  /** The juror's transaction count when the store was called. */
  nonce: number;
}

/**
 * A memory salt store that records every call with the juror's nonce at that moment, and can be told to
 * fail a `put` (before storing anything) by `failPut` returning an error.
 */
class RecordingStore implements SaltStore {
  readonly inner = new MemorySaltStore();
  readonly ops: StoreOp[] = [];

  constructor(
    private readonly juror: string,
    private readonly failPut: (key: string) => Error | undefined = () => undefined,
  ) {}

  async put(key: string, ballot: StoredBallot): Promise<void> {
    this.ops.push({ op: "put", key, ballot, nonce: await nonceOf(this.juror) });
    const error = this.failPut(key);
    if (error !== undefined) throw error;
    await this.inner.put(key, ballot);
  }

  async get(key: string): Promise<StoredBallot | undefined> {
    this.ops.push({ op: "get", key, nonce: await nonceOf(this.juror) });
    return this.inner.get(key);
  }

  async delete(key: string): Promise<void> {
    this.ops.push({ op: "delete", key, nonce: await nonceOf(this.juror) });
    await this.inner.delete(key);
  }

  /** The calls that change the store, as `op key`. */
  writes(): string[] {
    return this.ops.filter((o) => o.op !== "get").map((o) => `${o.op} ${o.key}`);
  }
}

/** The key the SDK stores `juror`'s ballot of `round` under. */
async function keyOf(f: SdkFixture, disputeId: bigint, round: bigint, juror: string): Promise<string> {
  return ballotKey(LOCAL_CHAIN_ID, await f.disputes.getAddress(), disputeId, round, juror);
}

/**
 * Where the SDK keeps a ballot between saving it and its commit being mined: under the final key and the
 * ballot's own commitment (lower case), so a retried commit never overwrites the pending ballot of another.
 */
function pendingKeyOf(key: string, commitment: string): string {
  return `${key}:pending:${commitment.toLowerCase()}`;
}

/** The commitments `juror` sent in round `round`, from the `VoteCommitted` events. */
async function commitmentsOnChain(f: SdkFixture, disputeId: bigint, round: bigint, juror: string): Promise<string[]> {
  const events = await f.disputes.queryFilter(f.disputes.filters.VoteCommitted(disputeId, round, juror));
  return events.map((e) => e.args.commitment);
}

/** A client acting as juror `juror` with `saltStore`. */
function jurorClient(f: SdkFixture, juror: string, saltStore: SaltStore): Promise<CorpusClient> {
  return f.clientFor(f.validatorSigner(juror), { saltStore });
}

async function seat(f: SdkFixture, disputeId: bigint, round: bigint, juror: string) {
  const [drawn, committed, revealed, vote] = await f.disputes.seatOf(disputeId, round, juror);
  return { drawn, committed, revealed, vote };
}

/** A fresh ballot for `juror` in round 0 of the dispute, as the SDK would store it. */
async function ballotFor(d: Drawn, juror: string, vote: bigint): Promise<StoredBallot> {
  const salt = hexlify(randomBytes(32));
  const arbitrator = await d.f.disputes.getAddress();
  const commitment = voteCommitment({
    chainId: LOCAL_CHAIN_ID,
    arbitrator,
    disputeId: d.disputeId,
    round: 0n,
    juror,
    vote,
    salt,
  });
  return { vote, salt, commitment };
}

/** Commits `ballot` as `juror` straight through the contract (setup, not the flow under test). */
async function commitDirect(d: Drawn, juror: string, ballot: StoredBallot): Promise<void> {
  await (await d.f.disputes.connect(d.f.validatorSigner(juror)).commitVote(d.disputeId, ballot.commitment)).wait();
}

/**
 * Round 0 voted straight through the contract (setup): `votes[i]` for `jurors[i]` committed in the commit
 * period and revealed in the reveal period.
 */
async function voteDirect(d: Drawn, votes: readonly bigint[]): Promise<void> {
  await toCommit(d.f, d.disputeId);
  const ballots: StoredBallot[] = [];
  for (const [i, vote] of votes.entries()) {
    const ballot = await ballotFor(d, d.jurors[i]!, vote);
    await commitDirect(d, d.jurors[i]!, ballot);
    ballots.push(ballot);
  }
  await toReveal(d.f, d.disputeId);
  for (const [i, ballot] of ballots.entries()) {
    const disputes = d.f.disputes.connect(d.f.validatorSigner(d.jurors[i]!));
    await (await disputes.revealVote(d.disputeId, ballot.vote, ballot.salt)).wait();
  }
}

/**
 * Once round 0 was voted 3 accept (jurors 0–2) to 2 reject (jurors 3–4): past the appeal period, anyone
 * executes and settles through the SDK, each coherent juror is owed its share to the wei, and juror 0
 * withdraws exactly its balance.
 */
async function expectRulingSettledAndPaid(d: Drawn): Promise<void> {
  const { f, disputeId, jurors } = d;
  const round = await f.disputes.getRound(disputeId, 0n);
  expect(round.revealed).to.equal(5n);
  expect([...round.votes]).to.deep.equal([3n, 2n]);

  await toFinal(f, disputeId);
  expect(await f.disputes.currentRuling(disputeId)).to.deep.equal([ACCEPT, true]);
  const anyone = await f.clientFor(f.carol);
  const executed = await anyone.disputes.executeRuling(disputeId);
  expect(onlyEvent(executed, f.disputes, "RulingExecuted").args.ruling).to.equal(ACCEPT);
  expect((await f.disputes.getDispute(disputeId)).phase).to.equal(BigInt(DISPUTE_PHASES.indexOf("Executed")));
  const settled = await anyone.disputes.settleRound(disputeId, 0n);
  expect((await f.disputes.getRound(disputeId, 0n)).settled).to.equal(true);

  // What each coherent juror is owed, from the round's terms: the fee plus the slash reward of the two
  // incoherent jurors, shared by the three coherent ones, the rounding dust to the first in draw order.
  const [, , slashRewardBps] = await f.staking.parameters();
  const incoherentSlash = (round.jurorLock * round.incoherentSlashBps) / BPS;
  expect(incoherentSlash).to.be.greaterThan(0n);
  const pot = round.fee + 2n * ((incoherentSlash * slashRewardBps) / BPS);
  const share = pot / 3n;
  const dust = pot - 3n * share;
  const event = onlyEvent(settled, f.disputes, "RoundSettled");
  expect(event.args.coherentCount).to.equal(3n);
  expect(event.args.share).to.equal(share);
  expect(event.args.slashed).to.equal(2n * incoherentSlash);
  const expected = [share + dust, share, share, 0n, 0n];
  for (const [i, juror] of jurors.entries()) {
    expect(await anyone.disputes.balanceOf(juror), `balance of juror ${i}`).to.equal(expected[i]);
  }

  const first = await f.clientFor(f.validatorSigner(jurors[0]!));
  const owed = await first.disputes.balanceOf(jurors[0]!);
  expect(owed).to.be.greaterThan(0n);
  const crpBefore = await f.token.balanceOf(jurors[0]!);
  const nonceBefore = await nonceOf(jurors[0]!);
  const withdrawn = await first.disputes.withdraw();
  expect(await nonceOf(jurors[0]!)).to.equal(nonceBefore + 1);
  expect(onlyEvent(withdrawn, f.disputes, "Withdrawn").args.amount).to.equal(owed);
  expect((await f.token.balanceOf(jurors[0]!)) - crpBefore).to.equal(owed);
  expect(await first.disputes.balanceOf(jurors[0]!)).to.equal(0n);
}

const THREE_TWO = [ACCEPT, ACCEPT, ACCEPT, REJECT, REJECT] as const;

describe("SDK: dispute flows and salt safety", function () {
  describe("setup", function () {
    it("the fixture's dispute has 2 choices, parties [worker, requester] and a jury of 5 fresh validators", async function () {
      const d = await loadFixture(drawnDisputeFixture);
      const dispute = await d.f.disputes.getDispute(d.disputeId);
      expect(dispute.choices).to.equal(2n);
      expect([...dispute.parties]).to.deep.equal([d.f.bob.address, d.f.alice.address]);
      expect(d.jurors).to.have.length(5);
      expect(new Set(d.jurors).size).to.equal(5);
      const validators = d.f.validators.map((v) => v.address);
      for (const juror of d.jurors) {
        expect(validators).to.include(juror);
        expect(d.panel).to.not.include(juror);
      }
    });
  });

  describe("voteCommitment", function () {
    it("equals the contract's commitmentOf, and binds the chain and the arbitrator", async function () {
      const f = await loadFixture(sdkFixture);
      const arbitrator = await f.disputes.getAddress();
      const chainId = (await hre.ethers.provider.getNetwork()).chainId;
      const cases = [
        { disputeId: 1n, round: 0n, juror: f.validators[0]!.address, vote: 1n, salt: hexlify(randomBytes(32)) },
        { disputeId: 7n, round: 3n, juror: f.alice.address, vote: 2n, salt: ZeroHash },
        {
          disputeId: 2n ** 64n + 5n,
          round: 255n,
          juror: f.stranger.address,
          vote: 2n ** 255n,
          salt: `0x${"ff".repeat(32)}`,
        },
      ];
      const seen = new Set<string>();
      for (const c of cases) {
        const local = voteCommitment({ chainId, arbitrator, ...c });
        expect(local).to.equal(await f.disputes.commitmentOf(c.disputeId, c.round, c.juror, c.vote, c.salt));
        seen.add(local);
        // Another chain or another arbitrator gives another commitment.
        expect(voteCommitment({ chainId: chainId + 1n, arbitrator, ...c })).to.not.equal(local);
        expect(voteCommitment({ chainId, arbitrator: f.alice.address, ...c })).to.not.equal(local);
      }
      expect(seen.size).to.equal(cases.length);
    });
  });

  describe("commit → reveal → ruling → settlement", function () {
    it("5 jurors commit and reveal through the SDK (3 accept, 2 reject), then settle and withdraw", async function () {
      const d = await loadFixture(drawnDisputeFixture);
      const { f, disputeId, jurors } = d;
      const stores = jurors.map(() => new MemorySaltStore());
      await toCommit(f, disputeId);

      const salts = new Set<string>();
      for (const [i, juror] of jurors.entries()) {
        const client = await jurorClient(f, juror, stores[i]!);
        const before = await nonceOf(juror);
        const { round, receipt } = await client.disputes.commit(disputeId, THREE_TWO[i]!);
        expect(await nonceOf(juror)).to.equal(before + 1, "one transaction per commit");
        expect(round).to.equal(0n);
        const key = await keyOf(f, disputeId, 0n, juror);
        const ballot = await stores[i]!.get(key);
        expect(ballot, "the final ballot is stored").to.not.equal(undefined);
        const pending = pendingKeyOf(key, ballot!.commitment);
        expect(await stores[i]!.get(pending), "the pending ballot is cleared").to.equal(undefined);
        expect(ballot!.vote).to.equal(THREE_TWO[i]);
        expect(ballot!.salt).to.match(/^0x[0-9a-f]{64}$/);
        salts.add(ballot!.salt);
        const committed = onlyEvent(receipt, f.disputes, "VoteCommitted");
        expect(committed.args.disputeId).to.equal(disputeId);
        expect(committed.args.round).to.equal(0n);
        expect(committed.args.juror).to.equal(juror);
        expect(committed.args.commitment).to.equal(ballot!.commitment);
        expect(ballot!.commitment).to.equal(
          await f.disputes.commitmentOf(disputeId, 0n, juror, ballot!.vote, ballot!.salt),
        );
        expect(await seat(f, disputeId, 0n, juror)).to.deep.equal({
          drawn: true,
          committed: true,
          revealed: false,
          vote: 0n,
        });
      }
      expect(salts.size).to.equal(5, "every commit draws a fresh salt");

      await toReveal(f, disputeId);
      for (const [i, juror] of jurors.entries()) {
        const client = await jurorClient(f, juror, stores[i]!);
        const before = await nonceOf(juror);
        const receipt = await client.disputes.reveal(disputeId);
        expect(await nonceOf(juror)).to.equal(before + 1);
        const revealed = onlyEvent(receipt, f.disputes, "VoteRevealed");
        expect(revealed.args.juror).to.equal(juror);
        expect(revealed.args.vote).to.equal(THREE_TWO[i]);
        expect(await seat(f, disputeId, 0n, juror)).to.deep.equal({
          drawn: true,
          committed: true,
          revealed: true,
          vote: THREE_TWO[i],
        });
      }
      await expectRulingSettledAndPaid(d);
    });

    it("after a 3–2 vote: executeRuling, settleRound, balanceOf and withdraw through the SDK pay to the wei", async function () {
      const d = await loadFixture(drawnDisputeFixture);
      await voteDirect(d, THREE_TWO);
      await expectRulingSettledAndPaid(d);
    });
  });

  describe("salt durability", function () {
    it("a store whose put throws: the commit rejects with that error and nothing is sent", async function () {
      const d = await loadFixture(drawnDisputeFixture);
      const juror = d.jurors[0]!;
      await toCommit(d.f, d.disputeId);
      const diskFull = new Error("ENOSPC: no space left on device");
      const store = new RecordingStore(juror, () => diskFull);
      const client = await jurorClient(d.f, juror, store);
      const before = await nonceOf(juror);

      const error = await rejectionOf(client.disputes.commit(d.disputeId, ACCEPT));
      expect(error).to.equal(diskFull);
      expect(await nonceOf(juror)).to.equal(before, "nothing sent");
      expect((await seat(d.f, d.disputeId, 0n, juror)).committed).to.equal(false);
      expect(await commitmentsOnChain(d.f, d.disputeId, 0n, juror)).to.deep.equal([]);
      // The one write tried was the pending ballot, under the key of its own commitment.
      const key = await keyOf(d.f, d.disputeId, 0n, juror);
      const tried = store.ops.filter((o) => o.op !== "get");
      expect(tried).to.have.length(1);
      expect(tried[0]!.nonce).to.equal(before);
      const ballot = tried[0]!.ballot!;
      expect(ballot.vote).to.equal(ACCEPT);
      expect(ballot.commitment).to.equal(
        voteCommitment({
          chainId: LOCAL_CHAIN_ID,
          arbitrator: await d.f.disputes.getAddress(),
          disputeId: d.disputeId,
          round: 0n,
          juror,
          vote: ACCEPT,
          salt: ballot.salt,
        }),
      );
      expect(store.writes()).to.deep.equal([`put ${pendingKeyOf(key, ballot.commitment)}`]);
      expect(await store.inner.get(key)).to.equal(undefined, "nothing stored");
    });

    it("the pending ballot is stored before the commit is broadcast, the final one after", async function () {
      const d = await loadFixture(drawnDisputeFixture);
      const juror = d.jurors[1]!;
      await toCommit(d.f, d.disputeId);
      const store = new RecordingStore(juror);
      const client = await jurorClient(d.f, juror, store);
      const before = await nonceOf(juror);

      const { receipt } = await client.disputes.commit(d.disputeId, REJECT);
      expect(await nonceOf(juror)).to.equal(before + 1, "one transaction");
      const key = await keyOf(d.f, d.disputeId, 0n, juror);
      const commitment = onlyEvent(receipt, d.f.disputes, "VoteCommitted").args.commitment as string;
      const pending = pendingKeyOf(key, commitment);
      expect(pending).to.equal(`${key}:pending:${commitment.toLowerCase()}`);
      const writes = store.ops.filter((o) => o.op !== "get");
      expect(writes.map((o) => `${o.op} ${o.key}`)).to.deep.equal([
        `put ${pending}`,
        `put ${key}`,
        `delete ${pending}`,
      ]);
      expect(writes[0]!.nonce).to.equal(before, "the pending ballot was durable before the commit was sent");
      expect(writes[1]!.nonce).to.equal(before + 1, "the final ballot is stored once the commit is mined");
      expect(writes[2]!.nonce).to.equal(before + 1, "the pending ballot is dropped only after that");
      expect(writes[0]!.ballot!.commitment).to.equal(commitment);
      expect(writes[0]!.ballot!.vote).to.equal(REJECT);
      expect(writes[1]!.ballot).to.deep.equal(writes[0]!.ballot);
      expect(await store.inner.get(key)).to.deep.equal(writes[0]!.ballot);
      expect(await store.inner.get(pending)).to.equal(undefined);
    });

    it("a crash after sending (the final put fails): a new client reveals from the pending ballot", async function () {
      const d = await loadFixture(drawnDisputeFixture);
      const { f, disputeId } = d;
      const juror = d.jurors[2]!;
      await toCommit(f, disputeId);
      const crash = new Error("process killed");
      // Every put fails but the pending one: the process dies right after the commit was mined.
      const store = new RecordingStore(juror, (key) => (key.includes(":pending:") ? undefined : crash));
      const before = await nonceOf(juror);

      const error = await rejectionOf((await jurorClient(f, juror, store)).disputes.commit(disputeId, REJECT));
      expect(error).to.equal(crash);
      expect(await nonceOf(juror)).to.equal(before + 1, "the commit was sent");
      expect(await seat(f, disputeId, 0n, juror)).to.deep.equal({
        drawn: true,
        committed: true,
        revealed: false,
        vote: 0n,
      });
      const key = await keyOf(f, disputeId, 0n, juror);
      const [onChain, ...more] = await commitmentsOnChain(f, disputeId, 0n, juror);
      expect(more).to.deep.equal([]);
      expect(store.writes()).to.deep.equal([`put ${pendingKeyOf(key, onChain!)}`, `put ${key}`]);
      expect(await store.inner.get(key)).to.equal(undefined);
      const pending = await store.inner.get(pendingKeyOf(key, onChain!));
      expect(pending?.vote).to.equal(REJECT);
      expect(pending?.commitment).to.equal(onChain);

      await toReveal(f, disputeId);
      const restarted = await jurorClient(f, juror, store);
      const receipt = await restarted.disputes.reveal(disputeId);
      expect(await nonceOf(juror)).to.equal(before + 2);
      expect(onlyEvent(receipt, f.disputes, "VoteRevealed").args.vote).to.equal(REJECT);
      expect(await seat(f, disputeId, 0n, juror)).to.deep.equal({
        drawn: true,
        committed: true,
        revealed: true,
        vote: REJECT,
      });
      expect([...(await f.disputes.getRound(disputeId, 0n)).votes]).to.deep.equal([0n, 1n]);
    });

    it("reveal(id, round) passes over a stored ballot that does not match the commitment on-chain", async function () {
      const d = await loadFixture(drawnDisputeFixture);
      const { f, disputeId } = d;
      const juror = d.jurors[3]!;
      await toCommit(f, disputeId);
      const sent = await ballotFor(d, juror, ACCEPT);
      await commitDirect(d, juror, sent);
      // The committed ballot is only pending (a crash before the final put); under the final key sits a stale
      // ballot (say, restored from an old backup) that the contract would refuse.
      const key = await keyOf(f, disputeId, 0n, juror);
      const stale = await ballotFor(d, juror, REJECT);
      const store = new RecordingStore(juror);
      await store.inner.put(key, stale);
      await store.inner.put(pendingKeyOf(key, sent.commitment), sent);
      // Another pending ballot (a commit that was never mined) is not the one on-chain either.
      await store.inner.put(pendingKeyOf(key, stale.commitment), stale);

      await toReveal(f, disputeId);
      const client = await jurorClient(f, juror, store);
      const before = await nonceOf(juror);
      const receipt = await client.disputes.reveal(disputeId, 0n);
      expect(await nonceOf(juror)).to.equal(before + 1);
      expect(onlyEvent(receipt, f.disputes, "VoteRevealed").args.vote).to.equal(ACCEPT);
      expect(await seat(f, disputeId, 0n, juror)).to.deep.equal({
        drawn: true,
        committed: true,
        revealed: true,
        vote: ACCEPT,
      });
      expect(store.writes()).to.deep.equal([], "a reveal writes nothing");
    });

    it("a commit retried after a crash does not lose the salt of the commit that was sent", async function () {
      const d = await loadFixture(drawnDisputeFixture);
      const { f, disputeId } = d;
      const juror = d.jurors[4]!;
      await toCommit(f, disputeId);
      let crashed = false;
      const crash = new Error("process killed");
      // Fails the first final put only: the process "crashes" once, then runs normally.
      const store = new RecordingStore(juror, (key) => {
        if (key.includes(":pending:") || crashed) return undefined;
        crashed = true;
        return crash;
      });
      expect(await rejectionOf((await jurorClient(f, juror, store)).disputes.commit(disputeId, ACCEPT))).to.equal(
        crash,
      );
      expect((await seat(f, disputeId, 0n, juror)).committed).to.equal(true, "the crashed commit was sent");
      const writes = store.writes();
      const before = await nonceOf(juror);
      // The SDK sees the seat already committed and refuses before it writes or sends anything: the pending
      // ballot of the commit on-chain is the only copy of its salt, and nothing may overwrite it.
      const retried = await rejectionOf((await jurorClient(f, juror, store)).disputes.commit(disputeId, REJECT));
      expect(retried).to.be.instanceOf(CorpusInputError);
      expect((retried as CorpusInputError).field).to.equal("disputeId");
      expect(isCorpusContractError(retried)).to.equal(false, "refused by the SDK, not by the contract");
      expect(await nonceOf(juror)).to.equal(before, "the refused re-commit sent nothing");
      expect(store.writes()).to.deep.equal(writes, "the refused re-commit stored nothing");
      expect(await commitmentsOnChain(f, disputeId, 0n, juror)).to.have.length(1);

      await toReveal(f, disputeId);
      const receipt = await (await jurorClient(f, juror, store)).disputes.reveal(disputeId);
      expect(onlyEvent(receipt, f.disputes, "VoteRevealed").args.vote).to.equal(ACCEPT);
    });
  });

  describe("re-commit", function () {
    // The brief asked for "commit twice, the reveal shows the second vote"; the contract refuses a second
    // commit in a round (DisputesAlreadyCommitted), so what the SDK can promise is that it refuses the
    // re-commit itself (seatOf shows the seat committed) before storing or sending anything, and the vote
    // that is on-chain is still the one revealed.
    it("a second commit is refused with nothing sent; the reveal reveals the vote on-chain", async function () {
      const d = await loadFixture(drawnDisputeFixture);
      const { f, disputeId } = d;
      const juror = d.jurors[0]!;
      await toCommit(f, disputeId);
      const store = new RecordingStore(juror);
      const client = await jurorClient(f, juror, store);
      const { receipt } = await client.disputes.commit(disputeId, ACCEPT);
      const onChain = onlyEvent(receipt, f.disputes, "VoteCommitted").args.commitment as string;

      const before = await nonceOf(juror);
      const writes = store.writes();
      const error = await rejectionOf(client.disputes.commit(disputeId, REJECT));
      expect(error).to.be.instanceOf(CorpusInputError);
      expect((error as CorpusInputError).field).to.equal("disputeId");
      expect(await nonceOf(juror)).to.equal(before, "nothing sent");
      expect(store.writes()).to.deep.equal(writes, "nothing stored");
      const key = await keyOf(f, disputeId, 0n, juror);
      expect((await store.inner.get(key))?.commitment).to.equal(onChain, "the final ballot is still the one sent");

      await toReveal(f, disputeId);
      const revealed = await client.disputes.reveal(disputeId);
      expect(onlyEvent(revealed, f.disputes, "VoteRevealed").args.vote).to.equal(ACCEPT);
      expect([...(await f.disputes.getRound(disputeId, 0n)).votes]).to.deep.equal([1n, 0n]);
    });
  });

  describe("refusals before sending", function () {
    it("reveal with no stored ballot, or none matching the commitment: CorpusSaltNotFoundError, nothing sent", async function () {
      const d = await loadFixture(drawnDisputeFixture);
      const { f, disputeId } = d;
      const juror = d.jurors[1]!;
      await toCommit(f, disputeId);
      const sent = await ballotFor(d, juror, ACCEPT);
      await commitDirect(d, juror, sent);
      await toReveal(f, disputeId);
      const key = await keyOf(f, disputeId, 0n, juror);

      const empty = await jurorClient(f, juror, new MemorySaltStore());
      const before = await nonceOf(juror);
      const error = await rejectionOf(empty.disputes.reveal(disputeId, 0n));
      expect(error).to.be.instanceOf(CorpusSaltNotFoundError);
      expect((error as CorpusSaltNotFoundError).key).to.equal(key);
      expect(await nonceOf(juror)).to.equal(before, "nothing sent");

      // The same vote under another salt, final and pending (even under the pending key of the commitment
      // on-chain): revealing it would revert, so nothing is sent.
      const wrong = new MemorySaltStore();
      const other = await ballotFor(d, juror, ACCEPT);
      await wrong.put(key, other);
      await wrong.put(pendingKeyOf(key, sent.commitment), other);
      await wrong.put(pendingKeyOf(key, other.commitment), other);
      const mismatch = await rejectionOf((await jurorClient(f, juror, wrong)).disputes.reveal(disputeId, 0n));
      expect(mismatch).to.be.instanceOf(CorpusSaltNotFoundError);
      expect(await nonceOf(juror)).to.equal(before, "nothing sent");
      expect(await seat(f, disputeId, 0n, juror)).to.deep.equal({
        drawn: true,
        committed: true,
        revealed: false,
        vote: 0n,
      });
    });

    it("a vote out of range (3 of 2 choices): CorpusInputError on `vote`, nothing stored or sent", async function () {
      const d = await loadFixture(drawnDisputeFixture);
      const juror = d.jurors[2]!;
      await toCommit(d.f, d.disputeId);
      const store = new RecordingStore(juror);
      const client = await jurorClient(d.f, juror, store);
      const before = await nonceOf(juror);
      for (const vote of [3n, -1n]) {
        const error = await rejectionOf(client.disputes.commit(d.disputeId, vote));
        expect(error).to.be.instanceOf(CorpusInputError);
        expect((error as CorpusInputError).field).to.equal("vote");
      }
      expect(await nonceOf(juror)).to.equal(before, "nothing sent");
      expect(store.writes()).to.deep.equal([], "nothing stored");
      expect((await seat(d.f, d.disputeId, 0n, juror)).committed).to.equal(false);
    });

    it("vote 0 (a ruling no juror can reveal): CorpusInputError on `vote`, nothing stored or sent", async function () {
      const d = await loadFixture(drawnDisputeFixture);
      const juror = d.jurors[3]!;
      await toCommit(d.f, d.disputeId);
      const store = new RecordingStore(juror);
      const client = await jurorClient(d.f, juror, store);
      const before = await nonceOf(juror);
      const error = await rejectionOf(client.disputes.commit(d.disputeId, 0n));
      expect(error).to.be.instanceOf(CorpusInputError);
      expect((error as CorpusInputError).field).to.equal("vote");
      expect(await nonceOf(juror)).to.equal(before, "nothing sent");
      expect(store.writes()).to.deep.equal([], "nothing stored");
      expect((await seat(d.f, d.disputeId, 0n, juror)).committed).to.equal(false);
    });

    it("a validator not on the jury: CorpusInputError on `disputeId`, nothing stored or sent", async function () {
      const d = await loadFixture(drawnDisputeFixture);
      const { f, disputeId } = d;
      // Nine validators: three on the panel, five on the jury, one left over.
      const outsiders = f.validators.map((v) => v.address).filter((a) => !d.jurors.includes(a) && !d.panel.includes(a));
      expect(outsiders).to.have.length(1);
      const outsider = outsiders[0]!;
      await toCommit(f, disputeId);
      const store = new RecordingStore(outsider);
      const client = await jurorClient(f, outsider, store);
      const before = await nonceOf(outsider);
      const error = await rejectionOf(client.disputes.commit(disputeId, ACCEPT));
      expect(error).to.be.instanceOf(CorpusInputError);
      expect((error as CorpusInputError).field).to.equal("disputeId");
      expect(await nonceOf(outsider)).to.equal(before, "nothing sent");
      expect(store.writes()).to.deep.equal([], "nothing stored");
      expect(await seat(f, disputeId, 0n, outsider)).to.deep.equal({
        drawn: false,
        committed: false,
        revealed: false,
        vote: 0n,
      });
    });
  });

  describe("appeal", function () {
    it("the losing requester appeals: exactly appealCost approved and paid, the dispute moves to round 1", async function () {
      const d = await loadFixture(drawnDisputeFixture);
      const { f, disputeId } = d;
      await voteDirect(d, THREE_TWO);
      await toAppeal(f, disputeId);
      expect(await f.disputes.currentRuling(disputeId)).to.deep.equal([ACCEPT, false]);
      expect((await f.disputes.getDispute(disputeId)).phase).to.equal(BigInt(DISPUTE_PHASES.indexOf("Appeal")));

      const appellant = await f.clientFor(f.alice);
      const arbitrator = await f.disputes.getAddress();
      const cost = await f.disputes.appealCost(disputeId);
      const [feePerJuror] = await f.disputes.parameters();
      expect(cost).to.equal(11n * feePerJuror, "an appeal jury of 2n + 1");
      expect(await f.token.allowance(f.alice.address, arbitrator)).to.equal(0n);
      const crpBefore = await f.token.balanceOf(f.alice.address);
      const arbitratorBefore = await f.token.balanceOf(arbitrator);
      const nonceBefore = await nonceOf(f.alice.address);

      const receipt = await appellant.disputes.appeal(disputeId);
      expect(await nonceOf(f.alice.address)).to.equal(nonceBefore + 2, "an approval and the appeal");
      const approvals = await f.token.queryFilter(
        f.token.filters.Approval(f.alice.address, arbitrator),
        receipt.blockNumber - 1,
        "latest",
      );
      expect(approvals.map((e) => e.args.value)).to.deep.equal([cost], "one approval, of exactly the cost");
      expect(await f.token.allowance(f.alice.address, arbitrator)).to.equal(0n);
      expect(crpBefore - (await f.token.balanceOf(f.alice.address))).to.equal(cost);
      expect((await f.token.balanceOf(arbitrator)) - arbitratorBefore).to.equal(cost);
      const appealed = onlyEvent(receipt, f.disputes, "Appealed");
      expect(appealed.args.round).to.equal(1n);
      expect(appealed.args.appellant).to.equal(f.alice.address);
      expect(appealed.args.fee).to.equal(cost);

      const dispute = await f.disputes.getDispute(disputeId);
      expect(dispute.round).to.equal(1n);
      expect(dispute.phase).to.equal(BigInt(DISPUTE_PHASES.indexOf("Drawing")));
      const next = await appellant.disputes.round(disputeId, 1n);
      expect(plain(next)).to.deep.equal(plain(await f.disputes.getRound(disputeId, 1n)));
      expect(next.jurySize).to.equal(11n);
      expect(next.payer).to.equal(f.alice.address);
      expect(next.fee).to.equal(cost);
    });

    it("the winning party's appeal is refused with nothing sent and nothing approved", async function () {
      const d = await loadFixture(drawnDisputeFixture);
      const { f, disputeId } = d;
      await voteDirect(d, THREE_TWO);
      await toAppeal(f, disputeId);
      const winner = await f.clientFor(f.bob);
      const before = await nonceOf(f.bob.address);
      // The SDK simulates the appeal before approving anything (an approval for a refused appeal would stay).
      const error = await rejectionOf(winner.disputes.appeal(disputeId));
      if (!isCorpusContractError(error, "DisputesNotLosingSide")) expect.fail(String(error));
      expect(error.args).to.deep.equal({ disputeId, account: f.bob.address });
      expect(await nonceOf(f.bob.address)).to.equal(before, "nothing sent");
      expect(await f.token.allowance(f.bob.address, await f.disputes.getAddress())).to.equal(0n);
    });
  });

  describe("reads", function () {
    it("excluded() is [worker, requester, ...panel], what drawJury needs; round(id, r) is getRound", async function () {
      const o = await loadFixture(openedDisputeFixture);
      const { f, disputeId } = o;
      const reader = await f.clientFor();
      const excluded = await reader.disputes.excluded(disputeId);
      expect(excluded).to.deep.equal([f.bob.address, f.alice.address, ...o.panel]);
      const unknown = await rejectionOf(reader.disputes.excluded(disputeId + 1n));
      expect(unknown).to.be.instanceOf(CorpusInputError);
      expect((unknown as CorpusInputError).field).to.equal("disputeId");

      await mine(1);
      const drawer = await f.clientFor(f.carol);
      const before = await nonceOf(f.carol.address);
      const receipt = await drawer.disputes.drawJury(disputeId);
      expect(await nonceOf(f.carol.address)).to.equal(before + 1);
      const drawn = onlyEvent(receipt, f.disputes, "JuryDrawn");
      const round = await reader.disputes.round(disputeId, 0n);
      expect(plain(round)).to.deep.equal(plain(await f.disputes.getRound(disputeId, 0n)));
      expect(round.drawn).to.equal(true);
      expect([...round.jurors]).to.deep.equal([...drawn.args.jurors]);
      expect(round.jurors).to.have.length(5);
      for (const juror of round.jurors) expect(excluded).to.not.include(juror);
    });

    it("get names the phase of every step; round(id) is the current round", async function () {
      const o = await loadFixture(openedDisputeFixture);
      const { f, disputeId } = o;
      const reader = await f.clientFor();

      const expectPhase = async (name: DisputePhase) => {
        const dispute = await reader.disputes.get(disputeId);
        expect(dispute.phaseName).to.equal(name);
        expect(DISPUTE_PHASES[Number(dispute.phase)]).to.equal(name);
        expect(Number(dispute.phase)).to.equal(DISPUTE_PHASES.indexOf(name));
        expect(plain(await reader.disputes.round(disputeId))).to.deep.equal(
          plain(await f.disputes.getRound(disputeId, dispute.round)),
        );
      };

      await expectPhase("Drawing");
      await mine(1);
      await (await f.clientFor(f.carol)).disputes.drawJury(disputeId);
      await expectPhase("Evidence");
      await toCommit(f, disputeId);
      await expectPhase("Commit");
      await toReveal(f, disputeId);
      await expectPhase("Reveal");
      await toAppeal(f, disputeId);
      await expectPhase("Appeal");
      await (await f.clientFor(f.alice)).disputes.appeal(disputeId);
      await expectPhase("Drawing");
      expect((await reader.disputes.round(disputeId)).jurySize).to.equal(11n, "round() follows the appeal");
      await time.increaseTo((await f.disputes.getRound(disputeId, 1n)).commitEnd + 1n);
      await expectPhase("Final");
      await (await f.clientFor(f.carol)).disputes.executeRuling(disputeId);
      await expectPhase("Executed");
    });
  });

  describe("FileSaltStore", function () {
    let root: string;

    before(async function () {
      root = await fs.mkdtemp(path.join(os.tmpdir(), "corpus-salts-"));
    });

    after(async function () {
      await fs.rm(root, { recursive: true, force: true });
    });

    const ballot = (vote: bigint): StoredBallot => ({
      vote,
      salt: hexlify(randomBytes(32)),
      commitment: hexlify(randomBytes(32)),
    });

    it("round-trips ballots durably: get, missing keys, replace, delete, no temp files, mode 0600", async function () {
      const dir = path.join(root, "store-a", "nested");
      const store = new FileSaltStore(dir);
      const key = ballotKey(LOCAL_CHAIN_ID, `0x${"aA".repeat(20)}`, 1n, 0n, `0x${"Bb".repeat(20)}`);
      expect(await store.get(key)).to.equal(undefined, "a missing key");

      const big = ballot(2n ** 200n + 1n);
      await store.put(key, big);
      const read = await store.get(key);
      expect(read).to.deep.equal(big);
      expect(typeof read!.vote).to.equal("bigint");
      // Another instance on the same directory (a restarted process) reads it too.
      expect(await new FileSaltStore(dir).get(key)).to.deep.equal(big);

      const replacement = ballot(2n);
      await store.put(key, replacement);
      expect(await store.get(key)).to.deep.equal(replacement);
      const waiting = ballot(1n);
      const pending = pendingKeyOf(key, waiting.commitment);
      await store.put(pending, waiting);

      // One file per key, named by the key's SHA-256: a store written by one SDK version is found by the next.
      const files = await fs.readdir(dir);
      expect([...files].sort()).to.deep.equal(
        [key, pending].map((k) => `${createHash("sha256").update(k, "utf8").digest("hex")}.json`).sort(),
      );
      expect(
        files.filter((name) => name.endsWith(".tmp")),
        "temporary files left behind",
      ).to.deep.equal([]);
      for (const name of files) {
        expect((await fs.stat(path.join(dir, name))).mode & 0o777, name).to.equal(0o600);
      }
      expect((await fs.stat(dir)).mode & 0o777).to.equal(0o700);

      await store.delete(key);
      expect(await store.get(key)).to.equal(undefined);
      expect(await store.get(pending)).to.deep.equal(waiting, "delete removes only its key");
      await store.delete(key); // deleting a missing key is fine
      expect(await fs.readdir(dir)).to.have.length(1);
    });

    it("the SDK's keys (final, and pending under each commitment) map to distinct files", async function () {
      const dir = path.join(root, "store-b");
      const store = new FileSaltStore(dir);
      const arbitrator = `0x${"12".repeat(20)}`;
      const juror = `0x${"34".repeat(20)}`;
      const keys = [
        ballotKey(LOCAL_CHAIN_ID, arbitrator, 1n, 10n, juror),
        ballotKey(LOCAL_CHAIN_ID, arbitrator, 11n, 0n, juror),
        ballotKey(LOCAL_CHAIN_ID, arbitrator, 1n, 1n, juror),
        ballotKey(LOCAL_CHAIN_ID, arbitrator, 1n, 1n, `0x${"35".repeat(20)}`),
        ballotKey(1n, arbitrator, 1n, 1n, juror),
        ballotKey(313371n, arbitrator, 1n, 1n, juror),
      ];
      const commitments = [hexlify(randomBytes(32)), hexlify(randomBytes(32))];
      const all = [...keys, ...keys.flatMap((k) => commitments.map((c) => pendingKeyOf(k, c)))];
      expect(new Set(all).size).to.equal(all.length);
      const stored = all.map((_, i) => ballot(BigInt(i + 1)));
      for (const [i, key] of all.entries()) await store.put(key, stored[i]!);
      for (const [i, key] of all.entries()) expect(await store.get(key), key).to.deep.equal(stored[i]);
      expect(await fs.readdir(dir)).to.have.length(all.length);
    });

    it("any two different keys never collide", async function () {
      const store = new FileSaltStore(path.join(root, "store-c"));
      const keys = ["a:b", "a_b", "a.b", "a/b", "a-b", "a b", "a%3Ab", "a:b:", "ab"];
      const stored = keys.map((_, i) => ballot(BigInt(i + 1)));
      for (const [i, key] of keys.entries()) await store.put(key, stored[i]!);
      for (const [i, key] of keys.entries()) expect(await store.get(key), key).to.deep.equal(stored[i]);
      expect(await fs.readdir(path.join(root, "store-c"))).to.have.length(keys.length);
    });

    it("as a juror's store: commit writes the ballot to disk, a restarted client reveals", async function () {
      const d = await loadFixture(drawnDisputeFixture);
      const { f, disputeId } = d;
      const juror = d.jurors[4]!;
      const dir = path.join(root, "juror");
      await toCommit(f, disputeId);
      const client = await jurorClient(f, juror, new FileSaltStore(dir));
      const { receipt } = await client.disputes.commit(disputeId, REJECT);
      const commitment = onlyEvent(receipt, f.disputes, "VoteCommitted").args.commitment as string;
      const files = await fs.readdir(dir);
      expect(files, "only the final ballot's file, no pending or temporary file").to.have.length(1);
      const key = await keyOf(f, disputeId, 0n, juror);
      const onDisk = JSON.parse(await fs.readFile(path.join(dir, files[0]!), "utf8")) as Record<string, string>;
      expect(onDisk.key).to.equal(key);
      expect(onDisk.vote).to.equal("2");
      expect(onDisk.commitment).to.equal(commitment);

      await toReveal(f, disputeId);
      const restarted = await jurorClient(f, juror, new FileSaltStore(dir));
      const revealed = await restarted.disputes.reveal(disputeId);
      expect(onlyEvent(revealed, f.disputes, "VoteRevealed").args.vote).to.equal(REJECT);
      expect(await seat(f, disputeId, 0n, juror)).to.deep.equal({
        drawn: true,
        committed: true,
        revealed: true,
        vote: REJECT,
      });
    });

    it("as a juror's store: a ballot on disk is revealed by a client on the directory (reveal with a round)", async function () {
      const d = await loadFixture(drawnDisputeFixture);
      const { f, disputeId } = d;
      const juror = d.jurors[0]!;
      const dir = path.join(root, "juror-direct");
      await toCommit(f, disputeId);
      const sent = await ballotFor(d, juror, REJECT);
      await commitDirect(d, juror, sent);
      await new FileSaltStore(dir).put(await keyOf(f, disputeId, 0n, juror), sent);

      await toReveal(f, disputeId);
      const client = await jurorClient(f, juror, new FileSaltStore(dir));
      const revealed = await client.disputes.reveal(disputeId, 0n);
      expect(onlyEvent(revealed, f.disputes, "VoteRevealed").args.vote).to.equal(REJECT);
      expect((await seat(f, disputeId, 0n, juror)).vote).to.equal(REJECT);
    });
  });
});
