import hre from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { deployCorpusFixture, CRP } from "./fixtures";
import { asGovernance } from "./governance";
import { BulkStaker__factory, FixedRandomness__factory } from "../../typechain-types";

type Corpus = Awaited<ReturnType<typeof deployCorpusFixture>>;

/** The default minimum stake of the local parameters: 10,000 CRP. */
export const MIN_STAKE = 10_000n * CRP;

/** Approves and stakes `amount` for `validator` (who must hold the CRP). */
export async function stakeAs(c: Corpus, validator: HardhatEthersSigner, amount: bigint) {
  await c.token.connect(validator).approve(await c.staking.getAddress(), amount);
  return c.staking.connect(validator).stake(amount);
}

/** Pays `amount` CRP from the treasury to each of `accounts`. */
export async function fundFromTreasury(c: Corpus, accounts: string[], amount: bigint) {
  await asGovernance(c.timelock, async (timelock) => {
    for (const account of accounts) await c.token.connect(timelock).transfer(account, amount);
  });
}

/** Grants `role` on staking to `account`, as governance would. */
export async function grantStakingRole(c: Corpus, role: "LOCKER_ROLE" | "SLASHER_ROLE", account: string) {
  await asGovernance(c.timelock, async (timelock) => {
    await c.staking.connect(timelock).grantRole(await c.staking[role](), account);
  });
}

/** Switches draws to a settable test seed, as governance could switch sources; returns the source. */
export async function useFixedRandomness(c: Corpus) {
  const [deployer] = await hre.ethers.getSigners();
  const source = await new FixedRandomness__factory(deployer).deploy();
  await asGovernance(c.timelock, async (timelock) => {
    await c.staking.connect(timelock).setRandomnessSource(await source.getAddress());
  });
  return source;
}

/**
 * Stakes `count` contract validators in bulk (stakes `base + (i * 7919 % spread)` whole CRP), funded from
 * the treasury. Returns their addresses in staking order.
 */
export async function bulkStake(c: Corpus, count: number, base = MIN_STAKE, spread = 1000n): Promise<string[]> {
  const [deployer] = await hre.ethers.getSigners();
  const bulk = await new BulkStaker__factory(deployer).deploy();
  const bulkAddress = await bulk.getAddress();
  const perTx = 100;
  for (let done = 0; done < count; done += perTx) {
    const n = Math.min(perTx, count - done);
    await fundFromTreasury(c, [bulkAddress], BigInt(n) * (base + spread * CRP));
    await bulk.stakeMany(await c.token.getAddress(), await c.staking.getAddress(), n, base, spread, {
      gasLimit: 30_000_000,
    });
  }
  const agents: string[] = [];
  for (let i = 0; i < count; i++) agents.push(await bulk.agents(i));
  return agents;
}

/** The deployment with alice, bob, carol, dave and erin staked (10k, 20k, 30k, 40k, 50k CRP). */
export async function stakedFixture() {
  const c = await loadFixture(deployCorpusFixture);
  const validators = [c.alice, c.bob, c.carol, c.dave, c.erin];
  for (const [i, v] of validators.entries()) await stakeAs(c, v, BigInt(i + 1) * MIN_STAKE);
  return { ...c, validators };
}
