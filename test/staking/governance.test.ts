import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { ZeroAddress, ZeroHash } from "ethers";
import { CRP, DAY } from "../helpers/fixtures";
import { asGovernance } from "../helpers/governance";
import { MIN_STAKE, expectConserved, stakeAs, stakeState, stakedFixture, stakingSnapshot } from "../helpers/staking";
import { FixedRandomness__factory } from "../../sdk/src/typechain";

const DEFAULT_ADMIN_ROLE = ZeroHash;
const MIN_MINIMUM_STAKE = CRP;
const MAX_MINIMUM_STAKE = 10_000_000n * CRP;
const MIN_UNBONDING = BigInt(DAY);
const MAX_UNBONDING = 90n * BigInt(DAY);
const MAX_SLASH_REWARD_BPS = 5_000n;

type Fixture = Awaited<ReturnType<typeof stakedFixture>>;

async function governanceFixture() {
  const c = await stakedFixture();
  const fixed = await new FixedRandomness__factory(c.deployer).deploy();
  return { ...c, fixed };
}

/** Runs `action` as the timelock. */
function asTimelock<T>(c: Fixture, action: (timelock: HardhatEthersSigner) => Promise<T>): Promise<T> {
  return asGovernance(c.timelock, action);
}

/** Accounts that hold CRP or roles but not DEFAULT_ADMIN_ROLE on staking. */
function nonAdmins(c: Fixture): HardhatEthersSigner[] {
  return [c.stranger, c.guardian, c.alice, c.deployer];
}

