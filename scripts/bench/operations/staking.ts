import { mine, time } from "@nomicfoundation/hardhat-network-helpers";
import hre from "hardhat";
import type { BenchContext } from "../bench-context";
import { deployCorpus } from "../../../deploy/deploy-corpus";
import { bulkStake, grantStakingRole, requestDrawAndWait } from "../../lib/staking-setup";

const CRP = 10n ** 18n;
const MIN_STAKE = 10_000n * CRP;
const REVIEW_LOCK = 1_000n * CRP;
const request = (i: number) => hre.ethers.zeroPadValue(hre.ethers.toBeHex(i + 1), 32);

/**
 * Staking with 1,000 validators of different stakes already in the sum tree: a new validator's first
 * stake, a thaw, a withdrawal, a slash, and one draw-and-lock of five validators (as the task registry
 * will make for a review panel).
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
  await mine(1);
  await meter.record("staking.draw5of1000", staking.drawAndLock(request(0), 5, [], REVIEW_LOCK));
  const [slashed] = await staking.previewDraw(hre.ethers.ZeroHash, 1, [], 0);
  await staking.lock(slashed!, REVIEW_LOCK);
  await meter.record("staking.slash", staking.slash(slashed!, REVIEW_LOCK / 10n, carol.address));
}

/** The cost of drawing five validators as the number of validators grows, to show it grows with log n. */
export async function benchDrawScaling({ meter }: BenchContext): Promise<void> {
  const rows: string[] = [];
  for (const n of [10, 1000, 10_000]) {
    await hre.network.provider.send("hardhat_reset");
    const deployment = await deployCorpus(hre, { writeAddressBook: false });
    const [deployer] = await hre.ethers.getSigners();
    await bulkStake(deployment, n, MIN_STAKE);
    await grantStakingRole(deployment, "LOCKER_ROLE", deployer!.address);
    await requestDrawAndWait(deployment, deployer!, request(n));
    const receipt = await (await deployment.staking.drawAndLock(request(n), 5, [], REVIEW_LOCK)).wait();
    if (receipt === null) throw new Error("draw was not mined");
    const gas = Number(receipt.gasUsed);
    // 1,000 is measured by benchStaking, in the state the other staking figures share.
    if (n !== 1000) meter.recordReceipt(`staking.draw5of${n}`, receipt);
    // Leaves are numbered from 1, so n validators need the smallest depth d with 8^d > n.
    let depth = 1;
    while (8 ** depth <= n) depth++;
    rows.push(`| ${n.toLocaleString("en-US")} | ${depth} | ${gas} |`);
  }
  meter.sections.push(
    [
      "## Drawing 5 validators (with locks) as the validator set grows",
      "",
      "| validators | tree levels | gas |",
      "| ---: | ---: | ---: |",
      ...rows,
    ].join("\n"),
  );
}
