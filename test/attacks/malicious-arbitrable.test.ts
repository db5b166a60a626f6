import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { AbiCoder } from "ethers";
import { HostileArbitrable__factory } from "../../sdk/src/typechain";
import { asAccount } from "../../scripts/lib/impersonate";
import {
  ACCEPT,
  OPENING_FEE,
  PHASE,
  REJECT,
  disputeIdFrom,
  disputesFixture,
  expectDisputesSolvent,
  passPhase,
  runRound,
} from "../helpers/disputes";
import { fundFromTreasury } from "../helpers/staking";

// An attacker deploys the arbitrable contract a dispute rules for (contracts/test/HostileArbitrable.sol) and makes
// its `rule` callback misbehave when CorpusDisputes delivers the final ruling: revert, burn every unit of gas it
// is given, return a 200,000-byte return-data bomb, or re-enter executeRuling to take the ruling twice. Or the
// attacker is whoever calls executeRuling, and sends just too little gas for the callback to succeed. What it
// could hope for: jurors unpaid or their stakes stuck (the dispute held hostage), the ruling changed, recorded
// twice or never, or the executor's transaction made to fail or cost without bound.
// test/disputes/execution.test.ts checks each misbehaviour on its own; here they are run against what the attacker
// wants to break: the jurors' settlement compared to an honest dispute's, to the wei, in either order; the ruling
// over many failed deliveries; the executor's gas bill for every mode; and every gas limit around the threshold.

const MODE = { Record: 0n, Revert: 1n, BurnGas: 2n, ReturnBomb: 3n, Reenter: 4n } as const;
type ModeName = keyof typeof MODE;
/** The modes whose delivery fails; a return bomb returns successfully, so its delivery counts. */
const FAILING: ModeName[] = ["Revert", "BurnGas", "Reenter"];
const ALL_MODES = Object.keys(MODE) as ModeName[];
const CALLBACK_GAS = 300_000n;
/** What an executor must budget at most, whatever the callback does. */
const EXECUTOR_BUDGET = CALLBACK_GAS + 150_000n;
/** A gas limit far above anything delivery needs. */
const WIDE = 5_000_000n;

/**
 * A HostileArbitrable holding exactly the opening fee opens a dispute between alice (ruling 1) and bob (ruling 2);
 * the jury rules 1 by 3 votes to 1 with one juror silent, and the appeal period passes: the ruling is final and
 * waiting to be delivered. The arbitrable is in Record mode.
 */
async function hostileFixture() {
  const c = await loadFixture(disputesFixture);
  const hostile = await new HostileArbitrable__factory(c.deployer).deploy();
  await fundFromTreasury(c, [await hostile.getAddress()], OPENING_FEE);
  const extraData = AbiCoder.defaultAbiCoder().encode(["address[]"], [[c.alice.address, c.bob.address]]);
  const disputeId = disputeIdFrom(c, await (await hostile.open(c.arbitrator, extraData, c.alice.address)).wait());
  const { jurors } = await runRound(c, disputeId, [ACCEPT, ACCEPT, ACCEPT, REJECT, null]);
  await passPhase(c, disputeId, "appeal");
  expect((await c.disputes.getDispute(disputeId)).phase).to.equal(PHASE.Final);
  return { ...c, hostile, disputeId, jurors };
}

type Fixture = Awaited<ReturnType<typeof hostileFixture>>;

/** Everything the settlement decides for the jurors: dispute balances, stakes (staked, locked), what is held. */
async function jurorOutcome(c: Fixture) {
  const jurors: Record<string, bigint[]> = {};
  for (const juror of c.jurors) {
    const [staked, locked] = await c.staking.stakeOf(juror);
    jurors[juror] = [await c.disputes.balanceOf(juror), staked, locked];
  }
  const round = await c.disputes.getRound(c.disputeId, 0n);
  return {
    jurors,
    settled: round.settled,
    held: await c.token.balanceOf(c.arbitrator),
    staked: await c.token.balanceOf(await c.staking.getAddress()),
    supply: await c.token.totalSupply(),
    ruling: await c.disputes.currentRuling(c.disputeId),
  };
}

