import { expect } from "chai";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { deployCorpusFixture, CRP } from "./fixtures";
import {
  bulkStake as bulkStakeValidators,
  fundFromTreasury,
  grantStakingRole,
  requestDrawAndWait,
  useFixedRandomness,
} from "../../scripts/lib/staking-setup";

type Corpus = Awaited<ReturnType<typeof deployCorpusFixture>>;

/** The default minimum stake of the local parameters: 10,000 CRP. */
export const MIN_STAKE = 10_000n * CRP;

/** Approves and stakes `amount` for `validator` (who must hold the CRP). */
export async function stakeAs(c: Corpus, validator: HardhatEthersSigner, amount: bigint) {
  await c.token.connect(validator).approve(await c.staking.getAddress(), amount);
  return c.staking.connect(validator).stake(amount);
}

export { fundFromTreasury, grantStakingRole, requestDrawAndWait, useFixedRandomness };

/** Stakes `count` contract validators in bulk (see scripts/lib/staking-setup.ts); returns their addresses. */
export function bulkStake(c: Corpus, count: number, base = MIN_STAKE, spread = 1000n): Promise<string[]> {
  return bulkStakeValidators(c, count, base, spread);
}

/** The deployment with alice, bob, carol, dave and erin staked (10k, 20k, 30k, 40k, 50k CRP). */
export async function stakedFixture() {
  const c = await loadFixture(deployCorpusFixture);
  const validators = [c.alice, c.bob, c.carol, c.dave, c.erin];
  for (const [i, v] of validators.entries()) await stakeAs(c, v, BigInt(i + 1) * MIN_STAKE);
  return { ...c, validators };
}

type AccountLike = string | { getAddress(): Promise<string> };

async function addressOf(account: AccountLike): Promise<string> {
  return typeof account === "string" ? account : account.getAddress();
}

/** One validator's stake as `stakeOf` and `selectionWeight` report it, as plain values. */
export interface StakeState {
  staked: bigint;
  locked: bigint;
  thawing: bigint;
  thawEnd: bigint;
  active: boolean;
  weight: bigint;
}

/** `account`'s stake (stakeOf) and its selection weight in the tree. */
export async function stakeState(c: Corpus, account: AccountLike): Promise<StakeState> {
  const address = await addressOf(account);
  const [staked, locked, thawing, thawEnd, active] = await c.staking.stakeOf(address);
  return { staked, locked, thawing, thawEnd, active, weight: await c.staking.selectionWeight(address) };
}

/**
 * Everything a staking call could change for `accounts` (each one's stake, weight, URI and CRP balance) and
 * globally (staking's CRP balance, the token's supply, the tree's total and leaf count, the parameters and the
 * pause). Compare two snapshots with `deep.equal` to show a failed call changed nothing.
 */
export async function stakingSnapshot(c: Corpus, accounts: AccountLike[]) {
  const perAccount: Record<string, { stake: StakeState; balance: bigint; uri: string }> = {};
  for (const account of accounts) {
    const address = await addressOf(account);
    perAccount[address] = {
      stake: await stakeState(c, address),
      balance: await c.token.balanceOf(address),
      uri: await c.staking.operatorUri(address),
    };
  }
  const [minimumStake, unbondingPeriod, slashRewardBps, randomness] = await c.staking.parameters();
  return {
    accounts: perAccount,
    stakingBalance: await c.token.balanceOf(await c.staking.getAddress()),
    totalSupply: await c.token.totalSupply(),
    totalSelectionWeight: await c.staking.totalSelectionWeight(),
    validatorCount: await c.staking.validatorCount(),
    parameters: { minimumStake, unbondingPeriod, slashRewardBps, randomness },
    paused: await c.staking.paused(),
  };
}

/**
 * Token conservation: staking's CRP balance equals `staked + thawing` summed over `stakers`, which must be
 * every address that ever staked in the test.
 */
export async function expectConserved(c: Corpus, stakers: AccountLike[]) {
  let sum = 0n;
  for (const staker of stakers) {
    const [staked, , thawing] = await c.staking.stakeOf(await addressOf(staker));
    sum += staked + thawing;
  }
  const balance = await c.token.balanceOf(await c.staking.getAddress());
  expect(balance).to.equal(sum, "staking's CRP balance must equal its stakers' staked + thawing");
}
