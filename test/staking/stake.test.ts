import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { CRP, deployCorpusFixture } from "../helpers/fixtures";
import { asGovernance } from "../helpers/governance";
import { MIN_STAKE, expectConserved, stakeAs, stakeState, stakingSnapshot } from "../helpers/staking";
import { signPermit } from "../../scripts/lib/permit";

const HOUR = 60 * 60;

describe("CorpusStaking: stake", function () {
  describe("stake", function () {
    it("a first stake allocates a leaf, grows validatorCount by one, and makes the validator active with its weight", async function () {
      const c = await loadFixture(deployCorpusFixture);
      expect(await c.staking.validatorCount()).to.equal(0n);

      const tx = stakeAs(c, c.alice, MIN_STAKE);
      await expect(tx).to.emit(c.staking, "Staked").withArgs(c.alice.address, MIN_STAKE, MIN_STAKE);
      await expect(tx).to.emit(c.staking, "ValidatorActivationChanged").withArgs(c.alice.address, true);
      await expect(tx).to.changeTokenBalances(c.token, [c.alice, c.staking], [-MIN_STAKE, MIN_STAKE]);

      expect(await c.staking.validatorCount()).to.equal(1n);
      expect(await stakeState(c, c.alice)).to.deep.equal({
        staked: MIN_STAKE,
        locked: 0n,
        thawing: 0n,
        thawEnd: 0n,
        active: true,
        weight: 10_000n,
      });
      expect(await c.staking.totalSelectionWeight()).to.equal(10_000n);
      await expectConserved(c, [c.alice]);
    });

    it("each new staker gets a leaf of its own and the tree total is the sum of their weights", async function () {
      const c = await loadFixture(deployCorpusFixture);
      await stakeAs(c, c.alice, MIN_STAKE);
      await stakeAs(c, c.bob, 3n * MIN_STAKE);
      await stakeAs(c, c.carol, 2n * MIN_STAKE + 7n * CRP);

      expect(await c.staking.validatorCount()).to.equal(3n);
      expect(await c.staking.selectionWeight(c.alice)).to.equal(10_000n);
      expect(await c.staking.selectionWeight(c.bob)).to.equal(30_000n);
      expect(await c.staking.selectionWeight(c.carol)).to.equal(20_007n);
      expect(await c.staking.totalSelectionWeight()).to.equal(60_007n);
      await expectConserved(c, [c.alice, c.bob, c.carol]);
    });

    it("a second stake by the same validator adds to its stake without allocating another leaf", async function () {
      const c = await loadFixture(deployCorpusFixture);
      await stakeAs(c, c.alice, MIN_STAKE);

      const tx = stakeAs(c, c.alice, 2_500n * CRP);
      await expect(tx)
        .to.emit(c.staking, "Staked")
        .withArgs(c.alice.address, 2_500n * CRP, MIN_STAKE + 2_500n * CRP);
      // Already active: no second activation event.
      await expect(tx).not.to.emit(c.staking, "ValidatorActivationChanged");

      expect(await c.staking.validatorCount()).to.equal(1n);
      const state = await stakeState(c, c.alice);
      expect(state.staked).to.equal(MIN_STAKE + 2_500n * CRP);
      expect(state.weight).to.equal(12_500n);
      expect(await c.staking.totalSelectionWeight()).to.equal(12_500n);
      await expectConserved(c, [c.alice]);
    });

    it("a stake below the minimum is held and allocates a leaf but is not active and has weight 0", async function () {
      const c = await loadFixture(deployCorpusFixture);
      const amount = MIN_STAKE - 1n;

      const tx = stakeAs(c, c.alice, amount);
      await expect(tx).to.emit(c.staking, "Staked").withArgs(c.alice.address, amount, amount);
      await expect(tx).not.to.emit(c.staking, "ValidatorActivationChanged");

      expect(await c.staking.validatorCount()).to.equal(1n);
      expect(await stakeState(c, c.alice)).to.deep.equal({
        staked: amount,
        locked: 0n,
        thawing: 0n,
        thawEnd: 0n,
        active: false,
        weight: 0n,
      });
      expect(await c.staking.totalSelectionWeight()).to.equal(0n);
      await expectConserved(c, [c.alice]);
    });

    it("topping up to exactly the minimum emits ValidatorActivationChanged(true) and gives the whole stake its weight", async function () {
      const c = await loadFixture(deployCorpusFixture);
      await stakeAs(c, c.alice, MIN_STAKE - CRP);
      expect(await c.staking.selectionWeight(c.alice)).to.equal(0n);

      await expect(stakeAs(c, c.alice, CRP))
        .to.emit(c.staking, "ValidatorActivationChanged")
        .withArgs(c.alice.address, true);

      const state = await stakeState(c, c.alice);
      expect(state.active).to.equal(true);
      expect(state.weight).to.equal(10_000n);
      expect(await c.staking.totalSelectionWeight()).to.equal(10_000n);
      await expectConserved(c, [c.alice]);
    });

    it("fractions of a CRP do not count in the weight until they add up to a whole CRP", async function () {
      const c = await loadFixture(deployCorpusFixture);
      await stakeAs(c, c.alice, MIN_STAKE + CRP / 2n);
      expect(await c.staking.selectionWeight(c.alice)).to.equal(10_000n);

      await stakeAs(c, c.alice, CRP / 2n);
      expect(await c.staking.selectionWeight(c.alice)).to.equal(10_001n);
      expect(await c.staking.totalSelectionWeight()).to.equal(10_001n);
      await expectConserved(c, [c.alice]);
    });

    it("a zero amount reverts StakingZeroAmount, allocates no leaf and changes nothing", async function () {
      const c = await loadFixture(deployCorpusFixture);
      const before = await stakingSnapshot(c, [c.alice]);

      await expect(c.staking.connect(c.alice).stake(0n)).to.be.revertedWithCustomError(c.staking, "StakingZeroAmount");

      expect(await stakingSnapshot(c, [c.alice])).to.deep.equal(before);
      expect(await c.staking.validatorCount()).to.equal(0n);
    });

    it("a stake without an approval reverts with the token's ERC20InsufficientAllowance and changes nothing", async function () {
      const c = await loadFixture(deployCorpusFixture);
      const before = await stakingSnapshot(c, [c.alice]);

      await expect(c.staking.connect(c.alice).stake(MIN_STAKE))
        .to.be.revertedWithCustomError(c.token, "ERC20InsufficientAllowance")
        .withArgs(await c.staking.getAddress(), 0n, MIN_STAKE);

      expect(await stakingSnapshot(c, [c.alice])).to.deep.equal(before);
    });

    it("a stake above the staker's balance reverts with the token's ERC20InsufficientBalance and changes nothing", async function () {
      const c = await loadFixture(deployCorpusFixture);
      await c.token.connect(c.stranger).approve(c.staking, MIN_STAKE);
      const before = await stakingSnapshot(c, [c.stranger]);

      await expect(c.staking.connect(c.stranger).stake(MIN_STAKE))
        .to.be.revertedWithCustomError(c.token, "ERC20InsufficientBalance")
        .withArgs(c.stranger.address, 0n, MIN_STAKE);

      expect(await stakingSnapshot(c, [c.stranger])).to.deep.equal(before);
    });

    it("while paused a first stake reverts EnforcedPause and changes nothing", async function () {
      const c = await loadFixture(deployCorpusFixture);
      await c.staking.connect(c.guardian).pause();
      await c.token.connect(c.alice).approve(c.staking, MIN_STAKE);
      const before = await stakingSnapshot(c, [c.alice]);

      await expect(c.staking.connect(c.alice).stake(MIN_STAKE)).to.be.revertedWithCustomError(
        c.staking,
        "EnforcedPause",
      );

      expect(await stakingSnapshot(c, [c.alice])).to.deep.equal(before);
      expect(await c.staking.validatorCount()).to.equal(0n);
    });

    it("while paused a top-up by an existing validator reverts EnforcedPause and changes nothing", async function () {
      const c = await loadFixture(deployCorpusFixture);
      await stakeAs(c, c.alice, MIN_STAKE);
      await c.staking.connect(c.guardian).pause();
      await c.token.connect(c.alice).approve(c.staking, MIN_STAKE);
      const before = await stakingSnapshot(c, [c.alice]);

      await expect(c.staking.connect(c.alice).stake(MIN_STAKE)).to.be.revertedWithCustomError(
        c.staking,
        "EnforcedPause",
      );

      expect(await stakingSnapshot(c, [c.alice])).to.deep.equal(before);
      await expectConserved(c, [c.alice]);
    });

    it("after governance unpauses, staking works again", async function () {
      const c = await loadFixture(deployCorpusFixture);
      await c.staking.connect(c.guardian).pause();
      await asGovernance(c.timelock, async (timelock) => {
        await c.staking.connect(timelock).unpause();
      });

      await expect(stakeAs(c, c.alice, MIN_STAKE))
        .to.emit(c.staking, "Staked")
        .withArgs(c.alice.address, MIN_STAKE, MIN_STAKE);
      await expectConserved(c, [c.alice]);
    });
  });

  describe("stakeWithPermit", function () {
    async function deadlineIn(seconds: number): Promise<bigint> {
      return BigInt((await time.latest()) + seconds);
    }

    it("a valid permit stakes without a prior approval and consumes the permit", async function () {
      const c = await loadFixture(deployCorpusFixture);
      const spender = await c.staking.getAddress();
      const p = await signPermit(c.token, c.alice, spender, MIN_STAKE, await deadlineIn(HOUR));
      const nonce = await c.token.nonces(c.alice);

      const tx = c.staking.connect(c.alice).stakeWithPermit(MIN_STAKE, p.deadline, p.v, p.r, p.s);
      await expect(tx).to.emit(c.staking, "Staked").withArgs(c.alice.address, MIN_STAKE, MIN_STAKE);
      await expect(tx).to.emit(c.staking, "ValidatorActivationChanged").withArgs(c.alice.address, true);
      await expect(tx).to.changeTokenBalances(c.token, [c.alice, c.staking], [-MIN_STAKE, MIN_STAKE]);

      expect(await c.token.nonces(c.alice)).to.equal(nonce + 1n);
      expect(await c.token.allowance(c.alice, spender)).to.equal(0n);
      expect(await c.staking.validatorCount()).to.equal(1n);
      expect(await c.staking.selectionWeight(c.alice)).to.equal(10_000n);
      await expectConserved(c, [c.alice]);
    });

    it("an expired permit is not applied, so the stake reverts ERC20InsufficientAllowance and nothing changes", async function () {
      const c = await loadFixture(deployCorpusFixture);
      const spender = await c.staking.getAddress();
      const p = await signPermit(c.token, c.alice, spender, MIN_STAKE, await deadlineIn(HOUR));
      await time.increase(HOUR + 1);
      const nonce = await c.token.nonces(c.alice);
      const before = await stakingSnapshot(c, [c.alice]);

      await expect(c.staking.connect(c.alice).stakeWithPermit(MIN_STAKE, p.deadline, p.v, p.r, p.s))
        .to.be.revertedWithCustomError(c.token, "ERC20InsufficientAllowance")
        .withArgs(spender, 0n, MIN_STAKE);

      expect(await stakingSnapshot(c, [c.alice])).to.deep.equal(before);
      expect(await c.token.nonces(c.alice)).to.equal(nonce);
      expect(await c.staking.validatorCount()).to.equal(0n);
    });

    it("a permit front-run by someone else who submitted it first still lets the stake succeed", async function () {
      const c = await loadFixture(deployCorpusFixture);
      const spender = await c.staking.getAddress();
      const p = await signPermit(c.token, c.alice, spender, MIN_STAKE, await deadlineIn(HOUR));
      // The stranger copies the signature from the mempool and submits it to the token first.
      await c.token.connect(c.stranger).permit(p.owner, p.spender, p.value, p.deadline, p.v, p.r, p.s);
      expect(await c.token.allowance(c.alice, spender)).to.equal(MIN_STAKE);

      const tx = c.staking.connect(c.alice).stakeWithPermit(MIN_STAKE, p.deadline, p.v, p.r, p.s);
      await expect(tx).to.emit(c.staking, "Staked").withArgs(c.alice.address, MIN_STAKE, MIN_STAKE);
      await expect(tx).to.changeTokenBalances(c.token, [c.alice, c.staking], [-MIN_STAKE, MIN_STAKE]);

      expect(await c.token.allowance(c.alice, spender)).to.equal(0n);
      expect((await stakeState(c, c.alice)).staked).to.equal(MIN_STAKE);
      await expectConserved(c, [c.alice]);
    });

    it("a replayed permit with no allowance left reverts ERC20InsufficientAllowance and changes nothing", async function () {
      const c = await loadFixture(deployCorpusFixture);
      const spender = await c.staking.getAddress();
      const p = await signPermit(c.token, c.alice, spender, MIN_STAKE, await deadlineIn(HOUR));
      await c.staking.connect(c.alice).stakeWithPermit(MIN_STAKE, p.deadline, p.v, p.r, p.s);
      const before = await stakingSnapshot(c, [c.alice]);

      await expect(c.staking.connect(c.alice).stakeWithPermit(MIN_STAKE, p.deadline, p.v, p.r, p.s))
        .to.be.revertedWithCustomError(c.token, "ERC20InsufficientAllowance")
        .withArgs(spender, 0n, MIN_STAKE);

      expect(await stakingSnapshot(c, [c.alice])).to.deep.equal(before);
      await expectConserved(c, [c.alice]);
    });

    it("a permit signed for another amount does not cover the stake, which reverts and changes nothing", async function () {
      const c = await loadFixture(deployCorpusFixture);
      const spender = await c.staking.getAddress();
      const p = await signPermit(c.token, c.alice, spender, MIN_STAKE, await deadlineIn(HOUR));
      const before = await stakingSnapshot(c, [c.alice]);

      // The signature is over MIN_STAKE; presented with another value it does not verify.
      await expect(c.staking.connect(c.alice).stakeWithPermit(MIN_STAKE + 1n, p.deadline, p.v, p.r, p.s))
        .to.be.revertedWithCustomError(c.token, "ERC20InsufficientAllowance")
        .withArgs(spender, 0n, MIN_STAKE + 1n);

      expect(await stakingSnapshot(c, [c.alice])).to.deep.equal(before);
    });

    it("someone else's permit does not let the caller stake: it reverts and neither account changes", async function () {
      const c = await loadFixture(deployCorpusFixture);
      const spender = await c.staking.getAddress();
      const p = await signPermit(c.token, c.alice, spender, MIN_STAKE, await deadlineIn(HOUR));
      const before = await stakingSnapshot(c, [c.alice, c.bob]);

      // Bob submits Alice's signature: the permit is checked against Bob as owner, fails, and is ignored.
      await expect(c.staking.connect(c.bob).stakeWithPermit(MIN_STAKE, p.deadline, p.v, p.r, p.s))
        .to.be.revertedWithCustomError(c.token, "ERC20InsufficientAllowance")
        .withArgs(spender, 0n, MIN_STAKE);

      expect(await stakingSnapshot(c, [c.alice, c.bob])).to.deep.equal(before);
      expect(await c.token.allowance(c.alice, spender)).to.equal(0n);
    });

    it("a zero amount reverts StakingZeroAmount and the permit is not consumed", async function () {
      const c = await loadFixture(deployCorpusFixture);
      const spender = await c.staking.getAddress();
      const p = await signPermit(c.token, c.alice, spender, 0n, await deadlineIn(HOUR));
      const nonce = await c.token.nonces(c.alice);
      const before = await stakingSnapshot(c, [c.alice]);

      await expect(
        c.staking.connect(c.alice).stakeWithPermit(0n, p.deadline, p.v, p.r, p.s),
      ).to.be.revertedWithCustomError(c.staking, "StakingZeroAmount");

      expect(await stakingSnapshot(c, [c.alice])).to.deep.equal(before);
      expect(await c.token.nonces(c.alice)).to.equal(nonce);
    });

    it("while paused stakeWithPermit reverts EnforcedPause, the permit is not consumed and nothing changes", async function () {
      const c = await loadFixture(deployCorpusFixture);
      const spender = await c.staking.getAddress();
      const p = await signPermit(c.token, c.alice, spender, MIN_STAKE, await deadlineIn(HOUR));
      await c.staking.connect(c.guardian).pause();
      const nonce = await c.token.nonces(c.alice);
      const before = await stakingSnapshot(c, [c.alice]);

      await expect(
        c.staking.connect(c.alice).stakeWithPermit(MIN_STAKE, p.deadline, p.v, p.r, p.s),
      ).to.be.revertedWithCustomError(c.staking, "EnforcedPause");

      expect(await stakingSnapshot(c, [c.alice])).to.deep.equal(before);
      expect(await c.token.nonces(c.alice)).to.equal(nonce);
      expect(await c.token.allowance(c.alice, spender)).to.equal(0n);
    });
  });
});
