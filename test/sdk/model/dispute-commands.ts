/** Commands on the arbitrator: disputes, jury rounds, appeals, executions, settlements and withdrawals. */

import { expect } from "chai";
import { mine } from "@nomicfoundation/hardhat-network-helpers";
import { isCorpusContractError } from "../../../sdk/src";
import { Step, expectRefused, expectWalletMoves, pickFrom, warpTo } from "./step";
import type { ProtocolModel } from "./protocol-model";
import { type Real, clientOf, nameOf, timeOf } from "./system";
import { appealable, disputable, openDisputes, roundsToDraw, signers } from "./targets";
import { ACCEPT, REJECT } from "./terms";

/** The losing party disputes a provisional verdict, paying the arbitration fee. */
export class Dispute extends Step {
  constructor(readonly pick: number) {
    super();
  }
  check(m: ProtocolModel) {
    return disputable(m).length !== 0;
  }
  toString() {
    return `Dispute(pick ${this.pick})`;
  }
  protected async act(m: ProtocolModel, r: Real) {
    const sub = pickFrom(disputable(m), this.pick);
    if (sub === undefined) throw new Error("no target");
    const loser = m.registry.loserOf(sub);
    const fee = m.disputes.arbitrationCost();
    const { disputeId, receipt } = await expectWalletMoves(r, loser, -fee, () =>
      clientOf(r, loser).tasks.dispute(sub.id),
    );
    const d = m.disputes.open(sub, await timeOf(r, receipt), receipt.blockNumber);
    expect(disputeId, "dispute id").to.equal(d.id);
    return `${nameOf(r, loser)} disputes submission ${sub.id}: dispute ${d.id}`;
  }
}

/** A refusal: the party a verdict favours cannot dispute it (the SDK says so, nothing sent). */
export class DisputeAsWinner extends Step {
  constructor(readonly pick: number) {
    super();
  }
  check(m: ProtocolModel) {
    return disputable(m).length !== 0;
  }
  toString() {
    return `DisputeAsWinner(pick ${this.pick})`;
  }
  protected async act(m: ProtocolModel, r: Real) {
    const sub = pickFrom(disputable(m), this.pick);
    if (sub === undefined) throw new Error("no target");
    const winner = m.registry.loserOf(sub) === sub.worker ? m.cast.requester : sub.worker;
    const error = await expectRefused(winner, () => clientOf(r, winner).tasks.dispute(sub.id));
    expect(isCorpusContractError(error, "TasksNotLosingParty")).to.equal(true, String(error));
    m.reached.add("refused: winner disputes");
    return `${nameOf(r, winner)} refused`;
  }
}

export type Behaviour = "silent" | "commit" | "accept" | "reject";

/**
 * One jury round: the jury is drawn, each juror stays silent, commits and never reveals, or commits and
 * reveals its vote (all through the SDK, salts kept in the client's store), and time moves to the end of
 * the reveal period (the appeal period, or the final ruling in the last round).
 */
export class DisputeRound extends Step {
  constructor(
    readonly pick: number,
    readonly behaviours: Behaviour[],
  ) {
    super();
  }
  check(m: ProtocolModel) {
    return roundsToDraw(m).length !== 0;
  }
  toString() {
    return `DisputeRound(pick ${this.pick}, [${this.behaviours.join(", ")}])`;
  }
  protected async act(m: ProtocolModel, r: Real) {
    const d = pickFrom(roundsToDraw(m), this.pick);
    if (d === undefined) throw new Error("no target");
    const round = m.disputes.lastRound(d);
    const candidates = m.disputes.juryCandidates(d);
    await mine(1);
    const receipt = await clientOf(r, r.cast.licensee).disputes.drawJury(d.id);
    const jurors = [...(await r.reader.disputes.round(d.id, BigInt(round.index))).jurors];
    expect(jurors, "jury size").to.have.length(round.size);
    expect(new Set(jurors).size, "distinct jurors").to.equal(jurors.length);
    for (const juror of jurors) expect(candidates, "an eligible validator, not excluded").to.include(juror);
    m.disputes.drawJury(d, jurors, await timeOf(r, receipt));

    await warpTo(round.evidenceEnd + 1n);
    for (const [i, juror] of jurors.entries()) {
      const behaviour = this.behaviours[i] ?? "silent";
      if (behaviour === "silent") continue;
      const vote = behaviour === "reject" ? REJECT : ACCEPT;
      await clientOf(r, juror).disputes.commit(d.id, vote);
      m.disputes.commit(d, juror, vote);
    }
    await warpTo(round.commitEnd + 1n);
    for (const [i, juror] of jurors.entries()) {
      const behaviour = this.behaviours[i] ?? "silent";
      if (behaviour !== "accept" && behaviour !== "reject") continue;
      await clientOf(r, juror).disputes.reveal(d.id);
      m.disputes.reveal(d, juror);
    }
    await warpTo(round.revealEnd + 1n);
    const ruling = m.disputes.roundRuling(round);
    m.reached.add(`round ruling ${ruling}`);
    return `dispute ${d.id} round ${round.index}: ruling ${ruling}`;
  }
}

