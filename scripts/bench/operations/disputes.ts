import { mine } from "@nomicfoundation/hardhat-network-helpers";
import { id } from "ethers";
import type { BenchContext } from "../bench-context";
import { commitAs, disputeIdFrom, excludedOf, passPhase, revealAs, type Ballot } from "../../lib/disputes-setup";
import { asAccount } from "../../lib/impersonate";
import { bulkStake, useFixedRandomness } from "../../lib/staking-setup";
import { defaultTaskParams, escrowOf } from "../../lib/tasks-setup";

const CRP = 10n ** 18n;
const MIN_STAKE = 10_000n * CRP;
const ACCEPT = 1n;
const REJECT = 2n;

/**
 * A dispute with one appeal through the task registry, 100 validators staked and a fixed-seed source so
 * juries (and gas) repeat: bob's work is rejected by its panel; bob disputes (the registry's `dispute`,
 * which opens the dispute and requests the jury's seed), the jury of 5 is drawn, confirms the rejection
 * (commit, reveal), bob appeals, a jury of 11 accepts, the ruling is executed into the registry and both
 * rounds are settled.
 */
export async function benchDisputes({ meter, deployment, accounts }: BenchContext): Promise<void> {
  const { tasks, token, disputes } = deployment;
  const { alice, bob } = accounts;
  await bulkStake(deployment, 100, MIN_STAKE);
  await useFixedRandomness(deployment);
  const registry = await tasks.getAddress();
  const arbitrator = await disputes.getAddress();

  const params = await defaultTaskParams(deployment);
  await token.connect(alice).approve(registry, await escrowOf(deployment, params));
  await tasks.connect(alice).createTask(params);
  await token.connect(bob).approve(registry, params.workerBond as bigint);
  await tasks.connect(bob).submit(1n, id("work 1"), "ipfs://work/1");
  await mine(1);
  await tasks.drawPanel(1n);
  const { panel } = await tasks.getSubmission(1n);
  for (const [seat, member] of panel.entries()) {
    await asAccount(member, async (s) => (await tasks.connect(s).attest(1n, seat, false, id("junk"))).wait());
  }

  await token.connect(bob).approve(registry, await disputes.arbitrationCost("0x"));
  const opened = await meter.record("disputes.open", tasks.connect(bob).dispute(1n));
  const disputeId = disputeIdFrom(deployment, opened);
  await mine(1);
  const excluded = await excludedOf(deployment, disputeId);
  await meter.record("disputes.drawJury", disputes.drawJury(disputeId, excluded));
  await meter.record(
    "disputes.submitEvidence",
    disputes.connect(bob).submitEvidence(disputeId, "ipfs://evidence/1", id("evidence 1")),
  );
  await juryRound(benchContextOf(meter, deployment, disputeId), REJECT, ["disputes.commit", "disputes.reveal"]);

  await token.connect(bob).approve(arbitrator, await disputes.appealCost(disputeId));
  await meter.record("disputes.appeal", disputes.connect(bob).appeal(disputeId));
  await mine(1);
  await meter.record("disputes.drawAppealJury", disputes.drawJury(disputeId, excluded));
  await juryRound(benchContextOf(meter, deployment, disputeId), ACCEPT, null);

  await passPhase(deployment, disputeId, "appeal");
  await meter.record("disputes.execute", disputes.executeRuling(disputeId));
  await meter.record("disputes.settleRound", disputes.settleRound(disputeId, 0n));
  await meter.record("disputes.settleAppealRound", disputes.settleRound(disputeId, 1n));
  const { jurors } = await disputes.getRound(disputeId, 1n);
  await asAccount(jurors[0]!, async (s) => meter.record("disputes.withdraw", disputes.connect(s).withdraw()));
}

interface RoundContext {
  meter: BenchContext["meter"];
  deployment: BenchContext["deployment"];
  disputeId: bigint;
}

function benchContextOf(meter: RoundContext["meter"], deployment: RoundContext["deployment"], disputeId: bigint) {
  return { meter, deployment, disputeId };
}

/**
 * Every juror of the current round commits then reveals `vote`; `names` records the first juror's commit
 * and reveal (a juror's own transactions cost the same whichever seat it holds).
 */
async function juryRound({ meter, deployment, disputeId }: RoundContext, vote: bigint, names: [string, string] | null) {
  const { round } = await deployment.disputes.getDispute(disputeId);
  const { jurors } = await deployment.disputes.getRound(disputeId, round);
  await passPhase(deployment, disputeId, "evidence");
  const ballots: Ballot[] = [];
  for (const [i, juror] of jurors.entries()) {
    if (i === 0 && names !== null) {
      const salt = id(`salt ${juror}`);
      const commitment = await deployment.disputes.commitmentOf(disputeId, round, juror, vote, salt);
      await asAccount(juror, async (s) =>
        meter.record(names[0], deployment.disputes.connect(s).commitVote(disputeId, commitment)),
      );
      ballots.push({ juror, vote, salt });
    } else {
      ballots.push(await commitAs(deployment, disputeId, juror, vote));
    }
  }
  await passPhase(deployment, disputeId, "commit");
  for (const [i, ballot] of ballots.entries()) {
    if (i === 0 && names !== null) {
      await asAccount(ballot.juror, async (s) =>
        meter.record(names[1], deployment.disputes.connect(s).revealVote(disputeId, ballot.vote, ballot.salt)),
      );
    } else {
      await revealAs(deployment, disputeId, ballot);
    }
  }
  await passPhase(deployment, disputeId, "reveal");
}
