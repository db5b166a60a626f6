import { type TransactionReceipt, ZeroHash } from "ethers";
import { CorpusInputError } from "../errors/sdk-errors";
import { hashText } from "../content-hash";
import type { ClientContext } from "../internal/context";
import { requireSigner } from "../internal/context";
import { type FundingMode, prepareFunding } from "../internal/funding";
import { eventIn, read, transact } from "../internal/transact";
import * as check from "../internal/validate";
import { readCall } from "../multicall";
import type { ICorpusTasks } from "../typechain";

/** A task as the registry reports it. */
export type Task = ICorpusTasks.TaskViewStructOutput;
/** A submission as the registry reports it. */
export type Submission = ICorpusTasks.SubmissionViewStructOutput;

/** Task kinds the registry defines from the start (governance may add more). */
export const TASK_KINDS = { labeling: 0, ranking: 1, generation: 2, validation: 3, modelEvaluation: 4 } as const;
export type TaskKindName = keyof typeof TASK_KINDS;

/** Submission statuses, in the order of `ICorpusTasks.Status`. */
export const SUBMISSION_STATUS = [
  "None",
  "Drawing",
  "Reviewing",
  "Provisional",
  "NoAgreement",
  "Disputed",
  "Ruled",
  "Accepted",
  "Rejected",
  "Voided",
] as const;
export type SubmissionStatus = (typeof SUBMISSION_STATUS)[number];

/** What a requester fills in to post a task. Amounts are in the payment token's smallest unit. */
export interface PostTaskInput {
  /** Payment token (default CRP); others must be on the registry's allowlist. */
  token?: string;
  /** Reward per accepted submission. */
  reward: bigint;
  /** Submissions the task pays for. */
  slots: check.Numeric;
  /** When submissions close: a Date or unix seconds. */
  deadline: Date | check.Numeric;
  /** Seconds a panel has to review each submission. */
  reviewWindow: check.Numeric;
  /** Validators per panel (odd). */
  panelSize: check.Numeric;
  /** Attestations that decide (a majority of the panel). */
  quorum: check.Numeric;
  /** A worker's bond per submission (default 0). */
  workerBond?: bigint;
  kind: TaskKindName | check.Numeric;
  /** Where the spec is published. */
  specUri: string;
  /** The spec's content hash (see `hashJson`/`hashBytes`). */
  specHash: string;
  /** How the escrow is funded (default: a permit for CRP, else an exact approval). */
  funding?: FundingMode;
}

/** Tasks, submissions and reviews in the task registry (`CorpusTasks`). */
export class TasksModule {
  constructor(private readonly ctx: ClientContext) {}

  private get registry() {
    return this.ctx.contracts.CorpusTasks;
  }

  /** One task. */
  async get(taskId: bigint): Promise<Task> {
    return read(() => this.registry.getTask(taskId));
  }

  /** Many tasks in a few batched requests (Multicall3), in the order asked. */
  async getMany(taskIds: readonly bigint[]): Promise<Task[]> {
    return this.ctx.multicall.readMany(taskIds.map((id) => readCall(this.registry, "getTask", [id])));
  }

  /** One submission. */
  async getSubmission(submissionId: bigint): Promise<Submission> {
    return read(() => this.registry.getSubmission(submissionId));
  }

  /** Many submissions in a few batched requests. */
  async getSubmissions(submissionIds: readonly bigint[]): Promise<Submission[]> {
    return this.ctx.multicall.readMany(submissionIds.map((id) => readCall(this.registry, "getSubmission", [id])));
  }

  /** Tasks created so far (ids run from 1 to this). */
  async count(): Promise<bigint> {
    return read(() => this.registry.taskCount());
  }

