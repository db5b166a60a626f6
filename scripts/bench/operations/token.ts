import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { BenchContext } from "../bench-context";
import { signPermit } from "../../lib/permit";

/**
 * Token operations between accounts that already hold CRP (a non-zero to non-zero balance write),
 * as most transfers in a live market are.
 */
export async function benchToken({ meter, deployment, accounts }: BenchContext): Promise<void> {
  const { token } = deployment;
  const { alice, bob, carol, dave, erin } = accounts;
  const amount = 1_000n * 10n ** 18n;

  await meter.record("token.transfer", token.connect(alice).transfer(bob.address, amount));

  await meter.record("token.delegate", token.connect(carol).delegate(carol.address));
  await token.connect(dave).delegate(dave.address);
  await meter.record("token.transferVotes", token.connect(carol).transfer(dave.address, amount));

  const permit = await signPermit(token, erin, alice.address, amount, BigInt(await time.latest()) + 3600n);
  await meter.record(
    "token.permit",
    token
      .connect(alice)
      .permit(permit.owner, permit.spender, permit.value, permit.deadline, permit.v, permit.r, permit.s),
  );
}
