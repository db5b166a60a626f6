/**
 * The validator daemon's loop. Each step scans the chain from the checkpoint for the operator's duties, then
 * works through every unfinished duty by reading its current state on-chain and doing what that state asks:
 *
 * - a review seat: judge the submission and attest, before the review deadline;
 * - a jury seat: commit a vote in the commit phase (the SDK stores the salt durably first), reveal it in the
 *   reveal phase;
 * - a draw (keeper mode): draw the panel or jury once its seed exists, renewing an expired seed.
 *
 * Because every action is decided from the chain's state, not from memory, a restart (even `kill -9`), a
 * rescan after a reorg, or a duty found twice never makes the daemon act twice: an attested seat, a committed
 * or revealed vote, a drawn panel is seen as done. While one of the operator's transactions is still pending
 * (sent before a crash and not yet mined) the daemon sends nothing else. RPC failures end the step; the loop
 * retries with exponential backoff and resumes from the checkpoint.
 */
import {
  type CorpusClient,
  CorpusRpcError,
  SUBMISSION_STATUS,
  type SubmissionStatus,
  isCorpusContractError,
} from "@corpus-protocol/sdk";
import type { Logger } from "pino";
import { type DrawDuty, type Duty, type JuryDuty, type ReviewDuty, dutyKey } from "./duties";
import { type Judge, NoVerdictError } from "./judge";
import type { DaemonMetrics } from "./metrics";
import type { ValidatorSettings } from "./options";
import { ChainScanner } from "./scanner";
import { type DaemonState, type StateFile } from "./state";

/** The settings the loop uses (see options.ts for what each means). */
export type DaemonOptions = Pick<
  ValidatorSettings,
  "pollIntervalMs" | "confirmations" | "maxBlockRange" | "keeper" | "retryMs" | "maxBackoffMs"
>;

const status = (name: SubmissionStatus) => BigInt(SUBMISSION_STATUS.indexOf(name));
const DRAWING = status("Drawing");
/** A panel member may attest while its panel reviews, and after a verdict until the review deadline. */
const ATTESTABLE = [status("Reviewing"), status("Provisional")];
/** The registry's rulings (`CorpusTasks.RULING_ACCEPT` and `RULING_REJECT`). */
const RULING_ACCEPT = 1n;
const RULING_REJECT = 2n;

type Outcome = "done" | "wait";

export class ValidatorDaemon {
  private readonly scanner: ChainScanner;
  private readonly notBefore = new Map<string, number>();
  private lastSuccessAt: number | undefined;
  private lastErrorText: string | undefined;
  private stopped = false;
  private wake: (() => void) | undefined;

  constructor(
    private readonly client: CorpusClient,
    private readonly operator: string,
    private readonly state: DaemonState,
    private readonly stateFile: StateFile,
    private readonly judge: Judge,
    private readonly metrics: DaemonMetrics,
    private readonly log: Logger,
    private readonly options: DaemonOptions,
  ) {
    this.scanner = new ChainScanner(client, operator, state, {
      confirmations: options.confirmations,
      maxRange: options.maxBlockRange,
      keeper: options.keeper,
    });
  }

  lastSuccess(): number | undefined {
    return this.lastSuccessAt;
  }

  lastError(): string | undefined {
    return this.lastErrorText;
  }

  /** Ends the loop after the current step. */
  stop(): void {
    this.stopped = true;
    this.wake?.();
  }

