/** Commands on the task registry: tasks, submissions, panels, verdicts, cancels and withdrawals. */

import { expect } from "chai";
import { mine } from "@nomicfoundation/hardhat-network-helpers";
import { hashJson, hashText, isCorpusContractError } from "../../../sdk/src";
import type { TaskSpec } from "./registry-model";
import { DAY, Step, expectRefused, expectWalletMoves, pickFrom, warpTo } from "./step";
import type { ProtocolModel } from "./protocol-model";
import { type Real, clientOf, nameOf, nonceOf, timeOf } from "./system";
import { MARGIN, absentSeats, attestable, drawable, finalizable, signers, submittable } from "./targets";

export interface PostSpec {
  reward: bigint;
  slots: number;
  panelSize: 1 | 3;
  unanimous: boolean;
  bond: bigint;
  days: number;
  reviewHours: number;
}

const MAX_TASKS = 5;

export class PostTask extends Step {
  constructor(readonly spec: PostSpec) {
    super();
  }
  check(m: ProtocolModel) {
    return m.registry.tasks.length < MAX_TASKS;
  }
  toString() {
    const s = this.spec;
    const panel = `panel ${s.panelSize}${s.unanimous ? " unanimous" : ""}`;
    return `PostTask(${s.slots} x ${s.reward}, bond ${s.bond}, ${panel}, ${s.days} d, review ${s.reviewHours} h)`;
  }
  protected async act(m: ProtocolModel, r: Real) {
    const s = this.spec;
    const requester = r.cast.requester;
    const spec: TaskSpec = {
      reward: s.reward,
      slots: BigInt(s.slots),
      deadline: m.now + BigInt(s.days) * DAY,
      reviewWindow: BigInt(s.reviewHours) * 3_600n,
      panelSize: s.panelSize,
      quorum: s.panelSize === 1 ? 1 : s.unanimous ? 3 : 2,
      bond: s.bond,
    };
    const escrow = m.registry.escrowFor(spec.reward, spec.slots);
    const nonce = await nonceOf(requester);
    const { taskId, escrow: paid } = await expectWalletMoves(r, requester, -escrow, () =>
      clientOf(r, requester).tasks.post({
        reward: spec.reward,
        slots: spec.slots,
        deadline: spec.deadline,
        reviewWindow: spec.reviewWindow,
        panelSize: spec.panelSize,
        quorum: spec.quorum,
        workerBond: spec.bond,
        kind: "labeling",
        specUri: `ipfs://spec-${m.registry.tasks.length + 1}.json`,
        specHash: hashJson({ task: m.registry.tasks.length + 1 }),
      }),
    );
    expect(await nonceOf(requester), "funded with a permit: one transaction").to.equal(nonce + 1);
    const task = m.registry.post(spec);
    expect([taskId, paid], "task id and escrow").to.deep.equal([task.id, escrow]);
    return `task ${task.id}, escrow ${escrow}`;
  }
}

export class Submit extends Step {
  constructor(
    readonly worker: number,
    readonly pick: number,
  ) {
    super();
  }
  private target(m: ProtocolModel) {
    const worker = m.cast.workers[this.worker % m.cast.workers.length] ?? "";
    return { worker, task: pickFrom(submittable(m, worker), this.pick) };
  }
  check(m: ProtocolModel) {
    return this.target(m).task !== undefined;
  }
  toString() {
    return `Submit(worker ${this.worker}, pick ${this.pick})`;
  }
  protected async act(m: ProtocolModel, r: Real) {
    const { worker, task } = this.target(m);
    if (task === undefined) throw new Error("no target");
    const { submissionId, receipt } = await expectWalletMoves(r, worker, -task.bond, () =>
      clientOf(r, worker).tasks.submit(task.id, {
        contentHash: hashText(`work ${m.registry.submissions.length + 1}`),
        uri: `ipfs://work-${m.registry.submissions.length + 1}`,
      }),
    );
    const sub = m.registry.submit(task, worker, await timeOf(r, receipt), receipt.blockNumber);
    expect(submissionId, "submission id").to.equal(sub.id);
    return `${nameOf(r, worker)} submits ${sub.id} to task ${task.id}`;
  }
}

