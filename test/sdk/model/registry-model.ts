import type { StakingModel } from "./staking-model";
import { ACCEPT, type Cast, type Parameters, REJECT, add, feeOf, max, min, popCount, takeAll } from "./terms";

export type Status =
  "Drawing" | "Reviewing" | "Provisional" | "Disputed" | "Ruled" | "Accepted" | "Rejected" | "Voided";

export interface TaskSpec {
  reward: bigint;
  slots: bigint;
  deadline: bigint;
  reviewWindow: bigint;
  panelSize: number;
  quorum: number;
  bond: bigint;
}

export interface TaskState extends TaskSpec {
  id: bigint;
  validatorFee: bigint;
  protocolFee: bigint;
  reviewStake: bigint;
  cancelled: boolean;
  funds: bigint;
  pending: bigint;
  accepted: bigint;
  /** worker => its accepted submissions. */
  acceptedBy: Map<string, bigint>;
  /** worker => its live submission. */
  live: Map<string, bigint>;
  mintedAs: bigint | undefined;
}

export interface SubmissionState {
  id: bigint;
  task: TaskState;
  worker: string;
  status: Status;
  reviewDeadline: bigint;
  disputeDeadline: bigint;
  verdict: bigint;
  ruling: bigint;
  panel: string[];
  voted: number;
  accepts: number;
  /** A dispute cut the review short: absentees keep their stake. */
  cutShort: boolean;
  /** The block whose hash seeds the panel draw. */
  seedBlock: number;
}

/** How long the registry waits for a ruling before a disputed submission may be voided. */
const RULING_TIMEOUT = 180n * 86_400n;

/**
 * The task registry: escrow per task (each submission reserves its reward and both fees), panels locked in
 * staking, verdicts, rulings, and what each account can withdraw.
 */
export class RegistryModel {
  readonly tasks: TaskState[] = [];
  readonly submissions: SubmissionState[] = [];
  /** account => withdrawable CRP. */
  readonly balances = new Map<string, bigint>();

  constructor(
    private readonly params: Parameters["tasks"],
    private readonly cast: Cast,
    private readonly staking: StakingModel,
  ) {}

  /** What a task escrows: each slot reserves its reward and both fees. */
  escrowFor(reward: bigint, slots: bigint): bigint {
    return (reward + feeOf(reward, this.params.validatorFeeBps) + feeOf(reward, this.params.protocolFeeBps)) * slots;
  }

  post(spec: TaskSpec): TaskState {
    const task: TaskState = {
      ...spec,
      id: BigInt(this.tasks.length + 1),
      validatorFee: feeOf(spec.reward, this.params.validatorFeeBps),
      protocolFee: feeOf(spec.reward, this.params.protocolFeeBps),
      reviewStake: this.params.reviewStake,
      cancelled: false,
      funds: this.escrowFor(spec.reward, spec.slots),
      pending: 0n,
      accepted: 0n,
      acceptedBy: new Map(),
      live: new Map(),
      mintedAs: undefined,
    };
    this.tasks.push(task);
    return task;
  }

  /** Open: not cancelled and not past its deadline at `t`. */
  isOpen(task: TaskState, t: bigint): boolean {
    return !task.cancelled && t <= task.deadline;
  }

  reservation(task: TaskState): bigint {
    return task.reward + task.validatorFee + task.protocolFee;
  }

  hasFreeSlot(task: TaskState): boolean {
    return task.accepted + task.pending < task.slots;
  }

  /** Whether `worker` may submit to `task` at any time up to `t`. */
  canSubmit(task: TaskState, worker: string, t: bigint): boolean {
    return (
      this.isOpen(task, t) &&
      worker !== this.cast.requester &&
      !task.live.has(worker) &&
      this.hasFreeSlot(task) &&
      task.funds >= this.reservation(task)
    );
  }

