import { expect } from "chai";
import { loadFixture, mine } from "@nomicfoundation/hardhat-network-helpers";
import type { ContractTransactionResponse } from "ethers";
import { id } from "ethers";
import { CRP } from "../helpers/fixtures";
import { asGovernance } from "../helpers/governance";
import {
  expectConserved,
  grantStakingRole,
  requestDrawAndWait,
  stakeState,
  stakedFixture,
  stakingSnapshot,
} from "../helpers/staking";

const LOCK = 1_000n * CRP;

/**
 * The staked fixture (alice..erin: 10k..50k CRP) with frank holding LOCKER_ROLE and the deployer SLASHER_ROLE.
 */
async function leavesFixture() {
  const c = await stakedFixture();
  await grantStakingRole(c, "LOCKER_ROLE", c.frank.address);
  await grantStakingRole(c, "SLASHER_ROLE", c.deployer.address);
  return { ...c, locker: c.frank, LOCKER_ROLE: await c.staking.LOCKER_ROLE() };
}

type Fixture = Awaited<ReturnType<typeof leavesFixture>>;

/** Draws `count` validators as the locker, locking `lockAmount` each; returns what drawAndLock returned. */
async function drawAndLock(c: Fixture, request: string, count: number, lockAmount = LOCK) {
  await requestDrawAndWait(c, c.locker, id(request));
  // eth_call runs in the context of the latest block: one more block makes the seed readable there too.
  await mine(1);
  const [validators, leaves] = await c.staking
    .connect(c.locker)
    .drawAndLock.staticCall(id(request), count, [], lockAmount);
  const tx = await c.staking.connect(c.locker).drawAndLock(id(request), count, [], lockAmount);
  return { validators: [...validators], leaves: [...leaves], tx };
}

/** The fixture with all five validators drawn and 1,000 CRP of each locked. */
async function lockedFixture() {
  const c = await loadFixture(leavesFixture);
  const draw = await drawAndLock(c, "all five", 5);
  return { ...c, drawn: draw.validators, leaves: draw.leaves };
}

/** The StakeUnlocked events of `tx`, as [validator, locker, released, locked]. */
async function unlockEvents(c: Fixture, tx: ContractTransactionResponse) {
  const receipt = await tx.wait();
  return (receipt?.logs ?? [])
    .map((log) => c.staking.interface.parseLog({ topics: [...log.topics], data: log.data }))
    .filter((parsed) => parsed?.name === "StakeUnlocked")
    .map((parsed) => [...parsed!.args]);
}

