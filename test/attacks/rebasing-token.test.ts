import { expect } from "chai";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { id } from "ethers";
import { asGovernance } from "../../scripts/lib/impersonate";
import { RebasingToken__factory } from "../../sdk/src/typechain";
import { CRP, DAY } from "../helpers/fixtures";
import { mintData, mintParams, quoteOf } from "../helpers/data";
import {
  attestVotes,
  balanceHolders,
  defaultTaskParams,
  escrowOf,
  postDefaultTask,
  postTask,
  registryOwes,
  submitAndDraw,
  tasksFixture,
} from "../helpers/tasks";

// The protocol does not support rebasing tokens: both contracts book what they owe in fixed token amounts, so a
// token whose balances rescale on their own (stETH, AMPL; here contracts/test/RebasingToken.sol, whose factor the
// test sets) breaks the equality between what a contract holds and what it owes. Allowlisting a payment token is
// governance's decision (an admin-only call), and governance must not allowlist such a token. These tests
// document exactly what happens if it does:
// - a negative rebase leaves each contract holding less than it owes; payouts are first come, first served,
//   each one exactly what the payee is owed (less the token's own rounding), and the payouts the contract can no
//   longer cover revert with the token's insufficient-balance error, their balances still owed; no account ever
//   takes more than it is owed;
// - a positive rebase leaves a surplus that no function pays out: not a withdrawal, not a fee sweep (there is no
//   skim), so it stays locked in the contract;
// - after any rebase, most pulls deliver a wei less than sent (the token rounds shares down), which the contracts'
//   delivered-less check refuses.

const SUPPLY = 100_000_000n * CRP;
const FUNDING = 1_000_000n * CRP;
const PAST_WINDOWS = 3 * DAY;
const PRICE = 1_000n * CRP;
const BPS = 10_000n;
/** The shares a transfer of `amount` moves at factor `f` (RebasingToken.sharesFor). */
const sharesFor = (amount: bigint, f: bigint) => (amount * BPS) / f;
/** What a recipient's balance grows by when `amount` is sent at factor `f`. */
const received = (amount: bigint, f: bigint) => (sharesFor(amount, f) * f) / BPS;

/**
 * The tasks fixture with REB allowlisted by governance in the registry and the Data NFT (no rebase yet), held by
 * frank, grace, heidi and the stranger; frank's REB task of 2 slots, grace's and heidi's work accepted 3–0 and
 * finalized, the task closed by frank (he is owed its rounding dust); Data token 1 minted from it with a REB
 * licence the stranger bought once. The registry owes 235 CRP of REB (rewards, bonds, panel fees, unswept fees,
 * dust) and the Data NFT 1,000 (frank 675, the treasury 25, grace and heidi 150 each): each holds exactly that.
 */
async function rebasingFixture() {
  const c = await tasksFixture();
  const reb = await new RebasingToken__factory(c.deployer).deploy(SUPPLY);
  const rebAddress = await reb.getAddress();
  await asGovernance(c.timelock, async (timelock) => {
    await (await c.tasks.connect(timelock).setTokenAllowed(rebAddress, true)).wait();
    await (await c.data.connect(timelock).setTokenAllowed(rebAddress, true)).wait();
  });
  for (const account of [c.requester, c.worker, c.otherWorker, c.stranger]) {
    await (await reb.transfer(account.address, FUNDING)).wait();
  }
  const taskId = await postDefaultTask(c, { token: rebAddress, slots: 2n });
  const submissions: bigint[] = [];
  for (const worker of [c.worker, c.otherWorker]) {
    const { submissionId } = await submitAndDraw(c, taskId, worker, `work-${worker.address}.json`);
    await attestVotes(c, submissionId, [true, true, true]);
    submissions.push(submissionId);
  }
  await time.increase(PAST_WINDOWS);
  for (const submissionId of submissions) await (await c.tasks.finalize(submissionId)).wait();
  await (await c.tasks.connect(c.requester).cancelTask(taskId)).wait();
  const license = { token: rebAddress, price: PRICE, duration: 30n * BigInt(DAY), termsHash: id("t"), termsUri: "t" };
  const tokenId = await mintData(c, c.requester, mintParams([taskId], { license }));
  const dataAddress = await c.data.getAddress();
  await (await reb.connect(c.stranger).approve(dataAddress, PRICE)).wait();
  await (await c.data.connect(c.stranger).buyLicense(tokenId, c.stranger.address, await quoteOf(c, tokenId))).wait();
  const treasury = await c.timelock.getAddress();
  const fixture = { ...c, reb, rebAddress, taskId, tokenId, dataAddress, treasury };
  expect(await reb.balanceOf(c.registry)).to.equal(235n * CRP);
  expect(await registryOwes(fixture, rebAddress, await balanceHolders(fixture))).to.equal(235n * CRP);
  expect(await reb.balanceOf(dataAddress)).to.equal(PRICE);
  return fixture;
}

