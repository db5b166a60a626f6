import { expect } from "chai";
import fs from "node:fs";
import path from "node:path";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { parseEther } from "ethers";
import { loadParameters } from "../../deploy/parameters";
import {
  type Model,
  type Population,
  SOLIDITY_CONSTANTS,
  atLeast,
  buildModel,
  finalControl,
  incoherentJurorLoss,
  juryLadder,
  loadDefaultParameters,
  majority,
  missedReviewLoss,
  missedRevealLoss,
  overturnedMemberLoss,
  panelControl,
  readDefaultTask,
  readSolidityConstants,
  report,
  roundFee,
  seatDistribution,
  slashReward,
  validatorFee,
} from "../../scripts/sim/economics";
import { defaultTaskParams, drawPanelWhenReady, submitWork } from "../../scripts/lib/tasks-setup";
import { deployCorpusFixture } from "../helpers/fixtures";
import {
  ACCEPT,
  REJECT,
  attestAsMember,
  closeDispute,
  disputedSubmission,
  disputesFixture,
  drawJuryWhenReady,
  newSalt,
  runRound,
} from "../helpers/disputes";
import { at } from "../helpers/lists";

// The model of scripts/sim/economics.ts against independent calculations (closed forms, brute-force
// enumeration of every ordered draw) and against the deployed contracts: their constants, parameters,
// jury sizes, fees and slashes.

/** A model amount in CRP as wei (only for amounts with at most 18 decimals). */
const wei = (crp: number) => parseEther(crp.toString());

async function localModel(): Promise<Model> {
  return buildModel(loadParameters(31337), await readDefaultTask(), readSolidityConstants());
}

// ─── Independent calculations ───────────────────────────────────────────────

function choose(n: number, k: number): bigint {
  if (k < 0 || k > n) return 0n;
  let result = 1n;
  for (let i = 1; i <= k; i++) result = (result * BigInt(n - k + i)) / BigInt(i);
  return result;
}

/** P[Binomial(n, num/den) >= k], summed exactly in integers, divided once. */
function binomialAtLeast(n: number, k: number, num: bigint, den: bigint): number {
  let sum = 0n;
  for (let i = k; i <= n; i++) sum += choose(n, i) * num ** BigInt(i) * (den - num) ** BigInt(n - i);
  return Number(sum) / Number(den ** BigInt(n));
}

/** P[k attacker seats] when `seats` are drawn uniformly without replacement from `attackers + honest` leaves. */
function hypergeometric(attackers: number, honest: number, seats: number, k: number): number {
  return Number(choose(attackers, k) * choose(honest, seats - k)) / Number(choose(attackers + honest, seats));
}

interface Leaf {
  attacker: boolean;
  weight: number;
}

/** Every ordered draw of `seats` distinct leaves, each pick proportional to weight among those left. */
function bruteForce(leaves: Leaf[], seats: number): number[] {
  const dist = new Array<number>(seats + 1).fill(0);
  const walk = (left: Leaf[], picked: number, attackerSeats: number, p: number) => {
    if (picked === seats) {
      dist[attackerSeats] = (dist[attackerSeats] ?? 0) + p;
      return;
    }
    const total = left.reduce((sum, leaf) => sum + leaf.weight, 0);
    left.forEach((leaf, i) =>
      walk(
        left.filter((_, j) => j !== i),
        picked + 1,
        attackerSeats + (leaf.attacker ? 1 : 0),
        (p * leaf.weight) / total,
      ),
    );
  };
  walk(leaves, 0, 0, 1);
  return dist;
}

function population(share: number, attackerIdentities: number, honestValidators: number): Population {
  return { attackerShare: share, attackerIdentities, honestValidators };
}

function expectClose(actual: number | null, expected: number, what: string) {
  expect(actual, what).to.not.equal(null);
  const tolerance = Math.max(1e-15, Math.abs(expected) * 1e-12);
  expect(Math.abs((actual ?? NaN) - expected), `${what}: ${actual} vs ${expected}`).to.be.at.most(tolerance);
}

