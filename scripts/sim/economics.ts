/**
 * Economic soundness of the deployed default parameters (issue #9).
 *
 * Reads the default parameters (deploy/parameters/31337.json and example-remote.json), the default task
 * (scripts/lib/tasks-setup.ts `defaultTaskParams`) and the constants that live only in Solidity (read from
 * the contracts' source), then computes, with exact recurrences in double precision (no sampling):
 *
 * 1. how often an attacker holding a share of active stake controls a review panel, a jury, and the final
 *    ruling after every appeal, under the staking contract's draw rules;
 * 2. what it risks against what it can take from one task, for panels and for juries;
 * 3. what a validator loses per day of sustained liveness failure.
 *
 * Prints markdown (audits/economics.md quotes it). Run: `npm run sim:economics`.
 */
import fs from "node:fs";
import path from "node:path";
import { ZeroAddress, formatEther } from "ethers";
import type { CorpusDeployment } from "../../deploy/deploy-corpus";
import { type CorpusParameters, PARAMETERS_DIR, loadParameters, parseParameters } from "../../deploy/parameters";
import { defaultTaskParams } from "../lib/tasks-setup";

const REPO = path.join(__dirname, "..", "..");

// ─── Inputs ─────────────────────────────────────────────────────────────────

/**
 * The parameters files whose defaults are analysed, validated as a deployment validates them. The remote
 * template leaves its token allocations to be filled in (and refuses to deploy until they are), so its
 * `token` section is replaced by the local file's before validation; the model reads nothing from it.
 */
export function loadDefaultParameters(): { file: string; parameters: CorpusParameters }[] {
  const read = (name: string) => JSON.parse(fs.readFileSync(path.join(PARAMETERS_DIR, name), "utf8"));
  const local = read("31337.json");
  const template = { ...read("example-remote.json"), token: local.token };
  return [
    { file: "deploy/parameters/31337.json", parameters: loadParameters(31337) },
    {
      file: "deploy/parameters/example-remote.json",
      parameters: parseParameters(template, "deploy/parameters/example-remote.json"),
    },
  ];
}

/** A `constant` of a Solidity source file, as written there (`3`, `10_000`, `1e18`, `10_000e18`). */
export function solidityConstant(file: string, name: string): bigint {
  const source = fs.readFileSync(path.join(REPO, file), "utf8");
  const match = new RegExp(`\\bconstant\\s+${name}\\s*=\\s*([0-9_]+)(?:e([0-9]+))?\\s*;`).exec(source);
  if (match === null || match[1] === undefined) throw new Error(`No numeric constant ${name} in ${file}`);
  return BigInt(match[1].replaceAll("_", "")) * 10n ** BigInt(match[2] ?? "0");
}

/**
 * Where each Solidity-only constant the model uses is declared. test/sim/economics.test.ts checks that the
 * values read here equal the compiled contracts' public constants (or, for private ones, their effect).
 */
export const SOLIDITY_CONSTANTS = {
  /** Most appeals per dispute: juries of rounds 0 to MAX_APPEALS. */
  maxAppeals: { file: "contracts/disputes/CorpusDisputes.sol", name: "MAX_APPEALS" },
  /** Largest first-round jury governance may set. */
  maxJurySize: { file: "contracts/disputes/CorpusDisputes.sol", name: "MAX_JURY_SIZE" },
  /** Most validators one staking draw may pick. */
  maxDrawSize: { file: "contracts/staking/CorpusStaking.sol", name: "MAX_DRAW_SIZE" },
  /** Basis-point denominator of slash shares (staking, disputes) and fees (tasks). */
  bps: { file: "contracts/staking/CorpusStaking.sol", name: "_BPS" },
  /** Highest review stake governance may set, in wei. */
  maxReviewStake: { file: "contracts/tasks/CorpusTasks.sol", name: "MAX_REVIEW_STAKE" },
} as const;

export type SolidityConstants = Record<keyof typeof SOLIDITY_CONSTANTS, number>;

/** The Solidity constants, amounts (`MAX_REVIEW_STAKE`) in CRP. */
export function readSolidityConstants(): SolidityConstants {
  const read = (key: keyof typeof SOLIDITY_CONSTANTS) => {
    const c = SOLIDITY_CONSTANTS[key];
    const value = solidityConstant(c.file, c.name);
    return key === "maxReviewStake" ? crp(value) : Number(value);
  };
  const keys = Object.keys(SOLIDITY_CONSTANTS) as (keyof typeof SOLIDITY_CONSTANTS)[];
  return Object.fromEntries(keys.map((key) => [key, read(key)])) as SolidityConstants;
}

/** The default task of local scripts and tests: only the fields the economics depend on. */
export interface TaskTerms {
  reward: number;
  slots: number;
  panelSize: number;
  quorum: number;
  workerBond: number;
}

/**
 * Reads the default task from `defaultTaskParams`. It only reads the deployment's token address (replaced
 * here by zero) and the chain's clock (for the deadline, which the economics do not use).
 */