describe("CorpusStaking: governance", function () {
  it("the bounds are the ones the interface documents", async function () {
    const c = await loadFixture(governanceFixture);
    expect(await c.staking.MIN_MINIMUM_STAKE()).to.equal(MIN_MINIMUM_STAKE);
    expect(await c.staking.MAX_MINIMUM_STAKE()).to.equal(MAX_MINIMUM_STAKE);
    expect(await c.staking.MIN_UNBONDING_PERIOD()).to.equal(MIN_UNBONDING);
    expect(await c.staking.MAX_UNBONDING_PERIOD()).to.equal(MAX_UNBONDING);
    expect(await c.staking.MAX_SLASH_REWARD_BPS()).to.equal(MAX_SLASH_REWARD_BPS);
    const [minimumStake, unbondingPeriod, slashRewardBps, randomness] = await c.staking.parameters();
    expect([minimumStake, unbondingPeriod, slashRewardBps, randomness]).to.deep.equal([
      MIN_STAKE,
      7n * BigInt(DAY),
      2_500n,
      await c.randomness.getAddress(),
    ]);
  });

  describe("setMinimumStake", function () {
    it("only DEFAULT_ADMIN_ROLE: anyone else reverts AccessControlUnauthorizedAccount and changes nothing", async function () {
      const c = await loadFixture(governanceFixture);
      const before = await stakingSnapshot(c, c.validators);
      for (const caller of nonAdmins(c)) {
        await expect(c.staking.connect(caller).setMinimumStake(2n * MIN_STAKE))
          .to.be.revertedWithCustomError(c.staking, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, DEFAULT_ADMIN_ROLE);
      }
      expect(await stakingSnapshot(c, c.validators)).to.deep.equal(before);
    });

    it("at the lower bound (1 CRP) and at the upper bound (10,000,000 CRP) works and emits MinimumStakeSet(old, new)", async function () {
      const c = await loadFixture(governanceFixture);
      await asTimelock(c, async (timelock) => {
        await expect(c.staking.connect(timelock).setMinimumStake(MIN_MINIMUM_STAKE))
          .to.emit(c.staking, "MinimumStakeSet")
          .withArgs(MIN_STAKE, MIN_MINIMUM_STAKE);
        expect((await c.staking.parameters()).minimumStake).to.equal(MIN_MINIMUM_STAKE);

        await expect(c.staking.connect(timelock).setMinimumStake(MAX_MINIMUM_STAKE))
          .to.emit(c.staking, "MinimumStakeSet")
          .withArgs(MIN_MINIMUM_STAKE, MAX_MINIMUM_STAKE);
        expect((await c.staking.parameters()).minimumStake).to.equal(MAX_MINIMUM_STAKE);
      });
    });

    it("just outside either bound reverts StakingMinimumStakeOutOfBounds(value, min, max) and changes nothing", async function () {
      const c = await loadFixture(governanceFixture);
      const before = await stakingSnapshot(c, c.validators);
      await asTimelock(c, async (timelock) => {
        for (const value of [0n, MIN_MINIMUM_STAKE - 1n, MAX_MINIMUM_STAKE + CRP, MAX_MINIMUM_STAKE + 1n]) {
          await expect(c.staking.connect(timelock).setMinimumStake(value))
            .to.be.revertedWithCustomError(c.staking, "StakingMinimumStakeOutOfBounds")
            .withArgs(value, MIN_MINIMUM_STAKE, MAX_MINIMUM_STAKE);
        }
      });
      expect(await stakingSnapshot(c, c.validators)).to.deep.equal(before);
    });

    it("a value within bounds that is not a whole CRP reverts StakingMinimumStakeNotWholeToken(value) and changes nothing", async function () {
      const c = await loadFixture(governanceFixture);
      const before = await stakingSnapshot(c, c.validators);
      await asTimelock(c, async (timelock) => {
        for (const value of [MIN_MINIMUM_STAKE + 1n, (3n * CRP) / 2n, MAX_MINIMUM_STAKE - 1n]) {
          await expect(c.staking.connect(timelock).setMinimumStake(value))
            .to.be.revertedWithCustomError(c.staking, "StakingMinimumStakeNotWholeToken")
            .withArgs(value);
        }
      });
      expect(await stakingSnapshot(c, c.validators)).to.deep.equal(before);
    });

    it("a raised minimum takes effect on refresh: the validator below it loses its weight, with the event", async function () {
      const c = await loadFixture(governanceFixture);
      await asTimelock(c, async (timelock) => {
        await c.staking.connect(timelock).setMinimumStake(25_000n * CRP);
      });
      // stakeOf judges against the current minimum; the tree keeps the old weight until refresh.
      expect(await stakeState(c, c.alice)).to.deep.include({ active: false, weight: 10_000n });
      expect(await c.staking.totalSelectionWeight()).to.equal(150_000n);

      // Anyone may refresh.
      await expect(c.staking.connect(c.stranger).refresh([c.alice]))
        .to.emit(c.staking, "ValidatorActivationChanged")
        .withArgs(c.alice.address, false);
      expect(await stakeState(c, c.alice)).to.deep.include({ active: false, weight: 0n });
      expect(await c.staking.totalSelectionWeight()).to.equal(140_000n);

      // A validator still above the minimum keeps its weight: refresh changes nothing and says nothing.
      await expect(c.staking.connect(c.stranger).refresh([c.carol])).not.to.emit(
        c.staking,
        "ValidatorActivationChanged",
      );
      expect(await c.staking.selectionWeight(c.carol)).to.equal(30_000n);
      expect(await c.staking.totalSelectionWeight()).to.equal(140_000n);
    });

    it("a lowered minimum takes effect on refresh: a validator now above it gains its weight, with the event", async function () {
      const c = await loadFixture(governanceFixture);
      await stakeAs(c, c.frank, 6_000n * CRP);
      expect(await c.staking.selectionWeight(c.frank)).to.equal(0n);

      await asTimelock(c, async (timelock) => {
        await c.staking.connect(timelock).setMinimumStake(5_000n * CRP);
      });
      expect(await stakeState(c, c.frank)).to.deep.include({ active: true, weight: 0n });

      await expect(c.staking.connect(c.stranger).refresh([c.frank]))
        .to.emit(c.staking, "ValidatorActivationChanged")
        .withArgs(c.frank.address, true);
      expect(await c.staking.selectionWeight(c.frank)).to.equal(6_000n);
      expect(await c.staking.totalSelectionWeight()).to.equal(156_000n);
      await expectConserved(c, [...c.validators, c.frank]);
    });

    it("refresh of an address that never staked does nothing", async function () {
      const c = await loadFixture(governanceFixture);
      const before = await stakingSnapshot(c, [...c.validators, c.grace]);

      await expect(c.staking.connect(c.stranger).refresh([c.grace])).not.to.emit(
        c.staking,
        "ValidatorActivationChanged",
      );

      expect(await stakingSnapshot(c, [...c.validators, c.grace])).to.deep.equal(before);
      expect(await c.staking.validatorCount()).to.equal(5n);
    });
  });

  describe("setUnbondingPeriod", function () {
    it("only DEFAULT_ADMIN_ROLE: anyone else reverts AccessControlUnauthorizedAccount and changes nothing", async function () {
      const c = await loadFixture(governanceFixture);
      const before = await stakingSnapshot(c, c.validators);
      for (const caller of nonAdmins(c)) {
        await expect(c.staking.connect(caller).setUnbondingPeriod(MIN_UNBONDING))
          .to.be.revertedWithCustomError(c.staking, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, DEFAULT_ADMIN_ROLE);
      }
      expect(await stakingSnapshot(c, c.validators)).to.deep.equal(before);
    });

    it("at 1 day and at 90 days works and emits UnbondingPeriodSet(old, new)", async function () {
      const c = await loadFixture(governanceFixture);
      await asTimelock(c, async (timelock) => {
        await expect(c.staking.connect(timelock).setUnbondingPeriod(MIN_UNBONDING))
          .to.emit(c.staking, "UnbondingPeriodSet")
          .withArgs(7n * BigInt(DAY), MIN_UNBONDING);
        expect((await c.staking.parameters()).unbondingPeriod).to.equal(MIN_UNBONDING);

        await expect(c.staking.connect(timelock).setUnbondingPeriod(MAX_UNBONDING))
          .to.emit(c.staking, "UnbondingPeriodSet")
          .withArgs(MIN_UNBONDING, MAX_UNBONDING);
        expect((await c.staking.parameters()).unbondingPeriod).to.equal(MAX_UNBONDING);
      });
    });

    it("one second outside either bound reverts StakingUnbondingPeriodOutOfBounds(value, min, max) and changes nothing", async function () {
      const c = await loadFixture(governanceFixture);
      const before = await stakingSnapshot(c, c.validators);
      await asTimelock(c, async (timelock) => {
        for (const value of [0n, MIN_UNBONDING - 1n, MAX_UNBONDING + 1n]) {
          await expect(c.staking.connect(timelock).setUnbondingPeriod(value))
            .to.be.revertedWithCustomError(c.staking, "StakingUnbondingPeriodOutOfBounds")
            .withArgs(value, MIN_UNBONDING, MAX_UNBONDING);
        }
      });
      expect(await stakingSnapshot(c, c.validators)).to.deep.equal(before);
    });
  });

  describe("setSlashRewardShare", function () {
    it("only DEFAULT_ADMIN_ROLE: anyone else reverts AccessControlUnauthorizedAccount and changes nothing", async function () {
      const c = await loadFixture(governanceFixture);
      const before = await stakingSnapshot(c, c.validators);
      for (const caller of nonAdmins(c)) {
        await expect(c.staking.connect(caller).setSlashRewardShare(0n))
          .to.be.revertedWithCustomError(c.staking, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, DEFAULT_ADMIN_ROLE);
      }
      expect(await stakingSnapshot(c, c.validators)).to.deep.equal(before);
    });

    it("at 0 and at 5,000 bps works and emits SlashRewardShareSet(old, new)", async function () {
      const c = await loadFixture(governanceFixture);
      await asTimelock(c, async (timelock) => {
        await expect(c.staking.connect(timelock).setSlashRewardShare(0n))
          .to.emit(c.staking, "SlashRewardShareSet")
          .withArgs(2_500n, 0n);
        expect((await c.staking.parameters()).slashRewardBps).to.equal(0n);

        await expect(c.staking.connect(timelock).setSlashRewardShare(MAX_SLASH_REWARD_BPS))
          .to.emit(c.staking, "SlashRewardShareSet")
          .withArgs(0n, MAX_SLASH_REWARD_BPS);
        expect((await c.staking.parameters()).slashRewardBps).to.equal(MAX_SLASH_REWARD_BPS);
      });
    });

    it("5,001 bps reverts StakingSlashRewardOutOfBounds(5001, 5000) and changes nothing", async function () {
      const c = await loadFixture(governanceFixture);
      const before = await stakingSnapshot(c, c.validators);
      await asTimelock(c, async (timelock) => {
        for (const value of [MAX_SLASH_REWARD_BPS + 1n, 10_000n]) {
          await expect(c.staking.connect(timelock).setSlashRewardShare(value))
            .to.be.revertedWithCustomError(c.staking, "StakingSlashRewardOutOfBounds")
            .withArgs(value, MAX_SLASH_REWARD_BPS);
        }
      });
      expect(await stakingSnapshot(c, c.validators)).to.deep.equal(before);
    });
  });

  describe("setRandomnessSource", function () {
    it("only DEFAULT_ADMIN_ROLE: anyone else reverts AccessControlUnauthorizedAccount and changes nothing", async function () {
      const c = await loadFixture(governanceFixture);
      const before = await stakingSnapshot(c, c.validators);
      for (const caller of nonAdmins(c)) {
        await expect(c.staking.connect(caller).setRandomnessSource(c.fixed))
          .to.be.revertedWithCustomError(c.staking, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, DEFAULT_ADMIN_ROLE);
      }
      expect(await stakingSnapshot(c, c.validators)).to.deep.equal(before);
    });

    it("a contract works and emits RandomnessSourceSet(old, new)", async function () {
      const c = await loadFixture(governanceFixture);
      const fixed = await c.fixed.getAddress();
      await asTimelock(c, async (timelock) => {
        await expect(c.staking.connect(timelock).setRandomnessSource(fixed))
          .to.emit(c.staking, "RandomnessSourceSet")
          .withArgs(await c.randomness.getAddress(), fixed);
      });
      expect((await c.staking.parameters()).randomness).to.equal(fixed);
    });

    it("an EOA or the zero address reverts StakingInvalidRandomnessSource(source) and changes nothing", async function () {
      const c = await loadFixture(governanceFixture);
      const before = await stakingSnapshot(c, c.validators);
      expect(await ethers.provider.getCode(c.stranger.address)).to.equal("0x");
      await asTimelock(c, async (timelock) => {
        for (const source of [c.stranger.address, ZeroAddress]) {
          await expect(c.staking.connect(timelock).setRandomnessSource(source))
            .to.be.revertedWithCustomError(c.staking, "StakingInvalidRandomnessSource")
            .withArgs(source);
        }
      });
      expect(await stakingSnapshot(c, c.validators)).to.deep.equal(before);
    });
  });

  describe("pause", function () {
    it("only the guardian may pause: anyone else, governance included, reverts AccessControlUnauthorizedAccount", async function () {
      const c = await loadFixture(governanceFixture);
      const GUARDIAN_ROLE = await c.staking.GUARDIAN_ROLE();
      const before = await stakingSnapshot(c, c.validators);
      for (const caller of [c.stranger, c.alice, c.deployer]) {
        await expect(c.staking.connect(caller).pause())
          .to.be.revertedWithCustomError(c.staking, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, GUARDIAN_ROLE);
      }
      await asTimelock(c, async (timelock) => {
        await expect(c.staking.connect(timelock).pause())
          .to.be.revertedWithCustomError(c.staking, "AccessControlUnauthorizedAccount")
          .withArgs(timelock.address, GUARDIAN_ROLE);
      });
      expect(await stakingSnapshot(c, c.validators)).to.deep.equal(before);
      expect(await c.staking.paused()).to.equal(false);
    });

    it("the guardian pauses (Paused event); pausing again reverts EnforcedPause", async function () {
      const c = await loadFixture(governanceFixture);
      await expect(c.staking.connect(c.guardian).pause()).to.emit(c.staking, "Paused").withArgs(c.guardian.address);
      expect(await c.staking.paused()).to.equal(true);

      const before = await stakingSnapshot(c, c.validators);
      await expect(c.staking.connect(c.guardian).pause()).to.be.revertedWithCustomError(c.staking, "EnforcedPause");
      expect(await stakingSnapshot(c, c.validators)).to.deep.equal(before);
    });

    it("the guardian cannot unpause: AccessControlUnauthorizedAccount(guardian, DEFAULT_ADMIN_ROLE), and it stays paused", async function () {
      const c = await loadFixture(governanceFixture);
      await c.staking.connect(c.guardian).pause();
      const before = await stakingSnapshot(c, c.validators);

      for (const caller of [c.guardian, c.stranger]) {
        await expect(c.staking.connect(caller).unpause())
          .to.be.revertedWithCustomError(c.staking, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, DEFAULT_ADMIN_ROLE);
      }
      expect(await stakingSnapshot(c, c.validators)).to.deep.equal(before);
      expect(await c.staking.paused()).to.equal(true);
    });

    it("governance unpauses (Unpaused event); unpausing when not paused reverts ExpectedPause", async function () {
      const c = await loadFixture(governanceFixture);
      await c.staking.connect(c.guardian).pause();
      await asTimelock(c, async (timelock) => {
        await expect(c.staking.connect(timelock).unpause()).to.emit(c.staking, "Unpaused").withArgs(timelock.address);
        expect(await c.staking.paused()).to.equal(false);

        const before = await stakingSnapshot(c, c.validators);
        await expect(c.staking.connect(timelock).unpause()).to.be.revertedWithCustomError(c.staking, "ExpectedPause");
        expect(await stakingSnapshot(c, c.validators)).to.deep.equal(before);
      });
    });
  });
});
