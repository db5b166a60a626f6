/**
 * The peers' staking bugs, shown not to happen here.
 *
 * - The Graph Horizon, OpenZeppelin M-01 and Trust TRST-H-3: thaw requests that someone other than the
 *   staker could create or extend, blocking or delaying a withdrawal for good. Here only the staker can thaw
 *   its own stake: no one else can delay its unbonding (move `thawEnd` later) or grow it (raise `thawing`).
 * - Kleros v2 #1990: stake changes made while a draw was in flight were applied late and corrupted juror
 *   balances and the sortition tree. Here every stake change updates the tree at once, so after any mix of
 *   draws, locks, stakes, thaws, slashes and unlocks, each validator's selection weight, the tree's total
 *   and the locks equal what a plain model computed in the test says.
 */
import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { FunctionFragment, ZeroHash, encodeBytes32String, id } from "ethers";
import { CRP, DAY } from "../helpers/fixtures";
import { asGovernance } from "../helpers/governance";
import {
  MIN_STAKE,
  expectConserved,
  fundFromTreasury,
  grantStakingRole,
  stakeAs,
  stakeState,
  stakedFixture,
  stakingSnapshot,
  useFixedRandomness,
  type StakeState,
} from "../helpers/staking";
import { signPermit } from "../../scripts/lib/permit";

const UNBONDING = 7n * BigInt(DAY);
const REWARD_BPS = 2_500n;

/**
 * The staked fixture with frank as locker, the deployer as slasher, a fixed randomness source, and bob
 * (20,000 CRP) thawing 5,000 CRP.
 */
async function peersFixture() {
  const c = await stakedFixture();
  await grantStakingRole(c, "LOCKER_ROLE", c.frank.address);
  await grantStakingRole(c, "SLASHER_ROLE", c.deployer.address);
  const fixed = await useFixedRandomness(c);
  await fixed.setSeed(id("corpus peers-bugs"));
  await c.staking.connect(c.bob).thaw(5_000n * CRP);
  const bobThaw = await stakeState(c, c.bob);
  return { ...c, locker: c.frank, slasher: c.deployer, fixed, bobThaw };
}

type Fixture = Awaited<ReturnType<typeof peersFixture>>;