export async function readDefaultTask(): Promise<TaskTerms> {
  const onlyToken = { token: { getAddress: async () => ZeroAddress } } as unknown as CorpusDeployment;
  const p = await defaultTaskParams(onlyToken);
  return {
    reward: crp(BigInt(p.reward)),
    slots: Number(p.slots),
    panelSize: Number(p.panelSize),
    quorum: Number(p.quorum),
    workerBond: crp(BigInt(p.workerBond)),
  };
}

/** Everything the model reads, amounts in CRP. */
export interface Model {
  // deploy/parameters/*.json
  minimumStake: number;
  slashRewardBps: number;
  protocolFeeBps: number;
  validatorFeeBps: number;
  reviewStake: number;
  livenessPenalty: number;
  feePerJuror: number;
  jurySize: number;
  jurorLock: number;
  nonRevealSlashBps: number;
  incoherentSlashBps: number;
  // the default task
  task: TaskTerms;
  // Solidity
  constants: SolidityConstants;
}

export function buildModel(p: CorpusParameters, task: TaskTerms, constants: SolidityConstants): Model {
  return {
    minimumStake: crp(p.staking.minimumStake),
    slashRewardBps: p.staking.slashRewardBps,
    protocolFeeBps: p.tasks.protocolFeeBps,
    validatorFeeBps: p.tasks.validatorFeeBps,
    reviewStake: crp(p.tasks.reviewStake),
    livenessPenalty: crp(p.tasks.livenessPenalty),
    feePerJuror: crp(p.disputes.feePerJuror),
    jurySize: p.disputes.jurySize,
    jurorLock: crp(p.disputes.jurorLock),
    nonRevealSlashBps: p.disputes.nonRevealSlashBps,
    incoherentSlashBps: p.disputes.incoherentSlashBps,
    task,
    constants,
  };
}

/** The parameters the model reads, for comparing files and printing. */
function economicFields(m: Model): [string, string][] {
  return [
    ["staking.minimumStake", fmtCrp(m.minimumStake)],
    ["staking.slashRewardBps", String(m.slashRewardBps)],
    ["tasks.protocolFeeBps", String(m.protocolFeeBps)],
    ["tasks.validatorFeeBps", String(m.validatorFeeBps)],
    ["tasks.reviewStake", fmtCrp(m.reviewStake)],
    ["tasks.livenessPenalty", fmtCrp(m.livenessPenalty)],
    ["disputes.feePerJuror", fmtCrp(m.feePerJuror)],
    ["disputes.jurySize", String(m.jurySize)],
    ["disputes.jurorLock", fmtCrp(m.jurorLock)],
    ["disputes.nonRevealSlashBps", String(m.nonRevealSlashBps)],
    ["disputes.incoherentSlashBps", String(m.incoherentSlashBps)],
  ];
}

// ─── The contracts' money rules (each cites the code it models) ─────────────

const bpsOf = (m: Model, amount: number, bps: number) => (amount * bps) / m.constants.bps;

/** Validator fee of one reviewed submission: `TaskRecords.feeOf(reward, validatorFeeBps)`. */
export const validatorFee = (m: Model, reward = m.task.reward) => bpsOf(m, reward, m.validatorFeeBps);

/** Protocol fee of one accepted submission (released back to the task on a rejection). */
export const protocolFee = (m: Model, reward = m.task.reward) => bpsOf(m, reward, m.protocolFeeBps);

/** Jury of each round: `jurySize`, then `2n + 1` per appeal (`CorpusDisputes._appealJurySize`), MAX_APPEALS times. */
export function juryLadder(m: Model): number[] {
  const sizes = [m.jurySize];
  for (let i = 0; i < m.constants.maxAppeals; i++) sizes.push(2 * (sizes.at(-1) ?? 0) + 1);
  return sizes;
}

/** A round's fee, paid by the disputer (round 0) or the appellant: `CorpusDisputes._juryFee`. */
export const roundFee = (m: Model, jurySize: number) => jurySize * m.feePerJuror;

/** A panel member whose verdict the arbitrator overturned loses its whole review lock (`CorpusTasks._slashes`). */
export const overturnedMemberLoss = (m: Model) => m.reviewStake;

/** A member that never attested loses `min(livenessPenalty, reviewStake)`, unless a dispute cut the review short. */
export const missedReviewLoss = (m: Model) => Math.min(m.livenessPenalty, m.reviewStake);

/** What staking pays the beneficiary of a slash (`CorpusStaking.slash`); the rest is burnt. */
export const slashReward = (m: Model, slashed: number) => bpsOf(m, slashed, m.slashRewardBps);

/** A juror that revealed another ruling than the final one (`CorpusDisputes._verdicts`). */
export const incoherentJurorLoss = (m: Model) => bpsOf(m, m.jurorLock, m.incoherentSlashBps);

/** A juror that did not reveal (`CorpusDisputes._verdicts`). */
export const missedRevealLoss = (m: Model) => bpsOf(m, m.jurorLock, m.nonRevealSlashBps);

// ─── Draws ──────────────────────────────────────────────────────────────────

/**
 * Active stake as the draw sees it: the attacker's share split into `attackerIdentities` equal leaves and
 * the rest into `honestValidators` equal leaves. `Infinity` means so many leaves that removing the ones
 * already drawn never changes the class's weight.
 */
