import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { Wallet } from "ethers";
import { CRP } from "../helpers/fixtures";
import { asGovernance } from "../helpers/governance";
import { MIN_STAKE, stakedFixture } from "../helpers/staking";

describe("CorpusStaking: refresh", function () {
  it("refreshes a batch: after governance raises the minimum, every validator below it loses its weight", async function () {
    const c = await loadFixture(stakedFixture);
    await asGovernance(c.timelock, (timelock) => c.staking.connect(timelock).setMinimumStake(25_000n * CRP));
    // Stale until refreshed: alice (10k) and bob (20k) still weigh what they did.
    expect(await c.staking.selectionWeight(c.alice)).to.equal(MIN_STAKE / CRP);
    await expect(c.staking.connect(c.stranger).refresh([c.alice, c.bob, c.carol, c.stranger]))
      .to.emit(c.staking, "ValidatorActivationChanged")
      .withArgs(c.alice.address, false)
      .and.to.emit(c.staking, "ValidatorActivationChanged")
      .withArgs(c.bob.address, false);
    expect(await c.staking.selectionWeight(c.alice)).to.equal(0n);
    expect(await c.staking.selectionWeight(c.bob)).to.equal(0n);
    expect(await c.staking.selectionWeight(c.carol)).to.equal(30_000n);
    expect(await c.staking.totalSelectionWeight()).to.equal(30_000n + 40_000n + 50_000n);
  });

  it("more than MAX_REFRESH_BATCH validators reverts StakingRefreshBatchTooLarge and changes nothing", async function () {
    const c = await loadFixture(stakedFixture);
    await asGovernance(c.timelock, (timelock) => c.staking.connect(timelock).setMinimumStake(25_000n * CRP));
    const max = await c.staking.MAX_REFRESH_BATCH();
    const batch = [c.alice.address, ...Array.from({ length: Number(max) }, () => Wallet.createRandom().address)];
    await expect(c.staking.refresh(batch))
      .to.be.revertedWithCustomError(c.staking, "StakingRefreshBatchTooLarge")
      .withArgs(max + 1n, max);
    expect(await c.staking.selectionWeight(c.alice)).to.equal(MIN_STAKE / CRP);
  });
});
