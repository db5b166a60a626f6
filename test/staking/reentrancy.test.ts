import { expect } from "chai";
import hre from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { ZeroAddress } from "ethers";
import { CRP } from "../helpers/fixtures";
import {
  CorpusStaking__factory,
  PrevrandaoRandomness__factory,
  ReentrantToken__factory,
} from "../../sdk/src/typechain";

const MIN_STAKE = 10_000n * CRP;
const WEEK = 7 * 24 * 60 * 60;

/**
 * Staking over a token with transfer hooks that calls back into staking on every balance change. CRP has no
 * hooks, but the guard must hold for any token: every entry point that moves tokens refuses to be reentered.
 */
async function reentrantStakingFixture() {
  const [admin, validator] = await hre.ethers.getSigners();
  if (admin === undefined || validator === undefined) throw new Error("accounts missing");
  const token = await new ReentrantToken__factory(admin).deploy(10_000_000n * CRP);
  const randomness = await new PrevrandaoRandomness__factory(admin).deploy();
  // No guardian: the guardian is optional, and then no one holds GUARDIAN_ROLE.
  const staking = await new CorpusStaking__factory(admin).deploy(
    await token.getAddress(),
    admin.address,
    ZeroAddress,
    await randomness.getAddress(),
    MIN_STAKE,
    WEEK,
    2_500,
    ZeroAddress,
  );
  await token.transfer(validator.address, 1_000_000n * CRP);
  await token.connect(validator).approve(await staking.getAddress(), 1_000_000n * CRP);
  return { admin, validator, token, staking };
}

type Fixture = Awaited<ReturnType<typeof reentrantStakingFixture>>;

async function expectReentryRefused({ token, staking }: Fixture) {
  expect(await token.lastReentryReverted(), "the reentrant call reverted").to.equal(true);
  const selector = staking.interface.getError("ReentrancyGuardReentrantCall")?.selector;
  expect(await token.lastReentryRevertData()).to.equal(selector);
}

describe("CorpusStaking: reentrancy through a token with transfer hooks", function () {
  it("a stake reentered from the token's transfer hook is refused, and the outer stake counts once", async function () {
    const c = await loadFixture(reentrantStakingFixture);
    const staking = await c.staking.getAddress();
    await c.token.arm(staking, c.staking.interface.encodeFunctionData("stake", [MIN_STAKE]));
    await c.staking.connect(c.validator).stake(MIN_STAKE);
    await expectReentryRefused(c);
    expect((await c.staking.stakeOf(c.validator.address)).staked).to.equal(MIN_STAKE);
    expect(await c.token.balanceOf(staking)).to.equal(MIN_STAKE);
  });

  it("a stakeWithPermit reentered from the hook is refused (the token has no permit: the allowance is used)", async function () {
    const c = await loadFixture(reentrantStakingFixture);
    const staking = await c.staking.getAddress();
    const zero = hre.ethers.ZeroHash;
    await c.token.arm(
      staking,
      c.staking.interface.encodeFunctionData("stakeWithPermit", [MIN_STAKE, 0, 0, zero, zero]),
    );
    await c.staking.connect(c.validator).stakeWithPermit(MIN_STAKE, 0, 0, hre.ethers.ZeroHash, hre.ethers.ZeroHash);
    await expectReentryRefused(c);
    expect((await c.staking.stakeOf(c.validator.address)).staked).to.equal(MIN_STAKE);
  });

  it("a withdraw reentered from the hook while paying out is refused, and the thaw is paid once", async function () {
    const c = await loadFixture(reentrantStakingFixture);
    const staking = await c.staking.getAddress();
    await c.staking.connect(c.validator).stake(2n * MIN_STAKE);
    await c.staking.connect(c.validator).thaw(MIN_STAKE);
    await time.increase(WEEK);
    await c.token.arm(staking, c.staking.interface.encodeFunctionData("withdraw"));
    const before = await c.token.balanceOf(c.validator.address);
    await c.staking.connect(c.validator).withdraw();
    await expectReentryRefused(c);
    expect(await c.token.balanceOf(c.validator.address)).to.equal(before + MIN_STAKE);
    expect(await c.token.balanceOf(staking)).to.equal(MIN_STAKE);
  });

  it("a slash reentered from the hook while paying the reward is refused, even when the token holds SLASHER_ROLE", async function () {
    const c = await loadFixture(reentrantStakingFixture);
    const staking = await c.staking.getAddress();
    await c.staking.connect(c.validator).stake(2n * MIN_STAKE);
    await c.staking.grantRole(await c.staking.SLASHER_ROLE(), c.admin.address);
    await c.staking.grantRole(await c.staking.SLASHER_ROLE(), await c.token.getAddress());
    const slashAgain = c.staking.interface.encodeFunctionData("slash", [
      c.validator.address,
      MIN_STAKE,
      c.admin.address,
    ]);
    await c.token.arm(staking, slashAgain);
    await c.staking.slash(c.validator.address, MIN_STAKE, c.admin.address);
    await expectReentryRefused(c);
    expect((await c.staking.stakeOf(c.validator.address)).staked).to.equal(MIN_STAKE);
  });
});

describe("CorpusStaking: construction", function () {
  it("without a guardian, no one holds GUARDIAN_ROLE and no one can pause", async function () {
    const c = await loadFixture(reentrantStakingFixture);
    const role = await c.staking.GUARDIAN_ROLE();
    for (const account of [c.admin, c.validator]) {
      expect(await c.staking.hasRole(role, account.address)).to.equal(false);
      await expect(c.staking.connect(account).pause())
        .to.be.revertedWithCustomError(c.staking, "AccessControlUnauthorizedAccount")
        .withArgs(account.address, role);
    }
  });

  it("a zero token or zero governance reverts StakingZeroAddress; a randomness source without code reverts", async function () {
    const [admin] = await hre.ethers.getSigners();
    const factory = new CorpusStaking__factory(admin);
    const randomness = await (await new PrevrandaoRandomness__factory(admin).deploy()).getAddress();
    const token = await (await new ReentrantToken__factory(admin!).deploy(1n)).getAddress();
    const args = (t: string, g: string, r: string) =>
      [t, g, ZeroAddress, r, MIN_STAKE, WEEK, 2_500, ZeroAddress] as const;
    await expect(factory.deploy(...args(ZeroAddress, admin!.address, randomness))).to.be.revertedWithCustomError(
      factory,
      "StakingZeroAddress",
    );
    await expect(factory.deploy(...args(token, ZeroAddress, randomness))).to.be.revertedWithCustomError(
      factory,
      "StakingZeroAddress",
    );
    await expect(factory.deploy(...args(token, admin!.address, admin!.address)))
      .to.be.revertedWithCustomError(factory, "StakingInvalidRandomnessSource")
      .withArgs(admin!.address);
  });
});
