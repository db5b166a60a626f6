import { Contract, type ContractRunner, type InterfaceAbi } from "ethers";
import type { CorpusContractName, CorpusDeploymentRecord } from "../addresses";
import { CORPUS_ABIS } from "../generated/abis";
import type {
  CorpusData,
  CorpusDisputes,
  CorpusGovernor,
  CorpusStaking,
  CorpusTasks,
  CorpusTasksLens,
  CorpusTimelock,
  CorpusToken,
  Multicall3,
  PrevrandaoRandomness,
} from "../typechain";

/** The TypeChain type of each contract of a deployment, by address-book name. */
export interface CorpusContracts {
  CorpusToken: CorpusToken;
  CorpusTimelock: CorpusTimelock;
  CorpusGovernor: CorpusGovernor;
  PrevrandaoRandomness: PrevrandaoRandomness;
  CorpusStaking: CorpusStaking;
  CorpusDisputes: CorpusDisputes;
  CorpusTasks: CorpusTasks;
  CorpusTasksLens: CorpusTasksLens;
  CorpusData: CorpusData;
}

// A deployment names exactly the contracts typed above.
const _names: Record<CorpusContractName, true> = {} as Record<keyof CorpusContracts, true>;
void _names;

/**
 * A typed contract at `address`. This is what a TypeChain factory's `connect` does, minus the factory:
 * the factories carry deployment bytecode a client never needs (hundreds of kilobytes in a bundle).
 */
export function connectContract<Name extends keyof CorpusContracts | "Multicall3">(
  name: Name,
  address: string,
  runner: ContractRunner,
): Name extends keyof CorpusContracts ? CorpusContracts[Name] : Multicall3 {
  return new Contract(address, CORPUS_ABIS[name] as unknown as InterfaceAbi, runner) as never;
}

/** Connects typed instances of every contract of a deployment to `runner`. */
export function connectContracts(deployment: CorpusDeploymentRecord, runner: ContractRunner): CorpusContracts {
  const entries = Object.entries(deployment.contracts).map(([name, address]) => [
    name,
    connectContract(name as CorpusContractName, address, runner),
  ]);
  return Object.fromEntries(entries) as CorpusContracts;
}
