import { time } from "@nomicfoundation/hardhat-network-helpers";
import hre from "hardhat";
import type { DemoContext } from "../context";
import { crp } from "../../lib/story";
import { execute, governanceContext, proposalState, propose, queue, vote, withSigner } from "../../governance/actions";

const CRP = 10n ** 18n;

export async function governanceChapter({ deployment, accounts, story }: DemoContext) {
  const { token, timelock, governor, addressBook } = deployment;
  const { alice, bob, carol, dave } = accounts;
  const voters = [
    ["alice", alice],
    ["bob", bob],
    ["carol", carol],
  ] as const;

  story.chapter("2. Holders activate their votes");
  for (const [name, holder] of voters) {
    await story.step(name, "delegates CRP votes to self", token.connect(holder).delegate(holder.address));
  }
  await story.step("alice", "pays dave 250,000 CRP", token.connect(alice).transfer(dave.address, 250_000n * CRP));
  await time.increase(1);
  story.note(`Proposal threshold: ${crp(await governor.proposalThreshold())} CRP (0.1% of supply).`);
  story.note(`Quorum: ${crp(await governor.quorum((await time.latest()) - 1))} CRP (4% of supply).`);

  story.chapter("3. The DAO changes a parameter and pays a grant from the treasury");
  const ctx = await governanceContext(
    hre,
    {
      description: "Lengthen votes to 7 days and grant 1,000,000 CRP to the data-labeling guild (dave)",
      actions: [
        { contract: "CorpusGovernor", function: "setVotingPeriod", args: [7 * 86_400] },
        { contract: "CorpusToken", function: "transfer", args: [dave.address, 1_000_000n * CRP] },
      ],
    },
    alice,
    addressBook,
  );
  story.record("alice", "proposes: 7-day votes + 1,000,000 CRP grant", (await propose(ctx)).receipt);
  await time.increase(Number(await governor.votingDelay()) + 1);
  for (const [name, voter] of voters) {
    story.record(name, "votes for", (await vote(withSigner(ctx, voter), "for", "Good for the guild")).receipt);
  }
  await time.increase(Number(await governor.votingPeriod()));
  story.note(`Vote closed: ${await proposalState(governor, ctx.proposalId)}.`);
  story.record("anyone", "queues it in the timelock (2-day exit window)", (await queue(ctx)).receipt);
  await time.increase(Number(await timelock.getMinDelay()));
  story.record("anyone", "executes it", (await execute(ctx)).receipt);
  story.note(`Voting period is now ${Number(await governor.votingPeriod()) / 86_400} days.`);
  story.balances([
    ["treasury (timelock)", await token.balanceOf(timelock)],
    ["dave", await token.balanceOf(dave)],
  ]);
}
