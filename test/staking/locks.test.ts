import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { CRP } from "../helpers/fixtures";
import { asGovernance } from "../helpers/governance";
import { expectConserved, grantStakingRole, stakeState, stakedFixture, stakingSnapshot } from "../helpers/staking";

/** The staked fixture (bob has 20,000 CRP) with frank holding LOCKER_ROLE and the deployer SLASHER_ROLE. */
async function locksFixture() {
  const c = await stakedFixture();
  await grantStakingRole(c, "LOCKER_ROLE", c.frank.address);
  await grantStakingRole(c, "SLASHER_ROLE", c.deployer.address);
  return { ...c, LOCKER_ROLE: await c.staking.LOCKER_ROLE() };
}

describe("CorpusStaking: lock and unlock", function () {
  describe("access", function () {
    it("lock by anyone without LOCKER_ROLE (stranger, the validator, a slasher, the guardian, governance) reverts AccessControlUnauthorizedAccount and changes nothing", async function () {
      const c = await loadFixture(locksFixture);
      const before = await stakingSnapshot(c, c.validators);

      for (const caller of [c.stranger, c.bob, c.deployer, c.guardian]) {
        await expect(c.staking.connect(caller).lock(c.bob, CRP))
          .to.be.revertedWithCustomError(c.staking, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, c.LOCKER_ROLE);
      }
      await asGovernance(c.timelock, async (timelock) => {
        await expect(c.staking.connect(timelock).lock(c.bob, CRP))
          .to.be.revertedWithCustomError(c.staking, "AccessControlUnauthorizedAccount")
          .withArgs(timelock.address, c.LOCKER_ROLE);
      });

      expect(await stakingSnapshot(c, c.validators)).to.deep.equal(before);
    });

    it("unlock by anyone without LOCKER_ROLE reverts AccessControlUnauthorizedAccount and the lock stays", async function () {
      const c = await loadFixture(locksFixture);
      await c.staking.connect(c.frank).lock(c.bob, 1_000n * CRP);
      const before = await stakingSnapshot(c, c.validators);

      for (const caller of [c.stranger, c.bob, c.deployer, c.guardian]) {
        await expect(c.staking.connect(caller).unlock(c.bob, 1_000n * CRP))
          .to.be.revertedWithCustomError(c.staking, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, c.LOCKER_ROLE);
      }

      expect(await stakingSnapshot(c, c.validators)).to.deep.equal(before);
      expect((await stakeState(c, c.bob)).locked).to.equal(1_000n * CRP);
    });
  });

  describe("lock", function () {
    it("records the lock, emits StakeLocked(validator, locker, amount, locked), and leaves stake, weight and balances alone", async function () {
      const c = await loadFixture(locksFixture);
      const before = await stakeState(c, c.bob);

      const tx = c.staking.connect(c.frank).lock(c.bob, 3_000n * CRP);
      await expect(tx)
        .to.emit(c.staking, "StakeLocked")
        .withArgs(c.bob.address, c.frank.address, 3_000n * CRP, 3_000n * CRP);
      await expect(tx).to.changeTokenBalances(c.token, [c.bob, c.staking], [0n, 0n]);

      // Locked stake is part of staked stake and still counts for selection.
      expect(await stakeState(c, c.bob)).to.deep.equal({ ...before, locked: 3_000n * CRP });
      expect(await c.staking.totalSelectionWeight()).to.equal(150_000n);
      await expectConserved(c, c.validators);
    });

    it("locks add up and the event reports the new total", async function () {
      const c = await loadFixture(locksFixture);
      await c.staking.connect(c.frank).lock(c.bob, 3_000n * CRP);

      await expect(c.staking.connect(c.frank).lock(c.bob, 4_000n * CRP))
        .to.emit(c.staking, "StakeLocked")
        .withArgs(c.bob.address, c.frank.address, 4_000n * CRP, 7_000n * CRP);
      expect((await stakeState(c, c.bob)).locked).to.equal(7_000n * CRP);
    });

    it("a lock of exactly the unlocked stake works; one wei more reverts StakingInsufficientUnlockedStake and changes nothing", async function () {
      const c = await loadFixture(locksFixture);
      await c.staking.connect(c.frank).lock(c.bob, 12_000n * CRP);
      const before = await stakingSnapshot(c, c.validators);

      await expect(c.staking.connect(c.frank).lock(c.bob, 8_000n * CRP + 1n))
        .to.be.revertedWithCustomError(c.staking, "StakingInsufficientUnlockedStake")
        .withArgs(c.bob.address, 8_000n * CRP, 8_000n * CRP + 1n);
      expect(await stakingSnapshot(c, c.validators)).to.deep.equal(before);

      await c.staking.connect(c.frank).lock(c.bob, 8_000n * CRP);
      expect((await stakeState(c, c.bob)).locked).to.equal(20_000n * CRP);
    });

    it("thawing stake cannot be locked: a lock beyond staked minus locked reverts even though stake is thawing", async function () {
      const c = await loadFixture(locksFixture);
      await c.staking.connect(c.bob).thaw(15_000n * CRP);
      const before = await stakingSnapshot(c, c.validators);

      await expect(c.staking.connect(c.frank).lock(c.bob, 5_000n * CRP + 1n))
        .to.be.revertedWithCustomError(c.staking, "StakingInsufficientUnlockedStake")
        .withArgs(c.bob.address, 5_000n * CRP, 5_000n * CRP + 1n);

      expect(await stakingSnapshot(c, c.validators)).to.deep.equal(before);
    });

    it("a lock on an address that never staked reverts StakingNotAValidator and changes nothing", async function () {
      const c = await loadFixture(locksFixture);
      const before = await stakingSnapshot(c, [...c.validators, c.stranger]);

      await expect(c.staking.connect(c.frank).lock(c.stranger, CRP))
        .to.be.revertedWithCustomError(c.staking, "StakingNotAValidator")
        .withArgs(c.stranger.address);

      expect(await stakingSnapshot(c, [...c.validators, c.stranger])).to.deep.equal(before);
    });

    it("a lock of zero reverts StakingZeroAmount and changes nothing", async function () {
      const c = await loadFixture(locksFixture);
      const before = await stakingSnapshot(c, c.validators);

      await expect(c.staking.connect(c.frank).lock(c.bob, 0n)).to.be.revertedWithCustomError(
        c.staking,
        "StakingZeroAmount",
      );

      expect(await stakingSnapshot(c, c.validators)).to.deep.equal(before);
    });
  });

  describe("unlock", function () {
    it("releases the amount, returns it and emits StakeUnlocked(validator, locker, released, locked)", async function () {
      const c = await loadFixture(locksFixture);
      await c.staking.connect(c.frank).lock(c.bob, 5_000n * CRP);

      expect(await c.staking.connect(c.frank).unlock.staticCall(c.bob, 2_000n * CRP)).to.equal(2_000n * CRP);
      const tx = c.staking.connect(c.frank).unlock(c.bob, 2_000n * CRP);
      await expect(tx)
        .to.emit(c.staking, "StakeUnlocked")
        .withArgs(c.bob.address, c.frank.address, 2_000n * CRP, 3_000n * CRP);
      await expect(tx).to.changeTokenBalances(c.token, [c.bob, c.staking], [0n, 0n]);

      const state = await stakeState(c, c.bob);
      expect(state.locked).to.equal(3_000n * CRP);
      expect(state.staked).to.equal(20_000n * CRP);
      expect(state.weight).to.equal(20_000n);
      await expectConserved(c, c.validators);
    });

    it("an unlock of more than is locked clamps to what is locked, and returns and emits only that", async function () {
      const c = await loadFixture(locksFixture);
      await c.staking.connect(c.frank).lock(c.bob, 5_000n * CRP);

      expect(await c.staking.connect(c.frank).unlock.staticCall(c.bob, 9_000n * CRP)).to.equal(5_000n * CRP);
      await expect(c.staking.connect(c.frank).unlock(c.bob, 9_000n * CRP))
        .to.emit(c.staking, "StakeUnlocked")
        .withArgs(c.bob.address, c.frank.address, 5_000n * CRP, 0n);

      expect((await stakeState(c, c.bob)).locked).to.equal(0n);
    });

    it("after a slash took locked stake, unlock releases only what the slash left", async function () {
      const c = await loadFixture(locksFixture);
      await c.staking.connect(c.frank).lock(c.bob, 5_000n * CRP);
      await c.staking.connect(c.deployer).slash(c.bob, 3_000n * CRP, c.stranger);

      expect(await c.staking.connect(c.frank).unlock.staticCall(c.bob, 5_000n * CRP)).to.equal(2_000n * CRP);
      await expect(c.staking.connect(c.frank).unlock(c.bob, 5_000n * CRP))
        .to.emit(c.staking, "StakeUnlocked")
        .withArgs(c.bob.address, c.frank.address, 2_000n * CRP, 0n);
      expect(await stakeState(c, c.bob)).to.deep.include({ staked: 17_000n * CRP, locked: 0n });
      await expectConserved(c, c.validators);
    });

    it("an unlock with nothing locked releases 0 and changes no stake", async function () {
      const c = await loadFixture(locksFixture);
      const before = await stakingSnapshot(c, c.validators);

      expect(await c.staking.connect(c.frank).unlock.staticCall(c.bob, CRP)).to.equal(0n);
      await expect(c.staking.connect(c.frank).unlock(c.bob, CRP))
        .to.emit(c.staking, "StakeUnlocked")
        .withArgs(c.bob.address, c.frank.address, 0n, 0n);

      expect(await stakingSnapshot(c, c.validators)).to.deep.equal(before);
    });

    it("an unlock on an address that never staked reverts StakingNotAValidator", async function () {
      const c = await loadFixture(locksFixture);
      const before = await stakingSnapshot(c, [...c.validators, c.stranger]);

      await expect(c.staking.connect(c.frank).unlock(c.stranger, CRP))
        .to.be.revertedWithCustomError(c.staking, "StakingNotAValidator")
        .withArgs(c.stranger.address);

      expect(await stakingSnapshot(c, [...c.validators, c.stranger])).to.deep.equal(before);
    });
  });

  describe("locked stake cannot thaw", function () {
    it("with everything locked, a thaw of one wei reverts StakingInsufficientUnlockedStake(validator, 0, 1) and changes nothing", async function () {
      const c = await loadFixture(locksFixture);
      await c.staking.connect(c.frank).lock(c.bob, 20_000n * CRP);
      const before = await stakingSnapshot(c, c.validators);

      await expect(c.staking.connect(c.bob).thaw(1n))
        .to.be.revertedWithCustomError(c.staking, "StakingInsufficientUnlockedStake")
        .withArgs(c.bob.address, 0n, 1n);

      expect(await stakingSnapshot(c, c.validators)).to.deep.equal(before);
    });

    it("with part locked, only the unlocked part thaws; after unlock the rest can thaw too", async function () {
      const c = await loadFixture(locksFixture);
      await c.staking.connect(c.frank).lock(c.bob, 6_000n * CRP);

      await c.staking.connect(c.bob).thaw(14_000n * CRP);
      const before = await stakingSnapshot(c, c.validators);
      await expect(c.staking.connect(c.bob).thaw(1n))
        .to.be.revertedWithCustomError(c.staking, "StakingInsufficientUnlockedStake")
        .withArgs(c.bob.address, 0n, 1n);
      expect(await stakingSnapshot(c, c.validators)).to.deep.equal(before);
      expect(await stakeState(c, c.bob)).to.deep.include({
        staked: 6_000n * CRP,
        locked: 6_000n * CRP,
        thawing: 14_000n * CRP,
      });

      await c.staking.connect(c.frank).unlock(c.bob, 6_000n * CRP);
      await c.staking.connect(c.bob).thaw(6_000n * CRP);
      expect(await stakeState(c, c.bob)).to.deep.include({ staked: 0n, locked: 0n, thawing: 20_000n * CRP });
      await expectConserved(c, c.validators);
    });
  });
});
