import type { Signer } from "ethers";
import { CorpusContractError } from "../errors/contract-error";
import { toCorpusError } from "../errors/decode";
import { CorpusInputError, CorpusUnknownRevertError } from "../errors/sdk-errors";
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

/** What a simulation may fail with only because the approval it will get is not there yet. */
const MISSING_APPROVAL = new Set(["ERC20InsufficientAllowance", "SafeERC20FailedOperation"]);

/**
 * Makes `spender` able to pull `amount` of `token` from the signer. Checks the balance first (a named
 * error, nothing sent). When an approval would be needed, `simulate` (the call the approval is for, as a
 * static call) runs first: anything the contract would refuse other than the missing approval comes back
 * as its decoded error, so no approval is ever left behind for a call that was going to fail. Returns the
 * permit to pass to a `*WithPermit` function, or undefined when the allowance covers the call.
 */
export async function prepareFunding(
  ctx: ClientContext,
  signer: Signer,
  token: string,
  spender: string,
  amount: bigint,
  simulate: () => Promise<unknown>,
  mode: FundingMode = "auto",
): Promise<SignedPermit | undefined> {
  if (amount === 0n) return undefined;
  const owner = await signer.getAddress();
  const erc20 = IERC20__factory.connect(token, signer);
  const [balance, allowance] = await read(() => Promise.all([erc20.balanceOf(owner), erc20.allowance(owner, spender)]));
  if (balance < amount) {
    throw new CorpusInputError("balance", `${owner} holds ${balance} of token ${token} but ${amount} is needed`);
  }
  if (allowance >= amount) return undefined;
  await expectOnlyApprovalMissing(simulate);
  if (mode === "auto" && token.toLowerCase() === ctx.deployment.contracts.CorpusToken.toLowerCase()) {
    const latest = await read(() => ctx.provider.getBlock("latest"));
    const now = BigInt(latest?.timestamp ?? Math.floor(Date.now() / 1000));
    return read(() => signPermit(ctx.contracts.CorpusToken, signer, spender, amount, now + PERMIT_VALIDITY));
  }
  await transact(ctx, () => erc20.approve.populateTransaction(spender, amount));
  return undefined;
}

/** Runs a simulation that lacks its approval; rethrows, typed, any refusal but the missing approval. */
async function expectOnlyApprovalMissing(simulate: () => Promise<unknown>): Promise<void> {
  try {
    await simulate();
  } catch (error) {
    const typed = toCorpusError(error);
    if (typed instanceof CorpusContractError && MISSING_APPROVAL.has(typed.errorName)) return;
    // Another token's own allowance error is not in the table: it decodes as an unknown revert.
    if (typed instanceof CorpusUnknownRevertError) return;
    throw typed;
  }
}
