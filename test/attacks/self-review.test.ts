import { expect } from "chai";
import { loadFixture, mine, time } from "@nomicfoundation/hardhat-network-helpers";
import { AbiCoder, keccak256, toBeHex } from "ethers";
import { CRP, deployCorpusFixture } from "../helpers/fixtures";
import {
  ACCEPT,
  JUROR_LOCK,
  OPENING_FEE,
  REJECT,
  type DisputesFixture,
  attestAsMember,
  disputeIdFrom,
  excludedOf,
  runRound,
} from "../helpers/disputes";
import { bulkStake, stakeAs } from "../helpers/staking";
import { REVIEW_STAKE, STATUS, defaultTaskParams, postTask, submitWork } from "../helpers/tasks";

// A validator tries to review its own work or judge its own dispute: it stakes far more than everyone else
// (about 95% of the selection weight), then, as the requester of 30 tasks or as the worker of 30 submissions,
// waits for draws to land on it. The registry's drawPanel excludes the task's requester and the submission's
// worker (and, on a redraw, the panel that failed to agree); a dispute excludes both parties and the panel,
// in every round. Each draw is also previewed without the attacker's exclusion from the same seed: there, the
// attacker is drawn nearly every time, so a missing exclusion would show.

const SUBMISSIONS = 30;
const DISPUTES = 5;
const VALIDATORS = 24;
/** The attacker's stake: 5M CRP against 24 validators of about 10,500 CRP each. */
const ATTACKER_STAKE = 5_000_000n * CRP;
const coder = AbiCoder.defaultAbiCoder();

type Role = "requester" | "worker";

interface Draw {
  submissionId: bigint;
  panel: string[];
  /** The same draw with the attacker left out of the exclusion list. */
  unexcluded: string[];
}

/** The seed a protocol contract's staking draw `request` reads now (PrevrandaoRandomness, namespaced by locker). */
async function drawSeed(c: DisputesFixture, locker: string, request: bigint): Promise<string> {
  const namespaced = keccak256(coder.encode(["address", "bytes32"], [locker, toBeHex(request, 32)]));
  return c.randomness.seedOf(await c.staking.getAddress(), namespaced);
}

function without(list: readonly string[], account: string): string[] {
  return list.filter((a) => a.toLowerCase() !== account.toLowerCase());
}

/** Mines until the panel seed exists, previews the draw with and without the attacker excluded, then draws. */
async function drawPanelWatched(c: DisputesFixture, attacker: string, submissionId: bigint): Promise<Draw> {
  // Two blocks: calls run in the latest block, which must already be past the seed's block.
  await mine(2);
  const sub = await c.tasks.getSubmission(submissionId);
  const { requester } = await c.tasks.getTask(sub.taskId);
  const seed = await drawSeed(c, c.registry, (submissionId << 8n) | sub.round);
  const exclude = [requester, sub.worker, ...(sub.round === 0n ? [] : sub.panel)];
  const expected = await c.staking.previewDraw(seed, 3n, exclude, REVIEW_STAKE);
  const unexcluded = await c.staking.previewDraw(seed, 3n, without(exclude, attacker), REVIEW_STAKE);
  await (await c.tasks.drawPanel(submissionId)).wait();
  const panel = [...(await c.tasks.getSubmission(submissionId)).panel];
  // The preview read the seed the registry drew with: the draw is the one previewed with the exclusion.
  expect(panel).to.deep.equal([...expected]);
  return { submissionId, panel, unexcluded: [...unexcluded] };
}

/** Mines until the jury seed exists, previews the draw with and without the attacker excluded, then draws. */
async function drawJuryWatched(c: DisputesFixture, attacker: string, disputeId: bigint) {
  await mine(2);
  const { round } = await c.disputes.getDispute(disputeId);
  const { jurySize } = await c.disputes.getRound(disputeId, round);
  const excluded = await excludedOf(c, disputeId);
  const seed = await drawSeed(c, c.arbitrator, (disputeId << 8n) | round);
  const unexcluded = await c.staking.previewDraw(seed, jurySize, without(excluded, attacker), JUROR_LOCK);
  await (await c.disputes.drawJury(disputeId, excluded)).wait();
  const jurors = [...(await c.disputes.getRound(disputeId, round)).jurors];
  return { disputeId, round, excluded, jurors, unexcluded: [...unexcluded] };
}

/**
 * 24 contract validators; the attacker (frank as requester, or grace as worker) stakes 5M CRP. frank posts
 * 30 default tasks and grace submits once to each; every panel is drawn and watched.
 */
async function submissionsFixture(role: Role) {
  const c = await loadFixture(deployCorpusFixture);
  const validators = await bulkStake(c, VALIDATORS);
  const attacker = role === "requester" ? c.frank : c.grace;
  await (await stakeAs(c, attacker, ATTACKER_STAKE)).wait();
  const d: DisputesFixture = {
    ...c,
    validators,
    requester: c.frank,
    worker: c.grace,
    taskId: 0n,
    registry: await c.tasks.getAddress(),
    arbitrator: await c.disputes.getAddress(),
  };
  const draws: Draw[] = [];
  for (let i = 0; i < SUBMISSIONS; i++) {
    const taskId = await postTask(c, c.frank, await defaultTaskParams(c));
    const submissionId = await submitWork(c, c.grace, taskId, `work-${i}.json`);
    draws.push(await drawPanelWatched(d, attacker.address, submissionId));
  }
  return { c: d, attacker: attacker.address, draws };
}
const requesterSubmissions = () => submissionsFixture("requester");
const workerSubmissions = () => submissionsFixture("worker");

