import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { DemoContext } from "../context";
import { crp } from "../../lib/story";
import { signPermit } from "../../lib/permit";

const CRP = 10n ** 18n;

export async function stakingChapter({ deployment, accounts, story }: DemoContext) {
  const { staking, token } = deployment;
  const { erin, frank, grace, heidi } = accounts;
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

  async function approveAndStake(operator: typeof erin, amount: bigint) {
    await token.connect(operator).approve(stakingAddress, amount);
    return staking.connect(operator).stake(amount);
  }
}

/** An operator leaves: thaw, wait out the unbonding period, withdraw. */
export async function leavingChapter({ deployment, accounts, story }: DemoContext) {
  const { staking, token } = deployment;
  const { grace } = accounts;
  const stakingAddress = await staking.getAddress();
  story.chapter("7. An operator leaves: thaw, wait out the unbonding period, withdraw");
  await story.step("grace", "thaws all 15,000 CRP (7-day unbonding)", staking.connect(grace).thaw(15_000n * CRP));
  const [, , thawing, thawEnd] = await staking.stakeOf(grace.address);
  story.note(`${crp(thawing)} CRP thawing until ${new Date(Number(thawEnd) * 1000).toISOString()}; no longer drawn.`);
  await time.increaseTo(thawEnd);
  await story.step("grace", "withdraws her matured stake", staking.connect(grace).withdraw());
  story.balances([
    ["staking contract", await token.balanceOf(stakingAddress)],
    ["grace", await token.balanceOf(grace.address)],
  ]);
}
