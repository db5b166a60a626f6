import { DEPLOYMENTS } from "./generated/address-book";
import { CorpusUnknownChainError } from "./errors/sdk-errors";

/** The contracts a Corpus deployment consists of, by the name its address book records them under. */
export const CORPUS_CONTRACT_NAMES = [
  "CorpusToken",
  "CorpusTimelock",
  "CorpusGovernor",
  "PrevrandaoRandomness",
  "CorpusStaking",
  "CorpusDisputes",
  "CorpusTasks",
  "CorpusTasksLens",
  "CorpusData",
] as const;

export type CorpusContractName = (typeof CORPUS_CONTRACT_NAMES)[number];

/** Multicall3's address on every public chain that has it (https://www.multicall3.com). */
export const MULTICALL3_CANONICAL_ADDRESS = "0xcA11bde05977b3631167028862bE2a173976CA11";

/** One deployment of Corpus on one chain, as `npx hardhat corpus:deploy` records it. */
export interface CorpusDeploymentRecord {
  chainId: number;
  /** The block the deployment started at: event queries need not look further back. */
  startBlock: number;
  contracts: Record<CorpusContractName, string>;
  /** Where Multicall3 is, if not at its canonical address (local chains deploy their own). */
  multicall3?: string;
}

/** Deployments recorded for public chains and shipped with this package. */
export const CORPUS_DEPLOYMENTS: readonly CorpusDeploymentRecord[] = DEPLOYMENTS;

/** The recorded deployment on `chainId`, or a {@link CorpusUnknownChainError} naming the chains known. */
export function deploymentFor(
  chainId: bigint | number,
  deployments: readonly CorpusDeploymentRecord[] = CORPUS_DEPLOYMENTS,
): CorpusDeploymentRecord {
  const found = deployments.find((d) => BigInt(d.chainId) === BigInt(chainId));
  if (found === undefined) {
    throw new CorpusUnknownChainError(
      BigInt(chainId),
      deployments.map((d) => d.chainId),
    );
  }
  return found;
}
