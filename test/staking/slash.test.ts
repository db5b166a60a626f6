import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { MaxUint256, ZeroAddress } from "ethers";
import { CRP } from "../helpers/fixtures";
import { asGovernance } from "../helpers/governance";
import {
  MIN_STAKE,
  expectConserved,
  grantStakingRole,
  stakeState,
  stakedFixture,
  stakingSnapshot,
} from "../helpers/staking";

const BPS = 10_000n;
const REWARD_BPS = 2_500n;

/** The staked fixture with the deployer holding SLASHER_ROLE and frank LOCKER_ROLE; stranger is the beneficiary. */
async function slashFixture() {
  const c = await stakedFixture();
  await grantStakingRole(c, "SLASHER_ROLE", c.deployer.address);
  await grantStakingRole(c, "LOCKER_ROLE", c.frank.address);
  return { ...c, slasher: c.deployer, SLASHER_ROLE: await c.staking.SLASHER_ROLE() };
}

/** Bob (20,000 CRP) with 4,000 thawing and 6,000 of the remaining 16,000 locked. */
async function mixedFixture() {
  const c = await slashFixture();
  await c.staking.connect(c.bob).thaw(4_000n * CRP);
  await c.staking.connect(c.frank).lock(c.bob, 6_000n * CRP);
  const [, , , thawEnd] = await c.staking.stakeOf(c.bob);
  return { ...c, thawEnd };
}

async function setRewardShare(c: Awaited<ReturnType<typeof slashFixture>>, bps: bigint) {
  await asGovernance(c.timelock, async (timelock) => {
    await c.staking.connect(timelock).setSlashRewardShare(bps);
  });
}

