import { time } from "@nomicfoundation/hardhat-network-helpers";
import hre from "hardhat";
import type { BenchContext } from "../bench-context";
import { governanceContext } from "../../governance/actions";

/**
 * One proposal with one action (a governor setting), from proposal to execution. The proposal is encoded
 * by the governance scripts' own encoder; the transactions go straight to the governor so each figure is
 * the transaction alone.
 */
export async function benchGovernance({ meter, deployment, accounts }: BenchContext): Promise<void> {
  const { governor, token, timelock } = deployment;
  const { alice, bob, carol } = accounts;
  for (const voter of [alice, bob, carol]) {
    if ((await token.delegates(voter.address)) !== voter.address) await token.connect(voter).delegate(voter.address);
  }
  await time.increase(1);

  const ctx = await governanceContext(
    hre,
    {
      description: "Bench: lengthen the voting delay to two days",
      actions: [{ contract: "CorpusGovernor", function: "setVotingDelay", args: [2 * 86_400] }],
    },
    alice,
    deployment.addressBook,
  );
  const { targets, values, calldatas, description, descriptionHash } = ctx.proposal;

  await meter.record("gov.propose", governor.connect(alice).propose(targets, values, calldatas, description));
  await time.increase(Number(await governor.votingDelay()) + 1);
  await meter.record("gov.castVote", governor.connect(alice).castVote(ctx.proposalId, 1));
  for (const voter of [bob, carol]) await governor.connect(voter).castVote(ctx.proposalId, 1);
  await time.increase(Number(await governor.votingPeriod()));
  await meter.record("gov.queue", governor.queue(targets, values, calldatas, descriptionHash));
  await time.increase(Number(await timelock.getMinDelay()));
  await meter.record("gov.execute", governor.execute(targets, values, calldatas, descriptionHash));
}
