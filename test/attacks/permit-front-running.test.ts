import { expect } from "chai";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { loadFixture, mine, time } from "@nomicfoundation/hardhat-network-helpers";
import hre from "hardhat";
import type { ContractTransactionResponse, TransactionReceipt } from "ethers";
import { signPermit } from "../../scripts/lib/permit";
import { CRP } from "../helpers/fixtures";
import { crpOffer, finishedTask, mintData, mintParams, quoteOf } from "../helpers/data";
import { defaultTaskParams, escrowOf, expectSolvent, tasksFixture } from "../helpers/tasks";
import { MIN_STAKE, expectConserved } from "../helpers/staking";

// An attacker watches the mempool for the protocol's `*WithPermit` calls, copies the EIP-2612 signature out of the
// victim's calldata and submits it to the token itself with a higher tip, so that it lands first. The permit is
// then spent (the token's nonce moved on) when the victim's call tries it: a contract that required its own
// permit call to succeed would revert, and the attacker could make every permit-based flow fail for the price of
// the gas. Each of CorpusTasks.createTaskWithPermit, CorpusStaking.stakeWithPermit and
// CorpusData.buyLicenseWithPermit tries the permit and, if it fails, goes on with the allowance the front-runner
// set for the victim: the victim's call succeeds in the same block, and the allowance can only be spent by the
// victim's own call (every pull in the protocol is from msg.sender).

const PRICE = 1_000n * CRP;
const GWEI = 10n ** 9n;
/** The victim's fees: a modest tip. */
const VICTIM_FEES = { maxFeePerGas: 100n * GWEI, maxPriorityFeePerGas: 1n * GWEI, gasLimit: 1_500_000n };
/** The attacker outbids the victim's tip, so its transaction comes first in the block. */
const ATTACKER_FEES = { maxFeePerGas: 100n * GWEI, maxPriorityFeePerGas: 50n * GWEI, gasLimit: 200_000n };

/**
 * The tasks fixture (frank requester, heidi not staked, the stranger with 1M CRP) plus Data token 1, minted by
 * frank from a finished CRP task of his (grace's one unit) and offering a CRP licence at 1,000 CRP. The attacker
 * is erin, a validator with CRP of her own.
 */
async function permitFixture() {
  const c = await tasksFixture();
  const finished = await finishedTask(c, c.requester, [c.worker]);
  const tokenId = await mintData(c, c.requester, mintParams([finished], { license: await crpOffer(c, PRICE) }));
  return {
    ...c,
    tokenId,
    attacker: c.erin,
    stakingAddress: await c.staking.getAddress(),
    dataAddress: await c.data.getAddress(),
  };
}

type Fixture = Awaited<ReturnType<typeof permitFixture>>;

/** The permit fields the attacker reads out of a pending transaction. */
interface CopiedPermit {
  owner: string;
  spender: string;
  value: bigint;
  deadline: bigint;
  v: number;
  r: string;
  s: string;
}

/**
 * With automining off: the victim sends its call (it waits in the mempool), the attacker reads it there, copies
 * the permit out of its calldata with `copy` and submits it to CRP with a higher tip; one block is mined. Returns
 * both receipts (the attacker's first) and the permit.
 */