export interface Population {
  attackerShare: number;
  attackerIdentities: number;
  honestValidators: number;
}

/** Leaves removed from a draw before it starts (`exclude`: the parties and, for juries, the panel). */
export interface Exclusions {
  attacker: number;
  honest: number;
}

const NONE: Exclusions = { attacker: 0, honest: 0 };

/**
 * The distribution of the attacker's seats among `seats` drawn as `CorpusStaking._drawFrom` draws: one leaf
 * at a time, with probability proportional to weight among the leaves not yet drawn or excluded (without
 * replacement: one leaf, one seat). Within a class all leaves weigh the same, so the state after t picks is
 * the number of attacker picks i. Returns P[k attacker seats] for k = 0..seats, or null when too few
 * leaves remain (staking reverts with StakingNotEnoughEligibleValidators).
 */
export function seatDistribution(seats: number, pop: Population, excluded: Exclusions = NONE): number[] | null {
  const attackers = pop.attackerIdentities - excluded.attacker;
  const honest = pop.honestValidators - excluded.honest;
  if (attackers + honest < seats) return null; // Infinity on either side always suffices
  const attackerLeaf = pop.attackerShare / pop.attackerIdentities;
  const honestLeaf = (1 - pop.attackerShare) / pop.honestValidators;
  const attackerLeft = (i: number) => (Number.isFinite(attackers) ? (attackers - i) * attackerLeaf : pop.attackerShare);
  const honestLeft = (j: number) => (Number.isFinite(honest) ? (honest - j) * honestLeaf : 1 - pop.attackerShare);
  let dist = [1];
  for (let t = 0; t < seats; t++) {
    const next = new Array<number>(t + 2).fill(0);
    for (let i = 0; i <= t; i++) {
      const p = dist[i] ?? 0;
      if (p === 0) continue;
      const a = attackerLeft(i);
      const h = honestLeft(t - i);
      next[i + 1] = (next[i + 1] ?? 0) + (p * a) / (a + h);
      next[i] = (next[i] ?? 0) + (p * h) / (a + h);
    }
    dist = next;
  }
  return dist;
}

/** P[at least `k` attacker seats]. */
export function atLeast(dist: number[] | null, k: number): number | null {
  if (dist === null) return null;
  return dist.slice(k).reduce((sum, p) => sum + p, 0);
}

/** E[attacker seats; attacker seats in [from, to)]. */
function seatsBetween(dist: number[], from: number, to: number): number {
  let sum = 0;
  for (let k = from; k < Math.min(to, dist.length); k++) sum += k * (dist[k] ?? 0);
  return sum;
}

/** Seats that decide a jury of `n` (all reveal, odd n): a strict majority. */
export const majority = (n: number) => Math.floor(n / 2) + 1;

/** P[the attacker holds `quorum` of a panel of `size`]: it reaches the verdict alone. */
export function panelControl(m: Model, pop: Population, size = m.task.panelSize, quorum = m.task.quorum) {
  // The parties are excluded from the panel; the model assumes they hold no stake.
  return atLeast(seatDistribution(size, pop), quorum);
}

/**
 * The dispute's exclusions (CorpusTasks._openDispute: the parties and the whole panel, for every round): the
 * case analysed is a dispute over a panel the attacker controlled with `quorum` of its identities (if it has
 * that many), the other members honest.
 */
export function juryExclusions(m: Model, pop: Population): Exclusions {
  const attacker = pop.attackerIdentities >= m.task.quorum ? m.task.quorum : 0;
  return { attacker, honest: m.task.panelSize - attacker };
}

/** Each round of a dispute: jury size, P[attacker majority] (null: cannot be drawn), the seat distribution. */
export function disputeRounds(m: Model, pop: Population) {
  const excluded = juryExclusions(m, pop);
  return juryLadder(m).map((size) => {
    const dist = seatDistribution(size, pop, excluded);
    return { size, dist, control: atLeast(dist, majority(size)) };
  });
}

/**
 * The final ruling. Model: every juror the attacker does not hold reveals the correct ruling; the honest
 * party appeals every ruling it loses while an appeal is allowed (round < MAX_APPEALS). So a wrong ruling
 * becomes final only in the last round that is held. A round that cannot be drawn ends the dispute with the
 * ruling before it (CorpusDisputes._currentRuling), so "last" is the last drawable round.
 * - persistent: the attacker also appeals every ruling it loses, so the last round is always held, and it
 *   wins iff it holds a majority of that round's jury (the rounds are independent draws);
 * - noAttackerAppeals: the attacker never appeals, so it must hold a majority in every round.
 * Ties cannot help the attacker: with every other juror revealing, a tie needs as many attacker votes as
 * honest ones, which a majority would already have won.
 */
export function finalControl(m: Model, pop: Population) {
  const rounds = disputeRounds(m, pop);
  const held = rounds.findIndex((r) => r.control === null);
  const drawable = held === -1 ? rounds : rounds.slice(0, held);
  const last = drawable.at(-1);
  if (last === undefined) return { rounds, drawable, persistent: null, noAttackerAppeals: null };
  const noAttackerAppeals = drawable.reduce((product, r) => product * (r.control ?? 0), 1);
  return { rounds, drawable, persistent: last.control, noAttackerAppeals };
}

