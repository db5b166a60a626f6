import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { Signer } from "ethers";
import { type AddressBook, readAddressBook } from "../../deploy/address-book";
import { CorpusGovernor__factory, type CorpusGovernor } from "../../sdk/src/typechain";
import {
  type EncodedProposal,
  type ProposalSpec,
  encodeProposal,
  readProposalFile,
  validateProposal,
} from "./proposal";

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

/** Thrown when a governance step is asked of a proposal in the wrong state, or with a bad choice. */
export class GovernanceStepError extends Error {
  override readonly name = "GovernanceStepError";
}

export interface GovernanceContext {
  governor: CorpusGovernor;
  proposal: EncodedProposal;
  proposalId: bigint;
}

/** Loads the proposal file, encodes it against this chain's address book and computes its id. */
export async function loadGovernanceContext(
  hre: HardhatRuntimeEnvironment,
  proposalFile: string,
  signer?: Signer,
  addressBook?: AddressBook,
): Promise<GovernanceContext> {
  return governanceContext(hre, readProposalFile(proposalFile), signer, addressBook);
}

/** Encodes a proposal given as an object (the demo and the gas benchmark build theirs in code). */
export async function governanceContext(
  hre: HardhatRuntimeEnvironment,
  spec: ProposalSpec,
  signer?: Signer,
  addressBook?: AddressBook,
): Promise<GovernanceContext> {
  const book = addressBook ?? readAddressBook((await hre.ethers.provider.getNetwork()).chainId);
  const runner = signer ?? (await hre.ethers.getSigners())[0];
  const governor = CorpusGovernor__factory.connect(book.contracts.CorpusGovernor, runner);
  const proposal = await encodeProposal(hre, validateProposal(spec), book);
  const proposalId = await governor.hashProposal(
    proposal.targets,
    proposal.values,
    proposal.calldatas,
    proposal.descriptionHash,
  );
  return { governor, proposal, proposalId };
}

/** The same proposal, signed by another account (to vote, say). */
export function withSigner(ctx: GovernanceContext, signer: Signer): GovernanceContext {
  return { ...ctx, governor: ctx.governor.connect(signer) };
}

export async function proposalState(
  governor: CorpusGovernor,
  proposalId: bigint,
): Promise<ProposalStateName | "Unknown"> {
  if ((await governor.proposalSnapshot(proposalId)) === 0n) return "Unknown";
  return PROPOSAL_STATES[Number(await governor.state(proposalId))] ?? "Unknown";
}

async function requireState(ctx: GovernanceContext, expected: ProposalStateName, step: string): Promise<void> {
  const state = await proposalState(ctx.governor, ctx.proposalId);
  if (state !== expected) {
    throw new GovernanceStepError(
      `Cannot ${step} proposal ${ctx.proposalId}: it is ${state}, and ${step} needs ${expected}.`,
    );
  }
}

/** Submits the proposal; returns its id. */
export async function propose(ctx: GovernanceContext) {
  const state = await proposalState(ctx.governor, ctx.proposalId);
  if (state !== "Unknown") throw new GovernanceStepError(`Proposal ${ctx.proposalId} already exists (${state}).`);
  const { targets, values, calldatas, description } = ctx.proposal;
  const tx = await ctx.governor.propose(targets, values, calldatas, description);
  return { proposalId: ctx.proposalId, receipt: await tx.wait() };
}

/** Casts the signer's vote, with an optional reason. */
export async function vote(ctx: GovernanceContext, choice: string, reason = "") {
  if (!Object.hasOwn(VOTE_SUPPORT, choice)) {
    throw new GovernanceStepError(`Unknown vote "${choice}": use one of ${Object.keys(VOTE_SUPPORT).join(", ")}.`);
  }
  await requireState(ctx, "Active", "vote on");
  const support = VOTE_SUPPORT[choice as VoteChoice];
  const tx = reason
    ? await ctx.governor.castVoteWithReason(ctx.proposalId, support, reason)
    : await ctx.governor.castVote(ctx.proposalId, support);
  return { receipt: await tx.wait() };
}

/** Queues a succeeded proposal in the timelock. */
export async function queue(ctx: GovernanceContext) {
  await requireState(ctx, "Succeeded", "queue");
  const { targets, values, calldatas, descriptionHash } = ctx.proposal;
  const tx = await ctx.governor.queue(targets, values, calldatas, descriptionHash);
  return { receipt: await tx.wait(), eta: await ctx.governor.proposalEta(ctx.proposalId) };
}

/** Executes a queued proposal whose timelock delay has passed. */
export async function execute(ctx: GovernanceContext) {
  await requireState(ctx, "Queued", "execute");
  const eta = await ctx.governor.proposalEta(ctx.proposalId);
  const now = BigInt((await ctx.governor.clock()).toString());
  // The transaction lands in a later block than the one `clock()` read, at least a second later.
  if (now + 1n < eta) {
    throw new GovernanceStepError(
      `Cannot execute proposal ${ctx.proposalId} yet: the timelock delay ends at ${eta} (now ${now}).`,
    );
  }
  const { targets, values, calldatas, descriptionHash } = ctx.proposal;
  const tx = await ctx.governor.execute(targets, values, calldatas, descriptionHash);
  return { receipt: await tx.wait() };
}

/** Everything a voter wants to know about a proposal at a glance. */
export async function status(ctx: GovernanceContext) {
  const { governor, proposalId } = ctx;
  const state = await proposalState(governor, proposalId);
  if (state === "Unknown") return { proposalId, state };
  const snapshot = await governor.proposalSnapshot(proposalId);
  // Quorum is fixed at the snapshot; before it, the best estimate is the quorum as of the last second.
  const now = await governor.clock();
  const quorumAt = snapshot < now ? snapshot : now - 1n;
  const [againstVotes, forVotes, abstainVotes] = await governor.proposalVotes(proposalId);
  return {
    proposalId,
    state,
    voteStart: snapshot,
    voteEnd: await governor.proposalDeadline(proposalId),
    eta: await governor.proposalEta(proposalId),
    forVotes,
    againstVotes,
    abstainVotes,
    quorum: await governor.quorum(quorumAt),
  };
}
