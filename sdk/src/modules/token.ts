import type { TransactionReceipt } from "ethers";
import type { ClientContext } from "../internal/context";
import { requireSigner } from "../internal/context";
import { type SignedPermit, signPermit } from "../internal/permit";
import { read, transact } from "../internal/transact";
import * as check from "../internal/validate";

/** The CRP token (`CorpusToken`): balances, transfers, permits and voting power. */
export class TokenModule {
  constructor(private readonly ctx: ClientContext) {}

  private get token() {
    return this.ctx.contracts.CorpusToken;
  }

  /** The token's address. */
  get address(): string {
    return this.ctx.deployment.contracts.CorpusToken;
  }

  async balanceOf(account: string): Promise<bigint> {
    return read(() => this.token.balanceOf(account));
  }

  /** Voting power `account` has now (delegated to it, including by itself). */
  async votes(account: string): Promise<bigint> {
    return read(() => this.token.getVotes(account));
  }

  async transfer(to: string, amount: bigint): Promise<TransactionReceipt> {
    requireSigner(this.ctx, "token.transfer");
    const recipient = check.address("to", to);
    const value = check.amount("amount", amount, 2n ** 256n - 1n);
    return transact(this.ctx, () => this.token.transfer.populateTransaction(recipient, value));
  }

  async approve(spender: string, amount: bigint): Promise<TransactionReceipt> {
    requireSigner(this.ctx, "token.approve");
    const to = check.address("spender", spender);
    return transact(this.ctx, () => this.token.approve.populateTransaction(to, amount));
  }

  /** Delegates the signer's voting power (to itself by default: CRP counts for nothing until delegated). */
  async delegate(to?: string): Promise<TransactionReceipt> {
    const signer = requireSigner(this.ctx, "token.delegate");
    const delegatee = check.address("to", to ?? (await signer.getAddress()));
    return transact(this.ctx, () => this.token.delegate.populateTransaction(delegatee));
  }

  /** Signs an EIP-2612 permit for `spender` over the token's on-chain domain (no transaction). */
  async signPermit(spender: string, amount: bigint, deadline: bigint): Promise<SignedPermit> {
    const signer = requireSigner(this.ctx, "token.signPermit");
    return read(() => signPermit(this.token, signer, check.address("spender", spender), amount, deadline));
  }
}