/** A refusal: submitting to a task whose slots are all taken or pending is refused (the registry's error), nothing sent. */
export class SubmitToFullTask extends Step {
  constructor(
    readonly worker: number,
    readonly pick: number,
  ) {
    super();
  }
  private target(m: ProtocolModel) {
    const worker = m.cast.workers[this.worker % m.cast.workers.length] ?? "";
    // A worker with a live submission in the task is refused for that first (SubmitWhileLive's case).
    const full = m.registry.tasks.filter(
      (t) => m.registry.isOpen(t, m.now + MARGIN) && !m.registry.hasFreeSlot(t) && !t.live.has(worker),
    );
    return { worker, task: pickFrom(full, this.pick) };
  }
  check(m: ProtocolModel) {
    return this.target(m).task !== undefined;
  }
  toString() {
    return `SubmitToFullTask(worker ${this.worker}, pick ${this.pick})`;
  }
  protected async act(m: ProtocolModel, r: Real) {
    const { worker, task } = this.target(m);
    if (task === undefined) throw new Error("no target");
    const error = await expectRefused(worker, () =>
      clientOf(r, worker).tasks.submit(task.id, { contentHash: hashText("late"), uri: "ipfs://late" }),
    );
    expect(isCorpusContractError(error, "TasksNoFreeSlot")).to.equal(true, String(error));
    m.reached.add("refused: full task");
    return `task ${task.id} refused`;
  }
}

/**
 * A refusal: a worker with a live submission in a task submits to it again; the registry's error comes
 * back from the SDK's estimate, nothing sent. Only for tasks without a bond (with one, the SDK's simulation
 * refuses it before the approval: the dedicated test in model.test.ts).
 */
export class SubmitWhileLive extends Step {
  constructor(readonly pick: number) {
    super();
  }
  private targets(m: ProtocolModel) {
    return m.registry.tasks.flatMap((task) =>
      task.bond !== 0n || !m.registry.isOpen(task, m.now + MARGIN) || !m.registry.hasFreeSlot(task)
        ? []
        : [...task.live].map(([worker, submissionId]) => ({ task, worker, submissionId })),
    );
  }
  check(m: ProtocolModel) {
    return this.targets(m).length !== 0;
  }
  toString() {
    return `SubmitWhileLive(pick ${this.pick})`;
  }
  protected async act(m: ProtocolModel, r: Real) {
    const target = pickFrom(this.targets(m), this.pick);
    if (target === undefined) throw new Error("no target");
    const { task, worker, submissionId } = target;
    const error = await expectRefused(worker, () =>
      clientOf(r, worker).tasks.submit(task.id, { contentHash: hashText("again"), uri: "ipfs://again" }),
    );
    expect(isCorpusContractError(error, "TasksLiveSubmission"), String(error)).to.equal(true);
    if (isCorpusContractError(error, "TasksLiveSubmission")) {
      expect([error.args.taskId, error.args.worker, error.args.submissionId]).to.deep.equal([
        task.id,
        worker,
        submissionId,
      ]);
    }
    m.reached.add("refused: live submission");
    return `${nameOf(r, worker)} refused on task ${task.id}`;
  }
}

export class DrawPanel extends Step {
  constructor(readonly pick: number) {
    super();
  }
  check(m: ProtocolModel) {
    return drawable(m).length !== 0;
  }
  toString() {
    return `DrawPanel(pick ${this.pick})`;
  }
  protected async act(m: ProtocolModel, r: Real) {
    const sub = pickFrom(drawable(m), this.pick);
    if (sub === undefined) throw new Error("no target");
    const candidates = m.registry.panelCandidates(sub);
    await mine(1);
    const receipt = await clientOf(r, sub.worker).tasks.drawPanel(sub.id);
    const panel = [...(await r.reader.tasks.getSubmission(sub.id)).panel];
    expect(panel, "panel size").to.have.length(sub.task.panelSize);
    expect(new Set(panel).size, "distinct members").to.equal(panel.length);
    for (const member of panel) expect(candidates, "an eligible validator, not a party").to.include(member);
    m.registry.drawPanel(sub, panel, await timeOf(r, receipt));
    return `submission ${sub.id}: [${panel.map((a) => nameOf(r, a)).join(", ")}]`;
  }
}

export interface Votes {
  /** What the panel mostly says. */
  accept: boolean;
  /** The seat that says the opposite, and the seat that stays silent (no one if past the panel). */
  dissent: number;
  absent: number;
}