// ─── Scenarios ──────────────────────────────────────────────────────────────

export const ATTACKER_SHARES = [0.1, 0.2, 0.33, 0.5];

export interface Scenario {
  title: string;
  text: string;
  population: (m: Model, share: number) => Population;
}

/**
 * Honest stake in `count` validators of `stakeInMinimums` minimum stakes each; the attacker splits its stake
 * into as many identities of at least the minimum stake as it affords (splitting only helps it, see the
 * Sybil table). `minimumRaise`: the minimum stake multiplied by that much (a what-if).
 */
export function smallSet(count: number, stakeInMinimums: number, minimumRaise = 1): Scenario["population"] {
  return (_m, share) => ({
    attackerShare: share,
    attackerIdentities: Math.floor(((share / (1 - share)) * count * stakeInMinimums) / minimumRaise + 1e-9),
    honestValidators: count,
  });
}

/**
 * What-if: juries drawn WITH replacement (a leaf may hold several seats and votes once per seat, as in
 * Kleros). Every seat is then the attacker's with its share of the weight left after the exclusions,
 * independently: a binomial, however the stake is split.
 */
export function finalControlWithReplacement(m: Model, pop: Population) {
  const excluded = juryExclusions(m, pop);
  const left = (count: number, removed: number) => (Number.isFinite(count) ? (count - removed) / count : 1);
  const attacker = pop.attackerShare * left(pop.attackerIdentities, excluded.attacker);
  const honest = (1 - pop.attackerShare) * left(pop.honestValidators, excluded.honest);
  const iid: Population = {
    attackerShare: attacker / (attacker + honest),
    attackerIdentities: Infinity,
    honestValidators: Infinity,
  };
  const last = juryLadder(m).at(-1) ?? 0;
  return atLeast(seatDistribution(last, iid), majority(last));
}

export const SCENARIOS: Scenario[] = [
  {
    title: "A. Many validators, attacker split into many identities",
    text: "The limit of many leaves on both sides: each seat is the attacker's with probability equal to its share (binomial).",
    population: (_m, share) => ({ attackerShare: share, attackerIdentities: Infinity, honestValidators: Infinity }),
  },
  {
    title: "B. 100 honest validators at the minimum stake, attacker split into minimum-stake identities",
    text: "Every leaf weighs about the same (close to hypergeometric).",
    population: smallSet(100, 1),
  },
  {
    title: "C. 30 honest validators at 10x the minimum stake, attacker split into minimum-stake identities",
    text: "A young network of a few large validators. Draws without replacement run out of honest leaves.",
    population: smallSet(30, 10),
  },
  {
    title: "D. Attacker as one identity, many honest validators",
    text: "One leaf holds at most one seat of a draw.",
    population: (_m, share) => ({ attackerShare: share, attackerIdentities: 1, honestValidators: Infinity }),
  },
];

// ─── Economics ──────────────────────────────────────────────────────────────

/**
 * The two ways a controlled panel profits, per submission (default: the default task). The attacker attests
 * with exactly `quorum` members (any other member it holds attests the correct verdict, which costs
 * nothing); the panel's other members are honest. Gain and loss are counted against not acting: not
 * submitting (worker), paying the worker as due (requester). The victim's net is counted against not
 * disputing.
 */
export function panelAttacks(m: Model, reward = m.task.reward, quorum = m.task.quorum) {
  const bond = (m.task.workerBond * reward) / m.task.reward;
  const fee = validatorFee(m, reward);
  const atRisk = quorum * overturnedMemberLoss(m);
  const openingFee = roundFee(m, m.jurySize);
  return [
    {
      name: "accept junk (attacker is the worker)",
      // The reward, and the validator fee its members share as the only coherent ones; the bond comes back.
      gain: reward + fee,
      // Overturned: no reward, its attesting members lose their review stake, the bond goes to the requester.
      loss: atRisk + bond,
      // The requester keeps the reward and protocol fee, gets the bond and the slash share, paid the jury.
      victimWins: reward + protocolFee(m, reward) + bond + slashReward(m, atRisk) - openingFee,
    },
    {
      name: "reject good work (attacker is the requester)",
      // Keeps the reward and protocol fee, takes the worker's bond; the validator fee goes to its own members.
      gain: reward + protocolFee(m, reward) + bond + fee,
      // Overturned: it pays as due, and its attesting members lose their review stake.
      loss: atRisk,
      // The worker gets the reward and its bond, and the slash share, and paid the jury.
      victimWins: reward + bond + slashReward(m, atRisk) - openingFee,
    },
  ];
}

/** P[disputed and overturned] at which a corrupt verdict stops paying: gain (1 - p) = loss p. */
export const breakEvenOverturn = (gain: number, loss: number) => gain / (gain + loss);

/**
 * The "accept junk" attack repeated: the attacker's worker submits junk; an honest panel rejects it (the bond
 * goes to the requester); a panel it controls accepts it, which the requester disputes with probability
 * `disputeRate` and which is overturned unless the attacker wins the final ruling. Jury-phase fees and
 * slashes are left out here (see `disputeCosts`). Expected profit per junk submission.
 */
