import { AbiCoder, type TransactionReceipt, Interface, getAddress, isAddress, keccak256, toUtf8Bytes } from "ethers";
import { CORPUS_ABIS } from "../generated/abis";
import { CorpusError, CorpusInputError } from "../errors/sdk-errors";
import type { ClientContext } from "../internal/context";
import { requireSigner } from "../internal/context";
import { read, transact } from "../internal/transact";
import type { CorpusGovernor } from "../typechain";

/** Governor proposal states, in the order of OpenZeppelin's `IGovernor.ProposalState`. */
export const PROPOSAL_STATES = [
  "Pending",
  "Active",
  "Canceled",
  "Defeated",
  "Succeeded",
  "Queued",
  "Expired",
  "Executed",
] as const;
export type ProposalStateName = (typeof PROPOSAL_STATES)[number];

/** Vote values of `GovernorCountingSimple`. */
export const VOTE_SUPPORT = { against: 0, for: 1, abstain: 2 } as const;
export type VoteChoice = keyof typeof VOTE_SUPPORT;

/**
 * One call the timelock will make: a contract of the deployment by name (`"CorpusTasks"`), or any
 * `address` together with the `contract` whose ABI encodes the call.
 */
export interface ProposalActionSpec {
  contract: string;
  address?: string;
  function: string;
  args?: unknown[];
  /** Native value to send, in wei, as a decimal string. */
  value?: string;
}

/** A proposal as DAO members write it (proposal files are this, in JSON). */
export interface ProposalSpec {
  description: string;
  actions: ProposalActionSpec[];
}

/** A proposal ready for the governor: the arrays `propose`, `queue` and `execute` take, and its id. */
export interface EncodedProposal {
  targets: string[];
  values: bigint[];
  calldatas: string[];
  description: string;
  descriptionHash: string;
  /** The governor's id for it (`hashProposal`), computed locally. */
  id: bigint;
}

/** A governance step asked of a proposal in the wrong state. */
export class CorpusGovernanceStateError extends CorpusError {
  readonly code = "GOVERNANCE_STATE";

  constructor(
    readonly proposalId: bigint,
    readonly state: ProposalStateName | "Unknown",
    readonly step: string,
    readonly needed: string,
    detail?: string,
  ) {
    super(detail ?? `Cannot ${step} proposal ${proposalId}: it is ${state}, and ${step} needs ${needed}`);
  }
}

/** Checks a proposal spec's shape; every problem is a {@link CorpusInputError} naming the field. */
export function validateProposal(raw: unknown): ProposalSpec {
  const spec = raw as Partial<ProposalSpec> | null;
  if (typeof spec !== "object" || spec === null) throw new CorpusInputError("proposal", "must be an object");
  if (typeof spec.description !== "string" || spec.description.trim() === "") {
    throw new CorpusInputError("description", "must be a non-empty string");
  }
  if (!Array.isArray(spec.actions) || spec.actions.length === 0) {
    throw new CorpusInputError("actions", "must be a non-empty array");
  }
  spec.actions.forEach((action, i) => {
    const where = `actions[${i}]`;
    if (typeof action?.contract !== "string")
      throw new CorpusInputError(`${where}.contract`, "must be a contract name");
    if (typeof action.function !== "string") throw new CorpusInputError(`${where}.function`, "must be a function name");
    if (action.args !== undefined && !Array.isArray(action.args)) {
      throw new CorpusInputError(`${where}.args`, "must be an array");
    }
    if (action.address !== undefined && !isAddress(action.address)) {
      throw new CorpusInputError(`${where}.address`, "is not an address", action.address);
    }
    // A JSON number above 2^53 has already lost digits: only a decimal string is exact.
    if (action.value !== undefined && (typeof action.value !== "string" || !/^\d+$/.test(action.value))) {
      throw new CorpusInputError(`${where}.value`, "must be a wei amount as a decimal string", action.value);
    }
  });
  return spec as ProposalSpec;
}

/** The governor's proposal id: `uint256(keccak256(abi.encode(targets, values, calldatas, descriptionHash)))`. */
export function proposalId(p: Pick<EncodedProposal, "targets" | "values" | "calldatas" | "descriptionHash">): bigint {
  const encoded = AbiCoder.defaultAbiCoder().encode(
    ["address[]", "uint256[]", "bytes[]", "bytes32"],
    [p.targets, p.values, p.calldatas, p.descriptionHash],
  );
  return BigInt(keccak256(encoded));
}

/** Resolves contract names against the deployment and ABI-encodes every call with the SDK's ABIs. */
export function encodeProposal(spec: ProposalSpec, contracts: Record<string, string>): EncodedProposal {
  const valid = validateProposal(spec);
  const targets: string[] = [];
  const values: bigint[] = [];
  const calldatas: string[] = [];
  for (const [i, action] of valid.actions.entries()) {
    const where = `actions[${i}]`;
    const target = action.address ?? contracts[action.contract];
    if (target === undefined) {
      throw new CorpusInputError(
        `${where}.contract`,
        `"${action.contract}" is not in the deployment (${Object.keys(contracts).join(", ")}); give an "address"`,
      );
    }
    const abi = (CORPUS_ABIS as Record<string, readonly unknown[]>)[action.contract];
    if (abi === undefined) {
      throw new CorpusInputError(
        `${where}.contract`,
        `no ABI for "${action.contract}" (${Object.keys(CORPUS_ABIS).join(", ")})`,
      );
    }
    const iface = new Interface(abi as never);
    const fragment = iface.getFunction(action.function);
    if (fragment === null) {
      throw new CorpusInputError(`${where}.function`, `${action.contract} has no function "${action.function}"`);
    }
    try {
      calldatas.push(iface.encodeFunctionData(fragment, action.args ?? []));
    } catch (error) {
      throw new CorpusInputError(
        `${where}.args`,
        `bad arguments for ${fragment.format()}: ${(error as Error).message}`,
      );
    }
    targets.push(getAddress(target));
    values.push(BigInt(action.value ?? "0"));
  }
  const descriptionHash = keccak256(toUtf8Bytes(valid.description));
  const base = { targets, values, calldatas, description: valid.description, descriptionHash };
  return { ...base, id: proposalId(base) };
}