/**
 * On top of the submissions: the first five get a unanimous verdict against the attacker (accept when it is
 * the requester, reject when it is the worker), the attacker disputes each, and every jury is drawn and watched.
 */
async function disputesFixtureFor(role: Role) {
  const s = await loadFixture(role === "requester" ? requesterSubmissions : workerSubmissions);
  const { c, attacker } = s;
  const juries = [];
  for (const { submissionId, panel } of s.draws.slice(0, DISPUTES)) {
    for (const member of panel) await attestAsMember(c, submissionId, member, role === "requester");
    const disputer = role === "requester" ? c.requester : c.worker;
    await (await c.token.connect(disputer).approve(c.registry, OPENING_FEE)).wait();
    const receipt = await (await c.tasks.connect(disputer).dispute(submissionId)).wait();
    juries.push(await drawJuryWatched(c, attacker, disputeIdFrom(c, receipt)));
  }
  return { ...s, juries };
}
const requesterDisputes = () => disputesFixtureFor("requester");
const workerDisputes = () => disputesFixtureFor("worker");

const SCENARIOS: { role: Role; submissions: typeof requesterSubmissions; disputes: typeof requesterDisputes }[] = [
  { role: "requester", submissions: requesterSubmissions, disputes: requesterDisputes },
  { role: "worker", submissions: workerSubmissions, disputes: workerDisputes },
];

/** How many of `lists` contain `account`. */
function countContaining(lists: readonly (readonly string[])[], account: string) {
  return lists.filter((list) => list.some((a) => a.toLowerCase() === account.toLowerCase())).length;
}

describe("attack: a validator reviews or judges its own work", () => {
  for (const { role, submissions, disputes } of SCENARIOS) {
    describe(`the attacker is the ${role}, staked with about 95% of the selection weight`, () => {
      it(`is on none of the ${SUBMISSIONS} panels of its own submissions, though the same seeds would draw it nearly every time`, async () => {
        const { c, attacker, draws } = await loadFixture(submissions);
        const share = ((await c.staking.selectionWeight(attacker)) * 100n) / (await c.staking.totalSelectionWeight());
        expect(share).to.be.greaterThanOrEqual(95n);
        expect(draws).to.have.length(SUBMISSIONS);
        for (const { submissionId, panel } of draws) {
          expect(panel, `panel of submission ${submissionId}`).to.have.length(3);
          expect(panel, `panel of submission ${submissionId}`).to.not.include(attacker);
          expect((await c.tasks.getSubmission(submissionId)).status).to.equal(STATUS.Reviewing);
        }
        expect(
          countContaining(
            draws.map((d) => d.unexcluded),
            attacker,
          ),
        ).to.be.greaterThanOrEqual(SUBMISSIONS - 2);
        // It was never drawn, so none of its stake is locked for a review.
        const [, locked] = await c.staking.stakeOf(attacker);
        expect(locked).to.equal(0n);
      });

      it("a redrawn panel (after a round without agreement) leaves it out too", async () => {
        const { c, attacker, draws } = await loadFixture(submissions);
        const pending = draws.slice(DISPUTES, DISPUTES + 10);
        const { reviewDeadline } = await c.tasks.getSubmission(pending[pending.length - 1]?.submissionId ?? 0n);
        await time.increaseTo(reviewDeadline + 1n);
        const redraws: Draw[] = [];
        for (const { submissionId } of pending) {
          await (await c.tasks.closeRound(submissionId)).wait();
          redraws.push(await drawPanelWatched(c, attacker, submissionId));
        }
        for (const { submissionId, panel } of redraws) {
          expect((await c.tasks.getSubmission(submissionId)).round).to.equal(1n);
          expect(panel, `round-1 panel of submission ${submissionId}`).to.not.include(attacker);
        }
        expect(
          countContaining(
            redraws.map((d) => d.unexcluded),
            attacker,
          ),
        ).to.be.greaterThanOrEqual(8);
      });

      it(`sits on none of the juries of the ${DISPUTES} disputes it opened, nor on the appeal jury`, async () => {
        const { c, attacker, juries } = await loadFixture(disputes);
        for (const { disputeId, excluded, jurors } of juries) {
          expect(excluded, `exclusions of dispute ${disputeId}`).to.include(attacker);
          expect(jurors, `jury of dispute ${disputeId}`).to.have.length(5);
          expect(jurors, `jury of dispute ${disputeId}`).to.not.include(attacker);
          expect((await c.disputes.getDispute(disputeId)).parties).to.include(attacker);
        }
        expect(
          countContaining(
            juries.map((j) => j.unexcluded),
            attacker,
          ),
        ).to.be.greaterThanOrEqual(DISPUTES - 1);

        // The first dispute goes against the attacker, who appeals: the jury of 11 leaves it out as well.
        const [first] = juries;
        if (first === undefined) throw new Error("no dispute");
        const losing = role === "requester" ? ACCEPT : REJECT;
        await runRound(c, first.disputeId, [losing, losing, losing, losing, losing]);
        const payer = role === "requester" ? c.requester : c.worker;
        const fee = await c.disputes.appealCost(first.disputeId);
        await (await c.token.connect(payer).approve(c.arbitrator, fee)).wait();
        await (await c.disputes.connect(payer).appeal(first.disputeId)).wait();
        const appeal = await drawJuryWatched(c, attacker, first.disputeId);
        expect(appeal.round).to.equal(1n);
        expect(appeal.jurors).to.have.length(11);
        expect(appeal.jurors).to.not.include(attacker);
        expect(appeal.unexcluded).to.include(attacker);
        const [, locked] = await c.staking.stakeOf(attacker);
        expect(locked).to.equal(0n);
      });
    });
  }
});