export class Attest extends Step {
  constructor(
    readonly pick: number,
    readonly votes: Votes,
  ) {
    super();
  }
  check(m: ProtocolModel) {
    return attestable(m, this.votes.absent).length !== 0;
  }
  toString() {
    const v = this.votes;
    return `Attest(pick ${this.pick}, ${v.accept ? "accept" : "reject"}, dissent ${v.dissent}, absent ${v.absent})`;
  }
  protected async act(m: ProtocolModel, r: Real) {
    const sub = pickFrom(attestable(m, this.votes.absent), this.pick);
    if (sub === undefined) throw new Error("no target");
    const said: string[] = [];
    for (const seat of absentSeats(sub)) {
      if (seat === this.votes.absent) continue;
      const accept = seat === this.votes.dissent ? !this.votes.accept : this.votes.accept;
      const member = sub.panel[seat] ?? "";
      const receipt = await clientOf(r, member).tasks.attest(sub.id, accept, accept ? "fine" : "junk");
      m.registry.attest(sub, seat, accept, await timeOf(r, receipt));
      said.push(`${nameOf(r, member)} ${accept ? "accepts" : "rejects"}`);
    }
    return `submission ${sub.id}: ${said.join(", ")} -> ${sub.status}`;
  }
}

/** Warps past whatever the submission waits for (its review or dispute window), then finalizes it. */
export class WarpAndFinalize extends Step {
  constructor(readonly pick: number) {
    super();
  }
  check(m: ProtocolModel) {
    return finalizable(m).length !== 0;
  }
  toString() {
    return `WarpAndFinalize(pick ${this.pick})`;
  }
  protected async act(m: ProtocolModel, r: Real) {
    const sub = pickFrom(finalizable(m), this.pick);
    const after = sub === undefined ? undefined : m.registry.finalizableAfter(sub);
    if (sub === undefined || after === undefined) throw new Error("no target");
    const was = sub.status;
    const absent = sub.panel.length !== 0 && !m.registry.allVoted(sub);
    await warpTo(after + 1n);
    const receipt = await clientOf(r, sub.worker).tasks.finalize(sub.id);
    const status = m.registry.finalize(sub, await timeOf(r, receipt));
    m.reached.add(`${was} -> ${status}`);
    if (absent) m.reached.add(sub.cutShort ? "absentee excused (review cut short)" : "absentee penalized");
    return `submission ${sub.id}: ${was} -> ${status}`;
  }
}

export class Cancel extends Step {
  constructor(readonly pick: number) {
    super();
  }
  private targets(m: ProtocolModel) {
    return m.registry.tasks.filter((t) => m.registry.isOpen(t, m.now + MARGIN));
  }
  check(m: ProtocolModel) {
    return this.targets(m).length !== 0;
  }
  toString() {
    return `Cancel(pick ${this.pick})`;
  }
  protected async act(m: ProtocolModel, r: Real) {
    const task = pickFrom(this.targets(m), this.pick);
    if (task === undefined) throw new Error("no target");
    await clientOf(r, r.cast.requester).tasks.cancel(task.id);
    const refund = task.funds;
    m.registry.cancel(task);
    return `task ${task.id}: ${refund} back to alice's balance`;
  }
}

export class Withdraw extends Step {
  constructor(readonly pick: number) {
    super();
  }
  private targets(m: ProtocolModel) {
    return signers(m).filter((a) => (m.registry.balances.get(a) ?? 0n) !== 0n);
  }
  check(m: ProtocolModel) {
    return this.targets(m).length !== 0;
  }
  toString() {
    return `Withdraw(pick ${this.pick})`;
  }
  protected async act(m: ProtocolModel, r: Real) {
    const account = pickFrom(this.targets(m), this.pick) ?? "";
    const amount = m.registry.balances.get(account) ?? 0n;
    await expectWalletMoves(r, account, amount, () => clientOf(r, account).tasks.withdraw());
    m.registry.withdraw(account);
    return `${nameOf(r, account)} withdraws ${amount}`;
  }
}

/** A refusal: withdrawing an empty registry balance comes back as the registry's error, nothing sent. */
export class WithdrawNothing extends Step {
  constructor(readonly pick: number) {
    super();
  }
  private targets(m: ProtocolModel) {
    return signers(m).filter((a) => (m.registry.balances.get(a) ?? 0n) === 0n);
  }
  check(m: ProtocolModel) {
    return this.targets(m).length !== 0;
  }
  toString() {
    return `WithdrawNothing(pick ${this.pick})`;
  }
  protected async act(m: ProtocolModel, r: Real) {
    const account = pickFrom(this.targets(m), this.pick) ?? "";
    const error = await expectRefused(account, () => clientOf(r, account).tasks.withdraw());
    expect(isCorpusContractError(error, "TasksNothingToWithdraw"), String(error)).to.equal(true);
    if (isCorpusContractError(error, "TasksNothingToWithdraw")) {
      expect([error.args.token, error.args.account]).to.deep.equal([r.crp, account]);
    }
    m.reached.add("refused: nothing to withdraw");
    return `${nameOf(r, account)} refused`;
  }
}
