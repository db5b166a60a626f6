import { mine, time } from "@nomicfoundation/hardhat-network-helpers";
import { id } from "ethers";
import type { BenchContext } from "../bench-context";
import type { GasMeter } from "../gas-meter";
import type { CorpusDeployment } from "../../../deploy/deploy-corpus";
import { asAccount } from "../../lib/impersonate";
import { signPermit } from "../../lib/permit";
import { bulkStake, useFixedRandomness } from "../../lib/staking-setup";
import { defaultTaskParams, escrowOf } from "../../lib/tasks-setup";

const CRP = 10n ** 18n;
const MIN_STAKE = 10_000n * CRP;
const DAY = 86_400;

/**
 * The task registry with 100 validators staked: posting a task (the first in its token, a later one, and one
 * with a permit), a submission, its 3-validator panel draw with the locks, and the attestations. Draws use a
 * fixed-seed source so panels (and gas) repeat from run to run.
 */
export async function benchTasks({ meter, deployment, accounts }: BenchContext): Promise<void> {
  const { tasks, token } = deployment;
  const { alice, bob, carol } = accounts;
  await bulkStake(deployment, 100, MIN_STAKE);
  await useFixedRandomness(deployment);
  const registry = await tasks.getAddress();

  // The registry's first task in CRP also makes its CRP balance non-zero (one fresh slot in the token).
  const params = await defaultTaskParams(deployment);
  await token.connect(alice).approve(registry, 2n * (await escrowOf(deployment, params)));
  await meter.record("tasks.createFirstInToken", tasks.connect(alice).createTask(params));
  await meter.record("tasks.create", tasks.connect(alice).createTask(params));

  const permitParams = await defaultTaskParams(deployment, { specHash: id("a third task") });
  const permit = await signPermit(token, carol, registry, await escrowOf(deployment, permitParams), 2n ** 40n);
  await meter.record(
    "tasks.createWithPermit",
    tasks.connect(carol).createTaskWithPermit(permitParams, permit.deadline, permit.v, permit.r, permit.s),
  );

  // Submitting bonds, reserves a slot and requests the panel seed; the draw is a later transaction.
  await token.connect(bob).approve(registry, params.workerBond as bigint);
  await meter.record("tasks.submit", tasks.connect(bob).submit(1n, id("work 1"), "ipfs://work/1"));
  await mine(1);
  await meter.record("tasks.drawPanel", tasks.drawPanel(1n));
  await attestAll(deployment, 1n, meter, ["tasks.attest", "tasks.attestReachingVerdict", "tasks.attestAfterVerdict"]);
}

/**
 * Finalizing accepted work and withdrawing the reward, on a deployment whose only validators are dave, erin
 * and frank, so that every panel is the same three: the first payout credits the worker and each member
 * for the first time (fresh storage slots); the next one is what a working marketplace pays every time.
 */
export async function benchTaskPayouts({ meter, deployment, accounts }: BenchContext): Promise<void> {
  const { tasks, token, staking } = deployment;
  const { alice, bob, dave, erin, frank, stranger } = accounts;
  for (const validator of [dave, erin, frank]) {
    await token.connect(validator).approve(await staking.getAddress(), MIN_STAKE);
    await staking.connect(validator).stake(MIN_STAKE);
  }
  const registry = await tasks.getAddress();
  const params = await defaultTaskParams(deployment);
  await token.connect(alice).approve(registry, await escrowOf(deployment, params));
  await tasks.connect(alice).createTask(params);
  await token.connect(bob).approve(registry, 2n * (params.workerBond as bigint));

  for (const [submissionId, name] of [
    [1n, "tasks.finalizeFirstPayout"],
    [2n, "tasks.finalize"],
  ] as const) {
    await tasks.connect(bob).submit(1n, id(`work ${submissionId}`), `ipfs://work/${submissionId}`);
    await mine(1);
    await tasks.drawPanel(submissionId);
    await attestAll(deployment, submissionId, meter, null);
    await time.increase(3 * DAY);
    await meter.record(name, tasks.connect(stranger).finalize(submissionId));
  }
  await meter.record("tasks.withdraw", tasks.connect(bob).withdraw(await token.getAddress()));
  await meter.record("tasks.sweepProtocolFees", tasks.connect(stranger).sweepProtocolFees(1n));
}

/** Every panel member accepts, in seat order; `names` (one per seat) records their gas. */
async function attestAll(d: CorpusDeployment, submissionId: bigint, meter: GasMeter, names: string[] | null) {
  const { panel } = await d.tasks.getSubmission(submissionId);
  for (const [seat, member] of panel.entries()) {
    await asAccount(member, async (signer) => {
      const tx = d.tasks.connect(signer).attest(submissionId, seat, true, id("looks right"));
      const name = names?.[seat];
      if (name === undefined) await (await tx).wait();
      else await meter.record(name, tx);
    });
  }
}
