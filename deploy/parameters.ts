import fs from "node:fs";
import path from "node:path";
import { getAddress, isAddress, parseEther } from "ethers";
import { boundViolations } from "./bounds";

/** Thrown when a network's parameters file is missing or says something the protocol cannot deploy. */
export class DeploymentParametersError extends Error {
  override readonly name = "DeploymentParametersError";
}

/** The validated, typed parameters of one chain's deployment (amounts in wei). */
export interface CorpusParameters {
  /** May pause contracts that hold user funds (zero: no guardian). */
  guardian: string;
  governance: {
    timelockMinDelay: number;
    votingDelay: number;
    votingPeriod: number;
    proposalThresholdBps: number;
    quorumPercent: number;
  };
  token: {
    treasuryAllocation: bigint;
    allocations: { to: string; amount: bigint }[];
  };
  staking: {
    minimumStake: bigint;
    unbondingPeriod: number;
    slashRewardBps: number;
  };
  tasks: {
    protocolFeeBps: number;
    validatorFeeBps: number;
    reviewStake: bigint;
    livenessPenalty: bigint;
    disputeWindow: number;
    maxPanelRounds: number;
    /** Payment tokens besides CRP that new tasks may use. */
    allowedTokens: string[];
  };
  disputes: {
    feePerJuror: bigint;
    jurySize: number;
    jurorLock: bigint;
    evidencePeriod: number;
    commitPeriod: number;
    revealPeriod: number;
    appealPeriod: number;
    nonRevealSlashBps: number;
    incoherentSlashBps: number;
  };
  data: {
    protocolFeeBps: number;
    contributorShareFloorBps: number;
    royaltyCapBps: number;
    /** Payment tokens besides CRP that licence offers may use. */
    allowedTokens: string[];
  };
}

export const PARAMETERS_DIR = path.join(__dirname, "parameters");

/** The parameters file of a chain: `deploy/parameters/<chainId>.json`. */
export function parametersPath(chainId: bigint | number): string {
  return path.join(PARAMETERS_DIR, `${chainId}.json`);
}

/** Reads and validates the parameters file for `chainId`; every problem is a {@link DeploymentParametersError}. */
export function loadParameters(chainId: bigint | number): CorpusParameters {
  const file = parametersPath(chainId);
  if (!fs.existsSync(file)) {
    throw new DeploymentParametersError(
      `No deployment parameters for chain ${chainId}: create ${path.relative(process.cwd(), file)} ` +
        `(start from deploy/parameters/example-remote.json).`,
    );
  }
  return parseParameters(JSON.parse(fs.readFileSync(file, "utf8")), file);
}

/**
 * Validates raw parameters (as read from JSON), converts CRP amounts to wei, and checks every value against
 * the bounds its contract enforces (deploy/bounds.ts), so that nothing is deployed from a file that would
 * fail halfway.
 */
export function parseParameters(raw: unknown, source = "parameters"): CorpusParameters {
  const parameters = parseShape(raw, source);
  const problems = boundViolations(parameters);
  if (problems.length > 0) throw new DeploymentParametersError(`${source}: ${problems.join("; ")}`);
  return parameters;
}

