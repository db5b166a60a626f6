/**
 * The governance steps the `gov:*` tasks, the demo and the benchmark use. The logic is the SDK's
 * (`client.governance`, `encodeProposal`, `validateProposal`): this file only finds the address book and
 * the signer the Hardhat way and adapts the SDK's results to the shapes the callers expect.
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { Signer } from "ethers";
import { type AddressBook, readAddressBook } from "../../deploy/address-book";
import {
  CorpusClient,
  type CorpusGovernor,
  type EncodedProposal,
  type ProposalSpec,
  type VoteChoice,
} from "../../sdk/src";
import { readProposalFile } from "./proposal";

export { PROPOSAL_STATES, VOTE_SUPPORT, proposalState, type ProposalStateName, type VoteChoice } from "../../sdk/src";
/** A step asked of a proposal in the wrong state: the SDK's error, under the name the scripts used. */
export { CorpusGovernanceStateError as GovernanceStepError } from "../../sdk/src";

export interface GovernanceContext {
  /** The governor, connected to `signer`. */
  governor: CorpusGovernor;
  proposal: EncodedProposal;
  proposalId: bigint;
  /** The account that signs the steps. */
  signer: Signer;
  /** The deployment the proposal was encoded against. */
  addressBook: AddressBook;
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
  if (runner === undefined) throw new Error("No signer: give one, or configure accounts for this network");
  const client = await CorpusClient.connect(runner, { deployment: book });
  const proposal = client.governance.encode(spec);
  return {
    governor: client.contracts.CorpusGovernor,
    proposal,
    proposalId: proposal.id,
    signer: runner,
    addressBook: book,
  };
}

/** The same proposal, signed by another account (to vote, say). */
export function withSigner(ctx: GovernanceContext, signer: Signer): GovernanceContext {
  return { ...ctx, signer, governor: ctx.governor.connect(signer) };
}

/** The SDK's governance module, for the context's signer and deployment. */
async function governance(ctx: GovernanceContext) {
  return (await CorpusClient.connect(ctx.signer, { deployment: ctx.addressBook })).governance;
}

/**
 * A proposal's state, or `"Unknown"` if it was never proposed. Only the governor is at hand here, so the
 * client is connected to a deployment that names just the governor (all `governance.state` reads).
 */
/** Submits the proposal (refused if it already exists); returns its id. */
export async function propose(ctx: GovernanceContext) {
  const receipt = await (await governance(ctx)).propose(ctx.proposal);
  return { proposalId: ctx.proposalId, receipt };
}

/** Casts the signer's vote (`for`, `against` or `abstain`), with an optional reason. */
export async function vote(ctx: GovernanceContext, choice: string, reason = "") {
  // The SDK refuses anything but the three choices with a CorpusInputError before sending.
  return { receipt: await (await governance(ctx)).vote(ctx.proposal, choice as VoteChoice, reason) };
}

/** Queues a succeeded proposal in the timelock; returns when it becomes executable. */
export async function queue(ctx: GovernanceContext) {
  return (await governance(ctx)).queue(ctx.proposal);
}

/** Executes a queued proposal whose timelock delay has passed. */
export async function execute(ctx: GovernanceContext) {
  return { receipt: await (await governance(ctx)).execute(ctx.proposal) };
}

/** Everything a voter wants to know about a proposal at a glance. */
export async function status(ctx: GovernanceContext) {
  return (await governance(ctx)).status(ctx.proposalId);
}