async function frontRun(
  c: Fixture,
  send: () => Promise<ContractTransactionResponse>,
  copy: (data: string, from: string, to: string) => Promise<CopiedPermit>,
): Promise<{ attack: TransactionReceipt; victim: TransactionReceipt; permit: CopiedPermit }> {
  await hre.network.provider.send("evm_setAutomine", [false]);
  let victimTx: ContractTransactionResponse;
  let attackTx: ContractTransactionResponse;
  let permit: CopiedPermit;
  try {
    victimTx = await send();
    const pending = await hre.ethers.provider.getTransaction(victimTx.hash);
    if (pending === null || pending.blockNumber !== null || pending.to === null) throw new Error("not pending");
    permit = await copy(pending.data, pending.from, pending.to);
    attackTx = await c.token
      .connect(c.attacker)
      .permit(permit.owner, permit.spender, permit.value, permit.deadline, permit.v, permit.r, permit.s, ATTACKER_FEES);
    await mine(1);
  } finally {
    await hre.network.provider.send("evm_setAutomine", [true]);
  }
  const attack = await hre.ethers.provider.getTransactionReceipt(attackTx.hash);
  const victim = await hre.ethers.provider.getTransactionReceipt(victimTx.hash);
  if (attack === null || victim === null) throw new Error("not mined");
  expect(victim.blockNumber, "same block").to.equal(attack.blockNumber);
  expect(attack.index, "the attacker's permit lands first").to.be.lessThan(victim.index);
  expect(attack.status, "the copied permit is valid on the token").to.equal(1);
  expect(victim.status, "the victim's call still succeeds").to.equal(1);
  return { attack, victim, permit };
}

async function deadlineIn(seconds: number): Promise<bigint> {
  return BigInt((await time.latest()) + seconds);
}

/** The events `contract` (at `address`) emitted in `receipt`, by name. */
function eventNames(
  contract: { interface: { parseLog(log: { topics: string[]; data: string }): { name: string } | null } },
  address: string,
  receipt: TransactionReceipt,
) {
  return receipt.logs
    .filter((log) => log.address.toLowerCase() === address.toLowerCase())
    .map((log) => contract.interface.parseLog({ topics: [...log.topics], data: log.data })?.name);
}

