import type { CorpusParameters } from "./parameters";

const DAY = 86_400;
const HOUR = 3_600;
const CRP = 10n ** 18n;

/** One parameter's bounds, as the contract that takes it states them in public constants. */
export interface ParameterBound {
  /** Reads the value from validated parameters. */
  read: (p: CorpusParameters) => number | bigint;
  min: number | bigint;
  max: number | bigint;
  /** The contract and constants that state the bounds (test/deploy/bounds.test.ts checks they agree). */
  source: { contract: string; min?: string; max?: string };
  /** Amounts the contract only takes in whole CRP. */
  wholeCrp?: boolean;
}

/**
 * The bounds the contracts enforce on deployment parameters. Checking them before any transaction means a
 * bad parameters file fails with the field's name instead of half-deploying the protocol on a real chain.
 */
export const PARAMETER_BOUNDS: Record<string, ParameterBound> = {
  "governance.timelockMinDelay": {
    read: (p) => p.governance.timelockMinDelay,
    min: DAY,
    max: 30 * DAY,
    source: { contract: "CorpusTimelock", min: "MIN_DELAY_FLOOR", max: "MIN_DELAY_CEILING" },
  },
  "governance.votingDelay": {
    read: (p) => p.governance.votingDelay,
    min: HOUR,
    max: 30 * DAY,
    source: { contract: "CorpusGovernor", min: "MIN_VOTING_DELAY", max: "MAX_VOTING_DELAY" },
  },
  "governance.votingPeriod": {
    read: (p) => p.governance.votingPeriod,
    min: DAY,
    max: 30 * DAY,
    source: { contract: "CorpusGovernor", min: "MIN_VOTING_PERIOD", max: "MAX_VOTING_PERIOD" },
  },
  "governance.proposalThresholdBps": {
    read: (p) => p.governance.proposalThresholdBps,
    min: 1,
    max: 1_000,
    source: { contract: "CorpusGovernor", min: "MIN_PROPOSAL_THRESHOLD_BPS", max: "MAX_PROPOSAL_THRESHOLD_BPS" },
  },
  "governance.quorumPercent": {
    read: (p) => p.governance.quorumPercent,
    min: 1,
    max: 50,
    source: { contract: "CorpusGovernor", min: "MIN_QUORUM_PERCENT", max: "MAX_QUORUM_PERCENT" },
  },
  "staking.minimumStake": {
    read: (p) => p.staking.minimumStake,
    min: CRP,
    max: 10_000_000n * CRP,
    source: { contract: "CorpusStaking", min: "MIN_MINIMUM_STAKE", max: "MAX_MINIMUM_STAKE" },
    wholeCrp: true,
  },
  "staking.unbondingPeriod": {
    read: (p) => p.staking.unbondingPeriod,
    min: DAY,
    max: 90 * DAY,
    source: { contract: "CorpusStaking", min: "MIN_UNBONDING_PERIOD", max: "MAX_UNBONDING_PERIOD" },
  },
  "staking.slashRewardBps": {
    read: (p) => p.staking.slashRewardBps,
    min: 0,
    max: 5_000,
    source: { contract: "CorpusStaking", max: "MAX_SLASH_REWARD_BPS" },
  },
  "tasks.protocolFeeBps": {
    read: (p) => p.tasks.protocolFeeBps,
    min: 0,
    max: 1_000,
    source: { contract: "CorpusTasks", max: "MAX_PROTOCOL_FEE_BPS" },
  },
  "tasks.validatorFeeBps": {
    read: (p) => p.tasks.validatorFeeBps,
    min: 0,
    max: 2_000,
    source: { contract: "CorpusTasks", max: "MAX_VALIDATOR_FEE_BPS" },
  },
  "tasks.reviewStake": {
    read: (p) => p.tasks.reviewStake,
    min: CRP,
    max: 1_000_000n * CRP,
    source: { contract: "CorpusTasks", min: "MIN_REVIEW_STAKE", max: "MAX_REVIEW_STAKE" },
    wholeCrp: true,
  },
  "tasks.disputeWindow": {
    read: (p) => p.tasks.disputeWindow,
    min: HOUR,
    max: 14 * DAY,
    source: { contract: "CorpusTasks", min: "MIN_DISPUTE_WINDOW", max: "MAX_DISPUTE_WINDOW" },
  },
  "tasks.maxPanelRounds": {
    read: (p) => p.tasks.maxPanelRounds,
    min: 1,
    max: 5,
    source: { contract: "CorpusTasks", min: "MIN_PANEL_ROUNDS", max: "MAX_PANEL_ROUNDS" },
  },
  "disputes.feePerJuror": {
    read: (p) => p.disputes.feePerJuror,
    min: 0,
    max: 10_000n * CRP,
    source: { contract: "CorpusDisputes", max: "MAX_FEE_PER_JUROR" },
  },
  "disputes.jurySize": {
    read: (p) => p.disputes.jurySize,
    min: 3,
    max: 7,
    source: { contract: "CorpusDisputes", min: "MIN_JURY_SIZE", max: "MAX_JURY_SIZE" },
  },
  "disputes.jurorLock": {
    read: (p) => p.disputes.jurorLock,
    min: CRP,
    max: 1_000_000n * CRP,
    source: { contract: "CorpusDisputes", min: "MIN_JUROR_LOCK", max: "MAX_JUROR_LOCK" },
    wholeCrp: true,
  },
  ...Object.fromEntries(
    (["evidencePeriod", "commitPeriod", "revealPeriod", "appealPeriod"] as const).map((name) => [
      `disputes.${name}`,
      {
        read: (p: CorpusParameters) => p.disputes[name],
        min: HOUR,
        max: 7 * DAY,
        source: { contract: "CorpusDisputes", min: "MIN_PERIOD", max: "MAX_PERIOD" },
      },
    ]),
  ),
  "disputes.nonRevealSlashBps": {
    read: (p) => p.disputes.nonRevealSlashBps,
    min: 0,
    max: 10_000,
    source: { contract: "CorpusDisputes" },
  },
  "data.protocolFeeBps": {
    read: (p) => p.data.protocolFeeBps,
    min: 0,
    max: 1_000,
    source: { contract: "CorpusData", max: "MAX_PROTOCOL_FEE_BPS" },
  },
  "data.contributorShareFloorBps": {
    read: (p) => p.data.contributorShareFloorBps,
    min: 0,
    max: 5_000,
    source: { contract: "CorpusData", max: "MAX_CONTRIBUTOR_FLOOR_BPS" },
  },
  "data.royaltyCapBps": {
    read: (p) => p.data.royaltyCapBps,
    min: 0,
    max: 1_000,
    source: { contract: "CorpusData", max: "MAX_ROYALTY_CAP_BPS" },
  },
};

