import { mine, time } from "@nomicfoundation/hardhat-network-helpers";
import { type Signer, hexlify, randomBytes } from "ethers";
import type { CorpusDeployment } from "../../deploy/deploy-corpus";
import { asAccount } from "./impersonate";

/** Dispute phases, in the order of `ICorpusDisputes.Phase`. */
export const PHASE = {
  None: 0n,
  Drawing: 1n,
  Evidence: 2n,
  Commit: 3n,
  Reveal: 4n,
  Appeal: 5n,
  Final: 6n,
  Executed: 7n,
} as const;

/** A juror's vote: a ruling (1 accept, 2 reject for the task registry), or null to stay silent. */
export type Vote = bigint | null;

/** What a juror must keep between commit and reveal. */
export interface Ballot {
  juror: string;
  vote: bigint;
  salt: string;
}

/** A fresh 32-byte salt: the only secret that hides a committed vote. */
export function newSalt(): string {
  return hexlify(randomBytes(32));
}

/** The dispute id of the registry's `SubmissionDisputed` event in `receipt`. */
export function disputeIdFrom(
  d: CorpusDeployment,
  receipt: { logs: readonly { topics: readonly string[]; data: string }[] } | null,
): bigint {
  for (const log of receipt?.logs ?? []) {
    const parsed = d.disputes.interface.parseLog({ topics: [...log.topics], data: log.data });
    if (parsed?.name === "DisputeOpened") return parsed.args.getValue("disputeId") as bigint;
  }
  throw new Error("No DisputeOpened event in the receipt");
}

/** The exclusion list a dispute was opened with (from its `DisputeOpened` event): what `drawJury` needs. */
export async function excludedOf(d: CorpusDeployment, disputeId: bigint): Promise<string[]> {
  const [event] = await d.disputes.queryFilter(d.disputes.filters.DisputeOpened(disputeId));
  if (event === undefined) throw new Error(`Dispute ${disputeId} has no DisputeOpened event`);
  return [...event.args.excluded];
}

/** Mines until the current round's seed exists and draws its jury (local networks); returns the jurors. */
export async function drawJuryWhenReady(d: CorpusDeployment, disputeId: bigint, caller?: Signer): Promise<string[]> {
  await mine(1);
  const disputes = caller === undefined ? d.disputes : d.disputes.connect(caller);
  await (await disputes.drawJury(disputeId, await excludedOf(d, disputeId))).wait();
  const { round } = await d.disputes.getDispute(disputeId);
  return [...(await d.disputes.getRound(disputeId, round)).jurors];
}

/** The current round of a dispute. */
export async function currentRound(d: CorpusDeployment, disputeId: bigint) {
  const { round } = await d.disputes.getDispute(disputeId);
  const r = await d.disputes.getRound(disputeId, round);
  return {
    round,
    drawn: r.drawn,
    jurors: [...r.jurors],
    evidenceEnd: r.evidenceEnd,
    commitEnd: r.commitEnd,
    revealEnd: r.revealEnd,
    appealEnd: r.appealEnd,
  };
}

/** Moves time just past the end of `phase` of the current round (local networks). */
export async function passPhase(
  d: CorpusDeployment,
  disputeId: bigint,
  phase: "evidence" | "commit" | "reveal" | "appeal",
) {
  const r = await currentRound(d, disputeId);
  const end = { evidence: r.evidenceEnd, commit: r.commitEnd, reveal: r.revealEnd, appeal: r.appealEnd }[phase];
  const now = BigInt(await time.latest());
  if (now <= end) await time.increaseTo(end + 1n);
}

/** Commits `vote` for `juror` with a fresh salt, acting as the juror (local networks); returns the ballot. */
export async function commitAs(d: CorpusDeployment, disputeId: bigint, juror: string, vote: bigint): Promise<Ballot> {
  const { round } = await d.disputes.getDispute(disputeId);
  const salt = newSalt();
  const commitment = await d.disputes.commitmentOf(disputeId, round, juror, vote, salt);
  await asAccount(juror, async (signer) => (await d.disputes.connect(signer).commitVote(disputeId, commitment)).wait());
  return { juror, vote, salt };
}

/** Reveals a ballot, acting as its juror (local networks). */
export async function revealAs(d: CorpusDeployment, disputeId: bigint, ballot: Ballot) {
  await asAccount(ballot.juror, async (signer) =>
    (await d.disputes.connect(signer).revealVote(disputeId, ballot.vote, ballot.salt)).wait(),
  );
}

/**
 * Runs the current round to the end of its reveal period: draws the jury if needed, passes the evidence
 * period, commits `votes[i]` for juror i (null: juror i never commits), then reveals every ballot whose
 * `reveal[i]` is not false. Returns the jurors and the ballots.
 */
export async function runRound(
  d: CorpusDeployment,
  disputeId: bigint,
  votes: Vote[],
  reveal: boolean[] = [],
): Promise<{ jurors: string[]; ballots: Ballot[] }> {
  const r = await currentRound(d, disputeId);
  const jurors = r.drawn ? [...r.jurors] : await drawJuryWhenReady(d, disputeId);
  await passPhase(d, disputeId, "evidence");
  const ballots: Ballot[] = [];
  for (const [i, juror] of jurors.entries()) {
    const vote = votes[i] ?? null;
    if (vote !== null) ballots.push(await commitAs(d, disputeId, juror, vote));
  }
  await passPhase(d, disputeId, "commit");
  for (const ballot of ballots) {
    if (reveal[jurors.indexOf(ballot.juror)] !== false) await revealAs(d, disputeId, ballot);
  }
  await passPhase(d, disputeId, "reveal");
  return { jurors, ballots };
}

/** Passes the appeal period, executes the ruling and settles every round; returns the final ruling. */
export async function closeDispute(d: CorpusDeployment, disputeId: bigint): Promise<bigint> {
  const { round } = await d.disputes.getDispute(disputeId);
  const last = await d.disputes.getRound(disputeId, round);
  const end = last.drawn ? last.appealEnd : last.commitEnd;
  if (BigInt(await time.latest()) <= end) await time.increaseTo(end + 1n);
  const [ruling] = await d.disputes.currentRuling(disputeId);
  await (await d.disputes.executeRuling(disputeId)).wait();
  for (let r = 0n; r <= round; r++) {
    if (!(await d.disputes.getRound(disputeId, r)).settled) await (await d.disputes.settleRound(disputeId, r)).wait();
  }
  return ruling;
}
