import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import hre from "hardhat";
import { IERC20__factory } from "../../sdk/src/typechain";
import { buyLicense, crpOffer, finishedTask, mintData, mintParams, quoteOf } from "../../scripts/lib/data-setup";
import { CRP, deployCorpusFixture } from "./fixtures";
import { bulkStake } from "./staking";

export { buyLicense, crpOffer, finishedTask, mintData, mintParams, quoteOf };

/** The local parameters (deploy/parameters/31337.json): 2.5% protocol fee, 20% contributor floor, 5% royalty cap. */
export const PROTOCOL_FEE_BPS = 250n;
export const CONTRIBUTOR_FLOOR_BPS = 2_000n;
export const ROYALTY_CAP_BPS = 500n;
export const PRICE = 1_000n * CRP;

/**
 * The deployment with 10 bulk-staked validators (panels), frank as requester and four finished tasks of his,
 * worked by bob, carol, dave and erin (grace and heidi stay outsiders):
 * - task A: bob, carol, dave accepted (3 units);
 * - task B: bob and erin accepted, carol rejected;
 * - task C: carol accepted;
 * - task D: dave and erin accepted.
 * Across A–D: bob 2, carol 2, dave 2, erin 2 units (8 in all). Also alice's finished task E (grace accepted).
 * The task ids are `taskIds.A`–`taskIds.E`; `tasks` stays the registry, so the fixture is itself a deployment
 * the setup helpers (finishedTask, mintData, crpOffer, buyLicense, quoteOf) take.
 */
export async function dataFixture() {
  const c = await loadFixture(deployCorpusFixture);
  await bulkStake(c, 10);
  const taskA = await finishedTask(c, c.frank, [c.bob, c.carol, c.dave]);
  const taskB = await finishedTask(c, c.frank, [c.bob, c.erin], [c.carol]);
  const taskC = await finishedTask(c, c.frank, [c.carol]);
  const taskD = await finishedTask(c, c.frank, [c.dave, c.erin]);
  const taskE = await finishedTask(c, c.alice, [c.grace]);
  return {
    ...c,
    requester: c.frank,
    contributors: [c.bob, c.carol, c.dave, c.erin],
    taskIds: { A: taskA, B: taskB, C: taskC, D: taskD, E: taskE },
    dataAddress: await c.data.getAddress(),
  };
}

export type DataFixture = Awaited<ReturnType<typeof dataFixture>>;

/**
 * What the Data NFT owes in `token` that the fixture can see: every `accounts` revenue balance (owners and
 * the treasury), plus for every data token what its pool still owes `contributors` (their claimable) and
 * its pool's carry in `token` (the wei its units cannot share yet, which waits for the pool's next sale).
 * Equal to its balance when nothing is lost, if `contributors` covers every worker of every linked task.
 */
export async function dataOwes(c: DataFixture, token: string, accounts: string[], contributors: string[]) {
  let owed = 0n;
  for (const account of new Set(accounts.map((a) => a.toLowerCase()))) owed += await c.data.revenueOf(token, account);
  const count = await c.data.tokenCount();
  for (let tokenId = 1n; tokenId <= count; tokenId++) {
    for (const contributor of new Set(contributors.map((a) => a.toLowerCase()))) {
      owed += await c.data.claimable(tokenId, token, contributor);
    }
    owed += await c.data.poolCarry(tokenId, token);
  }
  return owed;
}

/**
 * The Data NFT holds exactly what it owes in CRP to the fixture's accounts: Σ revenueOf + Σ claimable
 * + Σ poolCarry, to the wei.
 */
export async function expectDataSolvent(c: DataFixture, step = "") {
  const token = await c.token.getAddress();
  const everyone = [c.deployer, c.alice, c.bob, c.carol, c.dave, c.erin, c.frank, c.grace, c.heidi, c.stranger].map(
    (s) => s.address,
  );
  const held = await IERC20__factory.connect(token, hre.ethers.provider).balanceOf(c.dataAddress);
  expect(held, `the Data NFT's CRP ${step}`).to.equal(
    await dataOwes(c, token, [...everyone, await c.timelock.getAddress()], everyone),
  );
}
