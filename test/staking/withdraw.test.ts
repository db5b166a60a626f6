import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { CRP, DAY } from "../helpers/fixtures";
import {
  expectConserved,
  grantStakingRole,
  stakeAs,
  stakeState,
  stakedFixture,
  stakingSnapshot,
} from "../helpers/staking";

const THAWED = 5_000n * CRP;

/** The staked fixture with bob thawing 5,000 of his 20,000 CRP, and the deployer holding SLASHER_ROLE. */
async function thawingFixture() {
  const c = await stakedFixture();
  await grantStakingRole(c, "SLASHER_ROLE", c.deployer.address);
  await c.staking.connect(c.bob).thaw(THAWED);
  const [, , , thawEnd] = await c.staking.stakeOf(c.bob);
  return { ...c, thawEnd };
}

describe("CorpusStaking: withdraw", function () {
  it("one second before the thaw ends reverts StakingThawNotMature(validator, thawEnd, now) and changes nothing", async function () {
    const c = await loadFixture(thawingFixture);
    const before = await stakingSnapshot(c, c.validators);

    await time.setNextBlockTimestamp(c.thawEnd - 1n);
    await expect(c.staking.connect(c.bob).withdraw())
      .to.be.revertedWithCustomError(c.staking, "StakingThawNotMature")
      .withArgs(c.bob.address, c.thawEnd, c.thawEnd - 1n);

    expect(await stakingSnapshot(c, c.validators)).to.deep.equal(before);
  });

  it("right after the thaw started reverts StakingThawNotMature and changes nothing", async function () {
    const c = await loadFixture(thawingFixture);
    const before = await stakingSnapshot(c, c.validators);
    const now = BigInt((await time.latest()) + 1);

    await time.setNextBlockTimestamp(now);
    await expect(c.staking.connect(c.bob).withdraw())
      .to.be.revertedWithCustomError(c.staking, "StakingThawNotMature")
      .withArgs(c.bob.address, c.thawEnd, now);

    expect(await stakingSnapshot(c, c.validators)).to.deep.equal(before);
  });

  it("at exactly thawEnd sends the whole thawing amount to the validator, emits Withdrawn, and clears the thaw", async function () {
    const c = await loadFixture(thawingFixture);
    const supply = await c.token.totalSupply();

    await time.setNextBlockTimestamp(c.thawEnd);
    const tx = c.staking.connect(c.bob).withdraw();
    await expect(tx).to.emit(c.staking, "Withdrawn").withArgs(c.bob.address, THAWED);
    await expect(tx).to.changeTokenBalances(c.token, [c.bob, c.staking], [THAWED, -THAWED]);

    // Staked stake and weight are untouched; the thaw is gone.
    expect(await stakeState(c, c.bob)).to.deep.equal({
      staked: 15_000n * CRP,
      locked: 0n,
      thawing: 0n,
      thawEnd: 0n,
      active: true,
      weight: 15_000n,
    });
    expect(await c.staking.totalSelectionWeight()).to.equal(145_000n);
    expect(await c.token.totalSupply()).to.equal(supply);
    await expectConserved(c, c.validators);
  });

  it("long after thawEnd still pays the whole thawing amount", async function () {
    const c = await loadFixture(thawingFixture);
    await time.increaseTo(c.thawEnd + 365n * BigInt(DAY));

    await expect(c.staking.connect(c.bob).withdraw()).to.changeTokenBalances(
      c.token,
      [c.bob, c.staking],
      [THAWED, -THAWED],
    );
    await expectConserved(c, c.validators);
  });

  it("with nothing thawing reverts StakingNothingThawing(validator) and changes nothing", async function () {
    const c = await loadFixture(thawingFixture);
    const before = await stakingSnapshot(c, [...c.validators, c.stranger]);

    // A staked validator that never thawed, and an address that never staked.
    await expect(c.staking.connect(c.alice).withdraw())
      .to.be.revertedWithCustomError(c.staking, "StakingNothingThawing")
      .withArgs(c.alice.address);
    await expect(c.staking.connect(c.stranger).withdraw())
      .to.be.revertedWithCustomError(c.staking, "StakingNothingThawing")
      .withArgs(c.stranger.address);

    expect(await stakingSnapshot(c, [...c.validators, c.stranger])).to.deep.equal(before);
  });

  it("a second withdraw after the first reverts StakingNothingThawing and pays nothing more", async function () {
    const c = await loadFixture(thawingFixture);
    await time.increaseTo(c.thawEnd);
    await c.staking.connect(c.bob).withdraw();
    const before = await stakingSnapshot(c, c.validators);

    await expect(c.staking.connect(c.bob).withdraw())
      .to.be.revertedWithCustomError(c.staking, "StakingNothingThawing")
      .withArgs(c.bob.address);

    expect(await stakingSnapshot(c, c.validators)).to.deep.equal(before);
    await expectConserved(c, c.validators);
  });

  it("works while paused: matured stake can always leave", async function () {
    const c = await loadFixture(thawingFixture);
    await c.staking.connect(c.guardian).pause();
    await time.increaseTo(c.thawEnd);

    await expect(c.staking.connect(c.bob).withdraw()).to.changeTokenBalances(
      c.token,
      [c.bob, c.staking],
      [THAWED, -THAWED],
    );
    expect(await c.staking.paused()).to.equal(true);
    await expectConserved(c, c.validators);
  });

  it("after a slash took part of the thawing stake pays only what is left", async function () {
    const c = await loadFixture(thawingFixture);
    // Bob thaws everything else too, so a slash of more than his staked stake reaches thawing.
    await c.staking.connect(c.bob).thaw(15_000n * CRP);
    const [, , , thawEnd] = await c.staking.stakeOf(c.bob);
    await c.staking.connect(c.deployer).slash(c.bob, 1_500n * CRP, c.stranger);

    await time.increaseTo(thawEnd);
    await expect(c.staking.connect(c.bob).withdraw())
      .to.emit(c.staking, "Withdrawn")
      .withArgs(c.bob.address, 18_500n * CRP);
    expect(await stakeState(c, c.bob)).to.deep.include({ staked: 0n, thawing: 0n, thawEnd: 0n });
    await expectConserved(c, c.validators);
  });

  it("after a slash took all the thawing stake reverts StakingNothingThawing", async function () {
    const c = await loadFixture(thawingFixture);
    await c.staking.connect(c.bob).thaw(15_000n * CRP);
    await c.staking.connect(c.deployer).slash(c.bob, 20_000n * CRP, c.stranger);
    await time.increaseTo(c.thawEnd + 7n * BigInt(DAY));
    const before = await stakingSnapshot(c, c.validators);

    await expect(c.staking.connect(c.bob).withdraw())
      .to.be.revertedWithCustomError(c.staking, "StakingNothingThawing")
      .withArgs(c.bob.address);

    expect(await stakingSnapshot(c, c.validators)).to.deep.equal(before);
    await expectConserved(c, c.validators);
  });

  it("conserves tokens through stake, thaw and withdraw by several validators: staking holds exactly staked + thawing", async function () {
    const c = await loadFixture(thawingFixture);
    const supply = await c.token.totalSupply();
    const stakingBefore = await c.token.balanceOf(c.staking);
    const carolBefore = await c.token.balanceOf(c.carol);

    await c.staking.connect(c.carol).thaw(30_000n * CRP);
    await stakeAs(c, c.dave, 1_234n * CRP + 5n);
    await c.staking.connect(c.dave).thaw(41_234n * CRP + 5n);
    await expectConserved(c, c.validators);

    await time.increase(7 * DAY);
    await c.staking.connect(c.bob).withdraw();
    await c.staking.connect(c.carol).withdraw();
    await c.staking.connect(c.dave).withdraw();

    expect(await c.token.balanceOf(c.carol)).to.equal(carolBefore + 30_000n * CRP);
    expect(await c.token.balanceOf(c.staking)).to.equal(stakingBefore - THAWED - 30_000n * CRP - 40_000n * CRP);
    expect(await c.token.totalSupply()).to.equal(supply);
    await expectConserved(c, c.validators);
  });
});