describe("economics simulation (scripts/sim/economics.ts)", () => {
  describe("draw probabilities against independent calculations", () => {
    it("many leaves on both sides: a panel of 3 with quorum 2 at a third of the stake is 3p² − 2p³ = 7/27", () => {
      const pop = population(1 / 3, Infinity, Infinity);
      expectClose(atLeast(seatDistribution(3, pop), 2), 7 / 27, "panel 3/2");
    });

    it("many leaves on both sides: every jury of the ladder matches the exact binomial tail at 10%, 20%, 33% and 50%", async () => {
      const m = await localModel();
      for (const [num, den] of [
        [10n, 100n],
        [20n, 100n],
        [33n, 100n],
        [50n, 100n],
      ] as const) {
        const pop = population(Number(num) / Number(den), Infinity, Infinity);
        for (const n of juryLadder(m)) {
          const expected = binomialAtLeast(n, majority(n), num, den);
          expectClose(atLeast(seatDistribution(n, pop), majority(n)), expected, `jury ${n} at ${num}%`);
        }
        expectClose(panelControl(m, pop, 5, 3), binomialAtLeast(5, 3, num, den), `panel 5/3 at ${num}%`);
      }
    });

    it("leaves of equal weight (10 attacker, 20 honest): the hypergeometric distribution, seat count by seat count", () => {
      const pop = population(10 / 30, 10, 20);
      for (const seats of [3, 5, 11, 23]) {
        const dist = seatDistribution(seats, pop);
        for (let k = 0; k <= seats; k++) {
          expectClose(dist?.[k] ?? null, hypergeometric(10, 20, seats, k), `${k} of ${seats}`);
        }
      }
    });

    it("a panel of 3 from 2 attacker leaves and 4 heavier honest ones: brute-force enumeration of every ordered draw, with and without an excluded honest leaf", () => {
      // 40% of the stake in 2 attacker leaves (0.2 each), 60% in 4 honest leaves (0.15 each).
      const leaves = (honest: number): Leaf[] => [
        ...Array.from({ length: 2 }, () => ({ attacker: true, weight: 0.2 })),
        ...Array.from({ length: honest }, () => ({ attacker: false, weight: 0.15 })),
      ];
      const pop = population(0.4, 2, 4);
      const all = bruteForce(leaves(4), 3);
      const oneExcluded = bruteForce(leaves(3), 3);
      const dist = seatDistribution(3, pop);
      const withExclusion = seatDistribution(3, pop, { attacker: 0, honest: 1 });
      for (let k = 0; k <= 3; k++) {
        expectClose(dist?.[k] ?? null, all[k] ?? NaN, `${k} attacker seats`);
        expectClose(withExclusion?.[k] ?? null, oneExcluded[k] ?? NaN, `${k} attacker seats, one honest excluded`);
      }
      // Three seats, but only two attacker leaves.
      expect(dist?.[3]).to.equal(0);
    });

    it("one identity never holds two seats, and a draw larger than the leaves left cannot be made", () => {
      const one = population(0.5, 1, Infinity);
      expect(atLeast(seatDistribution(3, one), 2)).to.equal(0);
      expectClose(seatDistribution(3, one)?.[1] ?? null, 1 - 0.5 ** 3, "one seat");
      expect(seatDistribution(47, population(0.33, 14, 30))).to.equal(null);
      expect(seatDistribution(47, population(0.33, 17, 30))).to.not.equal(null);
      expect(seatDistribution(47, population(0.33, 17, 30), { attacker: 0, honest: 1 })).to.equal(null);
    });

    it("half the stake in many identities against many honest validators controls any odd draw with probability 1/2", () => {
      const pop = population(0.5, Infinity, Infinity);
      for (const n of [3, 5, 11, 23, 47]) expectClose(atLeast(seatDistribution(n, pop), majority(n)), 0.5, `${n}`);
    });

    it("the final ruling is the last drawable round's majority for a persistent attacker and the product of every round's otherwise", async () => {
      const m = await localModel();
      const many = population(0.33, Infinity, Infinity);
      const { rounds, persistent, noAttackerAppeals } = finalControl(m, many);
      const controls = rounds.map((r) => r.control ?? NaN);
      expectClose(persistent, binomialAtLeast(47, 24, 33n, 100n), "round 3");
      expectClose(
        noAttackerAppeals,
        controls.reduce((a, b) => a * b, 1),
        "every round",
      );
      // 30 honest validators and 19 attacker identities: after the panel's 2 + 1 are excluded, 47 jurors
      // cannot be drawn from the 46 leaves left, so the dispute ends with round 2's ruling.
      const small = finalControl(m, population(0.4, 19, 30));
      expect(small.rounds.map((r) => r.control === null)).to.deep.equal([false, false, false, true]);
      expect(small.persistent).to.equal(small.rounds[2]?.control);
    });
  });

  describe("the model's inputs are the deployed contracts'", () => {
    it("the Solidity constants read from source equal the compiled contracts' public constants, and the largest ladder fits one draw", async () => {
      const c = await loadFixture(deployCorpusFixture);
      const constants = readSolidityConstants();
      expect(SOLIDITY_CONSTANTS.maxAppeals.name).to.equal("MAX_APPEALS");
      expect(constants.maxAppeals).to.equal(Number(await c.disputes.MAX_APPEALS()));
      expect(constants.maxJurySize).to.equal(Number(await c.disputes.MAX_JURY_SIZE()));
      expect(constants.maxDrawSize).to.equal(Number(await c.staking.MAX_DRAW_SIZE()));
      expect(wei(constants.maxReviewStake)).to.equal(await c.tasks.MAX_REVIEW_STAKE());
      // _BPS is private: its effect is checked by the slash tests below.
      expect(constants.bps).to.equal(10_000);
      const largest = juryLadder({ ...(await localModel()), jurySize: constants.maxJurySize });
      expect(largest.at(-1)).to.be.at.most(constants.maxDrawSize);
    });

    it("both parameter files are read, and the deployed parameters equal the local file's", async () => {
      const c = await loadFixture(deployCorpusFixture);
      expect(loadDefaultParameters().map((f) => path.basename(f.file))).to.deep.equal([
        "31337.json",
        "example-remote.json",
      ]);
      const m = await localModel();
      const [minimumStake, , slashRewardBps] = await c.staking.parameters();
      expect([minimumStake, slashRewardBps]).to.deep.equal([wei(m.minimumStake), BigInt(m.slashRewardBps)]);
      const [protocolFeeBps, validatorFeeBps, reviewStake, livenessPenalty] = await c.tasks.parameters();
      expect([protocolFeeBps, validatorFeeBps, reviewStake, livenessPenalty]).to.deep.equal([
        BigInt(m.protocolFeeBps),
        BigInt(m.validatorFeeBps),
        wei(m.reviewStake),
        wei(m.livenessPenalty),
      ]);
      const d = await c.disputes.parameters();
      expect([d.feePerJuror, d.jurySize, d.jurorLock, d.nonRevealSlashBps, d.incoherentSlashBps]).to.deep.equal([
        wei(m.feePerJuror),
        BigInt(m.jurySize),
        wei(m.jurorLock),
        BigInt(m.nonRevealSlashBps),
        BigInt(m.incoherentSlashBps),
      ]);
    });

    it("the default task the model reads is defaultTaskParams' on a deployment", async () => {
      const c = await loadFixture(deployCorpusFixture);
      const p = await defaultTaskParams(c);
      const task = await readDefaultTask();
      expect([wei(task.reward), BigInt(task.slots), BigInt(task.panelSize), BigInt(task.quorum)]).to.deep.equal([
        p.reward,
        p.slots,
        p.panelSize,
        p.quorum,
      ]);
      expect(wei(task.workerBond)).to.equal(p.workerBond);
    });
  });

  describe("the model's rules are the contracts'", () => {
    it("each appeal's jury is the model's ladder (2n + 1, MAX_APPEALS times) at the model's round fee; the last round has no appeal", async () => {
      const c = await loadFixture(disputesFixture);
      const m = await localModel();
      const ladder = juryLadder(m);
      const { disputeId } = await disputedSubmission(c, "accept");
      for (const [round, size] of ladder.entries()) {
        const info = await c.disputes.getRound(disputeId, round);
        expect([info.jurySize, info.fee], `round ${round}`).to.deep.equal([BigInt(size), wei(roundFee(m, size))]);
        // Nobody votes: the ruling stays 0, so either party may appeal.
        const { jurors } = await runRound(c, disputeId, []);
        expect(jurors.length).to.equal(size);
        const next = ladder[round + 1];
        if (next === undefined) break;
        const cost = await c.disputes.appealCost(disputeId);
        expect(cost).to.equal(wei(roundFee(m, next)));
        await (await c.token.connect(c.requester).approve(c.arbitrator, cost)).wait();
        await (await c.disputes.connect(c.requester).appeal(disputeId)).wait();
      }
      const last = await c.disputes.getRound(disputeId, ladder.length - 1);
      expect(last.appealEnd).to.equal(last.revealEnd);
      await expect(c.disputes.appealCost(disputeId)).to.be.revertedWithCustomError(c.disputes, "DisputesNoMoreAppeals");
    });

    it("an overturned panel and its dispute: members, winner, incoherent and silent jurors get exactly the model's amounts", async () => {
      const c = await loadFixture(disputesFixture);
      const m = await localModel();
      const { submissionId, disputeId, panel } = await disputedSubmission(c, "accept");
      const jurors = await drawJuryWhenReady(c, disputeId);
      const stakedOf = async (account: string) => (await c.staking.stakeOf(account))[0];
      const before = new Map<string, bigint>();
      for (const account of [...panel, ...jurors]) before.set(account, await stakedOf(account));
      const requesterCrp = await c.token.balanceOf(c.requester);

      await runRound(c, disputeId, [REJECT, REJECT, REJECT, ACCEPT, null]);
      expect(await closeDispute(c, disputeId)).to.equal(REJECT);
      await (await c.tasks.connect(c.stranger).finalize(submissionId)).wait();

      const lost = async (account: string) => (before.get(account) ?? 0n) - (await stakedOf(account));
      for (const member of panel) expect(await lost(member), member).to.equal(wei(overturnedMemberLoss(m)));
      const overturned = panel.length * overturnedMemberLoss(m);
      expect((await c.token.balanceOf(c.requester)) - requesterCrp).to.equal(wei(slashReward(m, overturned)));
      expect(await Promise.all(jurors.map(lost))).to.deep.equal([
        0n,
        0n,
        0n,
        wei(incoherentJurorLoss(m)),
        wei(missedRevealLoss(m)),
      ]);
      // The round's fee and the reward share of its slashes go to the three coherent jurors.
      const pot = roundFee(m, m.jurySize) + slashReward(m, incoherentJurorLoss(m) + missedRevealLoss(m));
      const credited = await Promise.all(jurors.slice(0, 3).map((juror) => c.disputes.balanceOf(juror)));
      expect(credited.reduce((a, b) => a + b, 0n)).to.equal(wei(pot));
    });

    it("an absent panel member loses the model's missed-review penalty; the two who attested share the validator fee", async () => {
      const c = await loadFixture(disputesFixture);
      const m = await localModel();
      const submissionId = await submitWork(c, c.worker, c.taskId, `work-${newSalt()}.json`);
      const panel = await drawPanelWhenReady(c, submissionId);
      const before = await Promise.all(panel.map(async (member) => (await c.staking.stakeOf(member))[0]));
      await attestAsMember(c, submissionId, at(panel, 0), true);
      await attestAsMember(c, submissionId, at(panel, 1), true);
      const sub = await c.tasks.getSubmission(submissionId);
      await time.increaseTo(Math.max(Number(sub.reviewDeadline), Number(sub.disputeDeadline)) + 1);
      await (await c.tasks.connect(c.stranger).finalize(submissionId)).wait();
      const after = await Promise.all(panel.map(async (member) => (await c.staking.stakeOf(member))[0]));
      expect(before.map((b, i) => b - (after[i] ?? 0n))).to.deep.equal([0n, 0n, wei(missedReviewLoss(m))]);
      const crp = await c.token.getAddress();
      for (const member of panel.slice(0, 2)) {
        expect(await c.tasks.balanceOf(crp, member)).to.equal(wei(validatorFee(m) / 2));
      }
    });
  });

  describe("audits/economics.md", () => {
    it("quotes every table the script prints, unchanged", async () => {
      const doc = fs.readFileSync(path.join(__dirname, "..", "..", "audits", "economics.md"), "utf8");
      const tables = (await report()).split("\n\n").filter((block) => block.startsWith("|"));
      expect(tables.length).to.be.greaterThan(10);
      for (const block of tables) expect(doc.includes(block), `missing table:\n${block}`).to.equal(true);
    });
  });
});