function parseShape(raw: unknown, source: string): CorpusParameters {
  const at = (field: string) => `${source}: ${field}`;
  const root = asObject(raw, at("root"));
  const governance = asObject(root.governance, at("governance"));
  const token = asObject(root.token, at("token"));
  const staking = asObject(root.staking, at("staking"));
  const tasks = asObject(root.tasks, at("tasks"));
  const disputes = asObject(root.disputes, at("disputes"));
  const data = asObject(root.data, at("data"));
  const dataTokens = data.allowedTokens;
  if (!Array.isArray(dataTokens)) throw new DeploymentParametersError(`${at("data.allowedTokens")} must be an array`);
  const allowedTokens = tasks.allowedTokens;
  if (!Array.isArray(allowedTokens))
    throw new DeploymentParametersError(`${at("tasks.allowedTokens")} must be an array`);
  const allocations = token.allocations;
  if (!Array.isArray(allocations)) throw new DeploymentParametersError(`${at("token.allocations")} must be an array`);

  return {
    guardian: asAddress(root.guardian, at("guardian")),
    governance: {
      timelockMinDelay: asInteger(governance.timelockMinDelay, at("governance.timelockMinDelay")),
      votingDelay: asInteger(governance.votingDelay, at("governance.votingDelay")),
      votingPeriod: asInteger(governance.votingPeriod, at("governance.votingPeriod")),
      proposalThresholdBps: asInteger(governance.proposalThresholdBps, at("governance.proposalThresholdBps")),
      quorumPercent: asInteger(governance.quorumPercent, at("governance.quorumPercent")),
    },
    token: {
      treasuryAllocation: asCrp(token.treasuryAllocation, at("token.treasuryAllocation")),
      allocations: allocations.map((entry: unknown, i) => {
        const allocation = asObject(entry, at(`token.allocations[${i}]`));
        return {
          to: asAddress(allocation.to, at(`token.allocations[${i}].to`)),
          amount: asCrp(allocation.amount, at(`token.allocations[${i}].amount`)),
        };
      }),
    },
    staking: {
      minimumStake: asCrp(staking.minimumStake, at("staking.minimumStake")),
      unbondingPeriod: asInteger(staking.unbondingPeriod, at("staking.unbondingPeriod")),
      slashRewardBps: asInteger(staking.slashRewardBps, at("staking.slashRewardBps")),
    },
    tasks: {
      protocolFeeBps: asInteger(tasks.protocolFeeBps, at("tasks.protocolFeeBps")),
      validatorFeeBps: asInteger(tasks.validatorFeeBps, at("tasks.validatorFeeBps")),
      reviewStake: asCrp(tasks.reviewStake, at("tasks.reviewStake")),
      livenessPenalty: asCrp(tasks.livenessPenalty, at("tasks.livenessPenalty")),
      disputeWindow: asInteger(tasks.disputeWindow, at("tasks.disputeWindow")),
      maxPanelRounds: asInteger(tasks.maxPanelRounds, at("tasks.maxPanelRounds")),
      allowedTokens: allowedTokens.map((token: unknown, i) => asAddress(token, at(`tasks.allowedTokens[${i}]`))),
    },
    disputes: {
      feePerJuror: asCrp(disputes.feePerJuror, at("disputes.feePerJuror")),
      jurySize: asInteger(disputes.jurySize, at("disputes.jurySize")),
      jurorLock: asCrp(disputes.jurorLock, at("disputes.jurorLock")),
      evidencePeriod: asInteger(disputes.evidencePeriod, at("disputes.evidencePeriod")),
      commitPeriod: asInteger(disputes.commitPeriod, at("disputes.commitPeriod")),
      revealPeriod: asInteger(disputes.revealPeriod, at("disputes.revealPeriod")),
      appealPeriod: asInteger(disputes.appealPeriod, at("disputes.appealPeriod")),
      nonRevealSlashBps: asInteger(disputes.nonRevealSlashBps, at("disputes.nonRevealSlashBps")),
      incoherentSlashBps: asInteger(disputes.incoherentSlashBps, at("disputes.incoherentSlashBps")),
    },
    data: {
      protocolFeeBps: asInteger(data.protocolFeeBps, at("data.protocolFeeBps")),
      contributorShareFloorBps: asInteger(data.contributorShareFloorBps, at("data.contributorShareFloorBps")),
      royaltyCapBps: asInteger(data.royaltyCapBps, at("data.royaltyCapBps")),
      allowedTokens: dataTokens.map((token: unknown, i) => asAddress(token, at(`data.allowedTokens[${i}]`))),
    },
  };
}

function asObject(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new DeploymentParametersError(`${where} must be an object`);
  }
  return value as Record<string, unknown>;
}

function asInteger(value: unknown, where: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw new DeploymentParametersError(`${where} must be a non-negative integer, got ${JSON.stringify(value)}`);
  }
  return value;
}

function asCrp(value: unknown, where: string): bigint {
  if (typeof value !== "string" || !/^\d+(\.\d{1,18})?$/.test(value)) {
    throw new DeploymentParametersError(`${where} must be a decimal string of whole CRP, got ${JSON.stringify(value)}`);
  }
  return parseEther(value);
}

function asAddress(value: unknown, where: string): string {
  if (typeof value !== "string" || !isAddress(value)) {
    throw new DeploymentParametersError(`${where} must be an address, got ${JSON.stringify(value)}`);
  }
  return getAddress(value);
}
