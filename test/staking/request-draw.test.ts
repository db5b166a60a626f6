/**
 * The two steps of a draw with the default source (PrevrandaoRandomness): a locker calls
 * `requestDraw(request)`, which asks the source for a seed under key = keccak256(abi.encode(locker, request))
 * with staking as the requester; from two blocks later `drawAndLock(request, …)` draws with
 * `seedOf(staking, key)` = keccak256(abi.encode(blockhash(N + 1), staking, key)) for a request in block N.
 * Hardhat runs `eth_call` at the latest block's number, and mines every transaction (even a reverted one) in a
 * block of its own, so the tests track block numbers as they go.
 */
import { expect } from "chai";
import hre from "hardhat";
import { loadFixture, mine } from "@nomicfoundation/hardhat-network-helpers";
import { hashOf, inOneBlock, latest, mineTo, seedFrom } from "../helpers/blocks";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { AbiCoder, id, keccak256 } from "ethers";
import { CRP } from "../helpers/fixtures";
import { asGovernance } from "../helpers/governance";
import { grantStakingRole, stakedFixture, stakingSnapshot } from "../helpers/staking";
import { PrevrandaoRandomness__factory } from "../../sdk/src/typechain";

const SEED_LIFETIME = 256;
const REQUEST = id("submission 7");
const LOCK = 1_000n * CRP;

/** Alice..erin staked (10k..50k CRP), the default source, frank and grace holding LOCKER_ROLE. */
async function requestDrawFixture() {
  const c = await stakedFixture();
  await grantStakingRole(c, "LOCKER_ROLE", c.frank.address);
  await grantStakingRole(c, "LOCKER_ROLE", c.grace.address);
  return {
    ...c,
    locker: c.frank,
    otherLocker: c.grace,
    stakingAddress: await c.staking.getAddress(),
    lockerRole: await c.staking.LOCKER_ROLE(),
  };
}

type Fixture = Awaited<ReturnType<typeof requestDrawFixture>>;

/** The key staking asks its source for `locker`'s `request` under: keccak256(abi.encode(locker, request)). */
function drawKey(locker: string, request: string): string {
  return keccak256(AbiCoder.defaultAbiCoder().encode(["address", "bytes32"], [locker, request]));
}

/** `locker` requests `request`; returns the block the request was mined in. */
async function requestIn(c: Fixture, locker: HardhatEthersSigner, request: string): Promise<number> {
  const receipt = await (await c.staking.connect(locker).requestDraw(request)).wait();
  if (receipt === null) throw new Error("request not mined");
  return receipt.blockNumber;
}

/** `locker` draws; returns the validators of its ValidatorsDrawn event and the block it was mined in. */
async function drawIn(
  c: Fixture,
  locker: HardhatEthersSigner,
  request: string,
  count: number,
  exclude: string[],
  lockAmount: bigint,
): Promise<{ drawn: string[]; block: number }> {
  const receipt = await (await c.staking.connect(locker).drawAndLock(request, count, exclude, lockAmount)).wait();
  if (receipt === null) throw new Error("draw not mined");
  for (const log of receipt.logs) {
    const parsed = c.staking.interface.parseLog(log);
    if (parsed?.name === "ValidatorsDrawn")
      return { drawn: [...(parsed.args[3] as string[])], block: receipt.blockNumber };
  }
  throw new Error("no ValidatorsDrawn event");
}

/** The draw previewDraw gives for `seed` on the state as of block `block`. */
async function previewAt(c: Fixture, block: number, seed: string, count: number, exclude: string[], lock: bigint) {
  return [...(await c.staking.previewDraw(seed, count, exclude, lock, { blockTag: block }))];
}

