import { time } from "@nomicfoundation/hardhat-network-helpers";
import hre from "hardhat";
import type { DemoContext } from "../context";
import { crp } from "../../lib/story";
import { signPermit } from "../../lib/permit";
import { grantStakingRole } from "../../lib/staking-setup";
import { mine } from "@nomicfoundation/hardhat-network-helpers";

const CRP = 10n ** 18n;

export async function stakingChapter({ deployment, accounts, story }: DemoContext) {
  const { staking, token } = deployment;
  const { erin, frank, grace, heidi, deployer } = accounts;
  const stakingAddress = await staking.getAddress();

  story.chapter("4. Node operators stake CRP to become validators");
  const operators = [
    ["erin", erin, 50_000n],
    ["frank", frank, 30_000n],
    ["grace", grace, 15_000n],
  ] as const;
  for (const [name, operator, amount] of operators) {
    await story.step(
      name,
      `stakes ${crp(amount * CRP)} CRP (after approving)`,
      approveAndStake(operator, amount * CRP),
    );
    await story.step(
      name,
      "registers its endpoint",
      staking.connect(operator).register(`https://${name}.validators.example/corpus`),
    );
  }
  const deadline = BigInt(await time.latest()) + 3600n;
  const permit = await signPermit(token, heidi, stakingAddress, 12_000n * CRP, deadline);
  await story.step(
    "heidi",
    "stakes 12,000 CRP with a signed permit (no approval tx)",
    staking.connect(heidi).stakeWithPermit(permit.value, permit.deadline, permit.v, permit.r, permit.s),
  );
  story.note(
    `Selection weight in whole CRP: ${await staking.totalSelectionWeight()} across ${await staking.validatorCount()} validators.`,
  );

  story.chapter("5. A review panel is drawn by stake (the task registry will do this on every submission)");
  // Until the task registry exists, the demo's deployer stands in for it, with the role governance would grant.
  await grantStakingRole(deployment, "LOCKER_ROLE", deployer.address);
  const request = hre.ethers.id("demo-submission-1");
  const exclude = [heidi.address]; // e.g. the worker of the submission under review
  await story.step(
    "registry",
    "requests the panel's seed (it will exist from the next block on)",
    staking.requestDraw(request),
  );
  await mine(1);
  story.note("Nobody, the worker included, could know the panel when the seed was requested.");
  const receipt = await story.step(
    "registry",
    "draws 2 of 4 validators, excluding heidi, locking 1,000 CRP each",
    staking.drawAndLock(request, 2, exclude, 1_000n * CRP),
  );
  const drawn = receipt.logs
    .map((log) => staking.interface.parseLog(log))
    .find((event) => event?.name === "ValidatorsDrawn")?.args.validators as string[];
  const names = new Map(operators.map(([name, operator]) => [operator.address, name]));
  story.note(`Panel: ${drawn.map((a) => names.get(a) ?? a).join(", ")} (probability proportional to stake).`);

  story.chapter("6. An operator leaves: thaw, wait out the unbonding period, withdraw");
  await story.step("grace", "thaws all 15,000 CRP (7-day unbonding)", staking.connect(grace).thaw(15_000n * CRP));
  const [, , thawing, thawEnd] = await staking.stakeOf(grace.address);
  story.note(`${crp(thawing)} CRP thawing until ${new Date(Number(thawEnd) * 1000).toISOString()}; no longer drawn.`);
  await time.increaseTo(thawEnd);
  await story.step("grace", "withdraws her matured stake", staking.connect(grace).withdraw());
  story.balances([
    ["staking contract", await token.balanceOf(stakingAddress)],
    ["grace", await token.balanceOf(grace.address)],
  ]);

  async function approveAndStake(operator: typeof erin, amount: bigint) {
    await token.connect(operator).approve(stakingAddress, amount);
    return staking.connect(operator).stake(amount);
  }
}
