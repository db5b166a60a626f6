/**
 * `@corpus-protocol/sdk/viem`: every Corpus ABI `as const` and the address book, for viem and wagmi, whose
 * types infer function names, arguments, results, events and errors from them. Imports nothing from
 * ethers, so a viem app does not bundle it.
 *
 * ```ts
 * import { corpusTasksAbi, deploymentFor } from "@corpus-protocol/sdk/viem";
 * const task = await publicClient.readContract({
 *   address: deploymentFor(chainId).contracts.CorpusTasks as `0x${string}`,
 *   abi: corpusTasksAbi,
 *   functionName: "getTask",
 *   args: [1n],
 * });
 * ```
 */
export * from "./generated/abis";
export {
  CORPUS_CONTRACT_NAMES,
  CORPUS_DEPLOYMENTS,
  MULTICALL3_CANONICAL_ADDRESS,
  deploymentFor,
  type CorpusContractName,
  type CorpusDeploymentRecord,
} from "./addresses";
