/**
 * PrevrandaoRandomness, the default source of draw seeds: a request made in block N is answered with
 * keccak256(abi.encode(blockhash(N + 1), requester, request)), readable from block N + 2 until block
 * N + 1 + SEED_LIFETIME, and may not be made again while it lives. Hardhat runs `eth_call` at the latest
 * block's number, so a view call made when the latest block is B shows what a transaction in block B would see.
 */
import { expect } from "chai";
import hre from "hardhat";
import { loadFixture, mine } from "@nomicfoundation/hardhat-network-helpers";
import { hashOf, inOneBlock, latest, mineTo, seedFrom } from "../helpers/blocks";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { ZeroHash, id } from "ethers";
import { PrevrandaoRandomness__factory, type PrevrandaoRandomness } from "../../sdk/src/typechain";

const SEED_LIFETIME = 256;
const REQUEST = id("submission 42");

async function randomnessFixture() {
  const [deployer, alice, bob] = await hre.ethers.getSigners();
  if (deployer === undefined || alice === undefined || bob === undefined) throw new Error("too few accounts");
  const randomness = await new PrevrandaoRandomness__factory(deployer).deploy();
  return { randomness, alice, bob };
}

/** Sends `requester`'s request and returns the block it was mined in. */
async function requestIn(randomness: PrevrandaoRandomness, requester: HardhatEthersSigner, request: string) {
  const receipt = await (await randomness.connect(requester).requestSeed(request)).wait();
  if (receipt === null) throw new Error("request not mined");
  return receipt.blockNumber;
}

