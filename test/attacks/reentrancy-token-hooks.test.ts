import { readFileSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { ContractTransactionResponse } from "ethers";
import { ZeroHash, id } from "ethers";
import { asGovernance } from "../../scripts/lib/impersonate";
import { ReentrantToken__factory } from "../../sdk/src/typechain";
import { CRP, DAY } from "../helpers/fixtures";
import { mintData, mintParams, quoteOf } from "../helpers/data";
import {
  attestVotes,
  balanceHolders,
  defaultTaskParams,
  escrowOf,
  expectSolvent,
  postDefaultTask,
  submitAndDraw,
  tasksFixture,
} from "../helpers/tasks";

// An attacker gets governance to allowlist a payment token with transfer hooks (ERC-777 style; here
// contracts/test/ReentrantToken.sol, whose every balance change calls one armed target once) and uses the hook
// to call back into the contract that is moving the token, in the middle of the transfer. The contracts that
// move a foreign payment token are CorpusTasks (escrows, bonds, payouts, the fee sweep) and CorpusData (licence
// sales, contributor claims, owner withdrawals, its fee sweep): every entry point of theirs that moves tokens or
// calls out is nonReentrant, and every one of them must refuse a call from the hook.
//
// CorpusStaking and CorpusDisputes are out of this token's reach: staking's token is fixed at deployment to CRP
// (an immutable, no setter) and the dispute contract takes its fee token from staking, so no foreign token is
// ever moved by them; CRP has no hooks. Their guards against a hooked token are exercised on standalone
// deployments over ReentrantToken in test/staking/reentrancy.test.ts and test/disputes/reentrancy.test.ts.

const SUPPLY = 100_000_000n * CRP;
const FUNDING = 1_000_000n * CRP;
/** Past any review window (1 day) and dispute window (2 days). */
const PAST_WINDOWS = 3 * DAY;
/** The licence price: its contributors' 30% (30 CRP + 1 wei) leaves 1 wei of carry between the token's 2 units. */
const PRICE = 100n * CRP + 5n;

/**
 * The tasks fixture with a hooked token (REE) allowlisted by governance in the registry and in the Data NFT,
 * held by the requester (frank), both workers (grace, heidi) and the stranger, and money of every kind owed
 * in it:
 * - task 1 (REE, 2 slots): grace's and heidi's work accepted unanimously, finalized: both workers and their
 *   panels have balances, and its protocol fees are unswept;
 * - task 2 (REE, 1 slot): open, for top-ups and submissions;
 * - task 3 (REE, 1 slot): expired with its whole escrow, never refunded;
 * - Data token 1, frank's, minted from task 1 (grace and heidi one unit each) with a licence offered in REE,
 *   which the stranger bought once: frank's revenue, the treasury's fee, the contributors' pool and 1 wei of
 *   pool carry are all owed.
 */
async function hookFixture() {
  const c = await tasksFixture();
  const hooked = await new ReentrantToken__factory(c.deployer).deploy(SUPPLY);
  const ree = await hooked.getAddress();
  await asGovernance(c.timelock, async (timelock) => {
    await (await c.tasks.connect(timelock).setTokenAllowed(ree, true)).wait();
    await (await c.data.connect(timelock).setTokenAllowed(ree, true)).wait();
  });
  for (const account of [c.requester, c.worker, c.otherWorker, c.stranger]) {
    await (await hooked.transfer(account.address, FUNDING)).wait();
  }
  const finished = await postDefaultTask(c, { token: ree, slots: 2n });
  const expiring = await postDefaultTask(c, { token: ree, slots: 1n, deadline: BigInt(await time.latest()) + 3_600n });
  const submissions: bigint[] = [];
  for (const worker of [c.worker, c.otherWorker]) {
    const { submissionId } = await submitAndDraw(c, finished, worker, `work-${worker.address}.json`);
    await attestVotes(c, submissionId, [true, true, true]);
    submissions.push(submissionId);
  }
  await time.increase(PAST_WINDOWS);
  for (const submissionId of submissions) await (await c.tasks.finalize(submissionId)).wait();
  const open = await postDefaultTask(c, { token: ree, slots: 1n });

  const license = {
    token: ree,
    price: PRICE,
    duration: 30n * BigInt(DAY),
    termsHash: id("terms"),
    termsUri: "ipfs://t",
  };
  const dataAddress = await c.data.getAddress();
  const tokenId = await mintData(c, c.requester, mintParams([finished], { license }));
  await (await hooked.connect(c.stranger).approve(dataAddress, PRICE)).wait();
  await (await c.data.connect(c.stranger).buyLicense(tokenId, c.stranger.address, await quoteOf(c, tokenId))).wait();
  expect(await c.data.poolCarry(tokenId, ree)).to.equal(1n);
  return {
    ...c,
    hooked,
    ree,
    dataAddress,
    treasury: await c.timelock.getAddress(),
    taskIds: { finished, open, expiring },
    tokenId,
  };
}

type Fixture = Awaited<ReturnType<typeof hookFixture>>;

/** A call that moves the hooked token: what the victim (or anyone) sends while the hook is armed. */
interface Mover {
  name: string;
  send: (c: Fixture) => Promise<ContractTransactionResponse>;
}

/** Every CorpusTasks entry point that moves the token, sent by whoever would send it. */
const TASKS_MOVERS: Mover[] = [
  {
    name: "createTask (pulls the escrow)",
    send: async (c) => {
      const params = await defaultTaskParams(c, { token: c.ree });
      await (await c.hooked.connect(c.requester).approve(c.registry, await escrowOf(c, params))).wait();
      return c.tasks.connect(c.requester).createTask(params);
    },
  },
  {
    name: "createTaskWithPermit (pulls the escrow; the token has no permit, so the allowance pays)",
    send: async (c) => {
      const params = await defaultTaskParams(c, { token: c.ree });
      await (await c.hooked.connect(c.requester).approve(c.registry, await escrowOf(c, params))).wait();
      return c.tasks.connect(c.requester).createTaskWithPermit(params, 0n, 0, ZeroHash, ZeroHash);
    },
  },
  {
    name: "fundTask (pulls a top-up)",
    send: async (c) => {
      await (await c.hooked.connect(c.requester).approve(c.registry, 7n * CRP)).wait();
      return c.tasks.connect(c.requester).fundTask(c.taskIds.open, 7n * CRP);
    },
  },
  {
    name: "submit (pulls the bond)",
    send: async (c) => {
      await (await c.hooked.connect(c.stranger).approve(c.registry, 10n * CRP)).wait();
      return c.tasks.connect(c.stranger).submit(c.taskIds.open, id("stranger's work"), "ipfs://stranger");
    },
  },
  { name: "withdraw (pays a worker)", send: (c) => c.tasks.connect(c.worker).withdraw(c.ree) },
  {
    name: "sweepProtocolFees (pays the treasury)",
    send: (c) => c.tasks.connect(c.stranger).sweepProtocolFees(c.taskIds.finished),
  },
];

/** Every CorpusData entry point that moves the token. */
const DATA_MOVERS: Mover[] = [
  {
    name: "buyLicense (pulls the price)",
    send: async (c) => {
      await (await c.hooked.connect(c.stranger).approve(c.dataAddress, PRICE)).wait();
      return c.data.connect(c.stranger).buyLicense(c.tokenId, c.stranger.address, await quoteOf(c, c.tokenId));
    },
  },
  {
    name: "buyLicenseWithPermit (pulls the price; the token has no permit, so the allowance pays)",
    send: async (c) => {
      await (await c.hooked.connect(c.stranger).approve(c.dataAddress, PRICE)).wait();
      const quote = await quoteOf(c, c.tokenId);
      return c.data
        .connect(c.stranger)
        .buyLicenseWithPermit(c.tokenId, c.stranger.address, quote, 0n, 0, ZeroHash, ZeroHash);
    },
  },
  { name: "claim (pays a contributor)", send: (c) => c.data.connect(c.worker).claim(c.tokenId, c.ree) },
  { name: "claimMany (pays a contributor)", send: (c) => c.data.connect(c.otherWorker).claimMany([c.tokenId], c.ree) },
  { name: "withdraw (pays the owner)", send: (c) => c.data.connect(c.requester).withdraw(c.ree) },
  { name: "sweepProtocolFees (pays the treasury)", send: (c) => c.data.connect(c.stranger).sweepProtocolFees(c.ree) },
];

/** The calldata of every nonReentrant CorpusTasks entry point, aimed at the fixture's tasks and submissions. */
async function tasksReentries(c: Fixture): Promise<[string, string][]> {
  const params = await defaultTaskParams(c, { token: c.ree });
  const i = c.tasks.interface;
  return [
    ["createTask", i.encodeFunctionData("createTask", [params])],
    ["createTaskWithPermit", i.encodeFunctionData("createTaskWithPermit", [params, 0n, 0, ZeroHash, ZeroHash])],
    ["fundTask", i.encodeFunctionData("fundTask", [c.taskIds.open, 1n])],
    ["submit", i.encodeFunctionData("submit", [c.taskIds.open, id("reentered"), "ipfs://reentered"])],
    ["drawPanel", i.encodeFunctionData("drawPanel", [1n])],
    ["renewPanelSeed", i.encodeFunctionData("renewPanelSeed", [1n])],
    ["closeRound", i.encodeFunctionData("closeRound", [1n])],
    ["dispute", i.encodeFunctionData("dispute", [1n])],
    ["escalate", i.encodeFunctionData("escalate", [1n])],
    ["rule", i.encodeFunctionData("rule", [0n, 1n])],
    ["finalize", i.encodeFunctionData("finalize", [1n])],
    ["sweepProtocolFees", i.encodeFunctionData("sweepProtocolFees", [c.taskIds.finished])],
    ["withdraw", i.encodeFunctionData("withdraw", [c.ree])],
  ];
}

/** The calldata of every nonReentrant CorpusData entry point, aimed at the fixture's data token. */
async function dataReentries(c: Fixture): Promise<[string, string][]> {
  const quote = await quoteOf(c, c.tokenId);
  const i = c.data.interface;
  return [
    ["mint", i.encodeFunctionData("mint", [mintParams([c.taskIds.expiring])])],
    ["buyLicense", i.encodeFunctionData("buyLicense", [c.tokenId, c.stranger.address, quote])],
    [
      "buyLicenseWithPermit",
      i.encodeFunctionData("buyLicenseWithPermit", [c.tokenId, c.stranger.address, quote, 0n, 0, ZeroHash, ZeroHash]),
    ],
    ["claim", i.encodeFunctionData("claim", [c.tokenId, c.ree])],
    ["claimMany", i.encodeFunctionData("claimMany", [[c.tokenId], c.ree])],
    ["withdraw", i.encodeFunctionData("withdraw", [c.ree])],
    ["sweepProtocolFees", i.encodeFunctionData("sweepProtocolFees", [c.ree])],
  ];
}

/** Everyone who can be owed or hold the token: the fixture's accounts, the treasury and the token itself. */
async function holders(c: Fixture): Promise<string[]> {
  return [...(await balanceHolders(c)), c.ree];
}

/**
 * Every amount either contract keeps in the hooked token and every holder's token balance: two runs of the same
 * call that end with equal books moved the same money.
 */
async function books(c: Fixture) {
  const accounts = await holders(c);
  const tasks: bigint[][] = [];
  for (let t = 1n; t <= (await c.tasks.taskCount()); t++) {
    const task = await c.tasks.getTask(t);
    tasks.push([task.funds, task.pending, task.accepted, task.unsweptProtocolFees]);
  }
  const data: bigint[][] = [];
  for (let tokenId = 1n; tokenId <= (await c.data.tokenCount()); tokenId++) {
    data.push([
      await c.data.revenuePerUnit(tokenId, c.ree),
      await c.data.poolCarry(tokenId, c.ree),
      await c.data.licenseExpiry(tokenId, c.stranger.address),
    ]);
  }
  const perAccount: Record<string, bigint[]> = {};
  for (const account of accounts) {
    perAccount[account] = [
      await c.hooked.balanceOf(account),
      await c.tasks.balanceOf(c.ree, account),
      await c.data.revenueOf(c.ree, account),
      await c.data.claimable(c.tokenId, c.ree, account),
    ];
  }
  return {
    registryHolds: await c.hooked.balanceOf(c.registry),
    dataHolds: await c.hooked.balanceOf(c.dataAddress),
    submissions: await c.tasks.submissionCount(),
    tasks,
    data,
    perAccount,
  };
}

/** The Data NFT holds exactly what it owes in the hooked token: revenue balances, claimable pools and carry. */
async function expectDataSolvent(c: Fixture, step: string) {
  const accounts = await holders(c);
  let owed = 0n;
  for (const account of accounts) owed += await c.data.revenueOf(c.ree, account);
  for (let tokenId = 1n; tokenId <= (await c.data.tokenCount()); tokenId++) {
    for (const account of accounts) owed += await c.data.claimable(tokenId, c.ree, account);
    owed += await c.data.poolCarry(tokenId, c.ree);
  }
  expect(await c.hooked.balanceOf(c.dataAddress), `the Data NFT's balance ${step}`).to.equal(owed);
}

/** Both contracts hold exactly what they owe in the hooked token, and the token contract (the hook) got nothing. */
async function expectBooksExact(c: Fixture, step: string) {
  await expectSolvent(c, c.ree, step);
  await expectDataSolvent(c, step);
  expect(await c.hooked.balanceOf(c.ree), `the hook's own balance ${step}`).to.equal(0n);
  expect(await c.tasks.balanceOf(c.ree, c.ree), `the hook's registry balance ${step}`).to.equal(0n);
  expect(await c.data.revenueOf(c.ree, c.ree), `the hook's Data revenue ${step}`).to.equal(0n);
}

/** The revert data of the ReentrancyGuard's error (the same in both contracts). */
function guardError(c: Fixture): string {
  const selector = c.tasks.interface.getError("ReentrancyGuardReentrantCall")?.selector;
  if (selector === undefined) throw new Error("no ReentrancyGuardReentrantCall in the registry's ABI");
  expect(c.data.interface.getError("ReentrancyGuardReentrantCall")?.selector).to.equal(selector);
  return selector;
}

/** What `mover` does when no hook is armed: the books it ends with. */
async function unhookedBooks(mover: Mover) {
  const c = await loadFixture(hookFixture);
  await (await mover.send(c)).wait();
  return books(c);
}

/**
 * For each of `reentries`, from a fresh fixture: arms the hook with it, sends `mover`, and checks the hook's call
 * was refused by the guard and the mover did exactly what it does unhooked, with both contracts solvent.
 */
async function expectEveryReentryRefused(
  mover: Mover,
  target: (c: Fixture) => string,
  reentries: (c: Fixture) => Promise<[string, string][]>,
) {
  const expected = await unhookedBooks(mover);
  const names = await reentries(await loadFixture(hookFixture));
  expect(names.length).to.be.greaterThan(0);
  for (const [index, [name]] of names.entries()) {
    const c = await loadFixture(hookFixture);
    const payload = (await reentries(c))[index];
    if (payload === undefined) throw new Error(`no reentry ${index}`);
    await (await c.hooked.arm(target(c), payload[1])).wait();
    await (await mover.send(c)).wait();
    expect(await c.hooked.lastReentryReverted(), `${name} reentered`).to.equal(true);
    expect(await c.hooked.lastReentryRevertData(), `${name} reentered`).to.equal(guardError(c));
    expect(await books(c), `the books after ${name} was reentered`).to.deep.equal(expected);
    await expectBooksExact(c, `after ${name} was reentered`);
  }
}

/** The names of the functions `contract` (a path under contracts/) declares nonReentrant, read from its source. */
function guardedIn(contract: string): string[] {
  const source = readFileSync(path.join(__dirname, "..", "..", "contracts", contract), "utf8");
  const names: string[] = [];
  for (const match of source.matchAll(/function\s+(\w+)\s*\([^)]*\)([^{;]*)\{/g)) {
    if (match[1] !== undefined && /\bnonReentrant\b/.test(match[2] ?? "")) names.push(match[1]);
  }
  return names.sort();
}

describe("attack: the hook's catalogue covers every guarded entry point", function () {
  it("the re-entries tried below are exactly the nonReentrant functions of CorpusTasks and of CorpusData", async function () {
    const c = await loadFixture(hookFixture);
    const tried = async (reentries: (c: Fixture) => Promise<[string, string][]>) =>
      (await reentries(c)).map(([name]) => name).sort();
    expect(await tried(tasksReentries)).to.deep.equal(guardedIn("tasks/CorpusTasks.sol"));
    expect(await tried(dataReentries)).to.deep.equal(guardedIn("data/CorpusData.sol"));
  });
});

describe("attack: a hooked payment token re-enters CorpusTasks in the middle of a transfer", function () {
  for (const mover of TASKS_MOVERS) {
    it(`during ${mover.name}, each of the 13 guarded entry points called from the hook reverts ReentrancyGuardReentrantCall, and the call moves exactly what it moves unhooked`, async function () {
      await expectEveryReentryRefused(mover, (c) => c.registry, tasksReentries);
    });
  }

  it("refund, the one money path without a guard, called from the hook during each transfer only credits the requester the expired task's escrow, once", async function () {
    for (const mover of TASKS_MOVERS) {
      const unhooked = await unhookedBooks(mover);
      const c = await loadFixture(hookFixture);
      const { expiring } = c.taskIds;
      const escrow = (await c.tasks.getTask(expiring)).funds;
      expect(escrow).to.be.greaterThan(0n);
      const before = await c.tasks.balanceOf(c.ree, c.requester);
      await (await c.hooked.arm(c.registry, c.tasks.interface.encodeFunctionData("refund", [expiring]))).wait();
      await (await mover.send(c)).wait();
      expect(await c.hooked.lastReentryReverted(), mover.name).to.equal(false);
      expect(await c.tasks.balanceOf(c.ree, c.requester), mover.name).to.equal(before + escrow);
      expect((await c.tasks.getTask(expiring)).funds, mover.name).to.equal(0n);
      // A refund moves no token: the registry holds what it holds after the same call unhooked.
      expect(await c.hooked.balanceOf(c.registry), mover.name).to.equal(unhooked.registryHolds);
      await expectBooksExact(c, `after a refund from the hook during ${mover.name}`);
      // And it was the only one: the next refund finds nothing to credit.
      await expect(c.tasks.refund(expiring)).to.not.emit(c.tasks, "TaskRefunded");
    }
  });
});

describe("attack: a hooked payment token re-enters CorpusData in the middle of a transfer", function () {
  for (const mover of DATA_MOVERS) {
    it(`during ${mover.name}, each of the 7 guarded entry points called from the hook reverts ReentrancyGuardReentrantCall, and the call moves exactly what it moves unhooked`, async function () {
      await expectEveryReentryRefused(mover, (c) => c.dataAddress, dataReentries);
    });
  }

  it("sweepPoolCarry, which has no guard and moves no token, called from the hook during each payout only books the pool's carry to the treasury", async function () {
    for (const mover of DATA_MOVERS.filter((m) => !m.name.startsWith("buy"))) {
      const c = await loadFixture(hookFixture);
      const treasuryBefore = await c.data.revenueOf(c.ree, c.treasury);
      const sweeps = mover.name.startsWith("sweep");
      const payload = c.data.interface.encodeFunctionData("sweepPoolCarry", [c.tokenId, c.ree]);
      await (await c.hooked.arm(c.dataAddress, payload)).wait();
      await (await mover.send(c)).wait();
      expect(await c.hooked.lastReentryReverted(), mover.name).to.equal(false);
      expect(await c.data.poolCarry(c.tokenId, c.ree), mover.name).to.equal(0n);
      // The sweep zeroed the treasury's revenue before paying it out, so only the carry is left on it then.
      expect(await c.data.revenueOf(c.ree, c.treasury), mover.name).to.equal(sweeps ? 1n : treasuryBefore + 1n);
      await expectBooksExact(c, `after sweepPoolCarry from the hook during ${mover.name}`);
    }
  });
});

describe("attack: a hooked payment token calls the other contract in the middle of a transfer", function () {
  // The guards are per contract, so a call from the hook into the other contract is not reentrant there: it runs
  // as a plain call from the token contract, against books that are already settled (both contracts update
  // their state before they transfer). It either fails on its own checks (the token is owed nothing and is no
  // requester, worker or owner) or does what anyone may do (the fee sweep, paying the treasury what it is owed);
  // the token contract ends with nothing.
  it("during each CorpusTasks transfer, every guarded CorpusData entry point called from the hook gains the hook nothing and both contracts stay exact", async function () {
    for (const mover of TASKS_MOVERS) {
      const names = await dataReentries(await loadFixture(hookFixture));
      const succeeded: string[] = [];
      for (const [index, [name]] of names.entries()) {
        const c = await loadFixture(hookFixture);
        const payload = (await dataReentries(c))[index];
        if (payload === undefined) throw new Error(`no reentry ${index}`);
        await (await c.hooked.arm(c.dataAddress, payload[1])).wait();
        await (await mover.send(c)).wait();
        if (await c.hooked.lastReentryReverted()) {
          expect(await c.hooked.lastReentryRevertData(), `${name} during ${mover.name}`).to.not.equal(guardError(c));
        } else {
          succeeded.push(name);
        }
        await expectBooksExact(c, `after ${name} from the hook during ${mover.name}`);
      }
      // Only the fee sweep, which anyone may call and which pays the treasury, goes through.
      expect(succeeded, mover.name).to.deep.equal(["sweepProtocolFees"]);
    }
  });

  it("during each CorpusData transfer, every guarded CorpusTasks entry point called from the hook gains the hook nothing and both contracts stay exact", async function () {
    for (const mover of DATA_MOVERS) {
      const names = await tasksReentries(await loadFixture(hookFixture));
      const succeeded: string[] = [];
      for (const [index, [name]] of names.entries()) {
        const c = await loadFixture(hookFixture);
        const payload = (await tasksReentries(c))[index];
        if (payload === undefined) throw new Error(`no reentry ${index}`);
        await (await c.hooked.arm(c.registry, payload[1])).wait();
        await (await mover.send(c)).wait();
        if (await c.hooked.lastReentryReverted()) {
          expect(await c.hooked.lastReentryRevertData(), `${name} during ${mover.name}`).to.not.equal(guardError(c));
        } else {
          succeeded.push(name);
        }
        await expectBooksExact(c, `after ${name} from the hook during ${mover.name}`);
      }
      // Only the fee sweep, which anyone may call and which pays the treasury, goes through.
      expect(succeeded, mover.name).to.deep.equal(["sweepProtocolFees"]);
    }
  });
});

describe("attack: a hooked token against staking and disputes", function () {
  it("cannot reach them: both move only CRP, fixed at deployment, and CRP is what the registry charges for a dispute", async function () {
    const c = await loadFixture(hookFixture);
    const crp = await c.token.getAddress();
    expect(await c.staking.TOKEN()).to.equal(crp);
    expect(await c.disputes.feeToken()).to.equal(crp);
    expect(await c.disputes.CRP()).to.equal(crp);
    expect(await c.tasks.CRP()).to.equal(crp);
    // Neither contract can be pointed at another token: no setter exists in their ABIs.
    for (const contract of [c.staking, c.disputes]) {
      const setters: string[] = [];
      contract.interface.forEachFunction((f) => {
        if (/^set/.test(f.name) && /token/i.test(f.name)) setters.push(f.name);
      });
      expect(setters).to.deep.equal([]);
    }
  });
});