export function junkSubmissionValue(m: Model, control: number, finalRuling: number, disputeRate: number) {
  const [accept] = panelAttacks(m);
  if (accept === undefined) throw new Error("no attack");
  const overturned = disputeRate * (1 - finalRuling);
  return control * ((1 - overturned) * accept.gain - overturned * accept.loss) - (1 - control) * m.task.workerBond;
}

/** The dispute rate at which `junkSubmissionValue` is 0 (<= 0: never pays; > 1: pays even if always disputed). */
export function breakEvenDisputeRate(m: Model, control: number, finalRuling: number) {
  const [accept] = panelAttacks(m);
  if (accept === undefined) throw new Error("no attack");
  const margin = accept.gain - ((1 - control) * m.task.workerBond) / control;
  return margin / ((1 - finalRuling) * (accept.gain + accept.loss));
}

/**
 * What contesting one dispute to the end costs each side, in expectation, with the persistent attacker of
 * `finalControl`. The attacker's jurors vote the wrong ruling only in rounds where they hold a majority and
 * the correct one otherwise (the jury is public once drawn, so it knows); coherence is judged against the
 * final ruling, so its jurors lose `incoherentJurorLoss` each in the rounds whose vote the final ruling
 * contradicts. The last round's jurors are always coherent. Fee and slash shares earned by its coherent
 * jurors are left out (a cost bound).
 */
export function disputeCosts(m: Model, pop: Population) {
  const { drawable, persistent } = finalControl(m, pop);
  if (persistent === null) return null;
  const slash = incoherentJurorLoss(m);
  let attackerAppeals = 0;
  let honestAppeals = 0;
  let wrongIfLost = 0;
  let rightIfWon = 0;
  for (let r = 0; r + 1 < drawable.length; r++) {
    const round = drawable[r];
    const appealFee = roundFee(m, drawable[r + 1]?.size ?? 0);
    if (round === undefined || round.dist === null || round.control === null) continue;
    attackerAppeals += (1 - round.control) * appealFee;
    honestAppeals += round.control * appealFee;
    wrongIfLost += slash * seatsBetween(round.dist, majority(round.size), round.size + 1);
    rightIfWon += slash * seatsBetween(round.dist, 0, majority(round.size));
  }
  const jurorSlashes = (1 - persistent) * wrongIfLost + persistent * rightIfWon;
  const attackerCost = attackerAppeals + jurorSlashes;
  return {
    attackerAppeals,
    jurorSlashes,
    honestAppeals,
    finalRuling: persistent,
    /** Smallest value at stake for which contesting pays the attacker: cost = value × P[final]. */
    breakEvenValue: persistent === 0 ? Infinity : attackerCost / persistent,
  };
}

/** Liveness: stated assumptions. */
export const LIVENESS = {
  submissionsPerDay: 100,
  /** Share of submissions disputed (first-round jury only). */
  disputeRate: 0.05,
  validatorCounts: [10, 30, 100],
  /** Stake of the validator whose outage is followed: twice the minimum. */
  stakeInMinimums: 2,
  /** Days a review lock is held: the default task's one-day review window. */
  lockDays: 1,
};

/** A validator among `validators` equal ones, fully offline or fully online, per day. */
export function livenessPerDay(m: Model, validators: number) {
  const reviews = (LIVENESS.submissionsPerDay * m.task.panelSize) / validators;
  const jurySeats = (LIVENESS.submissionsPerDay * LIVENESS.disputeRate * m.jurySize) / validators;
  const lossOffline = reviews * missedReviewLoss(m) + jurySeats * missedRevealLoss(m);
  // Online and coherent: a unanimous panel shares the validator fee; a juror takes its seat's fee.
  const incomeOnline = reviews * (validatorFee(m) / m.task.panelSize) + jurySeats * m.feePerJuror;
  const stake = LIVENESS.stakeInMinimums * m.minimumStake;
  return {
    reviews,
    jurySeats,
    lossOffline,
    incomeOnline,
    // Once its stake falls below the minimum its weight is 0 (CorpusStaking._weightFor): no more draws.
    daysToDeactivation: (stake - m.minimumStake) / lossOffline,
    reviewLocksNeeded: reviews * LIVENESS.lockDays,
    reviewLocksAtMinimum: Math.floor(m.minimumStake / m.reviewStake),
  };
}

/** Uptime at which a seat's expected penalty equals its expected income: penalty (1 - a) = income a. */
export const breakEvenUptime = (penalty: number, income: number) => penalty / (penalty + income);

// ─── Report ─────────────────────────────────────────────────────────────────

function crp(wei: bigint): number {
  return Number(formatEther(wei));
}

const smallCrp = new Intl.NumberFormat("en-US", { maximumFractionDigits: 2 });
const largeCrp = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

/** An amount of CRP: 2 decimals below 1,000, none above, scientific from 10^9. */
export function fmtCrp(value: number): string {
  if (!Number.isFinite(value)) return "never";
  const size = Math.abs(value);
  if (size >= 1e9) return value.toExponential(1);
  return (size >= 1_000 ? largeCrp : smallCrp).format(value);
}

