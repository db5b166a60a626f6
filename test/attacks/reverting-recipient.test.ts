import { expect } from "chai";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { id } from "ethers";
import { asGovernance } from "../../scripts/lib/impersonate";
import { BlockingToken__factory } from "../../sdk/src/typechain";
import { CRP, DAY } from "../helpers/fixtures";
import { mintData, mintParams, quoteOf } from "../helpers/data";
import {
  BOND,
  PROTOCOL_FEE,
  REWARD,
  STATUS,
  attestVotes,
  expectSolvent,
  postDefaultTask,
  signerOf,
  submitAndDraw,
  tasksFixture,
} from "../helpers/tasks";

// An attacker who is owed money makes every transfer to it revert, hoping that paying it is on the path of
// everyone else's money: a finalize, a sale, a sweep that would fail and take the others' payouts down with it.
// With an ERC-20 the way to get there is a token with a recipient blocklist (USDC, USDT) and an address on it
// (contracts/test/BlockingToken.sol). Both contracts pay by pull: finalize, settlement and sales only credit
// balances, and each payee withdraws its own, so a blocked payee only blocks its own withdrawal. (A blocklist
// that names the registry or the Data NFT itself is the token issuer freezing the protocol: out of scope.)

const SUPPLY = 100_000_000n * CRP;
const FUNDING = 1_000_000n * CRP;
const PAST_WINDOWS = 3 * DAY;
/** The licence price: 2.5% fee (25), 30% to the two contributors (150 each), 675 to the owner. */
const PRICE = 1_000n * CRP;
const LICENCE_FEE = 25n * CRP;
const CONTRIBUTOR_SHARE = 150n * CRP;
const OWNER_SHARE = 675n * CRP;

/**
 * The tasks fixture with a blocklist token (BLK) allowlisted by governance in the registry and the Data NFT, held
 * by frank (requester), grace and heidi (workers) and the stranger; frank's BLK task of 2 slots, on which grace's
 * work was accepted 2–1 (one incoherent panel member) and heidi's 3–0, both windows passed but not finalized.
 */
async function blockingFixture() {
  const c = await tasksFixture();
  const blocking = await new BlockingToken__factory(c.deployer).deploy(SUPPLY);
  const blk = await blocking.getAddress();
  await asGovernance(c.timelock, async (timelock) => {
    await (await c.tasks.connect(timelock).setTokenAllowed(blk, true)).wait();
    await (await c.data.connect(timelock).setTokenAllowed(blk, true)).wait();
  });
  for (const account of [c.requester, c.worker, c.otherWorker, c.stranger]) {
    await (await blocking.transfer(account.address, FUNDING)).wait();
  }
  const taskId = await postDefaultTask(c, { token: blk, slots: 2n });
  const graces = await submitAndDraw(c, taskId, c.worker, "grace.json");
  await attestVotes(c, graces.submissionId, [true, true, false]);
  const heidis = await submitAndDraw(c, taskId, c.otherWorker, "heidi.json");
  await attestVotes(c, heidis.submissionId, [true, true, true]);
  await time.increase(PAST_WINDOWS);
  return {
    ...c,
    blocking,
    blk,
    taskId,
    graces,
    heidis,
    dataAddress: await c.data.getAddress(),
    treasury: await c.timelock.getAddress(),
  };
}

type Fixture = Awaited<ReturnType<typeof blockingFixture>>;

/**
 * Anyone finalizes both submissions (grace's and heidi's work accepted), then frank closes the task, which takes
 * back the rounding dust of the 3–0 panel's fee (5 CRP shared by 3) to his balance. Returns the dust.
 */
async function finalizeBoth(c: Fixture) {
  for (const { submissionId } of [c.graces, c.heidis]) {
    await expect(c.tasks.connect(c.stranger).finalize(submissionId))
      .to.emit(c.tasks, "SubmissionFinalized")
      .withArgs(submissionId, c.taskId, STATUS.Accepted, REWARD + BOND, 0n);
  }
  const dust = (await c.tasks.getTask(c.taskId)).funds;
  expect(dust).to.equal(2n);
  await expect(c.tasks.connect(c.requester).cancelTask(c.taskId))
    .to.emit(c.tasks, "TaskRefunded")
    .withArgs(c.taskId, c.requester.address, dust);
  return dust;
}

