import { type Parameters, WEI_PER_CRP, feeOf, min } from "./terms";

export interface StakeState {
  staked: bigint;
  locked: bigint;
  thawing: bigint;
  thawEnd: bigint;
}

/** Validator stake: what each validator has staked, locked in reviews and juries, and thawing. */
export class StakingModel {
  readonly stakes = new Map<string, StakeState>();

  constructor(
    private readonly params: Parameters["staking"],
    initial: Map<string, StakeState>,
  ) {
    for (const [validator, stake] of initial) this.stakes.set(validator, { ...stake });
  }

  of(validator: string): StakeState {
    let s = this.stakes.get(validator);
    if (s === undefined) {
      s = { staked: 0n, locked: 0n, thawing: 0n, thawEnd: 0n };
      this.stakes.set(validator, s);
    }
    return s;
  }

  /** Active: staked at least the minimum. */
  active(validator: string): boolean {
    return this.of(validator).staked >= this.params.minimumStake;
  }

  /** Drawable with `lock` more locked: active, and its stake in whole CRP covers its locks. */
  eligible(validator: string, lock: bigint): boolean {
    const s = this.of(validator);
    return this.active(validator) && (s.staked / WEI_PER_CRP) * WEI_PER_CRP >= s.locked + lock;
  }

  lock(validator: string, amount: bigint) {
    this.of(validator).locked += amount;
  }

  /**
   * Releases a seat's `lock`, of which `slash` is slashed (from staked stake, then thawing stake); returns
   * what was slashed. The slash's reward share goes to its beneficiary, the rest is burnt.
   */
  release(validator: string, lock: bigint, slash: bigint): bigint {
    const s = this.of(validator);
    s.locked -= lock;
    const fromStaked = min(slash, s.staked);
    s.staked -= fromStaked;
    const fromThawing = min(slash - fromStaked, s.thawing);
    s.thawing -= fromThawing;
    return fromStaked + fromThawing;
  }

  /** The reward share of a slash of `amount`. */
  slashReward(amount: bigint): bigint {
    return feeOf(amount, this.params.slashRewardBps);
  }

  stake(validator: string, amount: bigint) {
    this.of(validator).staked += amount;
  }

  /** Moves free stake to thawing; a restart never brings the end of the thaw closer. */
  thaw(validator: string, amount: bigint, t: bigint) {
    const s = this.of(validator);
    let end = t + this.params.unbondingPeriod;
    if (s.thawing !== 0n && s.thawEnd > end) end = s.thawEnd;
    s.staked -= amount;
    s.thawing += amount;
    s.thawEnd = end;
  }

  withdraw(validator: string): bigint {
    const s = this.of(validator);
    const amount = s.thawing;
    s.thawing = 0n;
    s.thawEnd = 0n;
    return amount;
  }

  /** What the staking contract must hold: everything staked or thawing. */
  holds(): bigint {
    let held = 0n;
    for (const s of this.stakes.values()) held += s.staked + s.thawing;
    return held;
  }
}