  /** A submission reserves its slot's escrow (and pays its bond in); its panel's seed is the next block's. */
  submit(task: TaskState, worker: string, t: bigint, block: number): SubmissionState {
    task.funds -= this.reservation(task);
    task.pending += 1n;
    const sub: SubmissionState = {
      id: BigInt(this.submissions.length + 1),
      task,
      worker,
      status: "Drawing",
      reviewDeadline: t + task.reviewWindow,
      disputeDeadline: 0n,
      verdict: 0n,
      ruling: 0n,
      panel: [],
      voted: 0,
      accepts: 0,
      cutShort: false,
      seedBlock: block + 1,
    };
    task.live.set(worker, sub.id);
    this.submissions.push(sub);
    return sub;
  }

  isLive(sub: SubmissionState): boolean {
    return sub.task.live.get(sub.worker) === sub.id;
  }

  /** The validators a panel of `sub` may be drawn from: not a party, with stake free for the review lock. */
  panelCandidates(sub: SubmissionState): string[] {
    const parties = [this.cast.requester, sub.worker];
    return this.cast.validators.filter((v) => !parties.includes(v) && this.staking.eligible(v, sub.task.reviewStake));
  }

  drawPanel(sub: SubmissionState, panel: string[], t: bigint) {
    for (const member of panel) this.staking.lock(member, sub.task.reviewStake);
    sub.panel = panel;
    sub.status = "Reviewing";
    sub.voted = 0;
    sub.accepts = 0;
    sub.reviewDeadline = t + sub.task.reviewWindow;
  }

  /** An attestation; the first time a quorum agrees, the verdict is provisional and the dispute window opens. */
  attest(sub: SubmissionState, seat: number, accept: boolean, t: bigint) {
    const bit = 1 << seat;
    sub.voted |= bit;
    if (accept) sub.accepts |= bit;
    if (sub.status !== "Reviewing") return;
    const agreeing = popCount(accept ? sub.accepts : sub.voted & ~sub.accepts);
    if (agreeing >= sub.task.quorum) {
      sub.status = "Provisional";
      sub.verdict = accept ? ACCEPT : REJECT;
      sub.disputeDeadline = t + this.params.disputeWindow;
    }
  }

  allVoted(sub: SubmissionState): boolean {
    return sub.voted === (1 << sub.task.panelSize) - 1;
  }

  /** The party a provisional verdict goes against: the only one who may dispute it. */
  loserOf(sub: SubmissionState): string {
    return sub.verdict === ACCEPT ? this.cast.requester : sub.worker;
  }

  /** The losing party disputes: the review ends now if it was still open, and the ruling timeout starts. */
  dispute(sub: SubmissionState, t: bigint) {
    if (t <= sub.reviewDeadline) {
      sub.reviewDeadline = t;
      sub.cutShort = true;
    }
    sub.status = "Disputed";
    sub.disputeDeadline = t + RULING_TIMEOUT;
  }

  /** The arbitrator's final ruling arrives (ignored once the submission is no longer disputed). */
  rule(sub: SubmissionState, ruling: bigint) {
    if (sub.status !== "Disputed") return;
    sub.status = "Ruled";
    sub.ruling = ruling;
  }

  /** The moment after which `finalize` applies (undefined: it never does from this status). */
  finalizableAfter(sub: SubmissionState): bigint | undefined {
    switch (sub.status) {
      case "Provisional":
        // Every member keeps its whole window to attest unless all have.
        return this.allVoted(sub) ? sub.disputeDeadline : max(sub.disputeDeadline, sub.reviewDeadline);
      case "Drawing":
        return sub.reviewDeadline;
      case "Ruled":
        return 0n;
      case "Disputed":
        return sub.disputeDeadline;
      default:
        return undefined;
    }
  }