describe("CorpusStaking: requesting a draw, then drawing (default randomness source)", function () {
  describe("requestDraw", function () {
    it("by an account without LOCKER_ROLE (a stranger, a validator, the deployer, governance) reverts AccessControlUnauthorizedAccount(caller, LOCKER_ROLE) and records no request", async function () {
      const c = await loadFixture(requestDrawFixture);
      const before = await stakingSnapshot(c, c.validators);
      for (const caller of [c.stranger, c.alice, c.deployer]) {
        await expect(c.staking.connect(caller).requestDraw(REQUEST))
          .to.be.revertedWithCustomError(c.staking, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, c.lockerRole);
        await expect(c.randomness.seedOf(c.stakingAddress, drawKey(caller.address, REQUEST)))
          .to.be.revertedWithCustomError(c.randomness, "RandomnessNotRequested")
          .withArgs(c.stakingAddress, drawKey(caller.address, REQUEST));
      }
      await asGovernance(c.timelock, async (timelock) => {
        await expect(c.staking.connect(timelock).requestDraw(REQUEST))
          .to.be.revertedWithCustomError(c.staking, "AccessControlUnauthorizedAccount")
          .withArgs(timelock.address, c.lockerRole);
      });
      expect(await stakingSnapshot(c, c.validators)).to.deep.equal(before);
      // The same call by a locker succeeds.
      await expect(c.staking.connect(c.locker).requestDraw(REQUEST)).to.emit(c.randomness, "RandomnessRequested");
    });

    it("after governance revokes LOCKER_ROLE the former locker can no longer request a draw", async function () {
      const c = await loadFixture(requestDrawFixture);
      await asGovernance(c.timelock, async (timelock) => {
        await c.staking.connect(timelock).revokeRole(c.lockerRole, c.locker.address);
      });
      await expect(c.staking.connect(c.locker).requestDraw(REQUEST))
        .to.be.revertedWithCustomError(c.staking, "AccessControlUnauthorizedAccount")
        .withArgs(c.locker.address, c.lockerRole);
    });

    it("asks the source, as staking, under keccak256(abi.encode(locker, request)): RandomnessRequested(staking, key, N + 2), and returns N + 2", async function () {
      const c = await loadFixture(requestDrawFixture);
      const key = drawKey(c.locker.address, REQUEST);
      const now = await latest();
      expect(await c.staking.connect(c.locker).requestDraw.staticCall(REQUEST)).to.equal(BigInt(now + 2));

      const N = now + 1;
      const tx = c.staking.connect(c.locker).requestDraw(REQUEST);
      await expect(tx)
        .to.emit(c.randomness, "RandomnessRequested")
        .withArgs(c.stakingAddress, key, N + 2);
      expect((await (await tx).wait())?.blockNumber).to.equal(N);
      // Recorded under staking and the namespaced key only: not the raw id, not the locker as requester.
      await expect(c.randomness.seedOf(c.stakingAddress, key))
        .to.be.revertedWithCustomError(c.randomness, "RandomnessNotReady")
        .withArgs(c.stakingAddress, key, N + 2);
      await expect(c.randomness.seedOf(c.stakingAddress, REQUEST))
        .to.be.revertedWithCustomError(c.randomness, "RandomnessNotRequested")
        .withArgs(c.stakingAddress, REQUEST);
      await expect(c.randomness.seedOf(c.locker.address, key))
        .to.be.revertedWithCustomError(c.randomness, "RandomnessNotRequested")
        .withArgs(c.locker.address, key);
    });
  });

  describe("drawAndLock and the seed's lifetime", function () {
    it("drawAndLock of a request never requested, or requested only by another locker, reverts the source's RandomnessNotRequested(staking, key) and locks nothing", async function () {
      const c = await loadFixture(requestDrawFixture);
      const key = drawKey(c.locker.address, REQUEST);
      const before = await stakingSnapshot(c, c.validators);
      await expect(c.staking.connect(c.locker).drawAndLock(REQUEST, 2, [], LOCK))
        .to.be.revertedWithCustomError(c.randomness, "RandomnessNotRequested")
        .withArgs(c.stakingAddress, key);

      // grace's request for the same id is hers: frank still has none.
      await requestIn(c, c.otherLocker, REQUEST);
      await mine(2);
      await expect(c.staking.connect(c.locker).drawAndLock(REQUEST, 2, [], LOCK))
        .to.be.revertedWithCustomError(c.randomness, "RandomnessNotRequested")
        .withArgs(c.stakingAddress, key);
      expect(await stakingSnapshot(c, c.validators)).to.deep.equal(before);
    });

    it("drawAndLock in the request's block N and in N + 1 reverts the source's RandomnessNotReady(staking, key, N + 2) and locks nothing; in N + 2 it draws and locks", async function () {
      const c = await loadFixture(requestDrawFixture);
      const key = drawKey(c.locker.address, REQUEST);
      const before = await stakingSnapshot(c, c.validators);
      const N = await requestIn(c, c.locker, REQUEST);

      // In block N (a call at the latest block).
      expect(await latest()).to.equal(N);
      await expect(c.staking.connect(c.locker).drawAndLock.staticCall(REQUEST, 2, [], LOCK))
        .to.be.revertedWithCustomError(c.randomness, "RandomnessNotReady")
        .withArgs(c.stakingAddress, key, N + 2);
      // In block N + 1 (a transaction mined there).
      await expect(c.staking.connect(c.locker).drawAndLock(REQUEST, 2, [], LOCK))
        .to.be.revertedWithCustomError(c.randomness, "RandomnessNotReady")
        .withArgs(c.stakingAddress, key, N + 2);
      expect(await latest()).to.equal(N + 1);
      expect(await stakingSnapshot(c, c.validators)).to.deep.equal(before);

      // In block N + 2.
      const { drawn, block } = await drawIn(c, c.locker, REQUEST, 2, [], LOCK);
      expect(block).to.equal(N + 2);
      expect(drawn).to.have.length(2);
      for (const v of c.validators) {
        const [, locked] = await c.staking.stakeOf(v.address);
        expect(locked, v.address).to.equal(drawn.includes(v.address) ? LOCK : 0n);
      }
    });

    it("drawAndLock more than SEED_LIFETIME blocks after N + 1 reverts RandomnessExpired(staking, key, N + 2); requesting the draw again makes it possible, with the new request's seed", async function () {
      const c = await loadFixture(requestDrawFixture);
      const key = drawKey(c.locker.address, REQUEST);
      const N = await requestIn(c, c.locker, REQUEST);
      await mineTo(N + 2);
      const oldSeed = seedFrom(await hashOf(N + 1), c.stakingAddress, key);

      // The seed's last block still draws (a call), the next one does not (a transaction).
      await mineTo(N + 1 + SEED_LIFETIME);
      expect([...(await c.staking.connect(c.locker).drawAndLock.staticCall(REQUEST, 2, [], LOCK))[0]]).to.deep.equal(
        await previewAt(c, N + 1 + SEED_LIFETIME, oldSeed, 2, [], LOCK),
      );
      await expect(c.staking.connect(c.locker).drawAndLock(REQUEST, 2, [], LOCK))
        .to.be.revertedWithCustomError(c.randomness, "RandomnessExpired")
        .withArgs(c.stakingAddress, key, N + 2);

      const M = (await latest()) + 1;
      await expect(c.staking.connect(c.locker).requestDraw(REQUEST))
        .to.emit(c.randomness, "RandomnessRequested")
        .withArgs(c.stakingAddress, key, M + 2);
      await mineTo(M + 1);
      const { drawn, block } = await drawIn(c, c.locker, REQUEST, 2, [], LOCK);
      expect(block).to.equal(M + 2);
      const newSeed = seedFrom(await hashOf(M + 1), c.stakingAddress, key);
      expect(newSeed).not.to.equal(oldSeed);
      expect(drawn).to.deep.equal(await previewAt(c, M + 1, newSeed, 2, [], LOCK));
    });
  });

  describe("no one can choose the panel", function () {
    it("the panel cannot be known in the block of the request: seedOf and drawAndLock revert there, re-requesting the id to re-roll reverts RandomnessAlreadyRequested(staking, key), and the panel drawn is previewDraw of the seed from blockhash(N + 1), computed after the fact", async function () {
      const c = await loadFixture(requestDrawFixture);
      const key = drawKey(c.locker.address, REQUEST);
      const exclude = [c.carol.address];
      const N = await requestIn(c, c.locker, REQUEST);

      // In block N nothing on chain gives the seed, and block N + 1, whose hash makes it, does not exist.
      await expect(c.randomness.seedOf(c.stakingAddress, key))
        .to.be.revertedWithCustomError(c.randomness, "RandomnessNotReady")
        .withArgs(c.stakingAddress, key, N + 2);
      await expect(c.staking.connect(c.locker).drawAndLock.staticCall(REQUEST, 3, exclude, LOCK))
        .to.be.revertedWithCustomError(c.randomness, "RandomnessNotReady")
        .withArgs(c.stakingAddress, key, N + 2);
      expect(await hre.ethers.provider.getBlock(N + 1)).to.equal(null);

      // Re-rolling by requesting again is refused, before and after the seed exists.
      await expect(c.staking.connect(c.locker).requestDraw(REQUEST))
        .to.be.revertedWithCustomError(c.randomness, "RandomnessAlreadyRequested")
        .withArgs(c.stakingAddress, key);
      expect(await latest()).to.equal(N + 1);

      const { drawn, block } = await drawIn(c, c.locker, REQUEST, 3, exclude, LOCK);
      expect(block).to.equal(N + 2);
      // After the fact: the seed from blockhash(N + 1), previewed on the state the draw saw, is the panel.
      const seed = seedFrom(await hashOf(N + 1), c.stakingAddress, key);
      expect(await c.randomness.seedOf(c.stakingAddress, key)).to.equal(seed);
      expect(drawn).to.deep.equal(await previewAt(c, N + 1, seed, 3, exclude, LOCK));
      // What was known in block N (its own hash) gives another seed.
      expect(seed).not.to.equal(seedFrom(await hashOf(N), c.stakingAddress, key));

      await expect(c.staking.connect(c.locker).requestDraw(REQUEST))
        .to.be.revertedWithCustomError(c.randomness, "RandomnessAlreadyRequested")
        .withArgs(c.stakingAddress, key);
      expect(await c.randomness.seedOf(c.stakingAddress, key)).to.equal(seed);
    });

    it("two lockers using the same request id can both request it and draw with independent seeds, and their panels can differ", async function () {
      const c = await loadFixture(requestDrawFixture);
      const requests = Array.from({ length: 8 }, (_, i) => id(`shared ${i}`));
      // Both lockers request every id in the same block: only the locker differs between their keys.
      const N = (await latest()) + 1;
      await inOneBlock(async () => {
        for (const request of requests) {
          await c.staking.connect(c.locker).requestDraw(request);
          await c.staking.connect(c.otherLocker).requestDraw(request);
        }
      });
      expect(await latest()).to.equal(N);
      const requested = await c.randomness.queryFilter(c.randomness.filters.RandomnessRequested(), N, N);
      expect(requested).to.have.length(2 * requests.length);
      await mine(1);

      const hash = await hashOf(N + 1);
      const panels: [string[], string[]][] = [];
      for (const request of requests) {
        const pair: string[][] = [];
        for (const locker of [c.locker, c.otherLocker]) {
          const seed = seedFrom(hash, c.stakingAddress, drawKey(locker.address, request));
          const before = await latest();
          const { drawn } = await drawIn(c, locker, request, 3, [], 0n);
          expect(drawn, `${locker.address} ${request}`).to.deep.equal(await previewAt(c, before, seed, 3, [], 0n));
          pair.push(drawn);
        }
        const [a, b] = pair;
        if (a === undefined || b === undefined) throw new Error("two draws expected");
        panels.push([a, b]);
      }
      // Independent seeds: over eight ids the two lockers' ordered panels are not all the same (if they were
      // one seed, they would be; two independent seeds agree on all eight with a chance below 1e-9).
      expect(panels.some(([a, b]) => a.join() !== b.join())).to.equal(true);

      // Neither request blocked the other, and each locker is refused its own re-request.
      for (const locker of [c.locker, c.otherLocker]) {
        const [request] = requests;
        if (request === undefined) throw new Error("no request");
        await expect(c.staking.connect(locker).requestDraw(request))
          .to.be.revertedWithCustomError(c.randomness, "RandomnessAlreadyRequested")
          .withArgs(c.stakingAddress, drawKey(locker.address, request));
      }
    });
  });

  describe("switching the randomness source", function () {
    it("after governance switches the source, a request made to the old one must be made again: RandomnessNotRequested(staking, key) from the new source, then the draw works with the new source's seed", async function () {
      const c = await loadFixture(requestDrawFixture);
      const key = drawKey(c.locker.address, REQUEST);
      const N = await requestIn(c, c.locker, REQUEST);
      await mineTo(N + 2);
      const oldSeed = await c.randomness.seedOf(c.stakingAddress, key);

      const fresh = await new PrevrandaoRandomness__factory(c.deployer).deploy();
      await asGovernance(c.timelock, async (timelock) => {
        await c.staking.connect(timelock).setRandomnessSource(fresh);
      });
      const before = await stakingSnapshot(c, c.validators);
      await expect(c.staking.connect(c.locker).drawAndLock(REQUEST, 2, [], LOCK))
        .to.be.revertedWithCustomError(fresh, "RandomnessNotRequested")
        .withArgs(c.stakingAddress, key);
      expect(await stakingSnapshot(c, c.validators)).to.deep.equal(before);

      // Requesting again goes to the new source (which never saw the id, so it is not AlreadyRequested).
      const M = (await latest()) + 1;
      await expect(c.staking.connect(c.locker).requestDraw(REQUEST))
        .to.emit(fresh, "RandomnessRequested")
        .withArgs(c.stakingAddress, key, M + 2);
      await mineTo(M + 1);
      const { drawn, block } = await drawIn(c, c.locker, REQUEST, 2, [], LOCK);
      expect(block).to.equal(M + 2);
      const seed = seedFrom(await hashOf(M + 1), c.stakingAddress, key);
      expect(await fresh.seedOf(c.stakingAddress, key)).to.equal(seed);
      expect(drawn).to.deep.equal(await previewAt(c, M + 1, seed, 2, [], LOCK));
      // The old source still holds the old request, which staking no longer reads.
      expect(await c.randomness.seedOf(c.stakingAddress, key)).to.equal(oldSeed);
      expect(seed).not.to.equal(oldSeed);
    });
  });
});
