import type { HardhatRuntimeEnvironment } from "hardhat/types";
import CorpusCoreModule from "./modules/CorpusCore";
import { type AddressBook, writeAddressBook } from "./address-book";
import { type CorpusParameters, loadParameters } from "./parameters";
import {
  CorpusGovernor__factory,
  CorpusTimelock__factory,
  CorpusToken__factory,
  type CorpusGovernor,
  type CorpusTimelock,
  type CorpusToken,
} from "../typechain-types";

/** Chain id of the in-process Hardhat network, `npx hardhat node` and anvil. */
export const LOCAL_CHAIN_ID = 31337n;

/** A deployed protocol: typed contracts connected to the deployer, plus its address book. */
export interface CorpusDeployment {
  token: CorpusToken;
  timelock: CorpusTimelock;
  governor: CorpusGovernor;
  addressBook: AddressBook;
}

export interface DeployOptions {
  /** Parameters to deploy with; by default the chain's `deploy/parameters/<chainId>.json`. */
  parameters?: CorpusParameters;
  /** Write `deployments/<chainId>.json` (default: on every network but the in-process one). */
  writeAddressBook?: boolean;
  /** Show Ignition's progress UI (default: off). */
  displayUi?: boolean;
}

/** Maps our parameters onto the Ignition module's parameter names. */
export function toIgnitionParameters(p: CorpusParameters) {
  return {
    CorpusCore: {
      timelockMinDelay: p.governance.timelockMinDelay,
      votingDelay: p.governance.votingDelay,
      votingPeriod: p.governance.votingPeriod,
      proposalThresholdBps: p.governance.proposalThresholdBps,
      quorumPercent: p.governance.quorumPercent,
      treasuryAllocation: p.token.treasuryAllocation,
      allocationRecipients: p.token.allocations.map((a) => a.to),
      allocationAmounts: p.token.allocations.map((a) => a.amount),
    },
  };
}

/**
 * Deploys Corpus with Hardhat Ignition and wires every role, leaving the deployer with none.
 * The same call serves tests, the demo and the gas benchmark (in-process) and real chains.
 */
export async function deployCorpus(
  hre: HardhatRuntimeEnvironment,
  options: DeployOptions = {},
): Promise<CorpusDeployment> {
  const { chainId } = await hre.ethers.provider.getNetwork();
  const parameters = options.parameters ?? loadParameters(chainId);
  const startBlock = await hre.ethers.provider.getBlockNumber();

  const deployed = await hre.ignition.deploy(CorpusCoreModule, {
    parameters: toIgnitionParameters(parameters),
    displayUi: options.displayUi ?? false,
    // A local dev chain (31337) is thrown away on restart, so each deployment there gets a journal of
    // its own instead of resuming a stale one. Public chains keep Ignition's default resumable journal.
    deploymentId: chainId === LOCAL_CHAIN_ID ? `local-${Date.now()}` : undefined,
  });

  const [deployer] = await hre.ethers.getSigners();
  const token = CorpusToken__factory.connect(await deployed.token.getAddress(), deployer);
  const timelock = CorpusTimelock__factory.connect(await deployed.timelock.getAddress(), deployer);
  const governor = CorpusGovernor__factory.connect(await deployed.governor.getAddress(), deployer);

  const addressBook: AddressBook = {
    chainId: Number(chainId),
    startBlock,
    contracts: {
      CorpusToken: await token.getAddress(),
      CorpusTimelock: await timelock.getAddress(),
      CorpusGovernor: await governor.getAddress(),
    },
  };
  if (options.writeAddressBook ?? hre.network.name !== "hardhat") writeAddressBook(addressBook);

  return { token, timelock, governor, addressBook };
}
