import { mine, time } from "@nomicfoundation/hardhat-network-helpers";
import hre from "hardhat";
import type { BenchContext } from "../bench-context";
import { deployCorpus } from "../../../deploy/deploy-corpus";
import { bulkStake, grantStakingRole, useFixedRandomness } from "../../lib/staking-setup";

const CRP = 10n ** 18n;
const MIN_STAKE = 10_000n * CRP;
const REVIEW_LOCK = 1_000n * CRP;
const request = (i: number) => hre.ethers.zeroPadValue(hre.ethers.toBeHex(i + 1), 32);

/**
 * Staking with 1,000 validators of different stakes already in the sum tree: a new validator's first
 * stake, a thaw, a withdrawal, a draw request and a slash. Draws themselves are in {@link benchDrawScaling}.
 */
export async function benchStaking({ meter, deployment, accounts }: BenchContext): Promise<void> {
  const { staking, token } = deployment;
  const { alice, bob, carol, deployer } = accounts;
  await bulkStake(deployment, 1000, MIN_STAKE);
  await grantStakingRole(deployment, "LOCKER_ROLE", deployer.address);
  await grantStakingRole(deployment, "SLASHER_ROLE", deployer.address);

  await token.connect(alice).approve(await staking.getAddress(), 2n * MIN_STAKE);
  await meter.record("staking.stake", staking.connect(alice).stake(2n * MIN_STAKE));
  await meter.record("staking.thaw", staking.connect(alice).thaw(MIN_STAKE / 2n));
  await time.increase(7 * 24 * 60 * 60);
  await meter.record("staking.withdraw", staking.connect(alice).withdraw());

  // For transparency, the unlucky first stake: the one whose leaf opens a new group of eight, and so writes
  // one more fresh storage slot (alice took leaf 1,001; six more fill the group; bob's leaf 1,008 opens one).
  await bulkStake(deployment, 6, MIN_STAKE);
  await token.connect(bob).approve(await staking.getAddress(), MIN_STAKE);
  await meter.record("staking.stakeOpeningLeafGroup", staking.connect(bob).stake(MIN_STAKE));

  await meter.record("staking.requestDraw", staking.requestDraw(request(0)));
  const [slashed] = await staking.previewDraw(hre.ethers.ZeroHash, 1, [], 0);
  await staking.lock(slashed!, REVIEW_LOCK);
  await meter.record("staking.slash", staking.slash(slashed!, REVIEW_LOCK / 10n, carol.address));
}

/** Draws measured per validator-set size: a draw's cost depends on its seed, so each figure is a mean. */
const DRAWS_PER_SIZE = 8;

/**
 * Drawing five validators (with their locks) as the validator set grows, to show it grows with log n.
 * `staking.draw5of<n>` is the mean over {@link DRAWS_PER_SIZE} draws with different seeds; the report's
 * table also shows the spread.
 */
export async function benchDrawScaling({ meter }: BenchContext): Promise<void> {
  const rows: string[] = [];
  for (const n of [10, 1000, 10_000]) {
    await hre.network.provider.send("hardhat_reset");
    const deployment = await deployCorpus(hre, { writeAddressBook: false });
    const [locker] = await hre.ethers.getSigners();
    await bulkStake(deployment, n, MIN_STAKE);
    await grantStakingRole(deployment, "LOCKER_ROLE", locker!.address);
    // The default source's seeds hash a block whose header carries wall-clock timestamps, so its panels,
    // and their gas, would change from run to run. Draws are measured with a fixed-seed source instead; its
    // lookup costs what the default's does within a few hundred gas (one cold account, one slot).
    await useFixedRandomness(deployment);
    for (let i = 0; i < DRAWS_PER_SIZE; i++) await deployment.staking.requestDraw(request(i));
    await mine(1);
    const gas: number[] = [];
    for (let i = 0; i < DRAWS_PER_SIZE; i++) {
      const receipt = await (await deployment.staking.drawAndLock(request(i), 5, [], REVIEW_LOCK)).wait();
      gas.push(Number(receipt!.gasUsed));
    }
    const mean = Math.round(gas.reduce((a, b) => a + b, 0) / gas.length);
    meter.recordValue(`staking.draw5of${n}`, mean);
    // Leaves are numbered from 1, so n validators need the smallest depth d with 8^d > n.
    let depth = 1;
    while (8 ** depth <= n) depth++;
    rows.push(`| ${n.toLocaleString("en-US")} | ${depth} | ${mean} | ${Math.min(...gas)} | ${Math.max(...gas)} |`);
  }
  meter.sections.push(
    [
      `## Drawing 5 validators (with locks) as the validator set grows (${DRAWS_PER_SIZE} seeds each)`,
      "",
      "| validators | tree levels | mean gas | min | max |",
      "| ---: | ---: | ---: | ---: | ---: |",
      ...rows,
    ].join("\n"),
  );
}