describe("attack: front-run a victim's permit by submitting the copied signature to the token first", function () {
  it("createTaskWithPermit: the requester's task is still created in the same block, escrowed once from the allowance the attacker set", async function () {
    const c = await loadFixture(permitFixture);
    const victim = c.requester;
    const params = await defaultTaskParams(c);
    const escrow = await escrowOf(c, params);
    const p = await signPermit(c.token, victim, c.registry, escrow, await deadlineIn(3_600));
    const nonce = await c.token.nonces(victim);
    const before = await c.token.balanceOf(victim);
    const attackerBefore = await c.token.balanceOf(c.attacker);

    const { victim: receipt, permit } = await frontRun(
      c,
      () => c.tasks.connect(victim).createTaskWithPermit(params, p.deadline, p.v, p.r, p.s, VICTIM_FEES),
      async (data, from, to) => {
        const call = c.tasks.interface.parseTransaction({ data });
        if (call === null) throw new Error("not a registry call");
        const [copied, deadline, v, r, s] = call.args as unknown as [typeof params, bigint, number, string, string];
        const [value] = await c.tasks.escrowFor(copied.reward, copied.slots);
        return { owner: from, spender: to, value, deadline, v, r, s };
      },
    );
    expect(permit.value).to.equal(escrow);
    expect(eventNames(c.tasks, c.registry, receipt)).to.include("TaskCreated");
    expect(await c.tasks.taskCount()).to.equal(2n);
    const task = await c.tasks.getTask(2n);
    expect(task.requester).to.equal(victim.address);
    expect(task.funds).to.equal(escrow);
    expect(await c.token.balanceOf(victim)).to.equal(before - escrow);
    expect(await c.token.nonces(victim)).to.equal(nonce + 1n);
    expect(await c.token.allowance(victim, c.registry)).to.equal(0n);
    // The attacker paid gas (in ETH) and moved no CRP of anyone's, its own included.
    expect(await c.token.balanceOf(c.attacker)).to.equal(attackerBefore);
    await expectSolvent(c, undefined, "after the front-run creation");
  });

  it("stakeWithPermit: the validator's stake still goes through in the same block, from the allowance the attacker set", async function () {
    const c = await loadFixture(permitFixture);
    const victim = c.heidi;
    const amount = 2n * MIN_STAKE;
    const p = await signPermit(c.token, victim, c.stakingAddress, amount, await deadlineIn(3_600));
    const before = await c.token.balanceOf(victim);

    const { victim: receipt } = await frontRun(
      c,
      () => c.staking.connect(victim).stakeWithPermit(amount, p.deadline, p.v, p.r, p.s, VICTIM_FEES),
      async (data, from, to) => {
        const call = c.staking.interface.parseTransaction({ data });
        if (call === null) throw new Error("not a staking call");
        const [value, deadline, v, r, s] = call.args as unknown as [bigint, bigint, number, string, string];
        return { owner: from, spender: to, value, deadline, v, r, s };
      },
    );
    expect(eventNames(c.staking, c.stakingAddress, receipt)).to.include("Staked");
    expect((await c.staking.stakeOf(victim.address)).staked).to.equal(amount);
    expect(await c.token.balanceOf(victim)).to.equal(before - amount);
    expect(await c.token.allowance(victim, c.stakingAddress)).to.equal(0n);
    await expectConserved(c, [...c.validators, victim]);
  });

  it("buyLicenseWithPermit: the licence is still bought in the same block, the price split as usual and nothing more taken", async function () {
    const c = await loadFixture(permitFixture);
    const victim = c.stranger;
    const quote = await quoteOf(c, c.tokenId);
    const p = await signPermit(c.token, victim, c.dataAddress, quote.maxPrice as bigint, await deadlineIn(3_600));
    const before = await c.token.balanceOf(victim);
    const ownerRevenue = await c.data.revenueOf(c.token, c.requester.address);

    const { victim: receipt } = await frontRun(
      c,
      () =>
        c.data
          .connect(victim)
          .buyLicenseWithPermit(c.tokenId, victim.address, quote, p.deadline, p.v, p.r, p.s, VICTIM_FEES),
      async (data, from, to) => {
        const call = c.data.interface.parseTransaction({ data });
        if (call === null) throw new Error("not a Data call");
        const [, , copiedQuote, deadline, v, r, s] = call.args as unknown as [
          bigint,
          string,
          { maxPrice: bigint },
          bigint,
          number,
          string,
          string,
        ];
        return { owner: from, spender: to, value: copiedQuote.maxPrice, deadline, v, r, s };
      },
    );
    expect(eventNames(c.data, c.dataAddress, receipt)).to.include("LicenseBought");
    expect(await c.data.hasLicense(c.tokenId, victim.address)).to.equal(true);
    expect(await c.token.balanceOf(victim)).to.equal(before - PRICE);
    expect(await c.token.balanceOf(c.dataAddress)).to.equal(PRICE);
    // 2.5% fee, 30% to the pool, the rest to frank.
    expect(await c.data.revenueOf(c.token, c.requester.address)).to.equal(ownerRevenue + 675n * CRP);
    expect(await c.token.allowance(victim, c.dataAddress)).to.equal(0n);
  });
});

