import type { ContractRunner } from "ethers";
import {
  CorpusData__factory,
  CorpusDisputes__factory,
  CorpusGovernor__factory,
  CorpusStaking__factory,
  CorpusTasks__factory,
  CorpusTasksLens__factory,
  CorpusTimelock__factory,
  CorpusToken__factory,
  PrevrandaoRandomness__factory,
} from "../sdk/src/typechain";

/**
 * Every contract a deployment records, by address-book name, with the TypeChain factory that types it.
 * Adding a contract to the protocol means adding it here and to the Ignition module `Corpus`.
 */
export const CORPUS_CONTRACTS = {
  CorpusToken: CorpusToken__factory,
  CorpusTimelock: CorpusTimelock__factory,
  CorpusGovernor: CorpusGovernor__factory,
  PrevrandaoRandomness: PrevrandaoRandomness__factory,
  CorpusStaking: CorpusStaking__factory,
  CorpusDisputes: CorpusDisputes__factory,
  CorpusTasks: CorpusTasks__factory,
  CorpusTasksLens: CorpusTasksLens__factory,
  CorpusData: CorpusData__factory,
} as const;

export type CorpusContractName = keyof typeof CORPUS_CONTRACTS;

/** The typed contract instances of a deployment, by address-book name. */
export type CorpusContracts = {
  [Name in CorpusContractName]: ReturnType<(typeof CORPUS_CONTRACTS)[Name]["connect"]>;
};

/** Connects typed instances of every contract of an address book. */
export function connectCorpus(addresses: Record<CorpusContractName, string>, runner: ContractRunner): CorpusContracts {
  const entries = Object.entries(CORPUS_CONTRACTS).map(([name, factory]) => [
    name,
    factory.connect(addresses[name as CorpusContractName], runner),
  ]);
  return Object.fromEntries(entries) as CorpusContracts;
}