/**
 * Appeals the current ruling once (as a party it goes against), or else waits for the ruling to be final,
 * executes it (a second execution is refused) and settles every round.
 */
export class AppealOrClose extends Step {
  constructor(
    readonly pick: number,
    readonly appeal: boolean,
    readonly appellant: number,
  ) {
    super();
  }
  check(m: ProtocolModel) {
    return openDisputes(m).length !== 0;
  }
  toString() {
    return `AppealOrClose(pick ${this.pick}, ${this.appeal ? `appeal by ${this.appellant}` : "close"})`;
  }
  protected async act(m: ProtocolModel, r: Real) {
    const d = pickFrom(openDisputes(m), this.pick);
    if (d === undefined) throw new Error("no target");
    if (this.appeal && appealable(m, d)) {
      const candidates = m.disputes.appellants(d);
      const appellant = candidates[this.appellant % candidates.length] ?? "";
      const fee = m.disputes.appealCost(d);
      const receipt = await expectWalletMoves(r, appellant, -fee, () => clientOf(r, appellant).disputes.appeal(d.id));
      m.disputes.appeal(d, appellant, await timeOf(r, receipt), receipt.blockNumber);
      m.reached.add("appeal");
      return `${nameOf(r, appellant)} appeals dispute ${d.id}: round ${d.rounds.length - 1}`;
    }
    await warpTo(m.disputes.finalAfter(d) + 1n);
    const keeper = clientOf(r, r.cast.licensee);
    await keeper.disputes.executeRuling(d.id);
    m.disputes.execute(d);
    const again = await expectRefused(r.cast.licensee, () => keeper.disputes.executeRuling(d.id));
    expect(isCorpusContractError(again, "DisputesAlreadyExecuted"), String(again)).to.equal(true);
    const settled: string[] = [];
    for (const round of d.rounds) {
      await keeper.disputes.settleRound(d.id, BigInt(round.index));
      const stakes = round.jurors.map((juror) => m.staking.of(juror).staked);
      const credits = m.disputes.settle(d, round);
      if (!round.drawn) m.reached.add("undrawn round refunded");
      if (round.jurors.some((juror, i) => m.staking.of(juror).staked !== stakes[i])) m.reached.add("jurors slashed");
      settled.push(
        [...credits].map(([account, amount]) => `${nameOf(r, account)} +${amount}`).join(" ") || "nothing credited",
      );
    }
    m.reached.add("dispute executed");
    m.reached.add(`final ruling ${d.submission.ruling}`);
    return `dispute ${d.id}: ruling ${d.submission.ruling}; ${settled.join("; ")}`;
  }
}

export class DisputesWithdraw extends Step {
  constructor(readonly pick: number) {
    super();
  }
  private targets(m: ProtocolModel) {
    return signers(m).filter((a) => (m.disputes.balances.get(a) ?? 0n) !== 0n);
  }
  check(m: ProtocolModel) {
    return this.targets(m).length !== 0;
  }
  toString() {
    return `DisputesWithdraw(pick ${this.pick})`;
  }
  protected async act(m: ProtocolModel, r: Real) {
    const account = pickFrom(this.targets(m), this.pick) ?? "";
    const amount = m.disputes.balances.get(account) ?? 0n;
    await expectWalletMoves(r, account, amount, () => clientOf(r, account).disputes.withdraw());
    m.disputes.withdraw(account);
    return `${nameOf(r, account)} withdraws ${amount}`;
  }
}
