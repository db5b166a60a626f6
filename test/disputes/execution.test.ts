import { expect } from "chai";
import { loadFixture, takeSnapshot, time } from "@nomicfoundation/hardhat-network-helpers";
import { AbiCoder } from "ethers";
import { HostileArbitrable__factory } from "../../sdk/src/typechain";
import { asAccount } from "../../scripts/lib/impersonate";
import {
  ACCEPT,
  INCOHERENT_SLASH,
  NON_REVEAL_SLASH,
  OPENING_FEE,
  PHASE,
  REJECT,
  disputeIdFrom,
  disputesFixture,
  expectDisputesSolvent,
  runRound,
  slashRewardOf,
} from "../helpers/disputes";
import { fundFromTreasury } from "../helpers/staking";
import { at } from "../helpers/lists";

// Delivering a ruling to an arbitrable contract that misbehaves (contracts/test/HostileArbitrable.sol): the
// callback gets exactly CALLBACK_GAS (300k), no return data is copied, a failed callback changes nothing and can
// be retried by anyone, and a caller cannot starve the callback into failing.
const A = ACCEPT;
const R = REJECT;
const MODE = { Record: 0n, Revert: 1n, BurnGas: 2n, ReturnBomb: 3n, Reenter: 4n } as const;
const CALLBACK_GAS = 300_000n;
/** What executeRuling requires left before the call: the callback's gas, the 1/64 EIP-150 keeps, and 20k after. */
const NEEDED = CALLBACK_GAS + CALLBACK_GAS / 63n + 20_000n;
/** Plenty: a limit far above what delivery needs, to show the cost does not grow with it. */
const WIDE = 5_000_000;

/**
 * A HostileArbitrable funded with exactly the opening fee opens a dispute between alice (ruling 1) and bob
 * (ruling 2); the jury accepts 3–1 with one juror silent, and the appeal period passes: the ruling (1) is final
 * and waiting to be executed. The hostile contract is in Record mode.
 */
async function finalRulingFixture() {
  const c = await loadFixture(disputesFixture);
  const hostile = await new HostileArbitrable__factory(c.deployer).deploy();
  const hostileAddress = await hostile.getAddress();
  await fundFromTreasury(c, [hostileAddress], OPENING_FEE);
  const extraData = AbiCoder.defaultAbiCoder().encode(["address[]"], [[c.alice.address, c.bob.address]]);
  const receipt = await (await hostile.open(c.arbitrator, extraData, c.alice.address)).wait();
  const disputeId = disputeIdFrom(c, receipt);
  expect(await c.token.balanceOf(hostileAddress)).to.equal(0n);
  const { jurors } = await runRound(c, disputeId, [A, A, A, R, null]);
  const { appealEnd } = await c.disputes.getRound(disputeId, 0n);
  await time.increaseTo(appealEnd + 1n);
  expect(await c.disputes.currentRuling(disputeId)).to.deep.equal([ACCEPT, true]);
  expect((await c.disputes.getDispute(disputeId)).phase).to.equal(PHASE.Final);
  return { c, hostile, hostileAddress, disputeId, jurors };
}

type Fixture = Awaited<ReturnType<typeof finalRulingFixture>>;

/** The delivery failed and nothing changed: still Final, not executed, the arbitrable recorded nothing. */
async function expectUndelivered({ c, hostile, disputeId }: Fixture) {
  expect((await c.disputes.getDispute(disputeId)).phase).to.equal(PHASE.Final);
  expect(await c.disputes.currentRuling(disputeId)).to.deep.equal([ACCEPT, true]);
  expect(await hostile.calls()).to.equal(0n);
  expect(await hostile.received(disputeId)).to.equal(0n);
}

/** Anyone retries in Record mode: the ruling arrives once, and the dispute is Executed. */
async function expectRetryDelivers(fixture: Fixture) {
  const { c, hostile, disputeId } = fixture;
  await (await hostile.setMode(MODE.Record)).wait();
  await expect(c.disputes.connect(c.stranger).executeRuling(disputeId))
    .to.emit(c.disputes, "RulingExecuted")
    .withArgs(disputeId, ACCEPT)
    .and.to.emit(hostile, "Ruling")
    .withArgs(c.arbitrator, disputeId, ACCEPT)
    .and.not.to.emit(c.disputes, "RulingExecutionFailed");
  expect(await hostile.received(disputeId)).to.equal(ACCEPT + 1n);
  expect(await hostile.calls()).to.equal(1n);
  expect((await c.disputes.getDispute(disputeId)).phase).to.equal(PHASE.Executed);
}

