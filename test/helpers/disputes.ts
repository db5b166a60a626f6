import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { id } from "ethers";
import { asAccount } from "../../scripts/lib/impersonate";
import {
  type Ballot,
  PHASE,
  type Vote,
  closeDispute,
  commitAs,
  currentRound,
  disputeIdFrom,
  drawJuryWhenReady,
  excludedOf,
  newSalt,
  passPhase,
  revealAs,
  runRound,
} from "../../scripts/lib/disputes-setup";
import { defaultTaskParams, drawPanelWhenReady, postTask, submitWork } from "../../scripts/lib/tasks-setup";
import { CRP, deployCorpusFixture } from "./fixtures";
import { bulkStake } from "./staking";

export type { Ballot, Vote };
export {
  PHASE,
  closeDispute,
  commitAs,
  currentRound,
  disputeIdFrom,
  drawJuryWhenReady,
  excludedOf,
  newSalt,
  passPhase,
  revealAs,
  runRound,
};

// The local parameters (deploy/parameters/31337.json): 20 CRP per juror, juries of 5, 500 CRP locked per
// juror, non-revealers lose 20% of it and incoherent jurors 10%; staking pays a quarter of a slash to its
// beneficiary (the dispute contract, for the coherent jurors) and burns the rest.
export const FEE_PER_JUROR = 20n * CRP;
export const JURY_SIZE = 5n;
export const OPENING_FEE = FEE_PER_JUROR * JURY_SIZE;
export const JUROR_LOCK = 500n * CRP;
export const NON_REVEAL_SLASH = (JUROR_LOCK * 2_000n) / 10_000n;
export const INCOHERENT_SLASH = (JUROR_LOCK * 1_000n) / 10_000n;
export const SLASH_REWARD_BPS = 2_500n;
/** What staking pays the beneficiary of a slash of `amount` (a quarter); the rest is burnt. */
export const slashRewardOf = (amount: bigint) => (amount * SLASH_REWARD_BPS) / 10_000n;
export const ACCEPT = 1n;
export const REJECT = 2n;
/** How many validators the fixture stakes: enough for a panel of 3 and a third appeal's jury of 47. */
export const VALIDATOR_COUNT = 60;

/**
 * The whole deployment, its real arbitrator (CorpusDisputes) set on the registry, {@link VALIDATOR_COUNT}
 * contract validators (bulk-staked; tests act as them by impersonation), frank as requester and grace as
 * worker (each holds 10M CRP), and the default task posted by frank.
 */
export async function disputesFixture() {
  const c = await loadFixture(deployCorpusFixture);
  const validators = await bulkStake(c, VALIDATOR_COUNT);
  const requester = c.frank;
  const worker = c.grace;
  const taskId = await postTask(c, requester, await defaultTaskParams(c));
  return {
    ...c,
    validators,
    requester,
    worker,
    taskId,
    registry: await c.tasks.getAddress(),
    arbitrator: await c.disputes.getAddress(),
  };
}

export type DisputesFixture = Awaited<ReturnType<typeof disputesFixture>>;

/** `member` attests `accept` on `submissionId`, acting as the (contract) validator. */
export async function attestAsMember(c: DisputesFixture, submissionId: bigint, member: string, accept: boolean) {
  const { panel } = await c.tasks.getSubmission(submissionId);
  const seat = panel.findIndex((m) => m.toLowerCase() === member.toLowerCase());
  if (seat < 0) throw new Error(`${member} is not on the panel of ${submissionId}`);
  await asAccount(member, async (signer) =>
    (await c.tasks.connect(signer).attest(submissionId, seat, accept, id(accept ? "ok" : "junk"))).wait(),
  );
}

/**
 * A submission whose panel reached `verdict` unanimously, disputed by the party that lost it (the worker
 * after a rejection, the requester after an acceptance), who approves the fee itself. Returns the ids,
 * the panel and the disputer.
 */
export async function disputedSubmission(c: DisputesFixture, verdict: "accept" | "reject") {
  const submissionId = await submitWork(c, c.worker, c.taskId, `work-${newSalt()}.json`);
  const panel = await drawPanelWhenReady(c, submissionId);
  for (const member of panel) await attestAsMember(c, submissionId, member, verdict === "accept");
  const disputer = verdict === "accept" ? c.requester : c.worker;
  await (await c.token.connect(disputer).approve(c.registry, OPENING_FEE)).wait();
  const receipt = await (await c.tasks.connect(disputer).dispute(submissionId)).wait();
  return { submissionId, disputeId: disputeIdFrom(c, receipt), panel, disputer };
}

/**
 * What the dispute contract owes in CRP: every `accounts` balance plus the fee of every round not settled.
 * Equal to its CRP balance when nothing is lost (include every juror, party and payer in `accounts`).
 */
export async function disputesOwe(c: DisputesFixture, accounts: string[]): Promise<bigint> {
  let owed = 0n;
  const count = await c.disputes.disputeCount();
  for (let disputeId = 1n; disputeId <= count; disputeId++) {
    const { round } = await c.disputes.getDispute(disputeId);
    for (let r = 0n; r <= round; r++) {
      const info = await c.disputes.getRound(disputeId, r);
      if (!info.settled) owed += info.fee;
    }
  }
  for (const account of new Set(accounts.map((a) => a.toLowerCase()))) owed += await c.disputes.balanceOf(account);
  return owed;
}

/**
 * How each of `accounts`' dispute balances moved since `before` (only the non-zero moves), and their sum:
 * what a settlement credited, to be compared with the round's fee plus its slash reward.
 */
export async function creditsSince(
  c: Pick<DisputesFixture, "disputes">,
  accounts: readonly string[],
  before: Map<string, bigint>,
) {
  const credits = new Map<string, bigint>();
  let total = 0n;
  for (const account of accounts) {
    const delta = (await c.disputes.balanceOf(account)) - (before.get(account) ?? 0n);
    if (delta !== 0n) credits.set(account, delta);
    total += delta;
  }
  return { credits, total };
}

/** Every account that can hold a dispute balance in the fixture: validators, parties and named accounts. */
export function disputeAccounts(c: DisputesFixture): string[] {
  return [...c.validators, c.requester.address, c.worker.address, c.stranger.address, c.deployer.address];
}

/** The dispute contract holds exactly what it owes: no more, no less. */
export async function expectDisputesSolvent(c: DisputesFixture, step = "") {
  expect(await c.token.balanceOf(c.arbitrator), `the dispute contract's CRP ${step}`).to.equal(
    await disputesOwe(c, disputeAccounts(c)),
  );
}