/** The ruling is still the jury's, final and undelivered, and the arbitrable has recorded nothing. */
async function expectStillFinal(c: Fixture, step: string) {
  const dispute = await c.disputes.getDispute(c.disputeId);
  expect(dispute.phase, step).to.equal(PHASE.Final);
  expect(await c.disputes.currentRuling(c.disputeId), step).to.deep.equal([ACCEPT, true]);
  expect(await c.hostile.calls(), step).to.equal(0n);
}

/** Executes with `mode` set and a wide gas limit; returns the receipt and whether the delivery counted. */
async function executeIn(c: Fixture, mode: ModeName, gasLimit = WIDE) {
  await (await c.hostile.setMode(MODE[mode])).wait();
  const receipt = await (await c.disputes.connect(c.stranger).executeRuling(c.disputeId, { gasLimit })).wait();
  if (receipt === null) throw new Error("no receipt");
  const names = receipt.logs
    .map((log) => c.disputes.interface.parseLog({ topics: [...log.topics], data: log.data })?.name)
    .filter((name) => name !== undefined);
  const delivered = names.includes("RulingExecuted");
  expect(delivered, `${mode}: exactly one of RulingExecuted and RulingExecutionFailed`).to.equal(
    !names.includes("RulingExecutionFailed"),
  );
  return { receipt, delivered };
}

/** Every juror the settlement credited withdraws: each receives exactly its balance. */
async function everyJurorWithdraws(c: Fixture) {
  for (const juror of c.jurors) {
    const owed = await c.disputes.balanceOf(juror);
    if (owed === 0n) continue;
    const before = await c.token.balanceOf(juror);
    await asAccount(juror, async (signer) => (await c.disputes.connect(signer).withdraw()).wait());
    expect(await c.token.balanceOf(juror)).to.equal(before + owed);
  }
}

describe("attack: a hostile arbitrable holds the jury's pay hostage with its rule callback", function () {
  for (const mode of ALL_MODES) {
    it(`in ${mode} mode, the round settles exactly as an undelivered dispute's does, executed before or after the settlement, and every juror withdraws its pay`, async function () {
      // What the jurors get when no one ever delivers the ruling: the settlement does not wait for it.
      const honest = await loadFixture(hostileFixture);
      await (await honest.disputes.settleRound(honest.disputeId, 0n)).wait();
      const expected = await jurorOutcome(honest);
      const paid = Object.values(expected.jurors).filter(([balance]) => balance !== 0n).length;
      expect(paid, "coherent jurors paid").to.equal(3);

      for (const order of ["execute, then settle", "settle, then execute"]) {
        const c = await loadFixture(hostileFixture);
        if (order.startsWith("settle")) await (await c.disputes.settleRound(c.disputeId, 0n)).wait();
        const { delivered } = await executeIn(c, mode);
        expect(delivered, `${mode} (${order}) delivered`).to.equal(!FAILING.includes(mode));
        if (order.startsWith("execute")) await (await c.disputes.settleRound(c.disputeId, 0n)).wait();
        expect(await jurorOutcome(c), `${mode} (${order})`).to.deep.equal(expected);
        await expectDisputesSolvent(c, `${mode} (${order}), settled`);
        await everyJurorWithdraws(c);
        await expectDisputesSolvent(c, `${mode} (${order}), after the withdrawals`);
        // The jury's ruling is what was delivered, or what is still waiting to be: never another.
        expect(await c.disputes.currentRuling(c.disputeId)).to.deep.equal([ACCEPT, true]);
        expect((await c.disputes.getDispute(c.disputeId)).phase).to.equal(delivered ? PHASE.Executed : PHASE.Final);
      }
    });
  }
});

