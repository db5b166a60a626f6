import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { toUtf8Bytes } from "ethers";
import { stakedFixture, stakingSnapshot } from "../helpers/staking";

const MAX_URI_LENGTH = 512n;
const URI = "https://validator.example/corpus.json";

/** A URI of exactly `length` ASCII bytes. */
function uriOfLength(length: number): string {
  const prefix = "https://v.example/";
  return prefix + "a".repeat(length - prefix.length);
}

describe("CorpusStaking: register", function () {
  it("stores the URI and emits OperatorRegistered(validator, uri)", async function () {
    const c = await loadFixture(stakedFixture);
    expect(await c.staking.operatorUri(c.alice)).to.equal("");

    await expect(c.staking.connect(c.alice).register(URI))
      .to.emit(c.staking, "OperatorRegistered")
      .withArgs(c.alice.address, URI);

    expect(await c.staking.operatorUri(c.alice)).to.equal(URI);
  });

  it("a second register replaces the URI and emits the new one", async function () {
    const c = await loadFixture(stakedFixture);
    await c.staking.connect(c.alice).register(URI);
    const next = "ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi";

    await expect(c.staking.connect(c.alice).register(next))
      .to.emit(c.staking, "OperatorRegistered")
      .withArgs(c.alice.address, next);

    expect(await c.staking.operatorUri(c.alice)).to.equal(next);
  });

  it("one validator's URI does not change another's", async function () {
    const c = await loadFixture(stakedFixture);
    await c.staking.connect(c.alice).register(URI);
    await c.staking.connect(c.bob).register("https://bob.example/");

    expect(await c.staking.operatorUri(c.alice)).to.equal(URI);
    expect(await c.staking.operatorUri(c.bob)).to.equal("https://bob.example/");
  });

  it("registering moves no tokens and changes no stake or weight", async function () {
    const c = await loadFixture(stakedFixture);
    const before = await stakingSnapshot(c, c.validators);

    await c.staking.connect(c.alice).register(URI);

    const after = await stakingSnapshot(c, c.validators);
    const aliceBefore = before.accounts[c.alice.address];
    expect(after.accounts[c.alice.address]).to.deep.equal({ ...aliceBefore, uri: URI });
    expect({ ...after, accounts: {} }).to.deep.equal({ ...before, accounts: {} });
  });

  it("an empty URI reverts StakingInvalidOperatorUri(0, 512) and keeps the old URI", async function () {
    const c = await loadFixture(stakedFixture);
    await c.staking.connect(c.alice).register(URI);
    const before = await stakingSnapshot(c, c.validators);

    await expect(c.staking.connect(c.alice).register(""))
      .to.be.revertedWithCustomError(c.staking, "StakingInvalidOperatorUri")
      .withArgs(0n, MAX_URI_LENGTH);

    expect(await stakingSnapshot(c, c.validators)).to.deep.equal(before);
    expect(await c.staking.operatorUri(c.alice)).to.equal(URI);
  });

  it("a 513-byte URI reverts StakingInvalidOperatorUri(513, 512) and keeps the old URI", async function () {
    const c = await loadFixture(stakedFixture);
    await c.staking.connect(c.alice).register(URI);
    const before = await stakingSnapshot(c, c.validators);

    await expect(c.staking.connect(c.alice).register(uriOfLength(513)))
      .to.be.revertedWithCustomError(c.staking, "StakingInvalidOperatorUri")
      .withArgs(513n, MAX_URI_LENGTH);

    expect(await stakingSnapshot(c, c.validators)).to.deep.equal(before);
  });

  it("a URI of exactly 512 bytes is accepted", async function () {
    const c = await loadFixture(stakedFixture);
    const uri = uriOfLength(512);
    expect(toUtf8Bytes(uri).length).to.equal(512);

    await expect(c.staking.connect(c.alice).register(uri))
      .to.emit(c.staking, "OperatorRegistered")
      .withArgs(c.alice.address, uri);
    expect(await c.staking.operatorUri(c.alice)).to.equal(uri);
  });

  it("the limit counts UTF-8 bytes, not characters: 256 two-byte characters pass, 171 three-byte ones revert", async function () {
    const c = await loadFixture(stakedFixture);
    const twoByte = "é".repeat(256); // 512 bytes
    const threeByte = "€".repeat(171); // 513 bytes, 171 characters

    await c.staking.connect(c.alice).register(twoByte);
    expect(await c.staking.operatorUri(c.alice)).to.equal(twoByte);

    await expect(c.staking.connect(c.alice).register(threeByte))
      .to.be.revertedWithCustomError(c.staking, "StakingInvalidOperatorUri")
      .withArgs(513n, MAX_URI_LENGTH);
    expect(await c.staking.operatorUri(c.alice)).to.equal(twoByte);
  });

  it("works while paused (it brings no money in)", async function () {
    const c = await loadFixture(stakedFixture);
    await c.staking.connect(c.guardian).pause();

    await expect(c.staking.connect(c.alice).register(URI))
      .to.emit(c.staking, "OperatorRegistered")
      .withArgs(c.alice.address, URI);
  });
});
