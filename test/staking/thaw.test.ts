import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { CRP, DAY } from "../helpers/fixtures";
import { asGovernance } from "../helpers/governance";
import {
  MIN_STAKE,
  expectConserved,
  grantStakingRole,
  stakeState,
  stakedFixture,
  stakingSnapshot,
} from "../helpers/staking";

const UNBONDING = 7n * BigInt(DAY);
/** alice..erin stake 10k..50k CRP in the staked fixture. */
const TOTAL_WEIGHT = 150_000n;

/** The staked fixture with frank holding LOCKER_ROLE. */
async function thawFixture() {
  const c = await stakedFixture();
  await grantStakingRole(c, "LOCKER_ROLE", c.frank.address);
  return c;
}

/** Makes the next block's timestamp a little later than the last one and returns it. */
async function nextTimestamp(): Promise<bigint> {
  const t = (await time.latest()) + 10;
  await time.setNextBlockTimestamp(t);
  return BigInt(t);
}

async function setUnbonding(c: Awaited<ReturnType<typeof thawFixture>>, seconds: bigint) {
  await asGovernance(c.timelock, async (timelock) => {
    await c.staking.connect(timelock).setUnbondingPeriod(seconds);
  });
}

describe("CorpusStaking: thaw", function () {
  it("moves the amount from staked to thawing, ending at block time + unbonding period, and lowers the weight", async function () {
    const c = await loadFixture(thawFixture);
    const amount = 5_000n * CRP;

    const t = await nextTimestamp();
    const tx = c.staking.connect(c.bob).thaw(amount);
    await expect(tx)
      .to.emit(c.staking, "ThawStarted")
      .withArgs(c.bob.address, amount, amount, t + UNBONDING);
    // Still above the minimum: no activation change. No token moves.
    await expect(tx).not.to.emit(c.staking, "ValidatorActivationChanged");
    await expect(tx).to.changeTokenBalances(c.token, [c.bob, c.staking], [0n, 0n]);

    expect(await stakeState(c, c.bob)).to.deep.equal({
      staked: 15_000n * CRP,
      locked: 0n,
      thawing: amount,
      thawEnd: t + UNBONDING,
      active: true,
      weight: 15_000n,
    });
    expect(await c.staking.totalSelectionWeight()).to.equal(TOTAL_WEIGHT - 5_000n);
    await expectConserved(c, c.validators);
  });

  it("thawing below the minimum deactivates the validator: ValidatorActivationChanged(false) and weight 0", async function () {
    const c = await loadFixture(thawFixture);
    const amount = 10_000n * CRP + 1n; // leaves bob one wei short of the minimum

    await expect(c.staking.connect(c.bob).thaw(amount))
      .to.emit(c.staking, "ValidatorActivationChanged")
      .withArgs(c.bob.address, false);

    const state = await stakeState(c, c.bob);
    expect(state.staked).to.equal(MIN_STAKE - 1n);
    expect(state.thawing).to.equal(amount);
    expect(state.active).to.equal(false);
    expect(state.weight).to.equal(0n);
    // Bob's whole weight (20,000) leaves the tree, not just the 10,000 thawed.
    expect(await c.staking.totalSelectionWeight()).to.equal(TOTAL_WEIGHT - 20_000n);
    await expectConserved(c, c.validators);
  });

  it("thawing everything leaves nothing staked and the validator inactive, with its leaf kept", async function () {
    const c = await loadFixture(thawFixture);
    await c.staking.connect(c.alice).thaw(MIN_STAKE);

    const state = await stakeState(c, c.alice);
    expect(state.staked).to.equal(0n);
    expect(state.thawing).to.equal(MIN_STAKE);
    expect(state.active).to.equal(false);
    expect(state.weight).to.equal(0n);
    expect(await c.staking.validatorCount()).to.equal(5n);
    expect(await c.staking.totalSelectionWeight()).to.equal(TOTAL_WEIGHT - 10_000n);
    await expectConserved(c, c.validators);
  });

  it("a second thaw adds to the first and restarts the unbonding period for the whole thawing amount (the first part waits again)", async function () {
    const c = await loadFixture(thawFixture);
    const t1 = await nextTimestamp();
    await c.staking.connect(c.bob).thaw(1_000n * CRP);
    await time.increase(3 * DAY);

    const t2 = await nextTimestamp();
    await expect(c.staking.connect(c.bob).thaw(2_000n * CRP))
      .to.emit(c.staking, "ThawStarted")
      .withArgs(c.bob.address, 2_000n * CRP, 3_000n * CRP, t2 + UNBONDING);

    const state = await stakeState(c, c.bob);
    expect(state.thawing).to.equal(3_000n * CRP);
    expect(state.thawEnd).to.equal(t2 + UNBONDING);
    expect(state.staked).to.equal(17_000n * CRP);

    // When the first thaw would have matured, nothing can be withdrawn: its 1,000 CRP wait for the new end.
    const before = await stakingSnapshot(c, c.validators);
    await time.setNextBlockTimestamp(t1 + UNBONDING);
    await expect(c.staking.connect(c.bob).withdraw())
      .to.be.revertedWithCustomError(c.staking, "StakingThawNotMature")
      .withArgs(c.bob.address, t2 + UNBONDING, t1 + UNBONDING);
    expect(await stakingSnapshot(c, c.validators)).to.deep.equal(before);

    // At the new end all of it comes out at once.
    await time.setNextBlockTimestamp(t2 + UNBONDING);
    await expect(c.staking.connect(c.bob).withdraw()).to.changeTokenBalances(
      c.token,
      [c.bob, c.staking],
      [3_000n * CRP, -3_000n * CRP],
    );
    await expectConserved(c, c.validators);
  });

  it("a thaw of more than the unlocked stake reverts StakingInsufficientUnlockedStake(validator, unlocked, needed) and changes nothing", async function () {
    const c = await loadFixture(thawFixture);
    await c.staking.connect(c.frank).lock(c.bob, 15_000n * CRP);
    const before = await stakingSnapshot(c, c.validators);

    await expect(c.staking.connect(c.bob).thaw(5_000n * CRP + 1n))
      .to.be.revertedWithCustomError(c.staking, "StakingInsufficientUnlockedStake")
      .withArgs(c.bob.address, 5_000n * CRP, 5_000n * CRP + 1n);

    expect(await stakingSnapshot(c, c.validators)).to.deep.equal(before);

    // Exactly the unlocked part can thaw; the locked part stays staked.
    await c.staking.connect(c.bob).thaw(5_000n * CRP);
    const state = await stakeState(c, c.bob);
    expect(state.staked).to.equal(15_000n * CRP);
    expect(state.locked).to.equal(15_000n * CRP);
    expect(state.thawing).to.equal(5_000n * CRP);
    await expectConserved(c, c.validators);
  });

  it("a thaw of more than is staked reverts StakingInsufficientUnlockedStake with the whole stake as unlocked", async function () {
    const c = await loadFixture(thawFixture);
    const before = await stakingSnapshot(c, c.validators);

    await expect(c.staking.connect(c.alice).thaw(MIN_STAKE + 1n))
      .to.be.revertedWithCustomError(c.staking, "StakingInsufficientUnlockedStake")
      .withArgs(c.alice.address, MIN_STAKE, MIN_STAKE + 1n);

    expect(await stakingSnapshot(c, c.validators)).to.deep.equal(before);
  });

  it("a thaw by an address that never staked reverts StakingInsufficientUnlockedStake with unlocked 0", async function () {
    const c = await loadFixture(thawFixture);
    const before = await stakingSnapshot(c, [...c.validators, c.stranger]);

    await expect(c.staking.connect(c.stranger).thaw(1n))
      .to.be.revertedWithCustomError(c.staking, "StakingInsufficientUnlockedStake")
      .withArgs(c.stranger.address, 0n, 1n);

    expect(await stakingSnapshot(c, [...c.validators, c.stranger])).to.deep.equal(before);
  });

  it("a zero amount reverts StakingZeroAmount and does not restart an existing thaw", async function () {
    const c = await loadFixture(thawFixture);
    await c.staking.connect(c.bob).thaw(1_000n * CRP);
    await time.increase(DAY);
    const before = await stakingSnapshot(c, c.validators);

    await expect(c.staking.connect(c.bob).thaw(0n)).to.be.revertedWithCustomError(c.staking, "StakingZeroAmount");

    expect(await stakingSnapshot(c, c.validators)).to.deep.equal(before);
  });

  it("thaw works while paused: pausing never traps stake", async function () {
    const c = await loadFixture(thawFixture);
    await c.staking.connect(c.guardian).pause();

    const t = await nextTimestamp();
    await expect(c.staking.connect(c.carol).thaw(30_000n * CRP))
      .to.emit(c.staking, "ThawStarted")
      .withArgs(c.carol.address, 30_000n * CRP, 30_000n * CRP, t + UNBONDING);
    expect((await stakeState(c, c.carol)).thawing).to.equal(30_000n * CRP);
    await expectConserved(c, c.validators);
  });

  it("governance lengthening the unbonding period does not delay a thaw already started", async function () {
    const c = await loadFixture(thawFixture);
    const t = await nextTimestamp();
    await c.staking.connect(c.bob).thaw(1_000n * CRP);

    await setUnbonding(c, 90n * BigInt(DAY));

    expect((await stakeState(c, c.bob)).thawEnd).to.equal(t + UNBONDING);
    await time.setNextBlockTimestamp(t + UNBONDING);
    await expect(c.staking.connect(c.bob).withdraw())
      .to.emit(c.staking, "Withdrawn")
      .withArgs(c.bob.address, 1_000n * CRP);
    await expectConserved(c, c.validators);
  });

  it("governance shortening the unbonding period does not bring a thaw already started forward", async function () {
    const c = await loadFixture(thawFixture);
    const t = await nextTimestamp();
    await c.staking.connect(c.bob).thaw(1_000n * CRP);

    await setUnbonding(c, BigInt(DAY));

    expect((await stakeState(c, c.bob)).thawEnd).to.equal(t + UNBONDING);
    const before = await stakingSnapshot(c, c.validators);
    const early = t + BigInt(DAY);
    await time.setNextBlockTimestamp(early);
    await expect(c.staking.connect(c.bob).withdraw())
      .to.be.revertedWithCustomError(c.staking, "StakingThawNotMature")
      .withArgs(c.bob.address, t + UNBONDING, early);
    expect(await stakingSnapshot(c, c.validators)).to.deep.equal(before);
    await expectConserved(c, c.validators);
  });

  it("a thaw started after governance changed the period uses the new period", async function () {
    const c = await loadFixture(thawFixture);
    await setUnbonding(c, 30n * BigInt(DAY));

    const t = await nextTimestamp();
    await expect(c.staking.connect(c.bob).thaw(1_000n * CRP))
      .to.emit(c.staking, "ThawStarted")
      .withArgs(c.bob.address, 1_000n * CRP, 1_000n * CRP, t + 30n * BigInt(DAY));
  });

  it("a second thaw after governance shortened the period does not move the end of the thawing stake earlier", async function () {
    // ICorpusStaking: a second thaw "restarts the unbonding period for the whole of it (the end never moves
    // earlier)". Otherwise a validator could shorten its own unbonding retroactively by thawing one more wei
    // once governance lowers the period.
    const c = await loadFixture(thawFixture);
    await setUnbonding(c, 30n * BigInt(DAY));
    const t1 = await nextTimestamp();
    await c.staking.connect(c.bob).thaw(1_000n * CRP);
    const firstEnd = t1 + 30n * BigInt(DAY);

    await setUnbonding(c, BigInt(DAY));
    await time.increase(DAY);
    await c.staking.connect(c.bob).thaw(1n);

    const { thawEnd } = await stakeState(c, c.bob);
    expect(thawEnd).to.be.gte(firstEnd);
    const before = await stakingSnapshot(c, c.validators);
    await time.setNextBlockTimestamp(firstEnd - 1n);
    await expect(c.staking.connect(c.bob).withdraw()).to.be.revertedWithCustomError(c.staking, "StakingThawNotMature");
    expect(await stakingSnapshot(c, c.validators)).to.deep.equal(before);
  });
});