describe("CorpusStaking: the peers' bugs", function () {
  describe("The Graph M-01 / TRST-H-3: no one but the staker can delay or grow its unbonding", function () {
    /** Bob's thaw must be exactly as he left it: same amount, same end. */
    async function expectBobThawUntouched(c: Fixture) {
      const now = await stakeState(c, c.bob);
      expect(now.thawing, "bob's thawing").to.equal(c.bobThaw.thawing);
      expect(now.thawEnd, "bob's thawEnd").to.equal(c.bobThaw.thawEnd);
    }

    /** Bob withdraws at exactly his original thawEnd and receives `amount`. */
    async function expectBobWithdrawsOnTime(c: Fixture, amount: bigint) {
      await time.setNextBlockTimestamp(c.bobThaw.thawEnd);
      await expect(c.staking.connect(c.bob).withdraw()).to.changeTokenBalances(
        c.token,
        [c.bob, c.staking],
        [amount, -amount],
      );
    }

    it("the state-changing functions of staking are exactly the ones these tests call (a new one must be added here)", async function () {
      const c = await loadFixture(peersFixture);
      const mutating = c.staking.interface.fragments
        .filter((f): f is FunctionFragment => f instanceof FunctionFragment)
        .filter((f) => f.stateMutability !== "view" && f.stateMutability !== "pure")
        .map((f) => f.name)
        .sort();
      expect(mutating).to.deep.equal(
        [
          "drawAndLock",
          "grantRole",
          "lock",
          "pause",
          "register",
          "refresh",
          "renounceRole",
          "requestDraw",
          "revokeRole",
          "setMinimumStake",
          "setRandomnessSource",
          "setSlashRewardShare",
          "setUnbondingPeriod",
          "slash",
          "stake",
          "stakeWithPermit",
          "thaw",
          "unlock",
          "unlockLeaves",
          "unpause",
          "withdraw",
        ].sort(),
      );
      // Only thaw starts or extends a thaw, and it takes no address: it always acts on msg.sender.
      expect(c.staking.interface.getFunction("thaw").inputs.map((i) => i.type)).to.deep.equal(["uint256"]);
    });

    it("a stranger calling every function it can leaves bob's thawing and thawEnd unchanged, and bob withdraws on time", async function () {
      const c = await loadFixture(peersFixture);
      const s = c.stranger;
      const stakingAddress = await c.staking.getAddress();
      await fundFromTreasury(c, [s.address], 100_000n * CRP);

      // Its own stake, thaw, permit stake, registration, refreshes, and a withdraw that is not yet due.
      await stakeAs(c, s, 20_000n * CRP);
      await expectBobThawUntouched(c);
      await c.staking.connect(s).thaw(1_000n * CRP);
      await expectBobThawUntouched(c);
      const deadline = BigInt((await time.latest()) + 3600);
      const p = await signPermit(c.token, s, stakingAddress, 10_000n * CRP, deadline);
      await c.staking.connect(s).stakeWithPermit(10_000n * CRP, p.deadline, p.v, p.r, p.s);
      await c.staking.connect(s).register("https://stranger.example/");
      await c.staking.connect(s).refresh([c.bob]);
      await c.staking.connect(s).refresh([s]);
      await expectBobThawUntouched(c);

      // From here to the donation every call fails, and changes nothing.
      const before = await stakingSnapshot(c, [...c.validators, s]);
      const attempt = (await time.latest()) + 1;
      await time.setNextBlockTimestamp(attempt);
      await expect(c.staking.connect(s).withdraw())
        .to.be.revertedWithCustomError(c.staking, "StakingThawNotMature")
        .withArgs(s.address, (await stakeState(c, s)).thawEnd, attempt);

      // Everything reserved to roles fails.
      await expect(c.staking.connect(s).lock(c.bob, CRP)).to.be.revertedWithCustomError(
        c.staking,
        "AccessControlUnauthorizedAccount",
      );
      await expect(c.staking.connect(s).unlock(c.bob, CRP)).to.be.revertedWithCustomError(
        c.staking,
        "AccessControlUnauthorizedAccount",
      );
      await expect(
        c.staking.connect(s).unlockLeaves([await c.staking.leafOf(c.bob)], [CRP]),
      ).to.be.revertedWithCustomError(c.staking, "AccessControlUnauthorizedAccount");
      await expect(c.staking.connect(s).slash(c.bob, CRP, s)).to.be.revertedWithCustomError(
        c.staking,
        "AccessControlUnauthorizedAccount",
      );
      await expect(c.staking.connect(s).requestDraw(ZeroHash)).to.be.revertedWithCustomError(
        c.staking,
        "AccessControlUnauthorizedAccount",
      );
      await expect(c.staking.connect(s).drawAndLock(ZeroHash, 1, [], CRP)).to.be.revertedWithCustomError(
        c.staking,
        "AccessControlUnauthorizedAccount",
      );
      await expect(c.staking.connect(s).setUnbondingPeriod(90n * BigInt(DAY))).to.be.revertedWithCustomError(
        c.staking,
        "AccessControlUnauthorizedAccount",
      );
      await expect(c.staking.connect(s).pause()).to.be.revertedWithCustomError(
        c.staking,
        "AccessControlUnauthorizedAccount",
      );
      await expect(
        c.staking.connect(s).grantRole(await c.staking.LOCKER_ROLE(), s.address),
      ).to.be.revertedWithCustomError(c.staking, "AccessControlUnauthorizedAccount");
      expect(await stakingSnapshot(c, [...c.validators, s])).to.deep.equal(before);
      await expectBobThawUntouched(c);

      // CRP sent straight to staking credits no one: not bob's thawing, not anyone's stake.
      const donation = 1_000n * CRP;
      await c.token.connect(s).transfer(stakingAddress, donation);
      await expectBobThawUntouched(c);
      let sum = 0n;
      for (const v of [...c.validators, s]) {
        const { staked, thawing } = await stakeState(c, v);
        sum += staked + thawing;
      }
      expect(await c.token.balanceOf(stakingAddress)).to.equal(sum + donation);

      await expectBobWithdrawsOnTime(c, 5_000n * CRP);
    });

    it("a locker drawing, locking and unlocking bob's stake leaves his thaw unchanged, and a full lock does not block his withdraw", async function () {
      const c = await loadFixture(peersFixture);
      const lockAmount = 1_000n * CRP;

      // The locker requests the draw's seed first; that alone touches no stake.
      await c.staking.connect(c.locker).requestDraw(encodeBytes32String("task-1"));
      await expectBobThawUntouched(c);

      // A draw of all five validators locks part of bob's remaining 15,000 CRP.
      const [drawn] = await c.staking
        .connect(c.locker)
        .drawAndLock.staticCall(encodeBytes32String("task-1"), 5, [], lockAmount);
      expect(drawn).to.include(c.bob.address);
      await c.staking.connect(c.locker).drawAndLock(encodeBytes32String("task-1"), 5, [], lockAmount);
      await expectBobThawUntouched(c);

      // Lock all the rest; the thawing stake cannot be locked on top.
      await c.staking.connect(c.locker).lock(c.bob, 14_000n * CRP);
      const before = await stakingSnapshot(c, c.validators);
      await expect(c.staking.connect(c.locker).lock(c.bob, 1n))
        .to.be.revertedWithCustomError(c.staking, "StakingInsufficientUnlockedStake")
        .withArgs(c.bob.address, 0n, 1n);
      expect(await stakingSnapshot(c, c.validators)).to.deep.equal(before);
      expect((await stakeState(c, c.bob)).locked).to.equal(15_000n * CRP);
      await expectBobThawUntouched(c);

      await c.staking.connect(c.locker).unlock(c.bob, 15_000n * CRP);
      await expectBobThawUntouched(c);
      await c.staking.connect(c.locker).lock(c.bob, 15_000n * CRP);
      await c.staking.connect(c.locker).unlockLeaves([await c.staking.leafOf(c.bob)], [15_000n * CRP]);
      await expectBobThawUntouched(c);
      await c.staking.connect(c.locker).lock(c.bob, 15_000n * CRP);
      await expectBobThawUntouched(c);

      // Everything staked is locked, yet the thawing stake comes out at its original end.
      await expectBobWithdrawsOnTime(c, 5_000n * CRP);
      expect(await stakeState(c, c.bob)).to.deep.include({
        staked: 15_000n * CRP,
        locked: 15_000n * CRP,
        thawing: 0n,
      });
      await expectConserved(c, c.validators);
    });

    it("a slasher can only shrink bob's thawing, never grow it or move its end, and the rest comes out on time", async function () {
      const c = await loadFixture(peersFixture);

      // From staked stake first: the thaw is untouched.
      await c.staking.connect(c.slasher).slash(c.bob, 1_000n * CRP, c.stranger);
      await expectBobThawUntouched(c);

      // 14,000 staked left; 16,000 takes all of it and 2,000 of the thawing stake.
      await c.staking.connect(c.slasher).slash(c.bob, 16_000n * CRP, c.stranger);
      const after = await stakeState(c, c.bob);
      expect(after.thawing).to.equal(3_000n * CRP);
      expect(after.thawEnd).to.equal(c.bobThaw.thawEnd);

      await expectBobWithdrawsOnTime(c, 3_000n * CRP);
      await expectConserved(c, c.validators);
    });

    it("governance lengthening the unbonding period, raising the minimum and pausing does not delay bob's withdraw", async function () {
      const c = await loadFixture(peersFixture);
      await asGovernance(c.timelock, async (timelock) => {
        await c.staking.connect(timelock).setUnbondingPeriod(90n * BigInt(DAY));
        await c.staking.connect(timelock).setMinimumStake(50_000n * CRP);
      });
      await c.staking.connect(c.stranger).refresh([c.bob]);
      await c.staking.connect(c.guardian).pause();
      await expectBobThawUntouched(c);

      await expectBobWithdrawsOnTime(c, 5_000n * CRP);
      await expectConserved(c, c.validators);
    });

    it("only bob's own second thaw restarts his unbonding (documented behaviour), with the new end at his thaw time + period", async function () {
      const c = await loadFixture(peersFixture);
      await time.increase(DAY);
      const t = BigInt((await time.latest()) + 5);
      await time.setNextBlockTimestamp(t);
      await c.staking.connect(c.bob).thaw(1n);

      expect(await stakeState(c, c.bob)).to.deep.include({
        thawing: 5_000n * CRP + 1n,
        thawEnd: t + UNBONDING,
      });
    });
  });

  describe("Kleros v2 #1990: stake changes around a draw leave the tree and the locks exact", function () {
    interface ModelEntry {
      staked: bigint;
      locked: bigint;
      thawing: bigint;
    }
    type Model = Map<string, ModelEntry>;

    function weightOf(e: ModelEntry): bigint {
      return e.staked >= MIN_STAKE ? e.staked / CRP : 0n;
    }

    function entry(model: Model, address: string): ModelEntry {
      const e = model.get(address);
      if (e === undefined) throw new Error(`${address} is not in the model`);
      return e;
    }

    async function modelOf(c: Fixture): Promise<Model> {
      const model: Model = new Map();
      for (const v of c.validators) {
        const { staked, locked, thawing } = await stakeState(c, v);
        model.set(v.address, { staked, locked, thawing });
      }
      return model;
    }

    /** Every validator's stakeOf and selectionWeight, and the tree total, equal the model's. */
    async function expectMatchesModel(c: Fixture, model: Model, step: string) {
      let total = 0n;
      for (const [address, e] of model) {
        const actual: StakeState = await stakeState(c, address);
        expect(
          { staked: actual.staked, locked: actual.locked, thawing: actual.thawing, weight: actual.weight },
          `${step}: ${address}`,
        ).to.deep.equal({ ...e, weight: weightOf(e) });
        total += weightOf(e);
      }
      expect(await c.staking.totalSelectionWeight(), `${step}: tree total`).to.equal(total);
      await expectConserved(c, [...model.keys()]);
    }

    /** What a slash of `amount` takes from `e`, mirrored in the model: locked, then free, then thawing. */
    function slashModel(e: ModelEntry, amount: bigint): bigint {
      const fromStaked = amount < e.staked ? amount : e.staked;
      e.locked -= fromStaked < e.locked ? fromStaked : e.locked;
      e.staked -= fromStaked;
      const left = amount - fromStaked;
      const fromThawing = left < e.thawing ? left : e.thawing;
      e.thawing -= fromThawing;
      return fromStaked + fromThawing;
    }

    it("stake more, thaw and slash between a drawAndLock and its unlocks: weights, tree total and locks stay exact", async function () {
      const c = await loadFixture(peersFixture);
      const model = await modelOf(c);
      await expectMatchesModel(c, model, "start");
      const lockAmount = 2_000n * CRP;
      const request = encodeBytes32String("submission-1");

      const [drawn] = await c.staking.connect(c.locker).drawAndLock.staticCall(request, 3, [], lockAmount);
      await expect(c.staking.connect(c.locker).drawAndLock(request, 3, [], lockAmount))
        .to.emit(c.staking, "ValidatorsDrawn")
        .withArgs(request, c.locker.address, lockAmount, drawn);
      const [first, second, third] = drawn;
      if (first === undefined || second === undefined || third === undefined) throw new Error("short draw");
      expect(new Set(drawn).size).to.equal(3);
      for (const v of drawn) entry(model, v).locked += lockAmount;
      await expectMatchesModel(c, model, "after the draw");

      const signer = (address: string): HardhatEthersSigner => {
        const s = c.validators.find((v) => v.address === address);
        if (s === undefined) throw new Error(`${address} is not a fixture validator`);
        return s;
      };

      // The first one stakes 7,777.5 CRP more (the half CRP does not count in the weight).
      const more = 7_777n * CRP + CRP / 2n;
      await stakeAs(c, signer(first), more);
      entry(model, first).staked += more;
      await expectMatchesModel(c, model, "after a stake by a drawn validator");

      // The second thaws all it can: everything but the lock.
      const e2 = entry(model, second);
      const unlocked = e2.staked - e2.locked;
      await c.staking.connect(signer(second)).thaw(unlocked);
      e2.staked -= unlocked;
      e2.thawing += unlocked;
      await expectMatchesModel(c, model, "after a thaw by a drawn validator");
      const before = await stakingSnapshot(c, c.validators);
      await expect(c.staking.connect(signer(second)).thaw(1n))
        .to.be.revertedWithCustomError(c.staking, "StakingInsufficientUnlockedStake")
        .withArgs(second, 0n, 1n);
      expect(await stakingSnapshot(c, c.validators)).to.deep.equal(before);

      // The third is slashed for more than its lock.
      const slashed = slashModel(entry(model, third), 2_500n * CRP);
      const supply = await c.token.totalSupply();
      await c.staking.connect(c.slasher).slash(third, 2_500n * CRP, c.stranger);
      expect(await c.token.totalSupply()).to.equal(supply - (slashed - (slashed * REWARD_BPS) / 10_000n));
      await expectMatchesModel(c, model, "after a slash of a drawn validator");

      // A validator that was not drawn changes its stake too.
      const other = c.validators.find((v) => !drawn.includes(v.address));
      if (other === undefined) throw new Error("everyone was drawn");
      await c.staking.connect(other).thaw(3_000n * CRP);
      entry(model, other.address).staked -= 3_000n * CRP;
      entry(model, other.address).thawing += 3_000n * CRP;
      await expectMatchesModel(c, model, "after a thaw by a validator not drawn");

      // The locker releases each lock: the slashed one had its lock taken by the slash.
      for (const v of drawn) {
        const e = entry(model, v);
        const released = lockAmount < e.locked ? lockAmount : e.locked;
        expect(await c.staking.connect(c.locker).unlock.staticCall(v, lockAmount), `released for ${v}`).to.equal(
          released,
        );
        await expect(c.staking.connect(c.locker).unlock(v, lockAmount))
          .to.emit(c.staking, "StakeUnlocked")
          .withArgs(v, c.locker.address, released, e.locked - released);
        e.locked -= released;
      }
      await expectMatchesModel(c, model, "after the unlocks");
      for (const e of model.values()) expect(e.locked).to.equal(0n);

      // The tree holds exactly the validators with weight: a draw of all of them succeeds, one more fails
      // with exactly that many found.
      const withWeight = [...model].filter(([, e]) => weightOf(e) > 0n).map(([a]) => a);
      const all = await c.staking.previewDraw(id("after"), withWeight.length, [], 0n);
      expect([...all].sort()).to.deep.equal([...withWeight].sort());
      await expect(c.staking.previewDraw(id("after"), withWeight.length + 1, [], 0n))
        .to.be.revertedWithCustomError(c.staking, "StakingNotEnoughEligibleValidators")
        .withArgs(withWeight.length + 1, withWeight.length);
    });

    it("a seeded sequence of 80 random draws, locks, unlocks, stakes, thaws, slashes and withdrawals matches the model after every step", async function () {
      const c = await loadFixture(peersFixture);
      const model = await modelOf(c);
      const thawEnds = new Map<string, bigint>([[c.bob.address, c.bobThaw.thawEnd]]);
      const signers = c.validators;
      let state = 0x1990;
      /** mulberry32: a small seeded PRNG, so the sequence is the same on every run. */
      const rand = (n: number): number => {
        state = (state + 0x6d2b79f5) | 0;
        let t = state;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return (((t ^ (t >>> 14)) >>> 0) % 4294967296) % n;
      };
      const pick = <T>(items: readonly T[]): T => {
        const item = items[rand(items.length)];
        if (item === undefined) throw new Error("empty list");
        return item;
      };
      /** A random amount of CRP in wei up to about `max` whole CRP, sometimes with a fraction. */
      const amount = (max: number): bigint => BigInt(1 + rand(max)) * CRP + (rand(2) === 0 ? 0n : BigInt(rand(1e9)));
      /** How often each outcome happened, so the test can show the sequence covered them all. */
      const counts: Record<string, number> = {};
      const note = (outcome: string) => {
        counts[outcome] = (counts[outcome] ?? 0) + 1;
      };

      for (let step = 0; step < 80; step++) {
        // Each step happens at a known time, up to two days after the last.
        const now = BigInt((await time.latest()) + 1 + rand(2 * DAY));
        await time.setNextBlockTimestamp(now);
        const v = pick(signers);
        const e = entry(model, v.address);
        const op = pick(["stake", "thaw", "lock", "unlock", "slash", "draw", "draw", "withdraw"] as const);
        const label = `step ${step} (${op} ${v.address})`;

        if (op === "stake") {
          const a = amount(20_000);
          await stakeAs(c, v, a);
          e.staked += a;
          note("stake");
        } else if (op === "thaw") {
          const unlocked = e.staked - e.locked;
          const a =
            rand(4) === 0 ? unlocked + 1n : unlocked === 0n ? 0n : 1n + BigInt(rand(1e6)) * (unlocked / 1_000_000n);
          if (a === 0n) {
            await expect(c.staking.connect(v).thaw(a)).to.be.revertedWithCustomError(c.staking, "StakingZeroAmount");
            note("thaw reverted");
          } else if (a > unlocked) {
            await expect(c.staking.connect(v).thaw(a))
              .to.be.revertedWithCustomError(c.staking, "StakingInsufficientUnlockedStake")
              .withArgs(v.address, unlocked, a);
            note("thaw reverted");
          } else {
            await c.staking.connect(v).thaw(a);
            note("thaw");
            e.staked -= a;
            e.thawing += a;
            thawEnds.set(v.address, now + UNBONDING);
          }
        } else if (op === "lock") {
          const unlocked = e.staked - e.locked;
          const a = amount(25_000);
          if (a > unlocked) {
            await expect(c.staking.connect(c.locker).lock(v, a))
              .to.be.revertedWithCustomError(c.staking, "StakingInsufficientUnlockedStake")
              .withArgs(v.address, unlocked, a);
            note("lock reverted");
          } else {
            await c.staking.connect(c.locker).lock(v, a);
            note("lock");
            e.locked += a;
          }
        } else if (op === "unlock") {
          const a = amount(8_000);
          const released = a < e.locked ? a : e.locked;
          await expect(c.staking.connect(c.locker).unlock(v, a))
            .to.emit(c.staking, "StakeUnlocked")
            .withArgs(v.address, c.locker.address, released, e.locked - released);
          e.locked -= released;
          note(released === 0n ? "unlock of nothing" : released < a ? "unlock clamped" : "unlock");
        } else if (op === "slash") {
          const a = rand(4) === 0 ? 10n ** 30n : amount(12_000);
          const preview = { ...e };
          const taken = slashModel(preview, a);
          if (taken === 0n) {
            // Nothing left to take: slashed 0, without reverting (a ruling must never block on it).
            expect(await c.staking.connect(c.slasher).slash.staticCall(v, a, c.stranger)).to.equal(0n);
            await expect(c.staking.connect(c.slasher).slash(v, a, c.stranger)).not.to.emit(c.staking, "Slashed");
          } else {
            const reward = (taken * REWARD_BPS) / 10_000n;
            await expect(c.staking.connect(c.slasher).slash(v, a, c.stranger))
              .to.emit(c.staking, "Slashed")
              .withArgs(v.address, c.slasher.address, c.stranger.address, taken, reward, taken - reward);
            note(
              preview.thawing < e.thawing
                ? "slash reaching thawing"
                : preview.locked < e.locked
                  ? "slash of locked"
                  : "slash",
            );
            Object.assign(e, preview);
          }
        } else if (op === "draw") {
          const count = 1 + rand(5);
          const lockAmount = BigInt(rand(4)) * 3_000n * CRP;
          const exclude = rand(3) === 0 ? [v.address] : [];
          const eligible = [...model].filter(
            ([address, m]) =>
              !exclude.includes(address) && weightOf(m) > 0n && weightOf(m) * CRP >= m.locked + lockAmount,
          );
          const request = id(`request ${step}`);
          if (eligible.length < count) {
            await expect(c.staking.connect(c.locker).drawAndLock(request, count, exclude, lockAmount))
              .to.be.revertedWithCustomError(c.staking, "StakingNotEnoughEligibleValidators")
              .withArgs(count, eligible.length);
            note("draw reverted");
          } else {
            note("draw");
            const [drawn] = await c.staking
              .connect(c.locker)
              .drawAndLock.staticCall(request, count, exclude, lockAmount);
            await c.staking.connect(c.locker).drawAndLock(request, count, exclude, lockAmount);
            expect(new Set(drawn).size, `${label}: distinct`).to.equal(count);
            for (const d of drawn) {
              expect(
                eligible.map(([a]) => a),
                `${label}: ${d} eligible`,
              ).to.include(d);
              entry(model, d).locked += lockAmount;
            }
          }
        } else {
          const end = thawEnds.get(v.address) ?? 0n;
          if (e.thawing === 0n) {
            await expect(c.staking.connect(v).withdraw())
              .to.be.revertedWithCustomError(c.staking, "StakingNothingThawing")
              .withArgs(v.address);
            note("withdraw reverted");
          } else if (now < end) {
            await expect(c.staking.connect(v).withdraw())
              .to.be.revertedWithCustomError(c.staking, "StakingThawNotMature")
              .withArgs(v.address, end, now);
            note("withdraw reverted");
          } else {
            await expect(c.staking.connect(v).withdraw())
              .to.emit(c.staking, "Withdrawn")
              .withArgs(v.address, e.thawing);
            e.thawing = 0n;
            note("withdraw");
          }
        }
        await expectMatchesModel(c, model, label);
        expect(e.locked <= e.staked, `${label}: locked <= staked`).to.equal(true);
      }
      // The sequence exercised every kind of step, succeeding and failing.
      for (const outcome of [
        "stake",
        "thaw",
        "thaw reverted",
        "lock",
        "lock reverted",
        "unlock",
        "unlock clamped",
        "slash of locked",
        "slash reaching thawing",
        "draw",
        "draw reverted",
        "withdraw",
        "withdraw reverted",
      ]) {
        expect(counts[outcome] ?? 0, `${outcome} steps`).to.be.greaterThan(0);
      }
    });
  });
});
