import { mine } from "@nomicfoundation/hardhat-network-helpers";
import hre from "hardhat";
import type { Signer } from "ethers";
import type { CorpusDeployment } from "../../deploy/deploy-corpus";
import { BulkStaker__factory, FixedRandomness__factory } from "../../sdk/src/typechain";
import { asGovernance } from "./impersonate";

const CRP = 10n ** 18n;

/** Pays `amount` CRP from the treasury to each of `accounts`, as governance would. */
export async function fundFromTreasury(d: CorpusDeployment, accounts: string[], amount: bigint) {
  await asGovernance(d.timelock, async (timelock) => {
    for (const account of accounts) await d.token.connect(timelock).transfer(account, amount);
  });
}

/** Grants `role` on staking to `account`, as governance would. */
export async function grantStakingRole(d: CorpusDeployment, role: "LOCKER_ROLE" | "SLASHER_ROLE", account: string) {
  await asGovernance(d.timelock, async (timelock) => {
    await d.staking.connect(timelock).grantRole(await d.staking[role](), account);
  });
}

/**
 * Stakes `count` contract validators in bulk, 100 per transaction, funded from the treasury; agent i stakes
 * `base + (i * 7919 % spread)` whole CRP, so stakes differ. Returns their addresses in staking order.
 */
export async function bulkStake(d: CorpusDeployment, count: number, base: bigint, spread = 1000n): Promise<string[]> {
  const [deployer] = await hre.ethers.getSigners();
  if (deployer === undefined) throw new Error("No local account to deploy the bulk staker");
  const bulk = await new BulkStaker__factory(deployer).deploy();
  const bulkAddress = await bulk.getAddress();
  const perTx = 100;
  for (let done = 0; done < count; done += perTx) {
    const n = Math.min(perTx, count - done);
    await fundFromTreasury(d, [bulkAddress], BigInt(n) * (base + spread * CRP));
    await bulk.stakeMany(await d.token.getAddress(), await d.staking.getAddress(), n, base, spread, {
      gasLimit: 30_000_000,
    });
  }
  return Promise.all(Array.from({ length: count }, (_, i) => bulk.agents(i)));
}

/**
 * Requests the seed of a draw as `locker` and mines until it exists (local networks only): the two steps a
 * protocol contract takes, a block apart, before {CorpusStaking.drawAndLock}.
 */
export async function requestDrawAndWait(d: CorpusDeployment, locker: Signer, request: string) {
  await (await d.staking.connect(locker).requestDraw(request)).wait();
  await mine(1);
}

/** Switches draws to a settable test seed, as governance could switch sources; returns the source. */
export async function useFixedRandomness(d: CorpusDeployment) {
  const [deployer] = await hre.ethers.getSigners();
  const source = await new FixedRandomness__factory(deployer).deploy();
  await asGovernance(d.timelock, async (timelock) => {
    await d.staking.connect(timelock).setRandomnessSource(await source.getAddress());
  });
  return source;
}
