import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { ZeroHash, id } from "ethers";
import { asGovernance } from "../../scripts/lib/impersonate";
import { FeeOnTransferToken__factory } from "../../sdk/src/typechain";
import { CRP, DAY } from "../helpers/fixtures";
import { finishedTask, mintData, mintParams, quoteOf } from "../helpers/data";
import {
  defaultTaskParams,
  escrowOf,
  expectSolvent,
  postTask,
  registryOwes,
  submitWork,
  balanceHolders,
  tasksFixture,
} from "../helpers/tasks";

// An attacker gets a fee-on-transfer token (contracts/test/FeeOnTransferToken.sol: 1% of every transfer burnt)
// allowlisted and pays with it, hoping to be credited the amount it sent while the contract receives 1% less:
// the difference would come out of everyone else's money in that token. Every pull checks what arrived against
// what it credits (TasksTokenDeliveredLess, DataTokenDeliveredLess), so the whole call reverts and nothing is
// credited. The token's own rounding lets amounts under 100 wei through fee-free, which costs no one anything.
// On the way out the fee is the recipient's: the contract sends, and is debited, exactly what it owes.

const SUPPLY = 100_000_000n * CRP;
const FUNDING = 1_000_000n * CRP;
const PRICE = 1_000n * CRP;
/** What the token delivers of `amount`. */
const delivered = (amount: bigint) => amount - amount / 100n;

/**
 * The tasks fixture with FOT allowlisted by governance in the registry and the Data NFT, held by frank, grace,
 * heidi and the stranger; frank's finished CRP task (grace's one unit) minted as Data token 1 with a licence
 * offered in FOT.
 */
async function feeFixture() {
  const c = await tasksFixture();
  const fot = await new FeeOnTransferToken__factory(c.deployer).deploy(SUPPLY);
  const fotAddress = await fot.getAddress();
  await asGovernance(c.timelock, async (timelock) => {
    await (await c.tasks.connect(timelock).setTokenAllowed(fotAddress, true)).wait();
    await (await c.data.connect(timelock).setTokenAllowed(fotAddress, true)).wait();
  });
  for (const account of [c.requester, c.worker, c.otherWorker, c.stranger]) {
    await (await fot.transfer(account.address, FUNDING)).wait();
  }
  const finished = await finishedTask(c, c.requester, [c.worker]);
  const license = { token: fotAddress, price: PRICE, duration: 30n * BigInt(DAY), termsHash: id("t"), termsUri: "t" };
  const tokenId = await mintData(c, c.requester, mintParams([finished], { license }));
  return { ...c, fot, fotAddress, tokenId, dataAddress: await c.data.getAddress() };
}

type Fixture = Awaited<ReturnType<typeof feeFixture>>;

/** The Data NFT holds exactly what it owes in FOT (revenue balances, the contributor's claimable, pool carry). */
async function expectDataSolvent(c: Fixture, step: string) {
  const accounts = [...c.everyone.map((s) => s.address), await c.timelock.getAddress()];
  let owed = 0n;
  for (const account of accounts) {
    owed += await c.data.revenueOf(c.fotAddress, account);
    owed += await c.data.claimable(c.tokenId, c.fotAddress, account);
  }
  owed += await c.data.poolCarry(c.tokenId, c.fotAddress);
  expect(await c.fot.balanceOf(c.dataAddress), `the Data NFT's FOT ${step}`).to.equal(owed);
}

describe("attack: be credited in the registry for more of a fee-on-transfer token than arrived", function () {
  it("createTask and createTaskWithPermit revert TasksTokenDeliveredLess(token, escrow, escrow - 1%): no task, no balance, not a wei moved", async function () {
    const c = await loadFixture(feeFixture);
    const params = await defaultTaskParams(c, { token: c.fotAddress });
    const escrow = await escrowOf(c, params);
    await (await c.fot.connect(c.requester).approve(c.registry, escrow)).wait();
    const before = await c.fot.balanceOf(c.requester);
    const attempts = [
      () => c.tasks.connect(c.requester).createTask(params),
      // FOT has no permit: the registry ignores the failed permit and pulls on the allowance, the same way.
      () => c.tasks.connect(c.requester).createTaskWithPermit(params, 0n, 0, ZeroHash, ZeroHash),
    ];
    for (const attempt of attempts) {
      await expect(attempt())
        .to.be.revertedWithCustomError(c.tasks, "TasksTokenDeliveredLess")
        .withArgs(c.fotAddress, escrow, delivered(escrow));
    }
    expect(await c.tasks.taskCount()).to.equal(1n); // the fixture's finished CRP task
    expect(await c.fot.balanceOf(c.requester)).to.equal(before);
    expect(await c.fot.balanceOf(c.registry)).to.equal(0n);
    expect(await c.fot.allowance(c.requester, c.registry)).to.equal(escrow);
    expect(await registryOwes(c, c.fotAddress, await balanceHolders(c))).to.equal(0n);
  });

  it("under 100 wei the 1% rounds to nothing and a pull goes through whole; from 100 wei every pull is refused: the registry only ever credits what arrived", async function () {
    const c = await loadFixture(feeFixture);
    // 9 slots of 10 wei: an escrow of 90 wei, fee-free. 1 slot of 100 wei: 107 wei, of which 106 would arrive.
    const small = await defaultTaskParams(c, { token: c.fotAddress, reward: 10n, slots: 9n, workerBond: 99n });
    const large = await defaultTaskParams(c, { token: c.fotAddress, reward: 100n, slots: 1n });
    expect([await escrowOf(c, small), await escrowOf(c, large)]).to.deep.equal([90n, 107n]);
    await (await c.fot.connect(c.requester).approve(c.registry, 107n)).wait();
    await expect(c.tasks.connect(c.requester).createTask(large))
      .to.be.revertedWithCustomError(c.tasks, "TasksTokenDeliveredLess")
      .withArgs(c.fotAddress, 107n, 106n);
    const taskId = await postTask(c, c.requester, small);
    expect((await c.tasks.getTask(taskId)).funds).to.equal(90n);

    await (await c.fot.connect(c.requester).approve(c.registry, 199n)).wait();
    await (await c.tasks.connect(c.requester).fundTask(taskId, 99n)).wait();
    await expect(c.tasks.connect(c.requester).fundTask(taskId, 100n))
      .to.be.revertedWithCustomError(c.tasks, "TasksTokenDeliveredLess")
      .withArgs(c.fotAddress, 100n, 99n);
    expect((await c.tasks.getTask(taskId)).funds).to.equal(189n);

    // A 99-wei bond arrives whole too; the submission reserves its 10 wei and one slot.
    await submitWork(c, c.worker, taskId);
    expect(await c.fot.balanceOf(c.registry)).to.equal(90n + 99n + 99n);
    await expectSolvent(c, c.fotAddress, "after the fee-free pulls");
  });
});

