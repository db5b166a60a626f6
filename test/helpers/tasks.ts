import { expect } from "chai";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import hre from "hardhat";
import { id } from "ethers";
import { IERC20__factory, MockArbitrator__factory } from "../../sdk/src/typechain";
import { asGovernance } from "../../scripts/lib/impersonate";
import { fundFromTreasury } from "../../scripts/lib/staking-setup";
import {
  STATUS,
  TASK_KINDS,
  defaultTaskParams,
  drawPanelWhenReady,
  escrowOf,
  eventArg,
  postTask,
  submitWork,
  type TaskParams,
} from "../../scripts/lib/tasks-setup";
import { CRP, deployCorpusFixture } from "./fixtures";
import { MIN_STAKE, stakeAs } from "./staking";

export { STATUS, TASK_KINDS, defaultTaskParams, drawPanelWhenReady, escrowOf, eventArg, postTask, submitWork };
export type { TaskParams };

// The default task (defaultTaskParams) at the local parameters (deploy/parameters/31337.json): 100 CRP reward,
// 5% validator fee, 2.5% protocol fee, 10 CRP bond, 10 slots; 1,000 CRP review stake, 20 CRP liveness penalty.
export const REWARD = 100n * CRP;
export const VALIDATOR_FEE = 5n * CRP;
export const PROTOCOL_FEE = (25n * CRP) / 10n;
export const BOND = 10n * CRP;
/** What one submission reserves of its task's escrow. */
export const RESERVATION = REWARD + VALIDATOR_FEE + PROTOCOL_FEE;
/** What the default task escrows: 10 slots. */
export const ESCROW = 10n * RESERVATION;
export const REVIEW_STAKE = 1_000n * CRP;
export const LIVENESS_PENALTY = 20n * CRP;

/** The arbitrator's fee in the fixture: 50 CRP per dispute. */
export const ARBITRATION_FEE = 50n * CRP;
/** Ruling values of the registry. */
export const RULING = { none: 0n, accept: 1n, reject: 2n } as const;

/**
 * The deployment with five validators (alice to erin, 5 × the minimum stake each), frank as requester,
 * grace and heidi as workers (each holds 10M CRP), and a mock arbitrator (fee {@link ARBITRATION_FEE} in CRP)
 * set by governance. Panels are drawn with the default randomness source, so tests read who sits where
 * from `getSubmission` and act through {@link signerOf}.
 */
export async function tasksFixture() {
  const c = await loadFixture(deployCorpusFixture);
  const validators = [c.alice, c.bob, c.carol, c.dave, c.erin];
  for (const v of validators) await stakeAs(c, v, 5n * MIN_STAKE);
  const [deployer] = await hre.ethers.getSigners();
  const arbitrator = await new MockArbitrator__factory(deployer).deploy(await c.token.getAddress(), ARBITRATION_FEE);
  await asGovernance(c.timelock, async (timelock) => {
    await c.tasks.connect(timelock).setArbitrator(await arbitrator.getAddress());
  });
  await fundFromTreasury(c, [c.stranger.address], 1_000_000n * CRP);
  const everyone = [c.deployer, c.guardian, ...validators, c.frank, c.grace, c.heidi, c.stranger];
  return {
    ...c,
    validators,
    requester: c.frank,
    worker: c.grace,
    otherWorker: c.heidi,
    arbitrator,
    everyone,
    registry: await c.tasks.getAddress(),
  };
}

export type TasksFixture = Awaited<ReturnType<typeof tasksFixture>>;

/** The fixture's signer for `address` (a panel member, say). */
export function signerOf(c: TasksFixture, address: string): HardhatEthersSigner {
  const signer = c.everyone.find((s) => s.address.toLowerCase() === address.toLowerCase());
  if (signer === undefined) throw new Error(`${address} is not a fixture account`);
  return signer;
}

/** Posts the default task (with `overrides`) as the fixture's requester; returns its id. */
export async function postDefaultTask(c: TasksFixture, overrides: Partial<TaskParams> = {}) {
  return postTask(c, c.requester, await defaultTaskParams(c, overrides));
}

/** Submits as `worker` (default: the fixture's worker) and draws the panel; returns the id and the panel. */
export async function submitAndDraw(c: TasksFixture, taskId: bigint, worker = c.worker, content = "work.json") {
  const submissionId = await submitWork(c, worker, taskId, content);
  const panel = await drawPanelWhenReady(c, submissionId);
  return { submissionId, panel };
}

/** `member` attests on `submissionId` from its seat. */
export async function attestAs(c: TasksFixture, submissionId: bigint, member: string, accept: boolean) {
  const { panel } = await c.tasks.getSubmission(submissionId);
  const seat = panel.findIndex((m) => m.toLowerCase() === member.toLowerCase());
  if (seat < 0) throw new Error(`${member} is not on the panel of ${submissionId}`);
  return c.tasks.connect(signerOf(c, member)).attest(submissionId, seat, accept, id(accept ? "accept" : "reject"));
}

/** The panel members attest `votes[i]` (true accept, false reject, null absent) in seat order. */
export async function attestVotes(c: TasksFixture, submissionId: bigint, votes: (boolean | null)[]) {
  const { panel } = await c.tasks.getSubmission(submissionId);
  for (const [seat, vote] of votes.entries()) {
    const member = panel[seat];
    if (vote === null || member === undefined) continue;
    await (await attestAs(c, submissionId, member, vote)).wait();
  }
}

/** Every account of the fixture and the treasury (the timelock): wherever a withdrawable balance can be. */
export async function balanceHolders(c: TasksFixture): Promise<string[]> {
  return [...c.everyone.map((s) => s.address), await c.timelock.getAddress()];
}

/** The registry holds exactly what it owes in `token` (CRP unless given): no more, no less. */
export async function expectSolvent(c: TasksFixture, token?: string, step = "") {
  const address = token ?? (await c.token.getAddress());
  const held = await IERC20__factory.connect(address, hre.ethers.provider).balanceOf(c.registry);
  expect(held, `the registry's balance of ${address} ${step}`).to.equal(
    await registryOwes(c, address, await balanceHolders(c)),
  );
}

/**
 * Everything the registry owes in `token` that the fixture can see: every task's unreserved funds and
 * unswept protocol fees, the reservation and bond of every pending submission, and the withdrawable
 * balances of `accounts` (include the treasury). Equal to the registry's token balance when nothing is lost.
 */
export async function registryOwes(c: TasksFixture, token: string, accounts: string[]): Promise<bigint> {
  let owed = 0n;
  const taskCount = await c.tasks.taskCount();
  const pendingByTask = new Map<bigint, bigint>();
  const submissionCount = await c.tasks.submissionCount();
  for (let s = 1n; s <= submissionCount; s++) {
    const sub = await c.tasks.getSubmission(s);
    if (sub.status === STATUS.Accepted || sub.status === STATUS.Rejected || sub.status === STATUS.Voided) continue;
    pendingByTask.set(sub.taskId, (pendingByTask.get(sub.taskId) ?? 0n) + 1n);
  }
  for (let t = 1n; t <= taskCount; t++) {
    const task = await c.tasks.getTask(t);
    if (task.token.toLowerCase() !== token.toLowerCase()) continue;
    const pending = pendingByTask.get(t) ?? 0n;
    owed += task.funds + task.unsweptProtocolFees;
    owed += pending * (task.reward + task.validatorFee + task.protocolFee + task.workerBond);
  }
  for (const account of new Set(accounts.map((a) => a.toLowerCase()))) {
    owed += await c.tasks.balanceOf(token, account);
  }
  return owed;
}
