import type { DisputeState } from "./disputes-model";
import type { ProtocolModel } from "./protocol-model";
import type { SubmissionState, TaskState } from "./registry-model";
import { MAX_APPEALS, SEED_LIFETIME } from "./terms";

/**
 * What each command applies to, by the model alone: the commands' checks, and the targets they pick from.
 *
 * Hardhat's clock follows the wall clock between blocks, so a call that must land before a deadline is
 * only made while the deadline is at least {@link MARGIN} away (a whole run takes far less); a call that
 * must land after one is made once the latest block is past it.
 */
export const MARGIN = 600n;
/** Blocks of slack before a seed expires (each command mines a few blocks of its own). */
const SEED_MARGIN = 8;

/** Whether the seed requested for `seedBlock` still serves a draw made after mining one more block. */
function seedFresh(m: ProtocolModel, seedBlock: number): boolean {
  return m.block + 2 + SEED_MARGIN <= seedBlock + SEED_LIFETIME;
}

/** Everyone with a signer in the cast. */
export function signers(m: ProtocolModel): string[] {
  return [m.cast.requester, ...m.cast.workers, m.cast.licensee, ...m.cast.validators];
}

/** Tasks `worker` can submit to. */
export function submittable(m: ProtocolModel, worker: string): TaskState[] {
  return m.registry.tasks.filter((t) => m.registry.canSubmit(t, worker, m.now + MARGIN));
}

/** Submissions whose panel can be drawn now: in time, with a live seed and enough eligible validators. */
export function drawable(m: ProtocolModel): SubmissionState[] {
  return m.registry.submissions.filter(
    (s) =>
      s.status === "Drawing" &&
      m.now + MARGIN <= s.reviewDeadline &&
      seedFresh(m, s.seedBlock) &&
      m.registry.panelCandidates(s).length >= s.task.panelSize,
  );
}

/** The seats of `sub`'s panel that have not attested. */
export function absentSeats(sub: SubmissionState): number[] {
  return [...sub.panel.keys()].filter((seat) => (sub.voted & (1 << seat)) === 0);
}

/** Submissions whose panel can still attest, with someone besides the seat `absent` left to attest. */
export function attestable(m: ProtocolModel, absent: number): SubmissionState[] {
  return m.registry.submissions.filter(
    (s) =>
      (s.status === "Reviewing" || s.status === "Provisional") &&
      m.now + MARGIN <= s.reviewDeadline &&
      absentSeats(s).some((seat) => seat !== absent),
  );
}

/** Submissions that can be finalized, after a warp past the window they wait for. */
export function finalizable(m: ProtocolModel): SubmissionState[] {
  return m.registry.submissions.filter((s) => {
    const after = m.registry.finalizableAfter(s);
    // A disputed submission is voided only after the arbitrator's 180 days: never warped to here.
    return after !== undefined && (s.status !== "Disputed" || m.now > after);
  });
}

/** Provisional verdicts still in their dispute window. */
export function disputable(m: ProtocolModel): SubmissionState[] {
  return m.registry.submissions.filter((s) => s.status === "Provisional" && m.now + MARGIN <= s.disputeDeadline);
}

/** Disputes whose current round's jury can be drawn now: in time, with a live seed and enough jurors. */
export function roundsToDraw(m: ProtocolModel): DisputeState[] {
  return m.disputes.disputes.filter((d) => {
    const round = m.disputes.lastRound(d);
    return (
      !d.executed &&
      !round.drawn &&
      m.now + MARGIN <= round.commitEnd &&
      seedFresh(m, round.seedBlock) &&
      m.disputes.juryCandidates(d).length >= round.size
    );
  });
}

export function openDisputes(m: ProtocolModel): DisputeState[] {
  return m.disputes.disputes.filter((d) => !d.executed);
}

/** Whether the losing side may still appeal the current round of `d`. */
export function appealable(m: ProtocolModel, d: DisputeState): boolean {
  const round = m.disputes.lastRound(d);
  return round.drawn && round.index < MAX_APPEALS && m.now > round.revealEnd && m.now + MARGIN <= round.appealEnd;
}

/** alice's finished tasks not minted yet, if one of them has accepted work (a token needs units). */
export function mintableTasks(m: ProtocolModel): TaskState[] {
  const finished = m.registry.tasks.filter((t) => m.data.mintable(t, m.now));
  return finished.some((t) => t.accepted !== 0n) ? finished : [];
}
