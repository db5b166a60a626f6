import type { Signer } from "ethers";
import { CorpusInputError } from "../errors/sdk-errors";
import { IERC20__factory } from "../typechain";
import type { ClientContext } from "./context";
import { type SignedPermit, signPermit } from "./permit";
import { read, transact } from "./transact";

/**
 * How a flow lets a contract pull tokens: `"auto"` (default) signs an EIP-2612 permit for CRP, whose
 * domain the SDK reads on-chain, and approves other tokens; `"approve"` always approves.
 * Approvals are for exactly the amount needed and only when the allowance falls short.
 */
export type FundingMode = "auto" | "approve";

/** How long a permit the SDK signs stays valid, from the latest block. */
const PERMIT_VALIDITY = 3_600n;

/**
 * Makes `spender` able to pull `amount` of `token` from the signer. Checks the balance first (a named
 * error, nothing sent); returns the permit to pass to a `*WithPermit` function, or undefined after an
 * approval (or when the allowance already covers it).
 */
export async function prepareFunding(
  ctx: ClientContext,
  signer: Signer,
  token: string,
  spender: string,
  amount: bigint,
  mode: FundingMode = "auto",
): Promise<SignedPermit | undefined> {
  if (amount === 0n) return undefined;
  const owner = await signer.getAddress();
  const erc20 = IERC20__factory.connect(token, signer);
  const [balance, allowance] = await read(() => Promise.all([erc20.balanceOf(owner), erc20.allowance(owner, spender)]));
  if (balance < amount) {
    throw new CorpusInputError("balance", `${owner} holds ${balance} of token ${token} but ${amount} is needed`);
  }
  const crp = ctx.deployment.contracts.CorpusToken;
  if (mode === "auto" && token.toLowerCase() === crp.toLowerCase()) {
    const latest = await read(() => ctx.provider.getBlock("latest"));
    const now = BigInt(latest?.timestamp ?? Math.floor(Date.now() / 1000));
    return read(() => signPermit(ctx.contracts.CorpusToken, signer, spender, amount, now + PERMIT_VALIDITY));
  }
  if (allowance < amount) await transact(ctx, () => erc20.approve.populateTransaction(spender, amount));
  return undefined;
}