/** frank mints the finished task (grace and heidi one unit each) offering a BLK licence; returns the token id. */
async function mintLicensed(c: Fixture) {
  const license = { token: c.blk, price: PRICE, duration: 30n * BigInt(DAY), termsHash: id("t"), termsUri: "ipfs://t" };
  return mintData(c, c.requester, mintParams([c.taskId], { license }));
}

/** The stranger buys a licence on `tokenId` (a sale credits the owner, the pool and the treasury). */
async function buy(c: Fixture, tokenId: bigint) {
  await (await c.blocking.connect(c.stranger).approve(c.dataAddress, PRICE)).wait();
  await expect(c.data.connect(c.stranger).buyLicense(tokenId, c.stranger.address, await quoteOf(c, tokenId)))
    .to.emit(c.data, "LicenseBought")
    .and.to.emit(c.blocking, "Transfer")
    .withArgs(c.stranger.address, c.dataAddress, PRICE);
}

/** The fixture's accounts that can be owed, and the treasury. */
function payees(c: Fixture): string[] {
  return [...c.everyone.map((s) => s.address), c.treasury];
}

/** The Data NFT holds exactly what it owes in BLK: revenue balances, contributors' claimable, pool carry. */
async function expectDataSolvent(c: Fixture, step: string) {
  let owed = 0n;
  for (const account of payees(c)) owed += await c.data.revenueOf(c.blk, account);
  for (let tokenId = 1n; tokenId <= (await c.data.tokenCount()); tokenId++) {
    for (const account of payees(c)) owed += await c.data.claimable(tokenId, c.blk, account);
    owed += await c.data.poolCarry(tokenId, c.blk);
  }
  expect(await c.blocking.balanceOf(c.dataAddress), `the Data NFT's BLK ${step}`).to.equal(owed);
}

/** `signer` pulls `amount` through `pull`: it receives exactly that, and is owed nothing more. */
async function expectPaid(c: Fixture, signer: HardhatEthersSigner, amount: bigint, pull: () => Promise<unknown>) {
  const before = await c.blocking.balanceOf(signer.address);
  await pull();
  expect(await c.blocking.balanceOf(signer.address), `${signer.address} paid`).to.equal(before + amount);
}

/**
 * Every payee but `blocked` takes what it is owed from both contracts, each exactly: registry balances, the
 * registry's fee sweep, Data revenue, contributor claims, the Data fee sweep. Returns how many payouts were made.
 */
async function everyoneElseIsPaid(c: Fixture, blocked: string[]) {
  const skip = new Set(blocked.map((a) => a.toLowerCase()));
  let payouts = 0;
  for (const signer of c.everyone) {
    if (skip.has(signer.address.toLowerCase())) continue;
    const owed = await c.tasks.balanceOf(c.blk, signer.address);
    if (owed !== 0n) {
      await expectPaid(c, signer, owed, async () => (await c.tasks.connect(signer).withdraw(c.blk)).wait());
      payouts++;
    }
    const revenue = await c.data.revenueOf(c.blk, signer.address);
    if (revenue !== 0n) {
      await expectPaid(c, signer, revenue, async () => (await c.data.connect(signer).withdraw(c.blk)).wait());
      payouts++;
    }
    const claimable = await c.data.claimable(1n, c.blk, signer.address);
    if ((await c.data.tokenCount()) !== 0n && claimable !== 0n) {
      await expectPaid(c, signer, claimable, async () => (await c.data.connect(signer).claim(1n, c.blk)).wait());
      payouts++;
    }
  }
  if (!skip.has(c.treasury.toLowerCase())) {
    const unswept = (await c.tasks.getTask(c.taskId)).unsweptProtocolFees;
    if (unswept !== 0n) {
      await expect(c.tasks.sweepProtocolFees(c.taskId)).to.changeTokenBalance(c.blocking, c.treasury, unswept);
      payouts++;
    }
    const fees = await c.data.revenueOf(c.blk, c.treasury);
    if (fees !== 0n) {
      await expect(c.data.sweepProtocolFees(c.blk)).to.changeTokenBalance(c.blocking, c.treasury, fees);
      payouts++;
    }
  }
  return payouts;
}

