import { mine } from "@nomicfoundation/hardhat-network-helpers";
import { id } from "ethers";
import type { DemoContext } from "../context";
import { type Ballot, commitAs, disputeIdFrom, excludedOf, passPhase, revealAs } from "../../lib/disputes-setup";
import { asAccount } from "../../lib/impersonate";
import { bulkStake } from "../../lib/staking-setup";
import { crp } from "../../lib/story";
import { defaultTaskParams, escrowOf, eventArg } from "../../lib/tasks-setup";

const CRP = 10n ** 18n;
const ACCEPT = 1n;
const REJECT = 2n;

/**
 * Disputes: a panel wrongly rejects bob's work; bob disputes, a jury of 5 confirms the rejection, bob
 * appeals, a jury of 11 overturns it; the ruling reaches the registry, bob is paid, the panel that was
 * wrong is slashed, and the jurors are paid (and slashed) for how they voted.
 */
export async function disputesChapter({ deployment, accounts, story }: DemoContext) {
  const { tasks, token, disputes, staking } = deployment;
  const { alice, bob } = accounts;
  const registry = await tasks.getAddress();
  const arbitrator = await disputes.getAddress();
  const crpAddress = await token.getAddress();

  story.chapter("8. A wrongly rejected worker disputes: a jury of 5 confirms, an appeal to 11 overturns");
  const operators = await bulkStake(deployment, 30, 10_000n * CRP);
  story.note(`${operators.length} more operators stake 10,000+ CRP each: juries are drawn from every validator.`);
  const name = (address: string) => {
    const named = Object.entries(accounts).find(([, s]) => s.address.toLowerCase() === address.toLowerCase());
    return named?.[0] ?? `operator ${address.slice(0, 8)}`;
  };

  const params = await defaultTaskParams(deployment, { slots: 1n });
  await token.connect(alice).approve(registry, await escrowOf(deployment, params));
  const created = await story.step("alice", "posts a 1-slot labeling task", tasks.connect(alice).createTask(params));
  const taskId = eventArg(deployment, created, "TaskCreated", "taskId");
  await token.connect(bob).approve(registry, params.workerBond as bigint);
  const submitted = await story.step(
    "bob",
    "submits careful labels",
    tasks.connect(bob).submit(taskId, id("good labels"), "ipfs://demo/good-labels.json"),
  );
  const submissionId = eventArg(deployment, submitted, "Submitted", "submissionId");
  await mine(1);
  await story.step("anyone", "draws the review panel", tasks.drawPanel(submissionId));
  const { panel } = await tasks.getSubmission(submissionId);
  for (const [seat, member] of panel.entries()) {
    await asAccount(member, (s) =>
      story.step(name(member), "attests reject (wrongly)", tasks.connect(s).attest(submissionId, seat, false, id("?"))),
    );
  }

  const fee = await disputes.arbitrationCost("0x");
  await token.connect(bob).approve(registry, fee);
  const opened = await story.step(
    "bob",
    `disputes the rejection, bonding ${crp(fee)} CRP (5 jurors × 20 CRP)`,
    tasks.connect(bob).dispute(submissionId),
  );
  const disputeId = disputeIdFrom(deployment, opened);
  await story.step(
    "bob",
    "posts evidence: the labels checked against the spec",
    disputes.connect(bob).submitEvidence(disputeId, "ipfs://demo/evidence.json", id("evidence")),
  );
  await mine(1);
  const excluded = await excludedOf(deployment, disputeId);
  const round = async (vote: (i: number) => bigint, label: string) => {
    await story.step("anyone", `draws the ${label} jury once its seed exists`, disputes.drawJury(disputeId, excluded));
    const { round: r } = await disputes.getDispute(disputeId);
    const { jurors } = await disputes.getRound(disputeId, r);
    story.note(`Jury: ${jurors.length} validators, none of them a party or a panel member; 500 CRP of each locked.`);
    await passPhase(deployment, disputeId, "evidence");
    const ballots: Ballot[] = [];
    for (const [i, juror] of jurors.entries()) ballots.push(await commitAs(deployment, disputeId, juror, vote(i)));
    story.note(`${ballots.length} jurors commit hidden votes (a hash of vote, salt and juror): nothing readable yet.`);
    await passPhase(deployment, disputeId, "commit");
    for (const ballot of ballots) await revealAs(deployment, disputeId, ballot);
    await passPhase(deployment, disputeId, "reveal");
    const { votes } = await disputes.getRound(disputeId, r);
    story.note(`Revealed: ${votes[0]} accept, ${votes[1]} reject.`);
  };
  await round((i) => (i < 3 ? REJECT : ACCEPT), "first");

  const appealCost = await disputes.appealCost(disputeId);
  await token.connect(bob).approve(arbitrator, appealCost);
  await story.step(
    "bob",
    `appeals, paying ${crp(appealCost)} CRP for a jury of 11`,
    disputes.connect(bob).appeal(disputeId),
  );
  await mine(1);
  await round((i) => (i < 9 ? ACCEPT : REJECT), "appeal");

  await passPhase(deployment, disputeId, "appeal");
  await story.step("anyone", "executes the final ruling (accept) into the registry", disputes.executeRuling(disputeId));
  await story.step(
    "anyone",
    "finalizes: bob's work is accepted, the panel that rejected it is slashed",
    tasks.finalize(submissionId),
  );
  for (const r of [0n, 1n]) {
    await story.step(
      "anyone",
      `settles round ${r}: jurors unlocked, paid or slashed`,
      disputes.settleRound(disputeId, r),
    );
  }
  const [first] = await disputes.getRound(disputeId, 0n).then((x) => x.jurors);
  const [appealJuror] = await disputes.getRound(disputeId, 1n).then((x) => x.jurors);
  const [staked] = await staking.stakeOf(panel[0]!);
  story.balances([
    ["bob in the registry: reward + bond", await tasks.balanceOf(crpAddress, bob.address)],
    [`${name(panel[0]!)} (overturned panel) stake left`, staked],
    [`${name(first!)} (round 0, voted reject): dispute balance`, await disputes.balanceOf(first!)],
    [`${name(appealJuror!)} (round 1, voted accept): dispute balance`, await disputes.balanceOf(appealJuror!)],
  ]);
  story.note(
    "bob also received, straight from staking, a quarter of each overturned panel member's 1,000 CRP review stake. " +
      "Round 0's majority voted against the final ruling: each lost 10% of its lock, and round 0's fee went to " +
      "its two coherent jurors. Round 1's nine coherent jurors share bob's appeal fee and the slashes of its two.",
  );
  await asAccount(appealJuror!, (s) =>
    story.step(name(appealJuror!), "withdraws its juror pay", disputes.connect(s).withdraw()),
  );
  await story.step("bob", "withdraws his reward and bond", tasks.connect(bob).withdraw(crpAddress));
  story.balances([["dispute contract (owes exactly its jurors' balances)", await token.balanceOf(arbitrator)]]);
}
