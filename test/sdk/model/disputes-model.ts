import type { RegistryModel, SubmissionState } from "./registry-model";
import type { StakingModel } from "./staking-model";
import { ACCEPT, type Cast, MAX_APPEALS, type Parameters, REJECT, add, feeOf, max, takeAll } from "./terms";

export interface Ballot {
  vote: bigint;
  revealed: boolean;
}

export interface RoundState {
  index: number;
  payer: string;
  fee: bigint;
  size: number;
  /** The terms the round's jurors are drawn under. */
  lock: bigint;
  nonRevealSlashBps: bigint;
  incoherentSlashBps: bigint;
  evidenceEnd: bigint;
  /** Before the draw: the last moment to draw; after it, the end of the commit period. */
  commitEnd: bigint;
  revealEnd: bigint;
  appealEnd: bigint;
  /** The block whose hash seeds the jury draw. */
  seedBlock: number;
  drawn: boolean;
  jurors: string[];
  /** juror => its committed ballot. */
  ballots: Map<string, Ballot>;
  settled: boolean;
}

export interface DisputeState {
  id: bigint;
  submission: SubmissionState;
  /** In ruling order: ruling 1 (accept) favours the worker, 2 (reject) the requester. */
  parties: [string, string];
  /** The parties and the panel: never on a jury. */
  excluded: string[];
  rounds: RoundState[];
  executed: boolean;
}

/**
 * The arbitrator: rounds of stake-drawn juries with commit–reveal votes, appeals to juries of 2n + 1, rulings
 * that stand until a later round decides, and settlements that pay coherent jurors and slash the others.
 */
export class DisputesModel {
  readonly disputes: DisputeState[] = [];
  /** account => withdrawable CRP. */
  readonly balances = new Map<string, bigint>();

  constructor(
    private readonly params: Parameters["disputes"],
    private readonly cast: Cast,
    private readonly staking: StakingModel,
    private readonly registry: RegistryModel,
  ) {}

  /** The losing party disputes `sub` at `t`, paying round 0's fee. */
  open(sub: SubmissionState, t: bigint, block: number): DisputeState {
    const payer = this.registry.loserOf(sub);
    this.registry.dispute(sub, t);
    const d: DisputeState = {
      id: BigInt(this.disputes.length + 1),
      submission: sub,
      parties: [sub.worker, this.cast.requester],
      excluded: [sub.worker, this.cast.requester, ...sub.panel],
      rounds: [],
      executed: false,
    };
    this.startRound(d, payer, this.params.jurySize, t, block);
    this.disputes.push(d);
    return d;
  }

  /** A round starts with the current terms; its jury can be drawn until the evidence and commit periods end. */
  private startRound(d: DisputeState, payer: string, size: number, t: bigint, block: number) {
    const p = this.params;
    const evidenceEnd = t + p.evidencePeriod;
    d.rounds.push({
      index: d.rounds.length,
      payer,
      fee: BigInt(size) * p.feePerJuror,
      size,
      lock: p.jurorLock,
      nonRevealSlashBps: p.nonRevealSlashBps,
      incoherentSlashBps: p.incoherentSlashBps,
      evidenceEnd,
      commitEnd: evidenceEnd + p.commitPeriod,
      revealEnd: 0n,
      appealEnd: 0n,
      seedBlock: block + 1,
      drawn: false,
      jurors: [],
      ballots: new Map(),
      settled: false,
    });
  }

  lastRound(d: DisputeState): RoundState {
    const round = d.rounds[d.rounds.length - 1];
    if (round === undefined) throw new Error(`dispute ${d.id} has no round`);
    return round;
  }

  /** The validators a jury of `d` may be drawn from: not excluded, with stake free for the juror lock. */
  juryCandidates(d: DisputeState): string[] {
    const lock = this.lastRound(d).lock;
    return this.cast.validators.filter((v) => !d.excluded.includes(v) && this.staking.eligible(v, lock));
  }

  /** The jury is drawn at `t`: its clock starts (never before the evidence is in). */
  drawJury(d: DisputeState, jurors: string[], t: bigint) {
    const p = this.params;
    const round = this.lastRound(d);
    for (const juror of jurors) this.staking.lock(juror, round.lock);
    round.drawn = true;
    round.jurors = jurors;
    round.commitEnd = max(t, round.evidenceEnd) + p.commitPeriod;
    round.revealEnd = round.commitEnd + p.revealPeriod;
    round.appealEnd = round.index === MAX_APPEALS ? round.revealEnd : round.revealEnd + p.appealPeriod;
  }

  commit(d: DisputeState, juror: string, vote: bigint) {
    this.lastRound(d).ballots.set(juror, { vote, revealed: false });
  }