describe("attack: buy a Data licence with a fee-on-transfer token and have the fee absorbed", function () {
  it("buyLicense and buyLicenseWithPermit revert DataTokenDeliveredLess(token, price, price - 1%): no licence, no revenue, no pool, not a wei moved", async function () {
    const c = await loadFixture(feeFixture);
    const quote = await quoteOf(c, c.tokenId);
    await (await c.fot.connect(c.stranger).approve(c.dataAddress, PRICE)).wait();
    const before = await c.fot.balanceOf(c.stranger);
    const attempts = [
      () => c.data.connect(c.stranger).buyLicense(c.tokenId, c.stranger.address, quote),
      () =>
        c.data
          .connect(c.stranger)
          .buyLicenseWithPermit(c.tokenId, c.stranger.address, quote, 0n, 0, ZeroHash, ZeroHash),
    ];
    for (const attempt of attempts) {
      await expect(attempt())
        .to.be.revertedWithCustomError(c.data, "DataTokenDeliveredLess")
        .withArgs(c.fotAddress, PRICE, delivered(PRICE));
    }
    expect(await c.data.hasLicense(c.tokenId, c.stranger.address)).to.equal(false);
    expect(await c.data.licenseExpiry(c.tokenId, c.stranger.address)).to.equal(0n);
    expect(await c.data.revenueOf(c.fotAddress, c.requester.address)).to.equal(0n);
    expect(await c.data.revenuePerUnit(c.tokenId, c.fotAddress)).to.equal(0n);
    expect(await c.fot.balanceOf(c.stranger)).to.equal(before);
    expect(await c.fot.balanceOf(c.dataAddress)).to.equal(0n);
    await expectDataSolvent(c, "after the refused purchases");
  });

  it("at 99 wei the fee rounds to zero and the sale is whole; at 100 wei it is refused; paying out, the contract is debited exactly what it owes and the recipient bears the fee", async function () {
    const c = await loadFixture(feeFixture);
    const offer = async (price: bigint) => {
      const license = { token: c.fotAddress, price, duration: BigInt(DAY), termsHash: id("t"), termsUri: "t" };
      await (await c.data.connect(c.requester).setLicense(c.tokenId, license)).wait();
      await (await c.fot.connect(c.stranger).approve(c.dataAddress, price)).wait();
      return c.data.connect(c.stranger).buyLicense(c.tokenId, c.stranger.address, await quoteOf(c, c.tokenId));
    };
    await expect(offer(100n))
      .to.be.revertedWithCustomError(c.data, "DataTokenDeliveredLess")
      .withArgs(c.fotAddress, 100n, 99n);
    // Ten sales at 99 wei: 2 wei of fee, 29 to the pool and 68 to the owner each.
    for (let i = 0; i < 10; i++) await (await offer(99n)).wait();
    expect(await c.fot.balanceOf(c.dataAddress)).to.equal(990n);
    expect(await c.data.revenueOf(c.fotAddress, c.requester.address)).to.equal(680n);
    await expectDataSolvent(c, "after ten fee-free sales");

    // The owner's 680 wei leave the contract whole: the 1% (6 wei) is burnt from what the owner receives.
    const before = await c.fot.balanceOf(c.requester);
    await (await c.data.connect(c.requester).withdraw(c.fotAddress)).wait();
    expect(await c.fot.balanceOf(c.requester)).to.equal(before + delivered(680n));
    expect(await c.fot.balanceOf(c.dataAddress)).to.equal(990n - 680n);
    await expectDataSolvent(c, "after the owner's withdrawal");
    await expect(c.data.connect(c.worker).claim(c.tokenId, c.fotAddress)).to.changeTokenBalance(
      c.fot,
      c.worker,
      delivered(290n),
    );
    await expect(c.data.sweepProtocolFees(c.fotAddress)).to.changeTokenBalance(
      c.fot,
      await c.timelock.getAddress(),
      20n,
    );
    expect(await c.fot.balanceOf(c.dataAddress)).to.equal(0n);
  });
});
