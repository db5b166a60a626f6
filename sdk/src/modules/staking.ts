import type { TransactionReceipt } from "ethers";
import type { ClientContext } from "../internal/context";
import { requireSigner } from "../internal/context";
import { type FundingMode, prepareFunding } from "../internal/funding";
import { read, transact } from "../internal/transact";
import * as check from "../internal/validate";

/** A validator's stake as the staking contract reports it. Amounts in CRP wei, times in unix seconds. */
export interface StakeStatus {
  staked: bigint;
  locked: bigint;
  /** Staked and not locked: what `thaw` can move. */
  free: bigint;
  thawing: bigint;
  /** When the thawing amount can be withdrawn (0 if nothing thaws). */
  thawEnd: bigint;
  /** Whether it can be drawn for panels and juries. */
  active: boolean;
}

/** Validator stake in `CorpusStaking`. */
export class StakingModule {
  constructor(private readonly ctx: ClientContext) {}

  private get staking() {
    return this.ctx.contracts.CorpusStaking;
  }

  /** `validator`'s stake. */
  async status(validator: string): Promise<StakeStatus> {
    const s = await read(() => this.staking.stakeOf(validator));
    return {
      staked: s.staked,
      locked: s.locked,
      free: s.staked - s.locked,
      thawing: s.thawing,
      thawEnd: s.thawEnd,
      active: s.active,
    };
  }

  /** Stakes `amount` CRP (with a permit by default), checking the balance first. */
  async stake(amount: bigint, funding: FundingMode = "auto"): Promise<TransactionReceipt> {
    const signer = requireSigner(this.ctx, "staking.stake");
    const value = check.amount("amount", amount, 2n ** 96n - 1n);
    const staking = this.staking;
    const permit = await prepareFunding(
      this.ctx,
      signer,
      this.ctx.deployment.contracts.CorpusToken,
      await staking.getAddress(),
      value,
      () => staking.stake.staticCall(value),
      funding,
    );
    return transact(this.ctx, () =>
      permit === undefined
        ? staking.stake.populateTransaction(value)
        : staking.stakeWithPermit.populateTransaction(value, permit.deadline, permit.v, permit.r, permit.s),
    );
  }

  /**
   * Starts unbonding `amount` of the signer's free stake. State conditions (more than is free, a locked
   * stake) come back as the contract's own decoded errors from gas estimation, before anything is sent.
   */
  async thaw(amount: bigint): Promise<TransactionReceipt> {
    requireSigner(this.ctx, "staking.thaw");
    const value = check.amount("amount", amount, 2n ** 96n - 1n);
    return transact(this.ctx, () => this.staking.thaw.populateTransaction(value));
  }

  /** Withdraws the signer's thawed stake (`StakingThawNotMature` before its unbonding period ends). */
  async withdraw(): Promise<TransactionReceipt> {
    requireSigner(this.ctx, "staking.withdraw");
    return transact(this.ctx, () => this.staking.withdraw.populateTransaction());
  }

  /** Sets the signer's operator URI (an endpoint or metadata document). */
  async register(uri: string): Promise<TransactionReceipt> {
    requireSigner(this.ctx, "staking.register");
    const max = await read(() => this.staking.MAX_URI_LENGTH());
    const value = check.uri("uri", uri, max);
    return transact(this.ctx, () => this.staking.register.populateTransaction(value));
  }
}