describe("CorpusStaking: slash", function () {
  it("anyone without SLASHER_ROLE (stranger, a locker, the validator, the guardian, governance) reverts AccessControlUnauthorizedAccount and changes nothing", async function () {
    const c = await loadFixture(slashFixture);
    const before = await stakingSnapshot(c, [...c.validators, c.stranger]);

    for (const caller of [c.stranger, c.frank, c.bob, c.guardian]) {
      await expect(c.staking.connect(caller).slash(c.bob, CRP, c.stranger))
        .to.be.revertedWithCustomError(c.staking, "AccessControlUnauthorizedAccount")
        .withArgs(caller.address, c.SLASHER_ROLE);
    }
    await asGovernance(c.timelock, async (timelock) => {
      await expect(c.staking.connect(timelock).slash(c.bob, CRP, c.stranger))
        .to.be.revertedWithCustomError(c.staking, "AccessControlUnauthorizedAccount")
        .withArgs(timelock.address, c.SLASHER_ROLE);
    });

    expect(await stakingSnapshot(c, [...c.validators, c.stranger])).to.deep.equal(before);
  });

  it("takes from locked, then free, then thawing stake, field by field across successive slashes", async function () {
    const c = await loadFixture(mixedFixture);
    const slash = (amount: bigint) => c.staking.connect(c.slasher).slash(c.bob, amount, c.stranger);
    expect(await stakeState(c, c.bob)).to.deep.include({
      staked: 16_000n * CRP,
      locked: 6_000n * CRP,
      thawing: 4_000n * CRP,
    });

    // 2,000 all from locked.
    await slash(2_000n * CRP);
    expect(await stakeState(c, c.bob)).to.deep.equal({
      staked: 14_000n * CRP,
      locked: 4_000n * CRP,
      thawing: 4_000n * CRP,
      thawEnd: c.thawEnd,
      active: true,
      weight: 14_000n,
    });

    // 5,000: the last 4,000 locked, then 1,000 free.
    await slash(5_000n * CRP);
    expect(await stakeState(c, c.bob)).to.deep.equal({
      staked: 9_000n * CRP,
      locked: 0n,
      thawing: 4_000n * CRP,
      thawEnd: c.thawEnd,
      active: false,
      weight: 0n,
    });

    // 10,000: the 9,000 free, then 1,000 thawing.
    expect(await c.staking.connect(c.slasher).slash.staticCall(c.bob, 10_000n * CRP, c.stranger)).to.equal(
      10_000n * CRP,
    );
    await slash(10_000n * CRP);
    expect(await stakeState(c, c.bob)).to.deep.equal({
      staked: 0n,
      locked: 0n,
      thawing: 3_000n * CRP,
      thawEnd: c.thawEnd,
      active: false,
      weight: 0n,
    });

    // 5,000 asked, only 3,000 left: all of it.
    expect(await c.staking.connect(c.slasher).slash.staticCall(c.bob, 5_000n * CRP, c.stranger)).to.equal(3_000n * CRP);
    await slash(5_000n * CRP);
    expect(await stakeState(c, c.bob)).to.deep.include({ staked: 0n, locked: 0n, thawing: 0n, thawEnd: 0n });
    await expectConserved(c, c.validators);
  });

  it("one wei more than the locked stake takes all of the lock and one wei of free stake", async function () {
    const c = await loadFixture(mixedFixture);
    await c.staking.connect(c.slasher).slash(c.bob, 6_000n * CRP + 1n, c.stranger);

    expect(await stakeState(c, c.bob)).to.deep.include({
      staked: 10_000n * CRP - 1n,
      locked: 0n,
      thawing: 4_000n * CRP,
    });
    await expectConserved(c, c.validators);
  });

  it("one wei more than the staked stake takes all of it and one wei of thawing stake", async function () {
    const c = await loadFixture(mixedFixture);
    await c.staking.connect(c.slasher).slash(c.bob, 16_000n * CRP + 1n, c.stranger);

    expect(await stakeState(c, c.bob)).to.deep.include({
      staked: 0n,
      locked: 0n,
      thawing: 4_000n * CRP - 1n,
      thawEnd: c.thawEnd,
    });
    await expectConserved(c, c.validators);
  });

  it("pays the reward share to the beneficiary and burns the rest: totalSupply drops by exactly `burned`, and Slashed carries both", async function () {
    const c = await loadFixture(slashFixture);
    const amount = 1_000n * CRP + 3n; // odd wei: the reward rounds down, the burn takes the remainder
    const reward = (amount * REWARD_BPS) / BPS;
    const burned = amount - reward;
    expect(reward + burned).to.equal(amount);
    const supply = await c.token.totalSupply();

    const tx = c.staking.connect(c.slasher).slash(c.bob, amount, c.stranger);
    await expect(tx)
      .to.emit(c.staking, "Slashed")
      .withArgs(c.bob.address, c.slasher.address, c.stranger.address, amount, reward, burned);
    await expect(tx).to.changeTokenBalances(
      c.token,
      [c.staking, c.stranger, c.bob, c.slasher],
      [-amount, reward, 0n, 0n],
    );

    expect(await c.token.totalSupply()).to.equal(supply - burned);
    expect((await stakeState(c, c.bob)).staked).to.equal(20_000n * CRP - amount);
    await expectConserved(c, c.validators);
  });

  it("with a reward share of 0 burns everything and pays the beneficiary nothing", async function () {
    const c = await loadFixture(slashFixture);
    await setRewardShare(c, 0n);
    const supply = await c.token.totalSupply();

    const tx = c.staking.connect(c.slasher).slash(c.bob, 2_000n * CRP, c.stranger);
    await expect(tx)
      .to.emit(c.staking, "Slashed")
      .withArgs(c.bob.address, c.slasher.address, c.stranger.address, 2_000n * CRP, 0n, 2_000n * CRP);
    await expect(tx).to.changeTokenBalances(c.token, [c.staking, c.stranger], [-2_000n * CRP, 0n]);
    expect(await c.token.totalSupply()).to.equal(supply - 2_000n * CRP);
    await expectConserved(c, c.validators);
  });

  it("with the largest reward share (50%) pays half and burns half", async function () {
    const c = await loadFixture(slashFixture);
    await setRewardShare(c, 5_000n);
    const supply = await c.token.totalSupply();

    const tx = c.staking.connect(c.slasher).slash(c.bob, 2_000n * CRP + 1n, c.stranger);
    await expect(tx)
      .to.emit(c.staking, "Slashed")
      .withArgs(
        c.bob.address,
        c.slasher.address,
        c.stranger.address,
        2_000n * CRP + 1n,
        1_000n * CRP,
        1_000n * CRP + 1n,
      );
    await expect(tx).to.changeTokenBalances(c.token, [c.staking, c.stranger], [-(2_000n * CRP + 1n), 1_000n * CRP]);
    expect(await c.token.totalSupply()).to.equal(supply - 1_000n * CRP - 1n);
    await expectConserved(c, c.validators);
  });

  it("slashing more than everything slashes everything: staked, locked and thawing all go to zero", async function () {
    const c = await loadFixture(mixedFixture);
    const all = 20_000n * CRP;
    const reward = (all * REWARD_BPS) / BPS;

    const tx = c.staking.connect(c.slasher).slash(c.bob, MaxUint256, c.stranger);
    await expect(tx)
      .to.emit(c.staking, "Slashed")
      .withArgs(c.bob.address, c.slasher.address, c.stranger.address, all, reward, all - reward);
    await expect(tx).to.emit(c.staking, "ValidatorActivationChanged").withArgs(c.bob.address, false);
    await expect(tx).to.changeTokenBalances(c.token, [c.staking, c.stranger], [-all, reward]);

    expect(await stakeState(c, c.bob)).to.deep.equal({
      staked: 0n,
      locked: 0n,
      thawing: 0n,
      thawEnd: 0n,
      active: false,
      weight: 0n,
    });
    expect(await c.staking.totalSelectionWeight()).to.equal(130_000n);
    await expectConserved(c, c.validators);
  });

  it("a slash during thawing reaches the thawing stake and leaves its end where it was", async function () {
    const c = await loadFixture(slashFixture);
    await c.staking.connect(c.bob).thaw(20_000n * CRP);
    const { thawEnd } = await stakeState(c, c.bob);

    await expect(c.staking.connect(c.slasher).slash(c.bob, 5_000n * CRP, c.stranger))
      .to.emit(c.staking, "Slashed")
      .withArgs(c.bob.address, c.slasher.address, c.stranger.address, 5_000n * CRP, 1_250n * CRP, 3_750n * CRP);
    expect(await stakeState(c, c.bob)).to.deep.include({ staked: 0n, thawing: 15_000n * CRP, thawEnd });
    await expectConserved(c, c.validators);

    // Leaving did not escape it: only what is left comes out, at the original end.
    await time.increaseTo(thawEnd);
    await expect(c.staking.connect(c.bob).withdraw()).to.changeTokenBalances(
      c.token,
      [c.bob, c.staking],
      [15_000n * CRP, -15_000n * CRP],
    );
    await expectConserved(c, c.validators);
  });

  it("slashing below the minimum deactivates: ValidatorActivationChanged(false), weight 0 and the tree total drops by the whole weight", async function () {
    const c = await loadFixture(slashFixture);

    await expect(c.staking.connect(c.slasher).slash(c.alice, 1n, c.stranger))
      .to.emit(c.staking, "ValidatorActivationChanged")
      .withArgs(c.alice.address, false);

    expect(await stakeState(c, c.alice)).to.deep.include({ staked: MIN_STAKE - 1n, active: false, weight: 0n });
    expect(await c.staking.totalSelectionWeight()).to.equal(140_000n);
    await expectConserved(c, c.validators);
  });

  it("a slash that stays above the minimum lowers the weight to the whole CRP left, without an activation event", async function () {
    const c = await loadFixture(slashFixture);

    await expect(c.staking.connect(c.slasher).slash(c.bob, CRP / 2n, c.stranger)).not.to.emit(
      c.staking,
      "ValidatorActivationChanged",
    );

    expect(await stakeState(c, c.bob)).to.deep.include({ active: true, weight: 19_999n });
    expect(await c.staking.totalSelectionWeight()).to.equal(149_999n);
    await expectConserved(c, c.validators);
  });

  it("works while paused: pausing new stake does not shield anyone from a slash", async function () {
    const c = await loadFixture(slashFixture);
    await c.staking.connect(c.guardian).pause();

    await c.staking.connect(c.slasher).slash(c.bob, 1_000n * CRP, c.stranger);
    expect((await stakeState(c, c.bob)).staked).to.equal(19_000n * CRP);
    await expectConserved(c, c.validators);
  });

  describe("bad input reverts with its named error and changes nothing", function () {
    it("zero amount: StakingZeroAmount", async function () {
      const c = await loadFixture(mixedFixture);
      const before = await stakingSnapshot(c, [...c.validators, c.stranger]);

      await expect(c.staking.connect(c.slasher).slash(c.bob, 0n, c.stranger)).to.be.revertedWithCustomError(
        c.staking,
        "StakingZeroAmount",
      );

      expect(await stakingSnapshot(c, [...c.validators, c.stranger])).to.deep.equal(before);
    });

    it("zero beneficiary: StakingZeroAddress", async function () {
      const c = await loadFixture(mixedFixture);
      const before = await stakingSnapshot(c, [...c.validators, c.stranger]);

      await expect(c.staking.connect(c.slasher).slash(c.bob, CRP, ZeroAddress)).to.be.revertedWithCustomError(
        c.staking,
        "StakingZeroAddress",
      );

      expect(await stakingSnapshot(c, [...c.validators, c.stranger])).to.deep.equal(before);
    });

    it("an address that never staked: StakingNotAValidator(account)", async function () {
      const c = await loadFixture(mixedFixture);
      const before = await stakingSnapshot(c, [...c.validators, c.stranger, c.grace]);

      await expect(c.staking.connect(c.slasher).slash(c.grace, CRP, c.stranger))
        .to.be.revertedWithCustomError(c.staking, "StakingNotAValidator")
        .withArgs(c.grace.address);

      expect(await stakingSnapshot(c, [...c.validators, c.stranger, c.grace])).to.deep.equal(before);
    });

    it("a validator with nothing left (everything withdrawn) is slashed 0 without reverting, and nothing changes", async function () {
      const c = await loadFixture(slashFixture);
      await c.staking.connect(c.alice).thaw(MIN_STAKE);
      await time.increase(7 * 24 * 60 * 60);
      await c.staking.connect(c.alice).withdraw();
      const before = await stakingSnapshot(c, [...c.validators, c.stranger]);

      expect(await c.staking.connect(c.slasher).slash.staticCall(c.alice, CRP, c.stranger)).to.equal(0n);
      await expect(c.staking.connect(c.slasher).slash(c.alice, CRP, c.stranger)).not.to.emit(c.staking, "Slashed");

      expect(await stakingSnapshot(c, [...c.validators, c.stranger])).to.deep.equal(before);
      await expectConserved(c, c.validators);
    });
  });
});