type Fixture = Awaited<ReturnType<typeof rebasingFixture>>;

/** One payout: who is paid, what the contract owes it, and the call that pays it. */
interface Payout {
  label: string;
  recipient: string;
  owed: bigint;
  pay: () => Promise<unknown>;
}

/** Every payout the registry owes in REB: each account's balance, then the treasury's protocol fees. */
async function registryPayouts(c: Fixture): Promise<Payout[]> {
  const payouts: Payout[] = [];
  const withdrawAs = (signer: HardhatEthersSigner) => async () =>
    (await c.tasks.connect(signer).withdraw(c.reb)).wait();
  const named: [string, HardhatEthersSigner][] = [
    ["grace", c.worker],
    ["heidi", c.otherWorker],
    ["frank", c.requester],
    ...c.validators.map((v, i): [string, HardhatEthersSigner] => [`validator ${i}`, v]),
  ];
  for (const [label, signer] of named) {
    const owed = await c.tasks.balanceOf(c.reb, signer.address);
    if (owed !== 0n) payouts.push({ label, recipient: signer.address, owed, pay: withdrawAs(signer) });
  }
  const fees = (await c.tasks.getTask(c.taskId)).unsweptProtocolFees;
  const sweep = async () => (await c.tasks.sweepProtocolFees(c.taskId)).wait();
  payouts.push({ label: "treasury sweep", recipient: c.treasury, owed: fees, pay: sweep });
  return payouts;
}

/** Every payout the Data NFT owes in REB: the owner's revenue, both contributors' claims, the treasury's fees. */
async function dataPayouts(c: Fixture): Promise<Payout[]> {
  const claimAs = (signer: HardhatEthersSigner) => async () =>
    (await c.data.connect(signer).claim(c.tokenId, c.reb)).wait();
  return [
    {
      label: "owner",
      recipient: c.requester.address,
      owed: await c.data.revenueOf(c.reb, c.requester.address),
      pay: async () => (await c.data.connect(c.requester).withdraw(c.reb)).wait(),
    },
    {
      label: "grace",
      recipient: c.worker.address,
      owed: await c.data.claimable(c.tokenId, c.reb, c.worker.address),
      pay: claimAs(c.worker),
    },
    {
      label: "heidi",
      recipient: c.otherWorker.address,
      owed: await c.data.claimable(c.tokenId, c.reb, c.otherWorker.address),
      pay: claimAs(c.otherWorker),
    },
    {
      label: "treasury sweep",
      recipient: c.treasury,
      owed: await c.data.revenueOf(c.reb, c.treasury),
      pay: async () => (await c.data.sweepProtocolFees(c.reb)).wait(),
    },
  ];
}

/**
 * Runs `payouts` in order from `holder` at factor `f`: each one the holder's shares cover moves exactly
 * `sharesFor(owed)` shares to the payee (whose balance grows by their worth, within a wei of `owed` and never
 * above it); each one they do not cover reverts ERC20InsufficientBalance. Returns
 * the labels and the total of the refused ones, and the shares paid out.
 */
async function payInOrder(c: Fixture, holder: string, f: bigint, payouts: Payout[]) {
  const refused: string[] = [];
  let unpaid = 0n;
  let sharesPaid = 0n;
  for (const { label, recipient, owed, pay } of payouts) {
    expect(owed, label).to.be.greaterThan(0n);
    const held = await c.reb.sharesOf(holder);
    const before = await c.reb.balanceOf(recipient);
    const recipientShares = await c.reb.sharesOf(recipient);
    if (sharesFor(owed, f) <= held) {
      await pay();
      const got = (await c.reb.balanceOf(recipient)) - before;
      const expected = ((recipientShares + sharesFor(owed, f)) * f) / BPS - (recipientShares * f) / BPS;
      expect(got, `${label} receives`).to.equal(expected);
      expect(got, `${label} receives no more than it is owed`).to.be.lessThanOrEqual(owed);
      expect(got, `${label} receives within a wei of what it is owed`).to.be.greaterThanOrEqual(owed - 1n);
      sharesPaid += sharesFor(owed, f);
      expect(await c.reb.sharesOf(holder), `${label}: the contract's shares`).to.equal(held - sharesFor(owed, f));
    } else {
      await expect(pay(), label)
        .to.be.revertedWithCustomError(c.reb, "ERC20InsufficientBalance")
        .withArgs(holder, await c.reb.balanceOf(holder), owed);
      refused.push(label);
      unpaid += owed;
    }
  }
  return { refused, unpaid, sharesPaid };
}