describe("CorpusStaking: drawAndLock leaves and unlockLeaves", function () {
  describe("drawAndLock returns leaves", function () {
    it("returns the drawn validators and their leaves in the same order: leafOf(validator) is the leaf and leafOwner(leaf) the validator", async function () {
      const c = await loadFixture(leavesFixture);
      const { validators, leaves, tx } = await drawAndLock(c, "three", 3);
      await expect(tx).to.emit(c.staking, "ValidatorsDrawn").withArgs(id("three"), c.locker.address, LOCK, validators);
      expect(validators).to.have.length(3);
      expect(leaves).to.have.length(3);
      expect(new Set(validators).size).to.equal(3);
      expect(new Set(leaves).size).to.equal(3);
      for (const [i, validator] of validators.entries()) {
        const leaf = leaves[i]!;
        expect(leaf).to.not.equal(0n);
        expect(await c.staking.leafOf(validator)).to.equal(leaf);
        expect(await c.staking.leafOwner(leaf)).to.equal(validator);
        expect((await stakeState(c, validator)).locked).to.equal(LOCK);
      }
    });

    it("every validator keeps one leaf for good: drawing all five gives each its own leaf (1..5) and a later draw returns the same leaves", async function () {
      const c = await loadFixture(lockedFixture);
      const all = c.validators.map((v) => v.address);
      expect([...c.drawn].sort()).to.deep.equal([...all].sort());
      expect([...c.leaves].sort((a, b) => Number(a - b))).to.deep.equal([1n, 2n, 3n, 4n, 5n]);
      for (const v of c.validators) expect(await c.staking.leafOwner(await c.staking.leafOf(v))).to.equal(v.address);

      const again = await drawAndLock(c, "again", 5, 0n);
      for (const [i, validator] of again.validators.entries()) {
        expect(again.leaves[i]).to.equal(c.leaves[c.drawn.indexOf(validator)]);
      }
    });

    it("leafOf of an address that never staked is 0 and leafOwner of an unallocated leaf is the zero address", async function () {
      const c = await loadFixture(leavesFixture);
      expect(await c.staking.leafOf(c.stranger)).to.equal(0n);
      expect(await c.staking.leafOwner(0n)).to.equal("0x0000000000000000000000000000000000000000");
      expect(await c.staking.leafOwner((await c.staking.validatorCount()) + 1n)).to.equal(
        "0x0000000000000000000000000000000000000000",
      );
    });
  });

  describe("unlockLeaves", function () {
    it("releases amounts[i] from leaves[i], emits StakeUnlocked(validator, locker, released, locked) for each in order and returns the owners", async function () {
      const c = await loadFixture(lockedFixture);
      const amounts = [100n * CRP, LOCK, 1n, 999n * CRP, 500n * CRP];

      const owners = await c.staking.connect(c.locker).unlockLeaves.staticCall(c.leaves, amounts);
      expect([...owners]).to.deep.equal(c.drawn);
      const tx = await c.staking.connect(c.locker).unlockLeaves(c.leaves, amounts);
      expect(await unlockEvents(c, tx)).to.deep.equal(
        c.drawn.map((v, i) => [v, c.locker.address, amounts[i]!, LOCK - amounts[i]!]),
      );
      await expect(tx).to.changeTokenBalances(c.token, [c.staking, ...c.drawn], [0n, 0n, 0n, 0n, 0n, 0n]);
      for (const [i, validator] of c.drawn.entries()) {
        expect((await stakeState(c, validator)).locked).to.equal(LOCK - amounts[i]!);
      }
      await expectConserved(c, c.validators);
    });

    it("an amount above the lock releases only the lock, and after a slash took locked stake only what the slash left", async function () {
      const c = await loadFixture(lockedFixture);
      const [first, second] = c.drawn;
      await c.staking.connect(c.deployer).slash(second!, 700n * CRP, c.stranger);
      expect((await stakeState(c, second!)).locked).to.equal(300n * CRP);

      const leaves = [c.leaves[0]!, c.leaves[1]!];
      const tx = await c.staking.connect(c.locker).unlockLeaves(leaves, [5_000n * CRP, LOCK]);
      expect(await unlockEvents(c, tx)).to.deep.equal([
        [first!, c.locker.address, LOCK, 0n],
        [second!, c.locker.address, 300n * CRP, 0n],
      ]);
      expect((await stakeState(c, first!)).locked).to.equal(0n);
      expect((await stakeState(c, second!)).locked).to.equal(0n);
      await expectConserved(c, c.validators);
    });

    it("an amount of 0 releases nothing and emits nothing for that leaf, but its owner is still returned", async function () {
      const c = await loadFixture(lockedFixture);
      const amounts = [0n, 400n * CRP, 0n, 0n, 0n];
      expect([...(await c.staking.connect(c.locker).unlockLeaves.staticCall(c.leaves, amounts))]).to.deep.equal(
        c.drawn,
      );
      const tx = await c.staking.connect(c.locker).unlockLeaves(c.leaves, amounts);
      expect(await unlockEvents(c, tx)).to.deep.equal([[c.drawn[1]!, c.locker.address, 400n * CRP, 600n * CRP]]);
      for (const [i, validator] of c.drawn.entries()) {
        expect((await stakeState(c, validator)).locked).to.equal(i === 1 ? 600n * CRP : LOCK);
      }
    });

    it("a nonzero amount on a leaf with nothing locked releases 0 and emits StakeUnlocked(validator, locker, 0, 0)", async function () {
      const c = await loadFixture(leavesFixture);
      const leaf = await c.staking.leafOf(c.carol);
      const before = await stakingSnapshot(c, c.validators);
      const tx = await c.staking.connect(c.locker).unlockLeaves([leaf], [CRP]);
      expect(await unlockEvents(c, tx)).to.deep.equal([[c.carol.address, c.locker.address, 0n, 0n]]);
      expect(await stakingSnapshot(c, c.validators)).to.deep.equal(before);
    });

    it("the same leaf twice releases cumulatively, clamped at what is left", async function () {
      const c = await loadFixture(lockedFixture);
      const leaf = c.leaves[0]!;
      const tx = await c.staking.connect(c.locker).unlockLeaves([leaf, leaf], [600n * CRP, 600n * CRP]);
      expect(await unlockEvents(c, tx)).to.deep.equal([
        [c.drawn[0]!, c.locker.address, 600n * CRP, 400n * CRP],
        [c.drawn[0]!, c.locker.address, 400n * CRP, 0n],
      ]);
      expect((await stakeState(c, c.drawn[0]!)).locked).to.equal(0n);
    });

    it("empty lists release nothing, emit nothing and return no owners", async function () {
      const c = await loadFixture(lockedFixture);
      const before = await stakingSnapshot(c, c.validators);
      expect(await c.staking.connect(c.locker).unlockLeaves.staticCall([], [])).to.deep.equal([]);
      const tx = await c.staking.connect(c.locker).unlockLeaves([], []);
      expect(await unlockEvents(c, tx)).to.deep.equal([]);
      expect(await stakingSnapshot(c, c.validators)).to.deep.equal(before);
    });

    it("an unknown leaf (0, or past the last allocated one) reverts StakingUnknownLeaf(leaf), also after valid leaves, and changes nothing", async function () {
      const c = await loadFixture(lockedFixture);
      const before = await stakingSnapshot(c, c.validators);
      const beyond = (await c.staking.validatorCount()) + 1n;
      const cases: [bigint[], bigint[], bigint][] = [
        [[0n], [LOCK], 0n],
        [[beyond], [LOCK], beyond],
        [[c.leaves[0]!, c.leaves[1]!, 0n], [LOCK, LOCK, LOCK], 0n],
        [[c.leaves[0]!, beyond, c.leaves[1]!], [LOCK, 0n, LOCK], beyond],
        [[2n ** 32n + c.leaves[0]!], [LOCK], 2n ** 32n + c.leaves[0]!],
      ];
      for (const [leaves, amounts, unknown] of cases) {
        await expect(c.staking.connect(c.locker).unlockLeaves(leaves, amounts))
          .to.be.revertedWithCustomError(c.staking, "StakingUnknownLeaf")
          .withArgs(unknown);
      }
      expect(await stakingSnapshot(c, c.validators)).to.deep.equal(before);
    });

    it("lists of different lengths revert StakingLengthMismatch(leaves, amounts) and change nothing", async function () {
      const c = await loadFixture(lockedFixture);
      const before = await stakingSnapshot(c, c.validators);
      const cases: [bigint[], bigint[]][] = [
        [c.leaves, [LOCK, LOCK, LOCK, LOCK]],
        [[c.leaves[0]!], [LOCK, LOCK]],
        [[], [LOCK]],
        [[c.leaves[0]!], []],
      ];
      for (const [leaves, amounts] of cases) {
        await expect(c.staking.connect(c.locker).unlockLeaves(leaves, amounts))
          .to.be.revertedWithCustomError(c.staking, "StakingLengthMismatch")
          .withArgs(leaves.length, amounts.length);
      }
      expect(await stakingSnapshot(c, c.validators)).to.deep.equal(before);
    });

    it("by anyone without LOCKER_ROLE (stranger, a drawn validator, a slasher, the guardian, governance) reverts AccessControlUnauthorizedAccount and changes nothing", async function () {
      const c = await loadFixture(lockedFixture);
      const before = await stakingSnapshot(c, c.validators);
      const amounts = c.leaves.map(() => LOCK);
      for (const caller of [c.stranger, c.alice, c.deployer, c.guardian]) {
        await expect(c.staking.connect(caller).unlockLeaves(c.leaves, amounts))
          .to.be.revertedWithCustomError(c.staking, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, c.LOCKER_ROLE);
      }
      await asGovernance(c.timelock, async (timelock) => {
        await expect(c.staking.connect(timelock).unlockLeaves(c.leaves, amounts))
          .to.be.revertedWithCustomError(c.staking, "AccessControlUnauthorizedAccount")
          .withArgs(timelock.address, c.LOCKER_ROLE);
      });
      expect(await stakingSnapshot(c, c.validators)).to.deep.equal(before);
      for (const v of c.validators) expect((await stakeState(c, v)).locked).to.equal(LOCK);
    });

    it("unlocked stake can thaw again: after unlockLeaves releases a fully locked validator, all of its stake thaws", async function () {
      const c = await loadFixture(leavesFixture);
      await c.staking.connect(c.locker).lock(c.alice, 9_000n * CRP);
      const { validators, leaves } = await drawAndLock(c, "alice too", 5);
      // alice (10,000 CRP) is drawn only if 1,000 CRP of hers is still free: it is.
      expect(validators).to.include(c.alice.address);
      await expect(c.staking.connect(c.alice).thaw(1n))
        .to.be.revertedWithCustomError(c.staking, "StakingInsufficientUnlockedStake")
        .withArgs(c.alice.address, 0n, 1n);

      const seat = validators.indexOf(c.alice.address);
      await c.staking.connect(c.locker).unlockLeaves([leaves[seat]!], [10_000n * CRP]);
      expect((await stakeState(c, c.alice)).locked).to.equal(0n);
      await c.staking.connect(c.alice).thaw(10_000n * CRP);
      expect(await stakeState(c, c.alice)).to.deep.include({ staked: 0n, locked: 0n, thawing: 10_000n * CRP });
      await expectConserved(c, c.validators);
    });
  });
});