  /**
   * Validates a task against the registry's bounds (read in one batched request), funds the escrow with a
   * permit or an exact approval, creates the task and returns its id. Every invalid field is reported as
   * a {@link CorpusInputError} before anything is signed or sent.
   */
  async post(input: PostTaskInput): Promise<{ taskId: bigint; escrow: bigint; receipt: TransactionReceipt }> {
    const signer = requireSigner(this.ctx, "tasks.post");
    const registry = this.registry;
    const crp = this.ctx.deployment.contracts.CorpusToken;
    const token = check.address("token", input.token ?? crp);
    const [bounds, allowed, kindCount, latest] = await Promise.all([
      this.bounds(),
      token === crp ? Promise.resolve(true) : read(() => registry.isTokenAllowed(token)),
      read(() => registry.taskKindCount()),
      read(() => this.ctx.provider.getBlock("latest")),
    ]);
    if (!allowed) throw new CorpusInputError("token", "is not on the registry's allowlist", token);
    const now = BigInt(latest?.timestamp ?? 0);
    const kind = typeof input.kind === "string" ? kindIndex(input.kind) : input.kind;
    const panelSize = check.integerIn("panelSize", input.panelSize, 1n, bounds.maxPanelSize);
    if (panelSize % 2n === 0n) throw new CorpusInputError("panelSize", "must be odd, so a panel cannot tie", panelSize);
    const params: ICorpusTasks.TaskParamsStruct = {
      token,
      reward: check.amount("reward", input.reward, bounds.maxAmount),
      slots: check.integerIn("slots", input.slots, 1n, bounds.maxSlots),
      // The transaction lands in a later block than the one read, so the deadline must be past that too.
      deadline: check.integerIn(
        "deadline",
        check.unixSeconds("deadline", input.deadline),
        now + 2n,
        now + bounds.maxTaskDuration,
      ),
      reviewWindow: check.integerIn("reviewWindow", input.reviewWindow, bounds.minReviewWindow, bounds.maxReviewWindow),
      panelSize,
      quorum: check.integerIn("quorum", input.quorum, panelSize / 2n + 1n, panelSize),
      workerBond: check.integerIn("workerBond", input.workerBond ?? 0n, 0n, bounds.maxAmount),
      kind: check.integerIn("kind", kind, 0n, kindCount - 1n),
      specUri: check.uri("specUri", input.specUri, bounds.maxUriLength),
      specHash: check.hash32("specHash", input.specHash),
    };
    const [escrow] = await read(() => registry.escrowFor(params.reward, params.slots));
    const spender = await registry.getAddress();
    const permit = await prepareFunding(
      this.ctx,
      signer,
      token,
      spender,
      escrow,
      () => registry.createTask.staticCall(params),
      input.funding,
    );
    const receipt = await transact(this.ctx, () =>
      permit === undefined
        ? registry.createTask.populateTransaction(params)
        : registry.createTaskWithPermit.populateTransaction(params, permit.deadline, permit.v, permit.r, permit.s),
    );
    const created = eventIn(receipt, registry, registry.getEvent("TaskCreated"));
    return { taskId: created.args.taskId, escrow, receipt };
  }

  /**
   * Submits work to a task: checks the URI and hash, approves exactly the task's worker bond if it has one
   * (after a simulation shows the registry would take the submission), and returns the new submission id.
   */
  async submit(
    taskId: bigint,
    work: { contentHash: string; uri: string },
  ): Promise<{ submissionId: bigint; receipt: TransactionReceipt }> {
    const signer = requireSigner(this.ctx, "tasks.submit");
    const registry = this.registry;
    const [task, maxUri] = await Promise.all([this.get(taskId), read(() => registry.MAX_URI_LENGTH())]);
    const contentHash = check.hash32("contentHash", work.contentHash);
    const uri = check.uri("uri", work.uri, maxUri);
    await prepareFunding(
      this.ctx,
      signer,
      task.token,
      await registry.getAddress(),
      task.workerBond,
      () => registry.submit.staticCall(taskId, contentHash, uri),
      "approve",
    );
    const receipt = await transact(this.ctx, () => registry.submit.populateTransaction(taskId, contentHash, uri));
    const submitted = eventIn(receipt, registry, registry.getEvent("Submitted"));
    return { submissionId: submitted.args.submissionId, receipt };
  }

  /** Draws the panel of a submission whose seed is ready (anyone may). */
  async drawPanel(submissionId: bigint): Promise<TransactionReceipt> {
    requireSigner(this.ctx, "tasks.drawPanel");
    return transact(this.ctx, () => this.registry.drawPanel.populateTransaction(submissionId));
  }

  /**
   * Attests as a member of the submission's panel: finds the signer's seat, and hashes `reason` (a short
   * text kept off-chain) into the attestation. A signer not on the panel gets a named error, nothing sent.
   */
  async attest(submissionId: bigint, accept: boolean, reason = ""): Promise<TransactionReceipt> {
    const signer = requireSigner(this.ctx, "tasks.attest");
    const [submission, me] = await Promise.all([this.getSubmission(submissionId), signer.getAddress()]);
    const seat = submission.panel.findIndex((member) => member.toLowerCase() === me.toLowerCase());
    if (seat < 0)
      throw new CorpusInputError("submissionId", `${me} is not on the panel of this submission`, submissionId);
    const reasonHash = reason === "" ? ZeroHash : hashText(reason);
    return transact(this.ctx, () => this.registry.attest.populateTransaction(submissionId, seat, accept, reasonHash));
  }