describe("attack: a worker and contributor who makes every payment to her revert", function () {
  it("cannot stop finalize, the sale of the data she contributed to, or anyone else's payout in either contract; her own stays owed, to the wei, until she can receive it", async function () {
    const c = await loadFixture(blockingFixture);
    const grace = c.worker.address;
    // grace (and, for good measure, one of her panel's coherent members) get themselves blocked first.
    const member = (await c.tasks.getSubmission(c.graces.submissionId)).panel[0];
    if (member === undefined) throw new Error("no panel");
    await (await c.blocking.setBlocked(grace, true)).wait();
    await (await c.blocking.setBlocked(member, true)).wait();

    await finalizeBoth(c);
    const tokenId = await mintLicensed(c);
    await buy(c, tokenId);
    await expectSolvent(c, c.blk, "after the finalizations");
    await expectDataSolvent(c, "after the sale");
    const memberOwed = await c.tasks.balanceOf(c.blk, member);
    expect(memberOwed).to.be.greaterThan(0n);

    // Her own payouts revert with the token's error, and change nothing.
    await expect(c.tasks.connect(c.worker).withdraw(c.blk))
      .to.be.revertedWithCustomError(c.blocking, "Blocked")
      .withArgs(grace);
    await expect(c.data.connect(c.worker).claim(tokenId, c.blk))
      .to.be.revertedWithCustomError(c.blocking, "Blocked")
      .withArgs(grace);
    await expect(c.data.connect(c.worker).claimMany([tokenId], c.blk))
      .to.be.revertedWithCustomError(c.blocking, "Blocked")
      .withArgs(grace);

    // Everyone else is paid: heidi in both contracts, frank, the other panel members, the treasury twice.
    const payouts = await everyoneElseIsPaid(c, [grace, member]);
    expect(payouts).to.be.greaterThanOrEqual(7);
    expect(await c.tasks.balanceOf(c.blk, c.otherWorker)).to.equal(0n);
    expect(await c.data.claimable(tokenId, c.blk, c.otherWorker)).to.equal(0n);

    // What is left in each contract is exactly what the blocked accounts are owed.
    expect(await c.tasks.balanceOf(c.blk, grace)).to.equal(REWARD + BOND);
    expect(await c.data.claimable(tokenId, c.blk, grace)).to.equal(CONTRIBUTOR_SHARE);
    expect(await c.blocking.balanceOf(c.registry)).to.equal(REWARD + BOND + memberOwed);
    expect(await c.blocking.balanceOf(c.dataAddress)).to.equal(CONTRIBUTOR_SHARE);
    await expectSolvent(c, c.blk, "with only the blocked accounts owed");
    await expectDataSolvent(c, "with only grace owed");

    // Unblocked, she (and the member) take exactly what was kept for them, and both contracts are empty.
    await (await c.blocking.setBlocked(grace, false)).wait();
    await (await c.blocking.setBlocked(member, false)).wait();
    await expect(c.tasks.connect(c.worker).withdraw(c.blk)).to.changeTokenBalance(c.blocking, grace, REWARD + BOND);
    await expect(c.data.connect(c.worker).claim(tokenId, c.blk)).to.changeTokenBalance(
      c.blocking,
      grace,
      CONTRIBUTOR_SHARE,
    );
    await expect(c.tasks.connect(signerOf(c, member)).withdraw(c.blk)).to.changeTokenBalance(
      c.blocking,
      member,
      memberOwed,
    );
    expect(await c.blocking.balanceOf(c.registry)).to.equal(0n);
    expect(await c.blocking.balanceOf(c.dataAddress)).to.equal(0n);
  });
});

