/**
 * An operator's duties, found from the chain's events: a seat on a review panel (`PanelDrawn` lists the
 * members) or on a dispute's jury (`JuryDrawn` lists the jurors). Neither list is indexed, so every draw in a
 * block range is read and filtered by membership; draws are rare next to other events.
 */
import { type CorpusClient, SUBMISSION_STATUS } from "@corpus-protocol/sdk";

export interface ReviewDuty {
  kind: "review";
  submissionId: bigint;
  round: bigint;
  reviewDeadline: bigint;
  /** The block the panel was drawn in. */
  block: number;
}

export interface JuryDuty {
  kind: "jury";
  disputeId: bigint;
  round: bigint;
  commitEnd: bigint;
  revealEnd: bigint;
  block: number;
}

/**
 * A draw anyone may make once its seed exists (`readyBlock`): a keeper daemon makes it so reviews never wait
 * on a third party. Not an obligation of the operator's; only followed with `keeper` on.
 */
export interface DrawDuty {
  kind: "draw-panel" | "draw-jury";
  /** The submission (draw-panel) or dispute (draw-jury). */
  id: bigint;
  round: bigint;
  readyBlock: bigint;
  block: number;
}

export type Duty = ReviewDuty | JuryDuty | DrawDuty;

/** One key per duty: the same draw found twice (a rescan after a reorg or a restart) is one duty. */
export function dutyKey(duty: Duty): string {
  switch (duty.kind) {
    case "review":
      return `review:${duty.submissionId}:${duty.round}`;
    case "jury":
      return `jury:${duty.disputeId}:${duty.round}`;
    default:
      return `${duty.kind}:${duty.id}:${duty.round}`;
  }
}

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** The duties of `operator` drawn in blocks `fromBlock..toBlock`. */
export async function dutiesIn(
  client: CorpusClient,
  operator: string,
  fromBlock: number,
  toBlock: number,
): Promise<Duty[]> {
  if (toBlock < fromBlock) return [];
  const { CorpusTasks: tasks, CorpusDisputes: disputes } = client.contracts;
  const range = { fromBlock, toBlock };
  const [panels, juries] = await Promise.all([
    client.queryEvents(tasks, tasks.filters.PanelDrawn(), range),
    client.queryEvents(disputes, disputes.filters.JuryDrawn(), range),
  ]);
  const duties: Duty[] = [];
  for (const e of panels) {
    if (!e.args.panel.some((member) => same(member, operator))) continue;
    duties.push({
      kind: "review",
      submissionId: e.args.submissionId,
      round: e.args.round,
      reviewDeadline: e.args.reviewDeadline,
      block: e.blockNumber,
    });
  }
  for (const e of juries) {
    if (!e.args.jurors.some((juror) => same(juror, operator))) continue;
    duties.push({
      kind: "jury",
      disputeId: e.args.disputeId,
      round: e.args.round,
      commitEnd: e.args.commitEnd,
      revealEnd: e.args.revealEnd,
      block: e.blockNumber,
    });
  }
  return duties.sort((a, b) => a.block - b.block);
}

/** Draws requested in blocks `fromBlock..toBlock` (panel seeds, jury rounds and renewed jury seeds). */
export async function drawsIn(client: CorpusClient, fromBlock: number, toBlock: number): Promise<DrawDuty[]> {
  if (toBlock < fromBlock) return [];
  const { CorpusTasks: tasks, CorpusDisputes: disputes } = client.contracts;
  const range = { fromBlock, toBlock };
  const [panels, rounds, renewed] = await Promise.all([
    client.queryEvents(tasks, tasks.filters.PanelRequested(), range),
    client.queryEvents(disputes, disputes.filters.RoundStarted(), range),
    client.queryEvents(disputes, disputes.filters.JurySeedRenewed(), range),
  ]);
  const draws: DrawDuty[] = [
    ...panels.map((e) => ({
      kind: "draw-panel" as const,
      id: e.args.submissionId,
      round: e.args.round,
      readyBlock: e.args.readyBlock,
      block: e.blockNumber,
    })),
    ...[...rounds, ...renewed].map((e) => ({
      kind: "draw-jury" as const,
      id: e.args.disputeId,
      round: e.args.round,
      readyBlock: e.args.readyBlock,
      block: e.blockNumber,
    })),
  ];
  return draws.sort((a, b) => a.block - b.block);
}

/** Whether a review seat still wants an attestation: the panel round is live and this seat has not voted. */
export async function reviewIsOpen(client: CorpusClient, operator: string, duty: ReviewDuty): Promise<boolean> {
  const sub = await client.tasks.getSubmission(duty.submissionId);
  // Reviewing, or Provisional: members may still attest after a verdict, until the deadline.
  const status = SUBMISSION_STATUS[Number(sub.status)];
  if ((status !== "Reviewing" && status !== "Provisional") || sub.round !== duty.round) return false;
  const seat = sub.panel.findIndex((member) => same(member, operator));
  return seat >= 0 && (sub.voted & (1n << BigInt(seat))) === 0n;
}

/** Whether a jury seat still wants a commit or a reveal. */
export async function juryIsOpen(client: CorpusClient, operator: string, duty: JuryDuty): Promise<boolean> {
  const [dispute, seat] = await Promise.all([
    client.disputes.get(duty.disputeId),
    client.contracts.CorpusDisputes.seatOf(duty.disputeId, duty.round, operator),
  ]);
  const live = dispute.round === duty.round && ["Evidence", "Commit", "Reveal"].includes(dispute.phaseName);
  return live && seat.drawn && !seat.revealed;
}

/** Duties of `operator` since the deployment that still want something done (what `corpus status` lists). */
export async function openDuties(client: CorpusClient, operator: string): Promise<Duty[]> {
  const head = await client.provider.getBlockNumber();
  const all = await dutiesIn(client, operator, client.deployment.startBlock, head);
  const open = await Promise.all(
    all.map((duty) =>
      duty.kind === "review"
        ? reviewIsOpen(client, operator, duty)
        : duty.kind === "jury"
          ? juryIsOpen(client, operator, duty)
          : Promise.resolve(false),
    ),
  );
  return all.filter((_, i) => open[i]);
}