  /** Requests a new panel seed for a submission whose seed expired before its panel was drawn (anyone may). */
  async renewPanelSeed(submissionId: bigint): Promise<TransactionReceipt> {
    requireSigner(this.ctx, "tasks.renewPanelSeed");
    return transact(this.ctx, () => this.registry.renewPanelSeed.populateTransaction(submissionId));
  }

  /** Settles a submission whose review and dispute windows are over (anyone may). */
  async finalize(submissionId: bigint): Promise<TransactionReceipt> {
    requireSigner(this.ctx, "tasks.finalize");
    return transact(this.ctx, () => this.registry.finalize.populateTransaction(submissionId));
  }

  /**
   * Disputes a panel's verdict as the losing party: approves exactly the arbitration fee in CRP (after a
   * simulation shows the registry would open the dispute) and returns the arbitrator's dispute id.
   */
  async dispute(submissionId: bigint): Promise<{ disputeId: bigint; receipt: TransactionReceipt }> {
    const signer = requireSigner(this.ctx, "tasks.dispute");
    const registry = this.registry;
    const fee = await read(() => this.ctx.contracts.CorpusDisputes.arbitrationCost("0x"));
    await prepareFunding(
      this.ctx,
      signer,
      this.ctx.deployment.contracts.CorpusToken,
      await registry.getAddress(),
      fee,
      () => registry.dispute.staticCall(submissionId),
      "approve",
    );
    const receipt = await transact(this.ctx, () => registry.dispute.populateTransaction(submissionId));
    const disputes = this.ctx.contracts.CorpusDisputes;
    const opened = eventIn(receipt, disputes, disputes.getEvent("DisputeOpened"));
    return { disputeId: opened.args.disputeId, receipt };
  }

  /**
   * Escalates a submission whose panel could not agree to the arbitrator, as its worker (no fee: the
   * registry's escalations are unfunded); returns the dispute id.
   */
  async escalate(submissionId: bigint): Promise<{ disputeId: bigint; receipt: TransactionReceipt }> {
    requireSigner(this.ctx, "tasks.escalate");
    const receipt = await transact(this.ctx, () => this.registry.escalate.populateTransaction(submissionId));
    const disputes = this.ctx.contracts.CorpusDisputes;
    const opened = eventIn(receipt, disputes, disputes.getEvent("DisputeOpened"));
    return { disputeId: opened.args.disputeId, receipt };
  }

  /** Cancels the signer's task: its unreserved escrow becomes withdrawable. */
  async cancel(taskId: bigint): Promise<TransactionReceipt> {
    requireSigner(this.ctx, "tasks.cancel");
    return transact(this.ctx, () => this.registry.cancelTask.populateTransaction(taskId));
  }

  /** The signer's (or `account`'s) withdrawable balance in `token` (default CRP). */
  async balanceOf(account: string, token = this.ctx.deployment.contracts.CorpusToken): Promise<bigint> {
    return read(() => this.registry.balanceOf(token, account));
  }

  /** Withdraws the signer's balance in `token` (default CRP). */
  async withdraw(token = this.ctx.deployment.contracts.CorpusToken): Promise<TransactionReceipt> {
    requireSigner(this.ctx, "tasks.withdraw");
    return transact(this.ctx, () => this.registry.withdraw.populateTransaction(token));
  }

  /** The registry's bounds on task fields, read in one batched request. */
  async bounds() {
    const r = this.registry;
    const [maxAmount, maxSlots, maxTaskDuration, minReviewWindow, maxReviewWindow, maxPanelSize, maxUriLength] =
      await this.ctx.multicall.readMany<bigint>([
        readCall(r, "MAX_AMOUNT", []),
        readCall(r, "MAX_SLOTS", []),
        readCall(r, "MAX_TASK_DURATION", []),
        readCall(r, "MIN_REVIEW_WINDOW", []),
        readCall(r, "MAX_REVIEW_WINDOW", []),
        readCall(r, "MAX_PANEL_SIZE", []),
        readCall(r, "MAX_URI_LENGTH", []),
      ]);
    return {
      maxAmount: maxAmount!,
      maxSlots: maxSlots!,
      maxTaskDuration: maxTaskDuration!,
      minReviewWindow: minReviewWindow!,
      maxReviewWindow: maxReviewWindow!,
      maxPanelSize: maxPanelSize!,
      maxUriLength: maxUriLength!,
    };
  }
}

function kindIndex(name: string): number {
  const index = (TASK_KINDS as Record<string, number>)[name];
  if (index === undefined) {
    throw new CorpusInputError("kind", `must be one of ${Object.keys(TASK_KINDS).join(", ")} or a number`, name);
  }
  return index;
}
