import { mine, time } from "@nomicfoundation/hardhat-network-helpers";
import { id } from "ethers";
import type { DemoContext } from "../context";
import { crp } from "../../lib/story";
import { signPermit } from "../../lib/permit";
import { defaultTaskParams, escrowOf, eventArg } from "../../lib/tasks-setup";

const DAY = 86_400;

/**
 * The marketplace itself: alice posts a labeling task (escrow by permit), bob and carol submit, stake-drawn
 * panels review, and everyone is paid: bob's accepted work in full, carol's junk costs her the bond.
 */
export async function tasksChapter({ deployment, accounts, story }: DemoContext) {
  const { tasks, token } = deployment;
  const { alice, bob, carol, erin, frank, grace, heidi, stranger } = accounts;
  const registry = await tasks.getAddress();
  const names = new Map(
    Object.entries({ erin, frank, grace, heidi }).map(
      ([name, signer]) => [signer.address.toLowerCase(), [name, signer]] as const,
    ),
  );
  const crpAddress = await token.getAddress();

  story.chapter("5. A requester posts a data task; everything it can pay is escrowed up front");
  const params = await defaultTaskParams(deployment, { slots: 2n });
  const escrow = await escrowOf(deployment, params);
  const permit = await signPermit(token, alice, registry, escrow, BigInt(await time.latest()) + 3600n);
  const created = await story.step(
    "alice",
    `posts "label street signs": 2 slots × 100 CRP, 3-validator panels, 10 CRP worker bond; escrows ${crp(escrow)} CRP by permit`,
    tasks.connect(alice).createTaskWithPermit(params, permit.deadline, permit.v, permit.r, permit.s),
  );
  const taskId = eventArg(deployment, created, "TaskCreated", "taskId");
  const task = await tasks.getTask(taskId);
  story.note(
    `Escrow per slot: ${crp(task.reward)} reward + ${crp(task.validatorFee)} validator fee + ${crp(task.protocolFee)} protocol fee.`,
  );

  story.chapter("6. Workers submit, stake-drawn panels review, accepted work is paid in full");
  const review = async (worker: typeof bob, workerName: string, content: string, accept: boolean) => {
    await token.connect(worker).approve(registry, task.workerBond);
    const submitted = await story.step(
      workerName,
      `submits ${content} (bonds 10 CRP; the panel's seed is requested)`,
      tasks.connect(worker).submit(taskId, id(content), `ipfs://demo/${content}`),
    );
    const submissionId = eventArg(deployment, submitted, "Submitted", "submissionId");
    await mine(1);
    await story.step(
      "anyone",
      "draws the panel once its seed exists, locking 1,000 CRP of each member",
      tasks.drawPanel(submissionId),
    );
    const { panel } = await tasks.getSubmission(submissionId);
    story.note(
      `Panel: ${panel.map((m) => names.get(m.toLowerCase())?.[0] ?? m).join(", ")} (the requester and worker are never drawn).`,
    );
    for (const [seat, member] of panel.entries()) {
      const entry = names.get(member.toLowerCase());
      if (entry === undefined) throw new Error(`${member} is not a demo validator`);
      const [memberName, signer] = entry;
      await story.step(
        memberName,
        `attests ${accept ? "accept" : "reject"}`,
        tasks.connect(signer).attest(submissionId, seat, accept, id("reviewed")),
      );
    }
    await time.increase(2 * DAY + 1);
    await story.step(
      "stranger",
      "finalizes after the 2-day dispute window (anyone may)",
      tasks.connect(stranger).finalize(submissionId),
    );
    return submissionId;
  };
  await review(bob, "bob", "street-signs-labels.json", true);
  await review(carol, "carol", "random-noise.json", false);

  story.balances([
    ["bob: reward and bond back", await tasks.balanceOf(crpAddress, bob.address)],
    ["alice: carol's bond", await tasks.balanceOf(crpAddress, alice.address)],
  ]);
  const [accepted, rejected] = await tasks.workerRecord(carol.address);
  story.note(
    `carol's public record: ${accepted} accepted, ${rejected} rejected. bob's accepted count on this task: ${await tasks.acceptedCount(taskId, bob.address)}.`,
  );
  await story.step("bob", "withdraws his pull balance", tasks.connect(bob).withdraw(crpAddress));
  await story.step(
    "stranger",
    "sweeps the task's protocol fee to the treasury",
    tasks.connect(stranger).sweepProtocolFees(taskId),
  );
  for (const [name, signer] of names.values()) {
    const fee = await tasks.balanceOf(crpAddress, signer.address);
    if (fee > 0n)
      await story.step(name, `withdraws ${crp(fee)} CRP of review fees`, tasks.connect(signer).withdraw(crpAddress));
  }
  await story.step(
    "alice",
    "cancels the task and gets back the escrow no submission holds",
    tasks.connect(alice).cancelTask(taskId),
  );
  await story.step("alice", "withdraws it", tasks.connect(alice).withdraw(crpAddress));
  story.balances([["task registry (owes nothing)", await token.balanceOf(registry)]]);
}
