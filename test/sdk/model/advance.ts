/** Moving things along: plain time warps, and the command that takes the oldest unfinished thing one step on. */

import { time } from "@nomicfoundation/hardhat-network-helpers";
import { BuyLicence, type ClaimAll, type Mint } from "./data-commands";
import { AppealOrClose, type Behaviour, Dispute, DisputeRound } from "./dispute-commands";
import type { SubmissionState } from "./registry-model";
import { WithdrawStake } from "./stake-commands";
import { Step } from "./step";
import type { ProtocolModel } from "./protocol-model";
import { Attest, DrawPanel, type PostTask, type Submit, type Votes, WarpAndFinalize } from "./task-commands";
import { attestable, disputable, drawable, finalizable, openDisputes, roundsToDraw } from "./targets";
import type { Real } from "./system";

/** A plain time warp: any deadline the model keeps may pass. */
export class Warp extends Step {
  constructor(readonly seconds: number) {
    super();
  }
  check() {
    return true;
  }
  toString() {
    return `Warp(${this.seconds} s)`;
  }
  protected async act() {
    await time.increase(this.seconds);
  }
}

/**
 * Takes the oldest unfinished thing one natural step on (claims, matured stake and unsold tokens first, then
 * mints, then the submissions and their disputes in order, then new work): random sequences then reach the
 * end of a task's life far more often than independent picks alone. `choices` holds the random input of the
 * commands it may build; the step taken is mostly the first that applies, else the second.
 */
export class Advance extends Step {
  constructor(
    readonly pick: number,
    /** Contest a provisional verdict (and appeal a ruling) rather than accept it. */
    readonly contest: boolean,
    readonly choices: {
      claim: ClaimAll;
      mint: Mint;
      attest: Votes;
      behaviours: Behaviour[];
      appellant: number;
      submit: Submit;
      post: PostTask;
    },
  ) {
    super();
  }

  private next(m: ProtocolModel): Step | undefined {
    const c = this.choices;
    const steps: Step[] = [];
    const worker = m.cast.workers[c.claim.worker % m.cast.workers.length] ?? "";
    if (m.data.tokens.some((t) => m.data.claimable(t, worker) !== 0n)) steps.push(c.claim);
    const matured = new WithdrawStake(this.pick);
    if (matured.check(m)) steps.push(matured);
    const unsold = m.data.tokens.findIndex((t) => t.expiries.size === 0);
    if (unsold >= 0) steps.push(new BuyLicence(unsold));
    if (c.mint.check(m)) steps.push(c.mint);
    for (const sub of m.registry.submissions) {
      const step = this.nextFor(m, sub);
      if (step !== undefined) steps.push(step);
    }
    if (c.submit.check(m)) steps.push(c.submit);
    else if (c.post.check(m)) steps.push(c.post);
    // Mostly the oldest thing, one time in four the next one.
    return steps[this.pick % 4 === 3 && steps.length > 1 ? 1 : 0];
  }

  /** The next step of one live submission (or of its dispute), targeted at it. */
  private nextFor(m: ProtocolModel, sub: SubmissionState): Step | undefined {
    const c = this.choices;
    switch (sub.status) {
      case "Drawing": {
        const draw = drawable(m).indexOf(sub);
        return draw >= 0 ? new DrawPanel(draw) : new WarpAndFinalize(finalizable(m).indexOf(sub));
      }
      case "Reviewing":
      case "Provisional": {
        // Reviewing: the panel attests. Provisional: the loser contests, or late members attest, or it is final.
        const attest = attestable(m, c.attest.absent).indexOf(sub);
        const late = !this.contest && this.pick % 2 === 0;
        if (attest >= 0 && (sub.status === "Reviewing" || late)) return new Attest(attest, c.attest);
        // No quorum and no one left to attest: only closing the round (not in the SDK) moves it on.
        if (sub.status === "Reviewing") return undefined;
        const open = disputable(m).indexOf(sub);
        if (this.contest && open >= 0) return new Dispute(open);
        return new WarpAndFinalize(finalizable(m).indexOf(sub));
      }
      case "Disputed": {
        const d = m.disputes.disputes.find((x) => x.submission === sub);
        if (d === undefined || d.executed) return undefined;
        const toDraw = roundsToDraw(m).indexOf(d);
        if (toDraw >= 0) return new DisputeRound(toDraw, c.behaviours);
        return new AppealOrClose(openDisputes(m).indexOf(d), this.contest, c.appellant);
      }
      case "Ruled":
        return new WarpAndFinalize(finalizable(m).indexOf(sub));
      default:
        return undefined;
    }
  }

  check(m: ProtocolModel) {
    return this.next(m)?.check(m) ?? false;
  }
  toString() {
    return `Advance(pick ${this.pick}, ${this.contest ? "contest" : "accept"})`;
  }
  protected async act(m: ProtocolModel, r: Real) {
    const step = this.next(m);
    if (step === undefined) throw new Error("nothing to advance");
    const outcome = await step.perform(m, r);
    return `${step.toString()}${outcome ? `: ${outcome}` : ""}`;
  }
}
