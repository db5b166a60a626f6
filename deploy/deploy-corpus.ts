import fs from "node:fs";
import path from "node:path";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import CorpusModule from "./modules/Corpus";
import { type AddressBook, writeAddressBook } from "./address-book";
import { CORPUS_CONTRACT_NAMES, type CorpusContractName, MULTICALL3_CANONICAL_ADDRESS } from "../sdk/src/addresses";
import { type CorpusContracts, connectContracts } from "../sdk/src/internal/contracts";
import { Multicall3__factory } from "../sdk/src/typechain";
import { type CorpusParameters, loadParameters } from "./parameters";

/** Chain id of the in-process Hardhat network, `npx hardhat node` and anvil. */
export const LOCAL_CHAIN_ID = 31337n;

/** A deployed protocol: typed contracts connected to the deployer, plus its address book. */
export interface CorpusDeployment {
  token: CorpusContracts["CorpusToken"];
  timelock: CorpusContracts["CorpusTimelock"];
  governor: CorpusContracts["CorpusGovernor"];
  randomness: CorpusContracts["PrevrandaoRandomness"];
  staking: CorpusContracts["CorpusStaking"];
  disputes: CorpusContracts["CorpusDisputes"];
  tasks: CorpusContracts["CorpusTasks"];
  tasksLens: CorpusContracts["CorpusTasksLens"];
  data: CorpusContracts["CorpusData"];
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

/** Maps our parameters onto each Ignition module's parameter names. */
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
    CorpusStaking: {
      guardian: p.guardian,
      minimumStake: p.staking.minimumStake,
      unbondingPeriod: p.staking.unbondingPeriod,
      slashRewardBps: p.staking.slashRewardBps,
    },
    CorpusDisputes: {
      guardian: p.guardian,
      initialParameters: [
        p.disputes.feePerJuror,
        p.disputes.jurySize,
        p.disputes.jurorLock,
        p.disputes.evidencePeriod,
        p.disputes.commitPeriod,
        p.disputes.revealPeriod,
        p.disputes.appealPeriod,
        p.disputes.nonRevealSlashBps,
        p.disputes.incoherentSlashBps,
      ],
    },
    CorpusTasks: {
      guardian: p.guardian,
      initialParameters: [
        p.tasks.protocolFeeBps,
        p.tasks.validatorFeeBps,
        p.tasks.reviewStake,
        p.tasks.livenessPenalty,
        p.tasks.disputeWindow,
        p.tasks.maxPanelRounds,
      ],
      allowedTokens: p.tasks.allowedTokens,
    },
    CorpusData: {
      guardian: p.guardian,
      initialParameters: [p.data.protocolFeeBps, p.data.contributorShareFloorBps, p.data.royaltyCapBps],
      allowedTokens: p.data.allowedTokens,
    },
  };
}

/** The Ignition result's key for each address-book name. */
const MODULE_KEYS: Record<CorpusContractName, string> = {
  CorpusToken: "token",
  CorpusTimelock: "timelock",
  CorpusGovernor: "governor",
  PrevrandaoRandomness: "randomness",
  CorpusStaking: "staking",
  CorpusDisputes: "disputes",
  CorpusTasks: "tasks",
  CorpusTasksLens: "tasksLens",
  CorpusData: "data",
};

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

  // A local dev chain (31337) is thrown away on restart, so each deployment there gets a journal of its
  // own instead of resuming a stale one, deleted once it succeeded. Public chains keep Ignition's default
  // resumable journal.
  const localJournal = chainId === LOCAL_CHAIN_ID ? `local-${Date.now()}-${process.pid}` : undefined;
  const deployed: Record<string, { getAddress(): Promise<string> }> = await hre.ignition.deploy(CorpusModule, {
    parameters: toIgnitionParameters(parameters),
    displayUi: options.displayUi ?? false,
    deploymentId: localJournal,
  });
  if (localJournal !== undefined) {
    fs.rmSync(path.join(hre.config.paths.ignition, "deployments", localJournal), { recursive: true, force: true });
  }

  const addresses = {} as Record<CorpusContractName, string>;
  for (const name of CORPUS_CONTRACT_NAMES) {
    const contract = deployed[MODULE_KEYS[name]];
    if (contract === undefined) throw new Error(`The Ignition module did not return ${name}`);
    addresses[name] = await contract.getAddress();
  }
  const [deployer] = await hre.ethers.getSigners();
  if (deployer === undefined) throw new Error("No deployer account is configured for this network");
  const multicall3 = await ensureMulticall3(hre, deployer);
  const addressBook: AddressBook = {
    chainId: Number(chainId),
    startBlock,
    contracts: addresses,
    ...(multicall3 === MULTICALL3_CANONICAL_ADDRESS ? {} : { multicall3 }),
  };
  if (options.writeAddressBook ?? hre.network.name !== "hardhat") writeAddressBook(addressBook);

  const c = connectContracts(addressBook, deployer);
  return {
    token: c.CorpusToken,
    timelock: c.CorpusTimelock,
    governor: c.CorpusGovernor,
    randomness: c.PrevrandaoRandomness,
    staking: c.CorpusStaking,
    disputes: c.CorpusDisputes,
    tasks: c.CorpusTasks,
    tasksLens: c.CorpusTasksLens,
    data: c.CorpusData,
    addressBook,
  };
}

/**
 * Multicall3 at its canonical address where the chain has it (every major public chain); elsewhere (local
 * nodes, a fresh testnet) our implementation of its `aggregate3`, deployed once per deployment and
 * recorded in the address book, so the SDK batches reads the same way on every chain.
 */
async function ensureMulticall3(
  hre: HardhatRuntimeEnvironment,
  deployer: Awaited<ReturnType<HardhatRuntimeEnvironment["ethers"]["getSigners"]>>[number],
): Promise<string> {
  if ((await hre.ethers.provider.getCode(MULTICALL3_CANONICAL_ADDRESS)) !== "0x") return MULTICALL3_CANONICAL_ADDRESS;
  const multicall = await new Multicall3__factory(deployer).deploy();
  await multicall.waitForDeployment();
  return multicall.getAddress();
}