  /** Settles the panel (on a verdict or a ruling) and closes the submission, paying out of its reservation. */
  finalize(sub: SubmissionState, t: bigint): Status {
    const task = sub.task;
    let outcome = 0n;
    if (sub.status === "Provisional") {
      outcome = sub.verdict;
      this.settlePanel(sub, outcome, 0n, t);
    } else if (sub.status === "Ruled") {
      // No ruling upholds the verdict; a ruling against it overturns the members who attested it.
      outcome = sub.ruling === 0n ? sub.verdict : sub.ruling;
      this.settlePanel(sub, outcome, outcome === sub.verdict ? 0n : sub.verdict, t);
    } else if (sub.status === "Disputed") {
      this.settlePanel(sub, 0n, 0n, t);
    } else if (sub.status !== "Drawing") {
      throw new Error(`the model cannot finalize a ${sub.status} submission`);
    }
    // The validator fee was paid with the panel when there was an outcome; otherwise it is unused.
    const validatorFee = outcome === 0n ? task.validatorFee : 0n;
    task.pending -= 1n;
    if (outcome === ACCEPT) {
      sub.status = "Accepted";
      task.accepted += 1n;
      add(task.acceptedBy, sub.worker, 1n);
      add(this.balances, sub.worker, task.reward + task.bond);
    } else {
      if (outcome === REJECT) {
        sub.status = "Rejected";
        add(this.balances, this.cast.requester, task.bond);
      } else {
        sub.status = "Voided";
        add(this.balances, sub.worker, task.bond);
      }
      this.release(task, task.reward + task.protocolFee + validatorFee, t);
    }
    task.live.delete(sub.worker);
    return sub.status;
  }

  /**
   * Releases every panel seat's review lock, slashing overturned members their whole review stake (its
   * reward share to the winner's wallet) and absentees the liveness penalty (unless a dispute cut the
   * review short); the members who attested `outcome` share the validator fee, the rest goes back.
   */
  private settlePanel(sub: SubmissionState, outcome: bigint, overturned: bigint, t: bigint) {
    const task = sub.task;
    if (sub.panel.length === 0) return;
    const rejects = sub.voted & ~sub.accepts;
    const seatsOf = (ruling: bigint) => (ruling === ACCEPT ? sub.accepts : ruling === REJECT ? rejects : 0);
    const coherent = seatsOf(outcome);
    const overturnedSeats = seatsOf(overturned);
    const absent = ((1 << task.panelSize) - 1) & ~sub.voted;
    const penalty = absent === 0 || sub.cutShort ? 0n : min(this.params.livenessPenalty, task.reviewStake);
    for (const [seat, member] of sub.panel.entries()) {
      const bit = 1 << seat;
      const slash = (overturnedSeats & bit) !== 0 ? task.reviewStake : (absent & bit) !== 0 ? penalty : 0n;
      this.staking.release(member, task.reviewStake, slash);
    }
    if (outcome === 0n) return;
    const count = BigInt(popCount(coherent));
    const share = count === 0n ? 0n : task.validatorFee / count;
    for (const [seat, member] of sub.panel.entries()) {
      if ((coherent & (1 << seat)) !== 0) add(this.balances, member, share);
    }
    this.release(task, task.validatorFee - share * count, t);
  }

  /** Escrow a submission no longer needs: back to the task while it is open, else to the requester. */
  private release(task: TaskState, amount: bigint, t: bigint) {
    if (amount === 0n) return;
    if (this.isOpen(task, t)) task.funds += amount;
    else add(this.balances, this.cast.requester, amount);
  }

  cancel(task: TaskState) {
    task.cancelled = true;
    add(this.balances, this.cast.requester, task.funds);
    task.funds = 0n;
  }

  withdraw(account: string): bigint {
    return takeAll(this.balances, account);
  }

  /** What the registry must hold: unreserved funds, unswept fees, reservations and bonds of live work, balances. */
  holds(): bigint {
    let held = 0n;
    for (const task of this.tasks) held += task.funds + task.accepted * task.protocolFee;
    for (const sub of this.submissions) if (this.isLive(sub)) held += this.reservation(sub.task) + sub.task.bond;
    for (const balance of this.balances.values()) held += balance;
    return held;
  }
}
