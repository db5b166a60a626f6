import { expect } from "chai";
import hre from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { AbiCoder, ZeroAddress, id } from "ethers";
import {
  CorpusDisputes__factory,
  CorpusStaking__factory,
  FixedRandomness__factory,
  ReentrantToken__factory,
} from "../../sdk/src/typechain";
import { CRP } from "../helpers/fixtures";

const HOUR = 3_600;
const GUARD = id("ReentrancyGuardReentrantCall()").slice(0, 10);

/**
 * Dispute resolution over a fee token with transfer hooks that calls back into it on a balance change. CRP has
 * no hooks, but the guard must hold whatever the token: every entry point that moves tokens or calls out
 * refuses to be reentered.
 */
async function reentrantDisputesFixture() {
  const [admin, partyA, partyB] = await hre.ethers.getSigners();
  if (admin === undefined || partyA === undefined || partyB === undefined) throw new Error("accounts missing");
  const token = await new ReentrantToken__factory(admin).deploy(10_000_000n * CRP);
  const randomness = await new FixedRandomness__factory(admin).deploy();
  const staking = await new CorpusStaking__factory(admin).deploy(
    await token.getAddress(),
    admin.address,
    ZeroAddress,
    await randomness.getAddress(),
    10_000n * CRP,
    7 * 24 * HOUR,
    2_500,
    ZeroAddress,
  );
  const disputes = await new CorpusDisputes__factory(admin).deploy(
    await staking.getAddress(),
    admin.address,
    ZeroAddress,
    [20n * CRP, 3n, 500n * CRP, HOUR, HOUR, HOUR, HOUR, 2_000n, 1_000n],
    ZeroAddress,
  );
  await staking.grantRole(await staking.LOCKER_ROLE(), await disputes.getAddress());
  await token.approve(await disputes.getAddress(), 1_000_000n * CRP);
  const extraData = AbiCoder.defaultAbiCoder().encode(["address[]"], [[partyA.address, partyB.address]]);
  return { admin, partyA, partyB, token, staking, disputes, extraData };
}

describe("CorpusDisputes: reentrancy through a hooked fee token", () => {
  const reentries: [string, (c: Awaited<ReturnType<typeof reentrantDisputesFixture>>) => string][] = [
    [
      "createDispute",
      (c) => c.disputes.interface.encodeFunctionData("createDispute", [2n, c.extraData, c.partyA.address]),
    ],
    [
      "createUnfundedDispute",
      (c) => c.disputes.interface.encodeFunctionData("createUnfundedDispute", [2n, c.extraData, c.partyA.address]),
    ],
    ["drawJury", (c) => c.disputes.interface.encodeFunctionData("drawJury", [1n, []])],
    ["renewJurySeed", (c) => c.disputes.interface.encodeFunctionData("renewJurySeed", [1n])],
    ["executeRuling", (c) => c.disputes.interface.encodeFunctionData("executeRuling", [1n])],
    ["settleRound", (c) => c.disputes.interface.encodeFunctionData("settleRound", [1n, 0n])],
    ["withdraw", (c) => c.disputes.interface.encodeFunctionData("withdraw")],
    ["appeal", (c) => c.disputes.interface.encodeFunctionData("appeal", [1n])],
  ];

  for (const [name, payload] of reentries) {
    it(`${name} reentered while createDispute pulls the fee is refused with ReentrancyGuardReentrantCall`, async () => {
      const c = await loadFixture(reentrantDisputesFixture);
      await c.token.arm(await c.disputes.getAddress(), payload(c));
      await (await c.disputes.createDispute(2n, c.extraData, c.partyA.address)).wait();
      expect(await c.token.lastReentryReverted()).to.equal(true);
      expect((await c.token.lastReentryRevertData()).slice(0, 10)).to.equal(GUARD);
      // The outer call went through on its own: one dispute, its fee held.
      expect(await c.disputes.disputeCount()).to.equal(1n);
      expect(await c.token.balanceOf(await c.disputes.getAddress())).to.equal(60n * CRP);
    });
  }
});