describe("PrevrandaoRandomness", function () {
  it("SEED_LIFETIME is 256 blocks, the reach of BLOCKHASH", async function () {
    const { randomness } = await loadFixture(randomnessFixture);
    expect(await randomness.SEED_LIFETIME()).to.equal(BigInt(SEED_LIFETIME));
  });

  describe("requestSeed", function () {
    it("a request mined in block N emits RandomnessRequested(requester, request, N + 2), returns N + 2 and is recorded", async function () {
      const { randomness, alice } = await loadFixture(randomnessFixture);
      // Called when the latest block is L, requestSeed answers L + 2.
      const now = await latest();
      expect(await randomness.connect(alice).requestSeed.staticCall(REQUEST)).to.equal(BigInt(now + 2));

      const N = now + 1;
      const tx = randomness.connect(alice).requestSeed(REQUEST);
      await expect(tx)
        .to.emit(randomness, "RandomnessRequested")
        .withArgs(alice.address, REQUEST, N + 2);
      expect((await (await tx).wait())?.blockNumber).to.equal(N);
      // Recorded: no longer "not requested", but not ready yet.
      await expect(randomness.seedOf(alice.address, REQUEST))
        .to.be.revertedWithCustomError(randomness, "RandomnessNotReady")
        .withArgs(alice.address, REQUEST, N + 2);
    });

    it("seedOf of a request never made reverts RandomnessNotRequested(requester, request), also for another id of the same requester", async function () {
      const { randomness, alice } = await loadFixture(randomnessFixture);
      await expect(randomness.seedOf(alice.address, REQUEST))
        .to.be.revertedWithCustomError(randomness, "RandomnessNotRequested")
        .withArgs(alice.address, REQUEST);
      await requestIn(randomness, alice, REQUEST);
      await mine(2);
      const other = id("submission 43");
      await expect(randomness.seedOf(alice.address, other))
        .to.be.revertedWithCustomError(randomness, "RandomnessNotRequested")
        .withArgs(alice.address, other);
      await expect(randomness.seedOf(alice.address, ZeroHash))
        .to.be.revertedWithCustomError(randomness, "RandomnessNotRequested")
        .withArgs(alice.address, ZeroHash);
    });
  });

  describe("seedOf over time", function () {
    it("reverts RandomnessNotReady(requester, request, N + 2) in the request's block N and in N + 1, and from N + 2 answers keccak256(abi.encode(blockhash(N + 1), requester, request))", async function () {
      const { randomness, alice } = await loadFixture(randomnessFixture);
      const N = await requestIn(randomness, alice, REQUEST);

      expect(await latest()).to.equal(N);
      await expect(randomness.seedOf(alice.address, REQUEST))
        .to.be.revertedWithCustomError(randomness, "RandomnessNotReady")
        .withArgs(alice.address, REQUEST, N + 2);
      // Block N + 1, whose hash makes the seed, does not exist yet.
      expect(await hre.ethers.provider.getBlock(N + 1)).to.equal(null);

      await mineTo(N + 1);
      await expect(randomness.seedOf(alice.address, REQUEST))
        .to.be.revertedWithCustomError(randomness, "RandomnessNotReady")
        .withArgs(alice.address, REQUEST, N + 2);

      await mineTo(N + 2);
      const seed = await randomness.seedOf(alice.address, REQUEST);
      expect(seed).to.equal(seedFrom(await hashOf(N + 1), alice.address, REQUEST));
      // A real block hash went in: not the zero BLOCKHASH gives out of range, nor the request block's own hash.
      expect(seed).not.to.equal(seedFrom(ZeroHash, alice.address, REQUEST));
      expect(seed).not.to.equal(seedFrom(await hashOf(N), alice.address, REQUEST));
    });

    it("stays the same in every block up to N + 1 + SEED_LIFETIME, and from the block after reverts RandomnessExpired(requester, request, N + 2)", async function () {
      const { randomness, alice } = await loadFixture(randomnessFixture);
      const N = await requestIn(randomness, alice, REQUEST);
      await mineTo(N + 2);
      const expected = seedFrom(await hashOf(N + 1), alice.address, REQUEST);
      const lastLive = N + 1 + SEED_LIFETIME;
      for (const block of [N + 2, N + 3, N + 100, lastLive - 1, lastLive]) {
        await mineTo(block);
        expect(await randomness.seedOf(alice.address, REQUEST), `seed in block ${block}`).to.equal(expected);
      }
      for (const block of [lastLive + 1, lastLive + 2, lastLive + 1000]) {
        await mineTo(block);
        await expect(randomness.seedOf(alice.address, REQUEST), `seed in block ${block}`)
          .to.be.revertedWithCustomError(randomness, "RandomnessExpired")
          .withArgs(alice.address, REQUEST, N + 2);
      }
    });
  });

  describe("requesting again", function () {
    it("before expiry (in N + 1, N + 2 and N + 1 + SEED_LIFETIME) reverts RandomnessAlreadyRequested(requester, request) and changes neither the ready block nor the seed", async function () {
      const { randomness, alice } = await loadFixture(randomnessFixture);
      const N = await requestIn(randomness, alice, REQUEST);

      // In N + 1 (each attempt is mined in a block of its own).
      await expect(randomness.connect(alice).requestSeed(REQUEST))
        .to.be.revertedWithCustomError(randomness, "RandomnessAlreadyRequested")
        .withArgs(alice.address, REQUEST);
      expect(await latest()).to.equal(N + 1);
      // Still ready from N + 2, not from a block after the attempt.
      await expect(randomness.seedOf(alice.address, REQUEST))
        .to.be.revertedWithCustomError(randomness, "RandomnessNotReady")
        .withArgs(alice.address, REQUEST, N + 2);

      // In N + 2, once the seed exists: the requester cannot swap it for another.
      await expect(randomness.connect(alice).requestSeed(REQUEST))
        .to.be.revertedWithCustomError(randomness, "RandomnessAlreadyRequested")
        .withArgs(alice.address, REQUEST);
      expect(await latest()).to.equal(N + 2);
      const expected = seedFrom(await hashOf(N + 1), alice.address, REQUEST);
      expect(await randomness.seedOf(alice.address, REQUEST)).to.equal(expected);

      // In the seed's last block.
      await mineTo(N + SEED_LIFETIME);
      await expect(randomness.connect(alice).requestSeed(REQUEST))
        .to.be.revertedWithCustomError(randomness, "RandomnessAlreadyRequested")
        .withArgs(alice.address, REQUEST);
      expect(await latest()).to.equal(N + 1 + SEED_LIFETIME);
      expect(await randomness.seedOf(alice.address, REQUEST)).to.equal(expected);
    });

    it("after expiry succeeds in block M with ready block M + 2 and gives the new seed keccak256(abi.encode(blockhash(M + 1), requester, request))", async function () {
      const { randomness, alice } = await loadFixture(randomnessFixture);
      const N = await requestIn(randomness, alice, REQUEST);
      await mineTo(N + 2);
      const first = await randomness.seedOf(alice.address, REQUEST);

      // The next block, M, is the first in which the old seed is expired.
      await mineTo(N + 1 + SEED_LIFETIME);
      const M = N + 2 + SEED_LIFETIME;
      const tx = randomness.connect(alice).requestSeed(REQUEST);
      await expect(tx)
        .to.emit(randomness, "RandomnessRequested")
        .withArgs(alice.address, REQUEST, M + 2);
      expect((await (await tx).wait())?.blockNumber).to.equal(M);

      // Neither expired nor the old seed: a new request, not ready yet.
      await expect(randomness.seedOf(alice.address, REQUEST))
        .to.be.revertedWithCustomError(randomness, "RandomnessNotReady")
        .withArgs(alice.address, REQUEST, M + 2);
      await mineTo(M + 2);
      const second = await randomness.seedOf(alice.address, REQUEST);
      expect(second).to.equal(seedFrom(await hashOf(M + 1), alice.address, REQUEST));
      expect(second).not.to.equal(first);

      // The new request lives like the first: it cannot be made again now.
      await expect(randomness.connect(alice).requestSeed(REQUEST))
        .to.be.revertedWithCustomError(randomness, "RandomnessAlreadyRequested")
        .withArgs(alice.address, REQUEST);
    });
  });

  describe("requests are namespaced by requester", function () {
    it("the same request id from two requesters gives independent records: each requests it once, each has its own ready block and seed, and one's refused re-request leaves the other's alone", async function () {
      const { randomness, alice, bob } = await loadFixture(randomnessFixture);
      const N = await requestIn(randomness, alice, REQUEST);
      // Alice's request is not bob's.
      await expect(randomness.seedOf(bob.address, REQUEST))
        .to.be.revertedWithCustomError(randomness, "RandomnessNotRequested")
        .withArgs(bob.address, REQUEST);

      // Bob may request the same id while alice's lives.
      const tx = randomness.connect(bob).requestSeed(REQUEST);
      await expect(tx)
        .to.emit(randomness, "RandomnessRequested")
        .withArgs(bob.address, REQUEST, N + 3);
      expect((await (await tx).wait())?.blockNumber).to.equal(N + 1);

      // In N + 2 alice's seed exists and bob's does not yet.
      await mineTo(N + 2);
      const aliceSeed = seedFrom(await hashOf(N + 1), alice.address, REQUEST);
      expect(await randomness.seedOf(alice.address, REQUEST)).to.equal(aliceSeed);
      await expect(randomness.seedOf(bob.address, REQUEST))
        .to.be.revertedWithCustomError(randomness, "RandomnessNotReady")
        .withArgs(bob.address, REQUEST, N + 3);

      // Alice's refused re-request (in N + 3) changes neither seed.
      await expect(randomness.connect(alice).requestSeed(REQUEST))
        .to.be.revertedWithCustomError(randomness, "RandomnessAlreadyRequested")
        .withArgs(alice.address, REQUEST);
      expect(await latest()).to.equal(N + 3);
      const bobSeed = seedFrom(await hashOf(N + 2), bob.address, REQUEST);
      expect(await randomness.seedOf(bob.address, REQUEST)).to.equal(bobSeed);
      expect(await randomness.seedOf(alice.address, REQUEST)).to.equal(aliceSeed);
      expect(bobSeed).not.to.equal(aliceSeed);
    });

    it("two requesters asking for the same request id in the same block get different seeds: the requester is mixed in", async function () {
      const { randomness, alice, bob } = await loadFixture(randomnessFixture);
      const N = (await latest()) + 1;
      await inOneBlock(async () => {
        await randomness.connect(alice).requestSeed(REQUEST);
        await randomness.connect(bob).requestSeed(REQUEST);
      });
      expect(await latest()).to.equal(N);
      const requested = await randomness.queryFilter(randomness.filters.RandomnessRequested(), N, N);
      expect(requested.map((e) => [e.args.requester, e.args.request, e.args.readyBlock])).to.deep.equal([
        [alice.address, REQUEST, BigInt(N + 2)],
        [bob.address, REQUEST, BigInt(N + 2)],
      ]);

      await mineTo(N + 2);
      const hash = await hashOf(N + 1);
      const aliceSeed = await randomness.seedOf(alice.address, REQUEST);
      const bobSeed = await randomness.seedOf(bob.address, REQUEST);
      expect(aliceSeed).to.equal(seedFrom(hash, alice.address, REQUEST));
      expect(bobSeed).to.equal(seedFrom(hash, bob.address, REQUEST));
      expect(aliceSeed).not.to.equal(bobSeed);
    });
  });
});