/** A probability as a percentage: 3 significant digits, scientific below 0.01%. */
export function fmtP(p: number | null): string {
  if (p === null) return "n/a";
  if (p === 0) return "0";
  const pct = p * 100;
  if (pct >= 99.95 && pct < 100) return `${pct.toFixed(3)}%`;
  if (pct >= 0.01) return `${Number(pct.toPrecision(3))}%`;
  return `${pct.toExponential(1)}%`;
}

const fmtShare = (share: number) => `${Math.round(share * 100)}%`;

/** A markdown table laid out as prettier lays it out (first column left, the others right-aligned). */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, c) => Math.max(3, h.length, ...rows.map((r) => (r[c] ?? "").length)));
  const line = (cells: string[]) =>
    `| ${cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join(" | ")} |`;
  const rule = `| ${widths.map((w, c) => (c === 0 ? "-".repeat(w) : `${"-".repeat(w - 1)}:`)).join(" | ")} |`;
  return [line(header), rule, ...rows.map(line)].join("\n");
}

export async function report(): Promise<string> {
  const files = loadDefaultParameters();
  const task = await readDefaultTask();
  const constants = readSolidityConstants();
  const models = files.map((f) => ({ ...f, model: buildModel(f.parameters, task, constants) }));
  const out: string[] = [];
  const say = (...lines: string[]) => out.push(...lines, "");

  say("## Inputs");
  const fields = models.map((f) => economicFields(f.model));
  const fieldTable = (fields[0] ?? []).map(([name], i) => [name, ...fields.map((values) => values[i]?.[1] ?? "")]);
  say(table(["parameter", ...models.map((f) => path.basename(f.file))], fieldTable));
  const distinct = new Map(models.map((f) => [JSON.stringify(economicFields(f.model)), f]));
  if (distinct.size > 1) say("The files differ: every table below is printed once per file.");
  else say(`The files agree on every parameter the model reads: the tables below hold for both.`);
  say(
    table(
      ["default task (defaultTaskParams)", "value"],
      [
        ["reward per slot", `${fmtCrp(task.reward)} CRP`],
        ["slots", String(task.slots)],
        ["panel size / quorum", `${task.panelSize} / ${task.quorum}`],
        ["worker bond", `${fmtCrp(task.workerBond)} CRP`],
      ],
    ),
  );
  say(
    table(
      ["Solidity constant", "value", "declared in"],
      Object.entries(SOLIDITY_CONSTANTS).map(([key, c]) => [
        c.name,
        key === "maxReviewStake"
          ? `${fmtCrp(constants.maxReviewStake)} CRP`
          : String(constants[key as keyof SolidityConstants]),
        c.file,
      ]),
    ),
  );

  for (const { file, model: m } of [...distinct.values()]) {
    if (distinct.size > 1) say(`# ${file}`);
    out.push(...modelReport(m));
  }
  return out.join("\n");
}

