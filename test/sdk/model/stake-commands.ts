/** Commands on validator stake: stake with a permit, thaw, withdraw once thawed (and too early). */

import { expect } from "chai";
import { isCorpusContractError } from "../../../sdk/src";
import { Step, expectRefused, expectWalletMoves, pickFrom } from "./step";
import type { ProtocolModel } from "./protocol-model";
import { type Real, clientOf, nameOf, nonceOf, timeOf } from "./system";
import { MARGIN } from "./targets";

export class Stake extends Step {
  constructor(
    readonly validator: number,
    readonly amount: bigint,
  ) {
    super();
  }
  private target(m: ProtocolModel) {
    return m.cast.validators[this.validator % m.cast.validators.length] ?? "";
  }
  check() {
    return true;
  }
  toString() {
    return `Stake(v${this.validator}, ${this.amount})`;
  }
  protected async act(m: ProtocolModel, r: Real) {
    const v = this.target(m);
    const nonce = await nonceOf(v);
    await expectWalletMoves(r, v, -this.amount, () => clientOf(r, v).staking.stake(this.amount));
    expect(await nonceOf(v), "staked with a permit: one transaction").to.equal(nonce + 1);
    m.staking.stake(v, this.amount);
  }
}

export class Thaw extends Step {
  constructor(
    readonly pick: number,
    readonly amount: bigint,
  ) {
    super();
  }
  private targets(m: ProtocolModel) {
    return m.cast.validators.filter((v) => m.staking.of(v).staked - m.staking.of(v).locked >= this.amount);
  }
  check(m: ProtocolModel) {
    return this.targets(m).length !== 0;
  }
  toString() {
    return `Thaw(pick ${this.pick}, ${this.amount})`;
  }
  protected async act(m: ProtocolModel, r: Real) {
    const v = pickFrom(this.targets(m), this.pick) ?? "";
    const receipt = await clientOf(r, v).staking.thaw(this.amount);
    m.staking.thaw(v, this.amount, await timeOf(r, receipt));
    return nameOf(r, v);
  }
}

export class WithdrawStake extends Step {
  constructor(readonly pick: number) {
    super();
  }
  private targets(m: ProtocolModel) {
    return m.cast.validators.filter((v) => m.staking.of(v).thawing !== 0n && m.now >= m.staking.of(v).thawEnd);
  }
  check(m: ProtocolModel) {
    return this.targets(m).length !== 0;
  }
  toString() {
    return `WithdrawStake(pick ${this.pick})`;
  }
  protected async act(m: ProtocolModel, r: Real) {
    const v = pickFrom(this.targets(m), this.pick) ?? "";
    const amount = m.staking.of(v).thawing;
    await expectWalletMoves(r, v, amount, () => clientOf(r, v).staking.withdraw());
    m.staking.withdraw(v);
    m.reached.add("stake withdrawn");
    return `${nameOf(r, v)} withdraws ${amount}`;
  }
}

/** A refusal: withdrawing stake before its unbonding ends is the staking contract's error, nothing sent. */
export class WithdrawStakeEarly extends Step {
  constructor(readonly pick: number) {
    super();
  }
  private targets(m: ProtocolModel) {
    return m.cast.validators.filter((v) => m.staking.of(v).thawing !== 0n && m.now + MARGIN < m.staking.of(v).thawEnd);
  }
  check(m: ProtocolModel) {
    return this.targets(m).length !== 0;
  }
  toString() {
    return `WithdrawStakeEarly(pick ${this.pick})`;
  }
  protected async act(m: ProtocolModel, r: Real) {
    const v = pickFrom(this.targets(m), this.pick) ?? "";
    const error = await expectRefused(v, () => clientOf(r, v).staking.withdraw());
    expect(isCorpusContractError(error, "StakingThawNotMature"), String(error)).to.equal(true);
    if (isCorpusContractError(error, "StakingThawNotMature")) {
      expect([error.args.validator, error.args.thawEnd]).to.deep.equal([v, m.staking.of(v).thawEnd]);
    }
    m.reached.add("refused: thaw not mature");
    return `${nameOf(r, v)} refused`;
  }
}