describe("attack: a hostile arbitrable tries to have the ruling recorded twice, changed, or never", function () {
  it("failed deliveries in every failing mode, retried by anyone, leave the ruling final and unchanged; the first callback that accepts it gets it once, and nothing is delivered after", async function () {
    const c = await loadFixture(hostileFixture);
    const attempts: ModeName[] = [...FAILING, ...FAILING, "Record"];
    for (const [i, mode] of attempts.entries()) {
      const caller = [c.stranger, c.alice, c.bob, c.deployer][i % 4];
      if (caller === undefined) throw new Error("no caller");
      await (await c.hostile.setMode(MODE[mode])).wait();
      const tx = await c.disputes.connect(caller).executeRuling(c.disputeId, { gasLimit: WIDE });
      if (mode === "Record") {
        await expect(tx).to.emit(c.disputes, "RulingExecuted").withArgs(c.disputeId, ACCEPT);
      } else {
        await expect(tx).to.emit(c.disputes, "RulingExecutionFailed").withArgs(c.disputeId, ACCEPT);
        await expectStillFinal(c, `after a ${mode} delivery`);
      }
    }
    expect(await c.hostile.calls()).to.equal(1n);
    expect(await c.hostile.received(c.disputeId)).to.equal(ACCEPT + 1n);
    expect((await c.disputes.getDispute(c.disputeId)).phase).to.equal(PHASE.Executed);
    const failed = await c.disputes.queryFilter(c.disputes.filters.RulingExecutionFailed(c.disputeId));
    const executed = await c.disputes.queryFilter(c.disputes.filters.RulingExecuted(c.disputeId));
    expect([failed.length, executed.length]).to.deep.equal([2 * FAILING.length, 1]);

    // Delivered once: whatever the arbitrable does now, it is never called again.
    for (const mode of ALL_MODES) {
      await (await c.hostile.setMode(MODE[mode])).wait();
      await expect(c.disputes.connect(c.stranger).executeRuling(c.disputeId))
        .to.be.revertedWithCustomError(c.disputes, "DisputesAlreadyExecuted")
        .withArgs(c.disputeId);
    }
    expect(await c.hostile.calls()).to.equal(1n);
  });

  it("a callback that re-enters executeRuling to take the ruling twice fails as a whole: the re-entry finds the guard (and the dispute already marked executed), nothing is recorded, and the next honest delivery records it once", async function () {
    const c = await loadFixture(hostileFixture);
    const { delivered } = await executeIn(c, "Reenter");
    expect(delivered).to.equal(false);
    await expectStillFinal(c, "after the re-entrant delivery");
    expect(await c.hostile.received(c.disputeId)).to.equal(0n);
    const again = await executeIn(c, "Record");
    expect(again.delivered).to.equal(true);
    expect(await c.hostile.calls()).to.equal(1n);
    expect(await c.hostile.received(c.disputeId)).to.equal(ACCEPT + 1n);
  });
});

describe("attack: a hostile arbitrable makes the executor's transaction fail or cost without bound", function () {
  it(`in every mode executeRuling succeeds as a transaction and, even with ${WIDE} gas offered, uses less than CALLBACK_GAS + 150,000`, async function () {
    for (const mode of ALL_MODES) {
      const c = await loadFixture(hostileFixture);
      expect(await c.disputes.CALLBACK_GAS()).to.equal(CALLBACK_GAS);
      const { receipt, delivered } = await executeIn(c, mode);
      expect(receipt.status, mode).to.equal(1);
      expect(receipt.gasUsed, `${mode}: gas used`).to.be.lessThan(EXECUTOR_BUDGET);
      expect(delivered, mode).to.equal(!FAILING.includes(mode));
    }
  });

  it("a return-data bomb counts as delivered (the callee returned without error), its 200,000 bytes cost the executor nothing to copy, and the ruling cannot be delivered again", async function () {
    const c = await loadFixture(hostileFixture);
    const { receipt, delivered } = await executeIn(c, "ReturnBomb");
    expect(delivered).to.equal(true);
    // Copying 200,000 bytes into the arbitrator's memory alone would cost over 110,000 gas on top of the callee's.
    expect(receipt.gasUsed).to.be.lessThan(EXECUTOR_BUDGET);
    expect((await c.disputes.getDispute(c.disputeId)).phase).to.equal(PHASE.Executed);
    // The bomb returns before its contract records anything: the arbitrable chose to ignore the ruling.
    expect(await c.hostile.calls()).to.equal(0n);
    await (await c.hostile.setMode(MODE.Record)).wait();
    await expect(c.disputes.executeRuling(c.disputeId))
      .to.be.revertedWithCustomError(c.disputes, "DisputesAlreadyExecuted")
      .withArgs(c.disputeId);
  });
});