/** Everything the Data NFT still owes in REB. */
async function dataOwes(c: Fixture) {
  let owed = 0n;
  for (const account of [...c.everyone.map((s) => s.address), c.treasury]) {
    owed += await c.data.revenueOf(c.reb, account);
    owed += await c.data.claimable(c.tokenId, c.reb, account);
  }
  return owed + (await c.data.poolCarry(c.tokenId, c.reb));
}

describe("attack: a rebasing token allowlisted in the registry and the Data NFT", function () {
  it("allowlisting is governance's call alone: no one else can add a token to either allowlist", async function () {
    const c = await loadFixture(rebasingFixture);
    const other = await (await new RebasingToken__factory(c.deployer).deploy(1n)).getAddress();
    for (const contract of [c.tasks, c.data]) {
      await expect(contract.connect(c.stranger).setTokenAllowed(other, true))
        .to.be.revertedWithCustomError(contract, "AccessControlUnauthorizedAccount")
        .withArgs(c.stranger.address, await contract.DEFAULT_ADMIN_ROLE());
    }
    expect(await c.tasks.isTokenAllowed(other)).to.equal(false);
    expect(await c.data.isTokenAllowed(other)).to.equal(false);
  });

  it("a negative rebase (-10%) leaves each contract short: payouts are first come, first served, each exact and none above what is owed; those it cannot cover revert and stay owed", async function () {
    const c = await loadFixture(rebasingFixture);
    const f = 9_000n;
    await (await c.reb.rebase(f)).wait();
    expect(await c.reb.balanceOf(c.registry)).to.equal((235n * CRP * f) / BPS);
    expect(await c.reb.balanceOf(c.dataAddress)).to.equal((PRICE * f) / BPS);

    // The registry holds 211.5 of its 235: grace's 110 fits, heidi's 110 no longer does, everything after is small
    // enough (frank's dust, the panel members' fees, the treasury's 5).
    const registry = await payInOrder(c, c.registry, f, await registryPayouts(c));
    expect(registry.refused).to.deep.equal(["heidi"]);
    expect(registry.unpaid).to.equal(110n * CRP);
    // The refused are owed exactly what they were, and the registry's whole balance falls short of it.
    expect(await registryOwes(c, c.rebAddress, await balanceHolders(c))).to.equal(registry.unpaid);
    expect(await c.reb.balanceOf(c.registry)).to.be.lessThan(registry.unpaid);
    // The paid cannot come back for more.
    await expect(c.tasks.connect(c.worker).withdraw(c.reb))
      .to.be.revertedWithCustomError(c.tasks, "TasksNothingToWithdraw")
      .withArgs(c.rebAddress, c.worker.address);

    // The Data NFT: the owner's 675 and grace's 150 fit in its 900; heidi's 150 does not; the treasury's 25 does.
    const data = await payInOrder(c, c.dataAddress, f, await dataPayouts(c));
    expect(data.refused).to.deep.equal(["heidi"]);
    expect(await dataOwes(c)).to.equal(150n * CRP);
    expect(await c.reb.balanceOf(c.dataAddress)).to.be.lessThan(150n * CRP);
    await expect(c.data.connect(c.worker).claim(c.tokenId, c.reb))
      .to.be.revertedWithCustomError(c.data, "DataNothingToClaim")
      .withArgs(c.worker.address);
  });

  it("a positive rebase (+20%) leaves a surplus no one can take: everyone is paid, then every withdrawal, claim and sweep finds nothing", async function () {
    const c = await loadFixture(rebasingFixture);
    const f = 12_000n;
    await (await c.reb.rebase(f)).wait();
    const registry = await payInOrder(c, c.registry, f, await registryPayouts(c));
    const data = await payInOrder(c, c.dataAddress, f, await dataPayouts(c));
    expect([registry.refused, data.refused]).to.deep.equal([[], []]);
    expect(await registryOwes(c, c.rebAddress, await balanceHolders(c))).to.equal(0n);
    expect(await dataOwes(c)).to.equal(0n);

    // What is left is the rebase's gain (235 and 1,000 CRP × 20%, plus the shares' rounding), owed to no one.
    const registrySurplus = await c.reb.balanceOf(c.registry);
    const dataSurplus = await c.reb.balanceOf(c.dataAddress);
    expect(registrySurplus).to.equal(((235n * CRP - registry.sharesPaid) * f) / BPS);
    expect(dataSurplus).to.equal(((PRICE - data.sharesPaid) * f) / BPS);
    expect(registrySurplus).to.be.closeTo(47n * CRP, 10n);
    expect(dataSurplus).to.be.closeTo(200n * CRP, 10n);
    for (const signer of c.everyone) {
      await expect(c.tasks.connect(signer).withdraw(c.reb))
        .to.be.revertedWithCustomError(c.tasks, "TasksNothingToWithdraw")
        .withArgs(c.rebAddress, signer.address);
      await expect(c.data.connect(signer).withdraw(c.reb))
        .to.be.revertedWithCustomError(c.data, "DataNothingToClaim")
        .withArgs(signer.address);
      await expect(c.data.connect(signer).claim(c.tokenId, c.reb))
        .to.be.revertedWithCustomError(c.data, "DataNothingToClaim")
        .withArgs(signer.address);
    }
    await expect(c.tasks.sweepProtocolFees(c.taskId))
      .to.be.revertedWithCustomError(c.tasks, "TasksNothingToWithdraw")
      .withArgs(c.rebAddress, c.treasury);
    await expect(c.data.sweepProtocolFees(c.reb))
      .to.be.revertedWithCustomError(c.data, "DataNothingToClaim")
      .withArgs(c.treasury);
    await expect(c.data.sweepPoolCarry(c.tokenId, c.reb))
      .to.be.revertedWithCustomError(c.data, "DataNothingToClaim")
      .withArgs(c.treasury);
    await asGovernance(c.timelock, async (timelock) => {
      await expect(c.tasks.connect(timelock).withdraw(c.reb))
        .to.be.revertedWithCustomError(c.tasks, "TasksNothingToWithdraw")
        .withArgs(c.rebAddress, c.treasury);
      await expect(c.data.connect(timelock).withdraw(c.reb))
        .to.be.revertedWithCustomError(c.data, "DataNothingToClaim")
        .withArgs(c.treasury);
    });
    expect(await c.reb.balanceOf(c.registry)).to.equal(registrySurplus);
    expect(await c.reb.balanceOf(c.dataAddress)).to.equal(dataSurplus);
  });

  it("after a rebase the token rounds transfers down, and the delivered-less checks refuse every pull that arrives a wei short", async function () {
    const c = await loadFixture(rebasingFixture);
    const f = 12_000n;
    await (await c.reb.rebase(f)).wait();
    const params = await defaultTaskParams(c, { token: c.rebAddress });
    const escrow = await escrowOf(c, params);
    expect(received(escrow, f)).to.equal(escrow - 1n);
    await (await c.reb.connect(c.requester).approve(c.registry, escrow)).wait();
    await expect(c.tasks.connect(c.requester).createTask(params))
      .to.be.revertedWithCustomError(c.tasks, "TasksTokenDeliveredLess")
      .withArgs(c.rebAddress, escrow, escrow - 1n);

    expect(received(PRICE, f)).to.equal(PRICE - 1n);
    await (await c.reb.connect(c.stranger).approve(c.dataAddress, PRICE)).wait();
    await expect(c.data.connect(c.stranger).buyLicense(c.tokenId, c.stranger.address, await quoteOf(c, c.tokenId)))
      .to.be.revertedWithCustomError(c.data, "DataTokenDeliveredLess")
      .withArgs(c.rebAddress, PRICE, PRICE - 1n);

    // An amount the factor converts exactly (a multiple of 6 wei at 1.2) arrives whole and is accepted: a task of
    // 120 CRP escrows 129 CRP.
    const exact = await defaultTaskParams(c, { token: c.rebAddress, reward: 120n * CRP, slots: 1n });
    const exactEscrow = await escrowOf(c, exact);
    expect(exactEscrow).to.equal(129n * CRP);
    expect(received(exactEscrow, f)).to.equal(exactEscrow);
    const held = await c.reb.balanceOf(c.registry);
    const taskId = await postTask(c, c.requester, exact);
    expect((await c.tasks.getTask(taskId)).funds).to.equal(exactEscrow);
    expect(await c.reb.balanceOf(c.registry)).to.equal(held + exactEscrow);
  });
});