describe("attack: a data owner and requester who makes every payment to him revert", function () {
  it("cannot stop sales of his token, the contributors' claims, the treasury's sweeps or the registry's payees; his revenue and refund accumulate untouched", async function () {
    const c = await loadFixture(blockingFixture);
    const frank = c.requester.address;
    const dust = await finalizeBoth(c);
    const tokenId = await mintLicensed(c);
    // A second task of his, cancelled at once: its escrow is credited to him.
    const open = await postDefaultTask(c, { token: c.blk, slots: 1n });
    const escrow = (await c.tasks.getTask(open)).funds;
    await (await c.blocking.setBlocked(frank, true)).wait();
    await expect(c.tasks.connect(c.requester).cancelTask(open))
      .to.emit(c.tasks, "TaskRefunded")
      .withArgs(open, frank, escrow);

    // Two sales while he is blocked: each credits him, the pool and the treasury.
    await buy(c, tokenId);
    await buy(c, tokenId);
    expect(await c.data.revenueOf(c.blk, frank)).to.equal(2n * OWNER_SHARE);
    await expect(c.data.connect(c.requester).withdraw(c.blk))
      .to.be.revertedWithCustomError(c.blocking, "Blocked")
      .withArgs(frank);
    await expect(c.tasks.connect(c.requester).withdraw(c.blk))
      .to.be.revertedWithCustomError(c.blocking, "Blocked")
      .withArgs(frank);

    const payouts = await everyoneElseIsPaid(c, [frank]);
    expect(payouts).to.be.greaterThanOrEqual(8);
    // The contributors got both sales' share, the treasury both fees (and the registry's).
    expect(await c.data.claimable(tokenId, c.blk, c.worker)).to.equal(0n);
    expect(await c.data.revenueOf(c.blk, c.treasury)).to.equal(0n);
    expect(await c.tasks.balanceOf(c.blk, frank)).to.equal(escrow + dust);
    expect(await c.blocking.balanceOf(c.registry)).to.equal(escrow + dust);
    expect(await c.blocking.balanceOf(c.dataAddress)).to.equal(2n * OWNER_SHARE);
    await expectSolvent(c, c.blk, "with only frank owed");
    await expectDataSolvent(c, "with only frank owed");

    await (await c.blocking.setBlocked(frank, false)).wait();
    await expect(c.data.connect(c.requester).withdraw(c.blk)).to.changeTokenBalance(
      c.blocking,
      frank,
      2n * OWNER_SHARE,
    );
    await expect(c.tasks.connect(c.requester).withdraw(c.blk)).to.changeTokenBalance(c.blocking, frank, escrow + dust);
  });
});

describe("attack: a treasury that cannot receive (blocked by the token's issuer)", function () {
  it("only stops the two fee sweeps, which keep the fees owed; every worker, member, contributor and owner is paid", async function () {
    const c = await loadFixture(blockingFixture);
    await (await c.blocking.setBlocked(c.treasury, true)).wait();
    await finalizeBoth(c);
    const tokenId = await mintLicensed(c);
    await buy(c, tokenId);

    await expect(c.tasks.sweepProtocolFees(c.taskId))
      .to.be.revertedWithCustomError(c.blocking, "Blocked")
      .withArgs(c.treasury);
    await expect(c.data.sweepProtocolFees(c.blk))
      .to.be.revertedWithCustomError(c.blocking, "Blocked")
      .withArgs(c.treasury);
    const payouts = await everyoneElseIsPaid(c, [c.treasury]);
    expect(payouts).to.be.greaterThanOrEqual(7);

    expect((await c.tasks.getTask(c.taskId)).unsweptProtocolFees).to.equal(2n * PROTOCOL_FEE);
    expect(await c.data.revenueOf(c.blk, c.treasury)).to.equal(LICENCE_FEE);
    expect(await c.blocking.balanceOf(c.registry)).to.equal(2n * PROTOCOL_FEE);
    expect(await c.blocking.balanceOf(c.dataAddress)).to.equal(LICENCE_FEE);
    await expectSolvent(c, c.blk, "with only the fees owed");
    await expectDataSolvent(c, "with only the fee owed");

    await (await c.blocking.setBlocked(c.treasury, false)).wait();
    await expect(c.tasks.sweepProtocolFees(c.taskId)).to.changeTokenBalance(c.blocking, c.treasury, 2n * PROTOCOL_FEE);
    await expect(c.data.sweepProtocolFees(c.blk)).to.changeTokenBalance(c.blocking, c.treasury, LICENCE_FEE);
    expect(await c.blocking.balanceOf(c.registry)).to.equal(0n);
    expect(await c.blocking.balanceOf(c.dataAddress)).to.equal(0n);
  });
});