function modelReport(m: Model): string[] {
  const out: string[] = [];
  const say = (...lines: string[]) => out.push(...lines, "");
  const ladder = juryLadder(m);
  const { panelSize, quorum } = m.task;

  say("## 1. Control probabilities");
  say(
    `Panels: P[attacker holds >= quorum seats]. Juries: P[attacker holds a majority]; the dispute excludes the ` +
      `panel (${quorum} attacker identities, ${panelSize - quorum} honest). Final: the last drawable round ` +
      `(persistent attacker), or every round (attacker never appeals). n/a: not enough validators to draw.`,
  );
  const header = [
    "attacker stake",
    "identities",
    `panel ${panelSize}/${quorum}`,
    "panel 5/3",
    ...ladder.map((n, r) => (r === 0 ? `jury ${n}` : `appeal ${r}: ${n}`)),
    "final, persistent",
    "final, no attacker appeals",
  ];
  for (const scenario of SCENARIOS) {
    say(`### ${scenario.title}`);
    say(scenario.text);
    const rows = ATTACKER_SHARES.map((share) => {
      const pop = scenario.population(m, share);
      const f = finalControl(m, pop);
      return [
        fmtShare(share),
        Number.isFinite(pop.attackerIdentities) ? String(pop.attackerIdentities) : "many",
        fmtP(panelControl(m, pop)),
        fmtP(panelControl(m, pop, 5, 3)),
        ...f.rounds.map((r) => fmtP(r.control)),
        fmtP(f.persistent),
        fmtP(f.noAttackerAppeals),
      ];
    });
    say(table(header, rows));
  }

  say("### Splitting stake (Sybil), attacker at 33%, many honest validators");
  say("One draw each, nothing excluded: the attacker's stake in k equal identities.");
  const splits = [1, 2, 3, 5, 10, 100, Infinity];
  say(
    table(
      [
        "attacker identities",
        `panel ${panelSize}/${quorum}`,
        "panel 5/3",
        `jury ${ladder[0]}`,
        `jury ${ladder.at(-1)}`,
      ],
      splits.map((k) => {
        const pop = { attackerShare: 0.33, attackerIdentities: k, honestValidators: Infinity };
        const last = ladder.at(-1) ?? 0;
        return [
          Number.isFinite(k) ? String(k) : "many",
          fmtP(panelControl(m, pop)),
          fmtP(panelControl(m, pop, 5, 3)),
          fmtP(atLeast(seatDistribution(ladder[0] ?? 0, pop), majority(ladder[0] ?? 0))),
          fmtP(atLeast(seatDistribution(last, pop), majority(last))),
        ];
      }),
    ),
  );

  say("## 2. Stake at risk against gain");
  say(`### 2a. One corrupt panel verdict on the default task (the attacker's ${quorum} attesting members)`);
  say(
    table(
      ["attack", "gain if it stands", "loss if overturned", "break-even overturn rate", "victim's net if it wins"],
      panelAttacks(m).map((a) => [
        a.name,
        fmtCrp(a.gain),
        fmtCrp(a.loss),
        fmtP(breakEvenOverturn(a.gain, a.loss)),
        fmtCrp(a.victimWins),
      ]),
    ),
  );
  say(
    `Per task: ${m.task.slots} slots, so at most ${fmtCrp(m.task.slots * (panelAttacks(m)[0]?.gain ?? 0))} CRP ` +
      `to gain against ${fmtCrp(m.task.slots * (panelAttacks(m)[0]?.loss ?? 0))} CRP at risk if every verdict is overturned.`,
  );

  say("### 2b. Junk submitted until a controlled panel accepts it (expected CRP per junk submission)");
  say(
    "The attacker's worker resubmits after every honest rejection (losing its bond each time). " +
      "Jury-phase costs are left out (2d).",
  );
  for (const scenario of [SCENARIOS[0], SCENARIOS[2]]) {
    if (scenario === undefined) continue;
    say(`Scenario ${scenario.title.split(".")[0]}:`);
    say(
      table(
        [
          "attacker stake",
          "panel control",
          "final ruling",
          "never disputed",
          "always disputed",
          "break-even dispute rate",
          "break-even bond",
        ],
        ATTACKER_SHARES.map((share) => {
          const pop = scenario.population(m, share);
          const control = panelControl(m, pop) ?? 0;
          const final = finalControl(m, pop).persistent ?? 0;
          const [accept] = panelAttacks(m);
          const rate = breakEvenDisputeRate(m, control, final);
          return [
            fmtShare(share),
            fmtP(control),
            fmtP(final),
            fmtCrp(junkSubmissionValue(m, control, final, 0)),
            fmtCrp(junkSubmissionValue(m, control, final, 1)),
            rate <= 0 ? "never pays" : rate > 1 ? "always pays" : fmtP(rate),
            fmtCrp(((accept?.gain ?? 0) * control) / (1 - control)),
          ];
        }),
      ),
    );
  }
  say("Break-even bond: the worker bond at which junk stops paying when nobody disputes.");

  say("### 2c. The review stake does not scale with the reward");
  const target = breakEvenOverturn(panelAttacks(m)[0]?.gain ?? 0, panelAttacks(m)[0]?.loss ?? 0);
  say(
    `Accept-junk attack; bond at the default task's ratio. Last column: the review stake that keeps the ` +
      `default task's break-even overturn rate (${fmtP(target)}) with a panel of ${panelSize}/${quorum} ` +
      `(MAX_REVIEW_STAKE: ${fmtCrp(m.constants.maxReviewStake)} CRP).`,
  );
  say(
    table(
      [
        "reward per slot",
        `gain`,
        `loss ${panelSize}/${quorum}`,
        `break-even ${panelSize}/${quorum}`,
        "loss 5/3",
        "break-even 5/3",
        "review stake needed",
      ],
      [100, 1_000, 10_000, 100_000].map((reward) => {
        const [small] = panelAttacks(m, reward, quorum);
        const [large] = panelAttacks(m, reward, 3);
        const gain = small?.gain ?? 0;
        const bond = (m.task.workerBond * reward) / m.task.reward;
        const needed = (gain / target - gain - bond) / quorum;
        return [
          fmtCrp(reward),
          fmtCrp(gain),
          fmtCrp(small?.loss ?? 0),
          fmtP(breakEvenOverturn(gain, small?.loss ?? 0)),
          fmtCrp(large?.loss ?? 0),
          fmtP(breakEvenOverturn(gain, large?.loss ?? 0)),
          needed > m.constants.maxReviewStake ? `${fmtCrp(needed)} (over the maximum)` : fmtCrp(needed),
        ];
      }),
    ),
  );

  say("### 2d. Juries");
  const fees = ladder.map((n) => fmtCrp(roundFee(m, n))).join(" / ");
  say(
    `Per juror: lock ${fmtCrp(m.jurorLock)} CRP, incoherent vote ${fmtCrp(incoherentJurorLoss(m))} CRP, no reveal ` +
      `${fmtCrp(missedRevealLoss(m))} CRP. Round fees (juries ${ladder.join(" / ")}): ${fees} CRP; round 0 is paid ` +
      `by the disputer, each appeal by the appellant, and every fee goes to the round's coherent jurors.`,
  );
  const [accept] = panelAttacks(m);
  const defended = (accept?.gain ?? 0) + (accept?.loss ?? 0);
  const bare = majority(m.jurySize);
  say(
    `A corrupt majority of round 0 (${bare} of ${m.jurySize}) risks ${fmtCrp(bare * incoherentJurorLoss(m))} CRP ` +
      `if overturned on appeal. Defending a controlled panel is worth ${fmtCrp(defended)} CRP (gain + loss of 2a). ` +
      `Break-even appeal rate: ${fmtP(breakEvenOverturn(defended, bare * incoherentJurorLoss(m)))}.`,
  );
  say(
    "Contesting a dispute to the last round (persistent attacker; its jurors vote wrong only where they hold a " +
      "majority). Break-even value: the value at stake above which contesting pays the attacker.",
  );
  for (const scenario of [SCENARIOS[0], SCENARIOS[2]]) {
    if (scenario === undefined) continue;
    say(`Scenario ${scenario.title.split(".")[0]}:`);
    say(
      table(
        [
          "attacker stake",
          "attacker appeal fees",
          "attacker juror slashes",
          "honest appeal fees",
          "final ruling",
          "break-even value",
        ],
        ATTACKER_SHARES.map((share) => {
          const costs = disputeCosts(m, scenario.population(m, share));
          if (costs === null) return [fmtShare(share), "n/a", "n/a", "n/a", "n/a", "n/a"];
          return [
            fmtShare(share),
            fmtCrp(costs.attackerAppeals),
            fmtCrp(costs.jurorSlashes),
            fmtCrp(costs.honestAppeals),
            fmtP(costs.finalRuling),
            fmtCrp(costs.breakEvenValue),
          ];
        }),
      ),
    );
  }

  say("## 3. Sustained liveness failure");
  say(
    `Assumed: ${LIVENESS.submissionsPerDay} submissions a day, one panel of ${panelSize} each, ` +
      `${fmtP(LIVENESS.disputeRate)} of them disputed (first-round jury of ${m.jurySize}), N validators of equal ` +
      `stake (each seat equally likely theirs). Per missed review ${fmtCrp(missedReviewLoss(m))} CRP, per ` +
      `missed reveal ${fmtCrp(missedRevealLoss(m))} CRP. Income: a unanimous panel's fee share ` +
      `(${fmtCrp(validatorFee(m) / panelSize)} CRP) and ${fmtCrp(m.feePerJuror)} CRP per jury seat. The ` +
      `followed validator stakes ${LIVENESS.stakeInMinimums}x the minimum.`,
  );
  say(
    table(
      [
        "validators N",
        "reviews/day",
        "jury seats/day",
        "lost/day offline",
        "earned/day online",
        "days to deactivation",
        "review locks held",
      ],
      LIVENESS.validatorCounts.map((n) => {
        const l = livenessPerDay(m, n);
        return [
          String(n),
          fmtCrp(l.reviews),
          fmtCrp(l.jurySeats),
          fmtCrp(l.lossOffline),
          fmtCrp(l.incomeOnline),
          fmtCrp(l.daysToDeactivation),
          `${fmtCrp(l.reviewLocksNeeded)} (min. stake holds ${l.reviewLocksAtMinimum})`,
        ];
      }),
    ),
  );
  say(
    `Break-even uptime: reviews ${fmtP(breakEvenUptime(missedReviewLoss(m), validatorFee(m) / panelSize))}, ` +
      `jury seats ${fmtP(breakEvenUptime(missedRevealLoss(m), m.feePerJuror))}. Review locks held: a ` +
      `${LIVENESS.lockDays}-day window keeps that many locks open at once.`,
  );

  say("## 4. What-ifs (not the defaults)");
  const c = SCENARIOS[2];
  if (c !== undefined) {
    say("### 4a. The final ruling in scenario C under other rules");
    say(
      "P[attacker controls the final ruling], persistent attacker. Minimum stake x10: 100,000 CRP, as much as " +
        "each honest validator, so the attacker affords a tenth of the identities. With replacement: juries " +
        "drawn with replacement (one leaf may hold several seats).",
    );
    say(
      table(
        ["attacker stake", "defaults", "minimum stake x10", "identities then", "with replacement"],
        ATTACKER_SHARES.map((share) => {
          const raised = smallSet(30, 10, 10)(m, share);
          return [
            fmtShare(share),
            fmtP(finalControl(m, c.population(m, share)).persistent),
            fmtP(finalControl(m, raised).persistent),
            String(raised.attackerIdentities),
            fmtP(finalControlWithReplacement(m, c.population(m, share))),
          ];
        }),
      ),
    );
  }
  say("### 4b. Other liveness penalties (30 validators, the assumptions of 3)");
  say(
    table(
      ["liveness penalty", "break-even uptime (reviews)", "lost/day offline", "days to deactivation"],
      [...new Set([m.livenessPenalty, 100, 50, 20, 10])].map((penalty) => {
        const alt = { ...m, livenessPenalty: penalty };
        const l = livenessPerDay(alt, 30);
        return [
          `${fmtCrp(penalty)} CRP`,
          fmtP(breakEvenUptime(missedReviewLoss(alt), validatorFee(alt) / panelSize)),
          fmtCrp(l.lossOffline),
          fmtCrp(l.daysToDeactivation),
        ];
      }),
    ),
  );
  return out;
}

async function main() {
  console.log(await report());
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