/** Executes in `mode` with a wide gas limit; asserts the delivery failed without failing the transaction. */
async function executeFailing(fixture: Fixture, mode: bigint) {
  const { c, hostile, disputeId } = fixture;
  await (await hostile.setMode(mode)).wait();
  const tx = c.disputes.connect(c.stranger).executeRuling(disputeId, { gasLimit: WIDE });
  await expect(tx)
    .to.emit(c.disputes, "RulingExecutionFailed")
    .withArgs(disputeId, ACCEPT)
    .and.not.to.emit(c.disputes, "RulingExecuted");
  const receipt = await (await tx).wait();
  if (receipt === null) throw new Error("no receipt");
  expect(receipt.status).to.equal(1);
  await expectUndelivered(fixture);
  return receipt;
}

describe("CorpusDisputes: executing a ruling", () => {
  describe("a callback that reverts", () => {
    it("executeRuling succeeds as a transaction but emits RulingExecutionFailed; the dispute stays Final, jurors still settle and withdraw, and anyone's retry in Record mode delivers once", async () => {
      const fixture = await loadFixture(finalRulingFixture);
      const { c, disputeId, jurors } = fixture;
      await executeFailing(fixture, MODE.Revert);

      // Settling does not wait for the arbitrable: the three who accepted share the fee and the slash rewards.
      const slashed = INCOHERENT_SLASH + NON_REVEAL_SLASH;
      const pot = OPENING_FEE + slashRewardOf(slashed);
      const share = pot / 3n;
      await expect(c.disputes.settleRound(disputeId, 0n))
        .to.emit(c.disputes, "RoundSettled")
        .withArgs(disputeId, 0n, ACCEPT, 3n, share, slashed, 0n);
      const first = at(jurors, 0);
      const firstPaid = share + (pot - 3n * share);
      expect(await c.disputes.balanceOf(first)).to.equal(firstPaid);
      const before = await c.token.balanceOf(first);
      await asAccount(first, async (signer) => {
        await expect(c.disputes.connect(signer).withdraw()).to.emit(c.disputes, "Withdrawn").withArgs(first, firstPaid);
      });
      expect(await c.token.balanceOf(first)).to.equal(before + firstPaid);
      expect(await c.disputes.balanceOf(first)).to.equal(0n);
      await expectUndelivered(fixture);
      await expectDisputesSolvent(c, "after a withdrawal");

      await expectRetryDelivers(fixture);
    });
  });

  describe("a callback that burns all its gas", () => {
    it("runs out of its 300k and fails; the caller's transaction succeeds using under 450,000 gas even with 5M offered, and a later retry delivers", async () => {
      const fixture = await loadFixture(finalRulingFixture);
      const receipt = await executeFailing(fixture, MODE.BurnGas);
      expect(receipt.gasUsed).to.be.lt(450_000n);
      // The callback did get (and burn) its whole allowance.
      expect(receipt.gasUsed).to.be.gt(CALLBACK_GAS);
      await expectRetryDelivers(fixture);
    });

    it("a caller cannot starve it: at the smallest gas limit executeRuling accepts, the callback still burns the full 300k, the same gas as with 5M offered; one gas less reverts DisputesCallbackGasTooLow", async () => {
      const fixture = await loadFixture(finalRulingFixture);
      const { c, disputeId } = fixture;
      const wide = await executeFailing(fixture, MODE.BurnGas);
      // Binary search for the smallest gas limit the call goes through with (a failed delivery changes nothing).
      const passes = async (gasLimit: bigint) =>
        c.disputes.executeRuling.staticCall(disputeId, { gasLimit }).then(
          () => true,
          () => false,
        );
      let low = 250_000n;
      let high = BigInt(WIDE);
      expect(await passes(low)).to.equal(false);
      while (high - low > 1n) {
        const mid = (low + high) / 2n;
        if (await passes(mid)) high = mid;
        else low = mid;
      }
      const tx = c.disputes.executeRuling(disputeId, { gasLimit: high });
      await expect(tx).to.emit(c.disputes, "RulingExecutionFailed").withArgs(disputeId, ACCEPT);
      expect((await (await tx).wait())?.gasUsed).to.equal(wide.gasUsed);
      await expect(c.disputes.executeRuling(disputeId, { gasLimit: high - 1n }))
        .to.be.revertedWithCustomError(c.disputes, "DisputesCallbackGasTooLow")
        .withArgs(NEEDED, (available: bigint) => available < NEEDED);
      await expectUndelivered(fixture);
    });
  });

  describe("a callback that returns a return-data bomb", () => {
    it("the call succeeds and the ruling counts as executed, with gas bounded: the 200,000 returned bytes are never copied", async () => {
      const fixture = await loadFixture(finalRulingFixture);
      const { c, hostile, disputeId } = fixture;
      // The arbitrable's own cost of each mode, called directly (its rule has no access control).
      const direct = async (mode: bigint) => {
        await (await hostile.setMode(mode)).wait();
        return hostile.connect(c.stranger).rule.estimateGas(disputeId, ACCEPT);
      };
      const calleeExtra = (await direct(MODE.ReturnBomb)) - (await direct(MODE.Record));
      const snapshot = await takeSnapshot();
      await (await hostile.setMode(MODE.Record)).wait();
      const recorded = await (await c.disputes.executeRuling(disputeId, { gasLimit: WIDE })).wait();
      await snapshot.restore();

      await (await hostile.setMode(MODE.ReturnBomb)).wait();
      const tx = c.disputes.connect(c.stranger).executeRuling(disputeId, { gasLimit: WIDE });
      await expect(tx)
        .to.emit(c.disputes, "RulingExecuted")
        .withArgs(disputeId, ACCEPT)
        .and.not.to.emit(c.disputes, "RulingExecutionFailed");
      const bombed = await (await tx).wait();
      if (bombed === null || recorded === null) throw new Error("no receipt");
      expect(bombed.gasUsed).to.be.lt(400_000n);
      // Copying 200,000 bytes would add over 110,000 gas of memory to the arbitrator's side; it pays at most
      // what the bomb costs the callee itself, give or take what Record's storage writes cost.
      expect(bombed.gasUsed - recorded.gasUsed).to.be.lte(calleeExtra + 1_000n);
      expect((await c.disputes.getDispute(disputeId)).phase).to.equal(PHASE.Executed);
      // The bomb returns before the arbitrable records anything: delivered, but nothing recorded.
      expect(await hostile.calls()).to.equal(0n);
      await expect(c.disputes.executeRuling(disputeId))
        .to.be.revertedWithCustomError(c.disputes, "DisputesAlreadyExecuted")
        .withArgs(disputeId);
    });
  });

  describe("a callback that re-enters executeRuling", () => {
    it("the re-entrant call fails inside the callback, so the delivery fails (RulingExecutionFailed); a retry in Record mode delivers once", async () => {
      const fixture = await loadFixture(finalRulingFixture);
      await executeFailing(fixture, MODE.Reenter);
      await expectRetryDelivers(fixture);
    });
  });

  describe("a caller who sends too little gas", () => {
    it("gasLimit 250,000 reverts DisputesCallbackGasTooLow: the caller cannot make the callback fail on purpose, and nothing changes", async () => {
      const fixture = await loadFixture(finalRulingFixture);
      const { c, disputeId } = fixture;
      expect(await c.disputes.CALLBACK_GAS()).to.equal(CALLBACK_GAS);
      await expect(c.disputes.connect(c.stranger).executeRuling(disputeId, { gasLimit: 250_000 }))
        .to.be.revertedWithCustomError(c.disputes, "DisputesCallbackGasTooLow")
        .withArgs(NEEDED, (available: bigint) => available > 200_000n && available < 250_000n);
      await expectUndelivered(fixture);
      await expectRetryDelivers(fixture);
    });
  });

  describe("a ruling delivered", () => {
    it("is delivered once: executeRuling again reverts DisputesAlreadyExecuted and the arbitrable is not called again", async () => {
      const fixture = await loadFixture(finalRulingFixture);
      const { c, hostile, disputeId } = fixture;
      await expectRetryDelivers(fixture);
      for (const caller of [c.stranger, c.alice]) {
        await expect(c.disputes.connect(caller).executeRuling(disputeId))
          .to.be.revertedWithCustomError(c.disputes, "DisputesAlreadyExecuted")
          .withArgs(disputeId);
      }
      expect(await hostile.calls()).to.equal(1n);
      expect(await hostile.received(disputeId)).to.equal(ACCEPT + 1n);
      expect((await c.disputes.getDispute(disputeId)).phase).to.equal(PHASE.Executed);
    });
  });
});