  /** Runs steps until stopped: backs off exponentially while steps fail (an RPC outage), resumes after. */
  async run(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      let caughtUp = true;
      try {
        caughtUp = await this.step();
        failures = 0;
        this.lastSuccessAt = Date.now();
        this.lastErrorText = undefined;
      } catch (error) {
        failures++;
        this.lastErrorText = describe(error);
        this.metrics.errors.inc({ stage: error instanceof CorpusRpcError ? "rpc" : "step" });
        this.log.warn({ err: this.lastErrorText, failures }, "step failed; retrying with backoff");
      }
      const delay =
        failures === 0
          ? caughtUp
            ? this.options.pollIntervalMs
            : 0
          : Math.min(this.options.maxBackoffMs, this.options.pollIntervalMs * 2 ** Math.min(failures, 16));
      await this.sleep(delay);
    }
  }

  /** One step: scan, then every duty. Resolves to whether the scan has reached the head. */
  async step(): Promise<boolean> {
    const scan = await this.scanner.step();
    if (scan.rewoundTo !== undefined) {
      this.metrics.reorgs.inc();
      this.log.warn({ rewoundTo: scan.rewoundTo }, "reorg: scanned blocks changed; rescanning");
    }
    for (const duty of scan.added) {
      if (duty.kind === "review" || duty.kind === "jury") this.metrics.assignmentsSeen.inc({ kind: duty.kind });
      this.log.info({ duty: dutyKey(duty), block: duty.block }, "duty found");
    }
    const lag = scan.head - this.state.scannedBlock;
    this.metrics.lag.set(lag);
    this.metrics.scannedBlock.set(this.state.scannedBlock);
    this.stateFile.save(this.state);
    const caughtUp = lag <= this.options.confirmations;
    if (!caughtUp) this.log.info({ scannedBlock: this.state.scannedBlock, head: scan.head }, "catching up");

    if (await this.transactionPending()) {
      this.log.info("a transaction of the operator's is pending; waiting for it before sending another");
      return caughtUp;
    }
    for (const [key, duty] of Object.entries(this.state.duties)) {
      if (this.stopped) break;
      if ((this.notBefore.get(key) ?? 0) > Date.now()) continue;
      const outcome = await this.attempt(key, duty);
      if (outcome === "done") {
        delete this.state.duties[key];
        this.notBefore.delete(key);
        this.stateFile.save(this.state);
      }
    }
    this.metrics.openDuties.set(Object.keys(this.state.duties).length);
    return caughtUp;
  }

  /** One duty, with its failures contained: an RPC error ends the step, anything else waits and retries. */
  private async attempt(key: string, duty: Duty): Promise<Outcome> {
    const log = this.log.child({ duty: key });
    try {
      switch (duty.kind) {
        case "review":
          return await this.review(duty, log);
        case "jury":
          return await this.jury(duty, log);
        default:
          return await this.draw(duty, log);
      }
    } catch (error) {
      if (error instanceof CorpusRpcError) throw error;
      // A duty from a state file whose submission or dispute no longer exists (a reorg while it was down).
      if (
        isCorpusContractError(error, "TasksUnknownSubmission") ||
        isCorpusContractError(error, "DisputesUnknownDispute")
      ) {
        log.warn("its submission or dispute does not exist (any more)");
        return "done";
      }
      const stage = error instanceof NoVerdictError ? error.stage : isCorpusContractError(error) ? "contract" : "duty";
      this.metrics.errors.inc({ stage });
      log.warn({ err: describe(error), stage }, "duty not done; will retry");
      this.notBefore.set(key, Date.now() + this.options.retryMs);
      return "wait";
    }
  }

  private async review(duty: ReviewDuty, log: Logger): Promise<Outcome> {
    const sub = await this.client.tasks.getSubmission(duty.submissionId);
    if (!ATTESTABLE.includes(sub.status) || sub.round !== duty.round) {
      log.info({ status: sub.status, round: sub.round }, "review over");
      return "done";
    }
    const seat = sub.panel.findIndex((m) => m.toLowerCase() === this.operator.toLowerCase());
    if (seat < 0) return "done";
    if ((sub.voted & (1n << BigInt(seat))) !== 0n) {
      log.info("already attested");
      return "done";
    }
    if ((await this.now()) > sub.reviewDeadline) {
      this.metrics.missed.inc({ kind: "review" });
      log.warn({ reviewDeadline: sub.reviewDeadline }, "review window closed before an attestation");
      return "done";
    }
    const verdict = await this.judge.judge(duty.submissionId, sub);
    log.info({ accept: verdict.accept, reason: verdict.reason, policy: verdict.policy }, "verdict");
    const receipt = await this.client.tasks.attest(duty.submissionId, verdict.accept, verdict.reason);
    this.metrics.attestations.inc({ verdict: verdict.accept ? "accept" : "reject" });
    log.info({ tx: receipt.hash, accept: verdict.accept }, "attested");
    return "done";
  }

  private async jury(duty: JuryDuty, log: Logger): Promise<Outcome> {
    const disputes = this.client.disputes;
    const dispute = await disputes.get(duty.disputeId);
    if (dispute.round !== duty.round) return "done";
    const seat = await this.client.contracts.CorpusDisputes.seatOf(duty.disputeId, duty.round, this.operator);
    if (!seat.drawn || seat.revealed) return "done";
    switch (dispute.phaseName) {
      case "Drawing":
      case "Evidence":
        return "wait";
      case "Commit": {
        if (seat.committed) return "wait";
        const vote = await this.juryVote(duty.disputeId, dispute.arbitrable);
        if (vote === undefined) {
          log.warn({ arbitrable: dispute.arbitrable }, "not a task dispute: no policy can judge it");
          return "done";
        }
        const { receipt } = await disputes.commit(duty.disputeId, vote);
        this.metrics.commits.inc();
        log.info({ tx: receipt.hash }, "vote committed");
        return "wait";
      }
      case "Reveal": {
        if (!seat.committed) {
          this.metrics.missed.inc({ kind: "jury" });
          log.warn("commit phase ended before a commit");
          return "done";
        }
        const receipt = await disputes.reveal(duty.disputeId, duty.round);
        this.metrics.reveals.inc();
        log.info({ tx: receipt.hash }, "vote revealed");
        return "done";
      }
      default:
        if (seat.committed) {
          this.metrics.missed.inc({ kind: "jury" });
          log.warn({ phase: dispute.phaseName }, "reveal phase ended before a reveal");
        }
        return "done";
    }
  }

  /** The ruling this operator votes for: the verdict its policy reaches on the disputed submission. */
  private async juryVote(disputeId: bigint, arbitrable: string): Promise<bigint | undefined> {
    const tasks = this.client.contracts.CorpusTasks;
    if (arbitrable.toLowerCase() !== this.client.deployment.contracts.CorpusTasks.toLowerCase()) return undefined;
    const arbitrator = this.client.deployment.contracts.CorpusDisputes;
    const events = await this.client.queryEvents(
      tasks,
      tasks.filters.SubmissionDisputed(undefined, undefined, arbitrator),
    );
    const disputed = events.find((e) => e.args.disputeId === disputeId);
    if (disputed === undefined) return undefined;
    const verdict = await this.judge.judge(disputed.args.submissionId);
    return verdict.accept ? RULING_ACCEPT : RULING_REJECT;
  }

  /** Keeper mode: draws a panel or jury whose seed is ready; renews an expired seed. */
  private async draw(duty: DrawDuty, log: Logger): Promise<Outcome> {
    const head = await this.client.provider.getBlockNumber();
    if (BigInt(head) < duty.readyBlock) return "wait";
    if (duty.kind === "draw-panel") {
      const sub = await this.client.tasks.getSubmission(duty.id);
      if (sub.status !== DRAWING || sub.round !== duty.round) return "done";
      return this.sendDraw(
        duty,
        log,
        () => this.client.tasks.drawPanel(duty.id),
        () => this.client.tasks.renewPanelSeed(duty.id),
      );
    }
    const dispute = await this.client.disputes.get(duty.id);
    if (dispute.phaseName !== "Drawing" || dispute.round !== duty.round) return "done";
    return this.sendDraw(
      duty,
      log,
      () => this.client.disputes.drawJury(duty.id),
      () => this.client.disputes.renewJurySeed(duty.id),
    );
  }

  private async sendDraw(
    duty: DrawDuty,
    log: Logger,
    draw: () => Promise<{ hash: string }>,
    renew: () => Promise<{ hash: string }>,
  ): Promise<Outcome> {
    try {
      const receipt = await draw();
      this.metrics.draws.inc({ kind: duty.kind });
      log.info({ tx: receipt.hash }, "drawn");
      return "done";
    } catch (error) {
      if (!isCorpusContractError(error, "RandomnessExpired")) throw error;
      const receipt = await renew();
      this.metrics.draws.inc({ kind: `${duty.kind}-renewal` });
      log.info({ tx: receipt.hash }, "seed expired; renewed");
      return "done"; // the renewal's event is a new draw duty with its new ready block
    }
  }

  /** Whether a transaction of the operator's was sent and not mined (its nonce is taken but not used). */
  private async transactionPending(): Promise<boolean> {
    const provider = this.client.provider;
    const [latest, pending] = await Promise.all([
      provider.getTransactionCount(this.operator, "latest"),
      provider.getTransactionCount(this.operator, "pending"),
    ]);
    return pending > latest;
  }

  private async now(): Promise<bigint> {
    const block = await this.client.provider.getBlock("latest");
    return BigInt(block?.timestamp ?? 0);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message.split("\n", 1)[0]}`;
  return String(error);
}