/** A proposal's state on `governor`, or `"Unknown"` if it was never proposed. */
export async function proposalState(governor: CorpusGovernor, id: bigint): Promise<ProposalStateName | "Unknown"> {
  const snapshot = await read(() => governor.proposalSnapshot(id));
  if (snapshot === 0n) return "Unknown";
  return PROPOSAL_STATES[Number(await read(() => governor.state(id)))] ?? "Unknown";
}

/** DAO proposals through `CorpusGovernor` and its timelock. */
export class GovernanceModule {
  constructor(private readonly ctx: ClientContext) {}

  private get governor() {
    return this.ctx.contracts.CorpusGovernor;
  }

  /** Encodes a proposal against this deployment (see {@link encodeProposal}). */
  encode(spec: ProposalSpec): EncodedProposal {
    return encodeProposal(spec, this.ctx.deployment.contracts);
  }

  /** A proposal's state, or `"Unknown"` if it was never proposed. */
  async state(id: bigint): Promise<ProposalStateName | "Unknown"> {
    return proposalState(this.governor, id);
  }

  private async requireState(p: EncodedProposal, expected: ProposalStateName | "Unknown", step: string) {
    const state = await this.state(p.id);
    if (state !== expected) throw new CorpusGovernanceStateError(p.id, state, step, expected);
  }

  /** Submits a proposal; refuses one that already exists. */
  async propose(p: EncodedProposal): Promise<TransactionReceipt> {
    requireSigner(this.ctx, "governance.propose");
    await this.requireState(p, "Unknown", "propose");
    return transact(this.ctx, () =>
      this.governor.propose.populateTransaction(p.targets, p.values, p.calldatas, p.description),
    );
  }

  /** Casts the signer's vote on an active proposal, with an optional reason recorded on-chain. */
  async vote(p: EncodedProposal, choice: VoteChoice, reason = ""): Promise<TransactionReceipt> {
    requireSigner(this.ctx, "governance.vote");
    if (!Object.hasOwn(VOTE_SUPPORT, choice)) {
      throw new CorpusInputError("choice", `Unknown vote: use one of ${Object.keys(VOTE_SUPPORT).join(", ")}`, choice);
    }
    await this.requireState(p, "Active", "vote on");
    const support = VOTE_SUPPORT[choice];
    const governor = this.governor;
    return transact(this.ctx, () =>
      reason
        ? governor.castVoteWithReason.populateTransaction(p.id, support, reason)
        : governor.castVote.populateTransaction(p.id, support),
    );
  }

  /** Queues a succeeded proposal in the timelock; returns when it becomes executable. */
  async queue(p: EncodedProposal): Promise<{ eta: bigint; receipt: TransactionReceipt }> {
    requireSigner(this.ctx, "governance.queue");
    await this.requireState(p, "Succeeded", "queue");
    const governor = this.governor;
    const receipt = await transact(this.ctx, () =>
      governor.queue.populateTransaction(p.targets, p.values, p.calldatas, p.descriptionHash),
    );
    return { eta: await read(() => governor.proposalEta(p.id)), receipt };
  }

  /** Executes a queued proposal whose timelock delay has passed. */
  async execute(p: EncodedProposal): Promise<TransactionReceipt> {
    requireSigner(this.ctx, "governance.execute");
    await this.requireState(p, "Queued", "execute");
    const governor = this.governor;
    const [eta, now] = await read(() => Promise.all([governor.proposalEta(p.id), governor.clock()]));
    // The transaction lands in a later block than the one `clock()` read, at least a second later.
    if (now + 1n < eta) {
      throw new CorpusGovernanceStateError(
        p.id,
        "Queued",
        "execute",
        "its timelock delay to end",
        `Cannot execute proposal ${p.id} yet: the timelock delay ends at ${eta} (now ${now})`,
      );
    }
    return transact(this.ctx, () =>
      governor.execute.populateTransaction(p.targets, p.values, p.calldatas, p.descriptionHash),
    );
  }

  /** Everything a voter wants to know about a proposal at a glance. */
  async status(id: bigint) {
    const governor = this.governor;
    const state = await this.state(id);
    if (state === "Unknown") return { proposalId: id, state } as const;
    return read(async () => {
      const [snapshot, now, deadline, eta, votes] = await Promise.all([
        governor.proposalSnapshot(id),
        governor.clock(),
        governor.proposalDeadline(id),
        governor.proposalEta(id),
        governor.proposalVotes(id),
      ]);
      // Quorum is fixed at the snapshot; before it, the best estimate is the quorum as of the last second.
      const quorum = await governor.quorum(snapshot < now ? snapshot : now - 1n);
      const [againstVotes, forVotes, abstainVotes] = votes;
      return {
        proposalId: id,
        state,
        voteStart: snapshot,
        voteEnd: deadline,
        eta,
        forVotes,
        againstVotes,
        abstainVotes,
        quorum,
      };
    });
  }
}
