import type { BenchContext } from "../bench-context";
import { signPermit } from "../../lib/permit";

/** 2100-01-01: far enough ahead, and the same on every run. */
const PERMIT_DEADLINE = 4_102_444_800n;

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

  // A fixed deadline: the signature, and so the calldata gas, must not depend on the wall clock.
  const permit = await signPermit(token, erin, alice.address, amount, PERMIT_DEADLINE);
  await meter.record(
    "token.permit",
    token
      .connect(alice)
      .permit(permit.owner, permit.spender, permit.value, permit.deadline, permit.v, permit.r, permit.s),
  );
}