  reveal(d: DisputeState, juror: string) {
    const ballot = this.lastRound(d).ballots.get(juror);
    if (ballot === undefined) throw new Error(`${juror} never committed`);
    ballot.revealed = true;
  }

  /** Revealed votes per ruling: [accepts, rejects]. */
  tally(round: RoundState): [bigint, bigint] {
    const votes: [bigint, bigint] = [0n, 0n];
    for (const ballot of round.ballots.values()) {
      if (ballot.revealed && ballot.vote === ACCEPT) votes[0] += 1n;
      if (ballot.revealed && ballot.vote === REJECT) votes[1] += 1n;
    }
    return votes;
  }

  /** A round's own majority among revealed votes; 0 on a tie, with no reveal, or with no jury. */
  roundRuling(round: RoundState): bigint {
    const [accepts, rejects] = this.tally(round);
    return accepts > rejects ? ACCEPT : rejects > accepts ? REJECT : 0n;
  }

  /** The ruling round `index` stands for: its own, else the latest earlier round that decided, else 0. */
  decidedRuling(d: DisputeState, index: number): bigint {
    for (let k = index; k >= 0; k--) {
      const round = d.rounds[k];
      const ruling = round === undefined ? 0n : this.roundRuling(round);
      if (ruling !== 0n) return ruling;
    }
    return 0n;
  }

  standingRuling(d: DisputeState): bigint {
    return this.decidedRuling(d, d.rounds.length - 1);
  }

  /** After this moment the ruling is final: the last round's appeal period, or its draw deadline if undrawn. */
  finalAfter(d: DisputeState): bigint {
    const round = this.lastRound(d);
    return round.drawn ? round.appealEnd : round.commitEnd;
  }

  /** The parties the current ruling goes against (either party after a ruling of 0). */
  appellants(d: DisputeState): string[] {
    const ruling = this.standingRuling(d);
    return d.parties.filter((_, i) => ruling === 0n || BigInt(i + 1) !== ruling);
  }

  /** What opening a dispute costs: a first jury at the current fee per juror. */
  arbitrationCost(): bigint {
    return BigInt(this.params.jurySize) * this.params.feePerJuror;
  }

  /** The appeal cost: a jury of 2n + 1 at the current fee per juror. */
  appealCost(d: DisputeState): bigint {
    return BigInt(2 * this.lastRound(d).size + 1) * this.params.feePerJuror;
  }

  /** A party the ruling goes against appeals at `t`, paying for a jury of 2n + 1. */
  appeal(d: DisputeState, appellant: string, t: bigint, block: number) {
    this.startRound(d, appellant, 2 * this.lastRound(d).size + 1, t, block);
  }

  /** The final ruling reaches the registry. */
  execute(d: DisputeState) {
    d.executed = true;
    this.registry.rule(d.submission, this.standingRuling(d));
  }

  /**
   * Settles a round under the final ruling: an undrawn round refunds its payer; otherwise each juror's lock
   * is released, non-revealers and jurors who voted against the ruling are slashed (the reward share of the
   * slashes joins the pot), and the coherent jurors share the pot (the dust to the first of them) or, with
   * none, the payer gets it back. Returns what each account was credited.
   */
  settle(d: DisputeState, round: RoundState): Map<string, bigint> {
    const credits = new Map<string, bigint>();
    round.settled = true;
    if (!round.drawn) {
      add(credits, round.payer, round.fee);
    } else {
      const ruling = this.standingRuling(d);
      const coherent: string[] = [];
      let pot = round.fee;
      for (const juror of round.jurors) {
        const ballot = round.ballots.get(juror);
        let slash = 0n;
        if (ballot === undefined || !ballot.revealed) slash = feeOf(round.lock, round.nonRevealSlashBps);
        else if (ruling === 0n || ballot.vote === ruling) coherent.push(juror);
        else slash = feeOf(round.lock, round.incoherentSlashBps);
        pot += this.staking.slashReward(this.staking.release(juror, round.lock, slash));
      }
      if (coherent.length === 0) {
        add(credits, round.payer, pot);
      } else {
        const share = pot / BigInt(coherent.length);
        const dust = pot - share * BigInt(coherent.length);
        for (const [k, juror] of coherent.entries()) add(credits, juror, k === 0 ? share + dust : share);
      }
    }
    for (const [account, amount] of credits) add(this.balances, account, amount);
    return credits;
  }

  withdraw(account: string): bigint {
    return takeAll(this.balances, account);
  }

  /** What the dispute contract must hold: the fee of every unsettled round and every balance. */
  holds(): bigint {
    let held = 0n;
    for (const d of this.disputes) for (const round of d.rounds) if (!round.settled) held += round.fee;
    for (const balance of this.balances.values()) held += balance;
    return held;
  }
}