/**
 * Every bound the parameters break, as readable sentences (empty when they are deployable): each field
 * against its contract's bounds, whole-CRP amounts, and the liveness penalty within the review stake.
 */
export function boundViolations(p: CorpusParameters): string[] {
  const problems: string[] = [];
  for (const [field, bound] of Object.entries(PARAMETER_BOUNDS)) {
    const value = BigInt(bound.read(p));
    if (value < BigInt(bound.min) || value > BigInt(bound.max)) {
      problems.push(`${field} must be between ${bound.min} and ${bound.max} (${bound.source.contract}), got ${value}`);
    }
    if (bound.wholeCrp === true && value % CRP !== 0n) problems.push(`${field} must be a whole number of CRP`);
  }
  if (p.tasks.livenessPenalty > p.tasks.reviewStake) {
    problems.push("tasks.livenessPenalty must not exceed tasks.reviewStake (the penalty comes out of the review lock)");
  }
  // The treasury (the timelock) never votes: only CRP allocated outside it can reach quorum and the
  // proposal threshold. A deployment where it cannot would leave governance locked from the first block.
  const votable = p.token.allocations.reduce((sum, a) => sum + a.amount, 0n);
  const supply = p.token.treasuryAllocation + votable;
  if (votable * 100n < BigInt(p.governance.quorumPercent) * supply) {
    problems.push(
      `token.allocations hold ${votable / CRP} of ${supply / CRP} CRP, but the treasury never votes: allocate at ` +
        `least governance.quorumPercent (${p.governance.quorumPercent}%) of the supply outside it, or no proposal ` +
        `could ever pass`,
    );
  }
  if (p.disputes.jurySize % 2 === 0) problems.push("disputes.jurySize must be odd (a full jury must not tie)");
  if (p.disputes.incoherentSlashBps > p.disputes.nonRevealSlashBps) {
    problems.push(
      "disputes.incoherentSlashBps must not exceed disputes.nonRevealSlashBps (hiding a losing vote must not be cheaper)",
    );
  }
  return problems;
}