describe("attack: an executor sends just too little gas so that an honest callback fails", function () {
  /** The smallest gas limit executeRuling accepts in `mode`, by binary search on eth_call. */
  async function smallestAccepted(c: Fixture, mode: ModeName): Promise<bigint> {
    await (await c.hostile.setMode(MODE[mode])).wait();
    const passes = (gasLimit: bigint) =>
      c.disputes.executeRuling.staticCall(c.disputeId, { gasLimit }).then(
        () => true,
        () => false,
      );
    let low = 100_000n;
    let high = WIDE;
    expect(await passes(low)).to.equal(false);
    expect(await passes(high)).to.equal(true);
    while (high - low > 1n) {
      const mid = (low + high) / 2n;
      if (await passes(mid)) high = mid;
      else low = mid;
    }
    return high;
  }

  for (const mode of ["Record", "BurnGas"] as ModeName[]) {
    it(`in ${mode} mode, every gas limit is either refused (DisputesCallbackGasTooLow, nothing changes) or gives the callback its full allowance, so the outcome never depends on the limit`, async function () {
      const c0 = await loadFixture(hostileFixture);
      const threshold = await smallestAccepted(c0, mode);
      const needed = CALLBACK_GAS + CALLBACK_GAS / 63n + 20_000n;
      expect(threshold).to.be.greaterThan(needed);

      // Below the threshold: refused. Just below, by the arbitrator's own check; far below, gas may run out first.
      for (const gasLimit of [100_000n, 250_000n, threshold - 5_000n, threshold - 100n, threshold - 1n]) {
        const c = await loadFixture(hostileFixture);
        await (await c.hostile.setMode(MODE[mode])).wait();
        const tx = c.disputes.connect(c.stranger).executeRuling(c.disputeId, { gasLimit });
        if (gasLimit >= threshold - 5_000n) {
          await expect(tx, `${gasLimit}`)
            .to.be.revertedWithCustomError(c.disputes, "DisputesCallbackGasTooLow")
            .withArgs(needed, (available: bigint) => available < needed);
        } else {
          await expect(tx, `${gasLimit}`).to.be.reverted;
        }
        await expectStillFinal(c, `after a refused call with ${gasLimit} gas`);
      }

      // At and above it: the callback always runs with its whole 300,000, so every limit ends the same way.
      const outcomes = new Set<string>();
      for (const gasLimit of [threshold, threshold + 1n, threshold + 1_000n, threshold + 50_000n, WIDE]) {
        const c = await loadFixture(hostileFixture);
        const { receipt, delivered } = await executeIn(c, mode, gasLimit);
        outcomes.add(`delivered=${delivered} gasUsed=${receipt.gasUsed}`);
        expect(delivered, `${mode} at ${gasLimit}`).to.equal(mode === "Record");
        if (!delivered) await expectStillFinal(c, `${mode} at ${gasLimit}`);
      }
      expect([...outcomes], "one outcome and one gas cost whatever the limit").to.have.length(1);
    });
  }
});