describe("attack: spend the allowance a front-run permit grants, or use the copied signature as one's own", function () {
  /** Signs all three victims' permits; returns them with what each flow needs. */
  async function victimsPermits(c: Fixture) {
    const params = await defaultTaskParams(c);
    const escrow = await escrowOf(c, params);
    const quote = await quoteOf(c, c.tokenId);
    const deadline = await deadlineIn(3_600);
    return {
      params,
      escrow,
      quote,
      task: await signPermit(c.token, c.requester, c.registry, escrow, deadline),
      stake: await signPermit(c.token, c.heidi, c.stakingAddress, MIN_STAKE, deadline),
      licence: await signPermit(c.token, c.stranger, c.dataAddress, PRICE, deadline),
    };
  }

  it("the attacker's own calls with the victims' signatures find no permit for itself and no allowance: they revert, and the victims' nonces and allowances are untouched", async function () {
    const c = await loadFixture(permitFixture);
    const v = await victimsPermits(c);
    const a = c.attacker;
    await expect(c.tasks.connect(a).createTaskWithPermit(v.params, v.task.deadline, v.task.v, v.task.r, v.task.s))
      .to.be.revertedWithCustomError(c.token, "ERC20InsufficientAllowance")
      .withArgs(c.registry, 0n, v.escrow);
    await expect(c.staking.connect(a).stakeWithPermit(MIN_STAKE, v.stake.deadline, v.stake.v, v.stake.r, v.stake.s))
      .to.be.revertedWithCustomError(c.token, "ERC20InsufficientAllowance")
      .withArgs(c.stakingAddress, 0n, MIN_STAKE);
    const { deadline, v: sv, r, s } = v.licence;
    await expect(c.data.connect(a).buyLicenseWithPermit(c.tokenId, a.address, v.quote, deadline, sv, r, s))
      .to.be.revertedWithCustomError(c.token, "ERC20InsufficientAllowance")
      .withArgs(c.dataAddress, 0n, PRICE);
    for (const [victim, spender] of [
      [c.requester, c.registry],
      [c.heidi, c.stakingAddress],
      [c.stranger, c.dataAddress],
    ] as [HardhatEthersSigner, string][]) {
      expect(await c.token.nonces(victim)).to.equal(0n);
      expect(await c.token.allowance(victim, spender)).to.equal(0n);
    }
  });

  it("after submitting all three permits, the attacker's own pulls (createTask, stake, buyLicense naming the victim) are charged to the attacker, not the victims; then each victim's call succeeds", async function () {
    const c = await loadFixture(permitFixture);
    const v = await victimsPermits(c);
    for (const p of [v.task, v.stake, v.licence]) {
      await (await c.token.connect(c.attacker).permit(p.owner, p.spender, p.value, p.deadline, p.v, p.r, p.s)).wait();
    }
    const a = c.attacker;
    await expect(c.tasks.connect(a).createTask(v.params))
      .to.be.revertedWithCustomError(c.token, "ERC20InsufficientAllowance")
      .withArgs(c.registry, 0n, v.escrow);
    await expect(c.staking.connect(a).stake(MIN_STAKE))
      .to.be.revertedWithCustomError(c.token, "ERC20InsufficientAllowance")
      .withArgs(c.stakingAddress, 0n, MIN_STAKE);
    await expect(c.data.connect(a).buyLicense(c.tokenId, c.stranger.address, v.quote))
      .to.be.revertedWithCustomError(c.token, "ERC20InsufficientAllowance")
      .withArgs(c.dataAddress, 0n, PRICE);
    expect(await c.token.allowance(c.requester, c.registry)).to.equal(v.escrow);
    expect(await c.token.allowance(c.heidi, c.stakingAddress)).to.equal(MIN_STAKE);
    expect(await c.token.allowance(c.stranger, c.dataAddress)).to.equal(PRICE);

    // The victims' own calls, with the now-spent permits, succeed on those allowances.
    const { task, stake, licence } = v;
    const created = c.tasks.connect(c.requester).createTaskWithPermit(v.params, task.deadline, task.v, task.r, task.s);
    await expect(created).to.emit(c.tasks, "TaskCreated");
    await expect(created).to.changeTokenBalance(c.token, c.requester, -v.escrow);
    const staked = c.staking.connect(c.heidi).stakeWithPermit(MIN_STAKE, stake.deadline, stake.v, stake.r, stake.s);
    await expect(staked).to.emit(c.staking, "Staked");
    await expect(staked).to.changeTokenBalance(c.token, c.heidi, -MIN_STAKE);
    const bought = c.data
      .connect(c.stranger)
      .buyLicenseWithPermit(c.tokenId, c.stranger.address, v.quote, licence.deadline, licence.v, licence.r, licence.s);
    await expect(bought).to.emit(c.data, "LicenseBought");
    await expect(bought).to.changeTokenBalance(c.token, c.stranger, -PRICE);
    await expectSolvent(c, undefined, "after the three flows");
  });
});
