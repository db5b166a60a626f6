import { AbiCoder, type TransactionReceipt, hexlify, keccak256, randomBytes } from "ethers";
import { CorpusInputError, CorpusSaltNotFoundError } from "../errors/sdk-errors";
import { queryEvents } from "../events";
import type { ClientContext } from "../internal/context";
import { requireSigner } from "../internal/context";
import { prepareFunding } from "../internal/funding";
import { read, transact } from "../internal/transact";
import * as check from "../internal/validate";
import { type StoredBallot, ballotKey } from "../salt-store";
import type { ICorpusDisputes } from "../typechain";

/** A dispute as `getDispute` reports it, with its phase also as a name. */
export interface Dispute {
  arbitrable: string;
  /** Rulings besides 0. */
  choices: bigint;
  /** The current (last) round. */
  round: bigint;
  phase: bigint;
  phaseName: DisputePhase;
  ruling: bigint;
  /** The parties in ruling order: `parties[r - 1]` is favoured by ruling `r`. */
  parties: string[];
}
export type Round = ICorpusDisputes.RoundViewStructOutput;

/** Dispute phases, in the order of `ICorpusDisputes.Phase`. */
export const DISPUTE_PHASES = [
  "None",
  "Drawing",
  "Evidence",
  "Commit",
  "Reveal",
  "Appeal",
  "Final",
  "Executed",
] as const;
export type DisputePhase = (typeof DISPUTE_PHASES)[number];

/**
 * The commitment `CorpusDisputes.commitVote` expects, computed locally: sending vote and salt to a node
 * (as a call to the contract's `commitmentOf` would) shows the vote to whoever runs the node.
 */
export function voteCommitment(p: {
  chainId: bigint;
  arbitrator: string;
  disputeId: bigint;
  round: bigint;
  juror: string;
  vote: bigint;
  salt: string;
}): string {
  return keccak256(
    AbiCoder.defaultAbiCoder().encode(
      ["uint256", "address", "uint256", "uint256", "address", "uint256", "bytes32"],
      [p.chainId, p.arbitrator, p.disputeId, p.round, p.juror, p.vote, p.salt],
    ),
  );
}

/** Where a ballot waits, keyed by its own commitment, between being saved and its commit being mined. */
function pendingKey(key: string, commitment: string): string {
  return `${key}:pending:${commitment.toLowerCase()}`;
}

/** Jury duty and disputes in the arbitrator (`CorpusDisputes`). */
export class DisputesModule {
  constructor(private readonly ctx: ClientContext) {}

  private get disputes() {
    return this.ctx.contracts.CorpusDisputes;
  }

  /** A dispute, with its phase as a name. */
  async get(disputeId: bigint): Promise<Dispute> {
    const d = await read(() => this.disputes.getDispute(disputeId));
    return {
      arbitrable: d.arbitrable,
      choices: d.choices,
      round: d.round,
      phase: d.phase,
      phaseName: DISPUTE_PHASES[Number(d.phase)] ?? "None",
      ruling: d.ruling,
      parties: [...d.parties],
    };
  }

  /** A round of a dispute (the current one by default). */
  async round(disputeId: bigint, round?: bigint): Promise<Round> {
    const r = round ?? (await this.get(disputeId)).round;
    return read(() => this.disputes.getRound(disputeId, r));
  }

  /** The parties and everyone excluded from the jury, as the dispute was opened: what `drawJury` needs. */
  async excluded(disputeId: bigint): Promise<string[]> {
    const disputes = this.disputes;
    const [opened] = await queryEvents(
      disputes,
      disputes.filters.DisputeOpened(disputeId),
      { fromBlock: this.ctx.deployment.startBlock },
      this.ctx.provider,
    );
    if (opened === undefined) throw new CorpusInputError("disputeId", "no such dispute", disputeId);
    return [...opened.args.excluded];
  }

  /** Draws the current round's jury once its seed is ready (anyone may). */
  async drawJury(disputeId: bigint): Promise<TransactionReceipt> {
    requireSigner(this.ctx, "disputes.drawJury");
    const excluded = await this.excluded(disputeId);
    return transact(this.ctx, () => this.disputes.drawJury.populateTransaction(disputeId, excluded));
  }

  /** Requests a new seed for the current round's jury when its seed expired before the draw (anyone may). */
  async renewJurySeed(disputeId: bigint): Promise<TransactionReceipt> {
    requireSigner(this.ctx, "disputes.renewJurySeed");
    return transact(this.ctx, () => this.disputes.renewJurySeed.populateTransaction(disputeId));
  }

  /** Posts evidence as a party: a URI and the content hash of what it points to. */
  async submitEvidence(disputeId: bigint, uri: string, contentHash: string): Promise<TransactionReceipt> {
    requireSigner(this.ctx, "disputes.submitEvidence");
    if (uri.length === 0) throw new CorpusInputError("uri", "must not be empty");
    const hash = check.hash32("contentHash", contentHash);
    return transact(this.ctx, () => this.disputes.submitEvidence.populateTransaction(disputeId, uri, hash));
  }

  /**
   * Commits the signer's vote in the current round. A fresh random salt is generated and written to the
   * client's salt store *before* the transaction is sent, so a crash at any later point can still reveal.
   * The ballot is stored as pending first and as final once the commit is mined; a reveal uses whichever
   * matches the commitment on-chain, so a re-commit that never got mined cannot strand the earlier one.
   */
  async commit(disputeId: bigint, vote: bigint): Promise<{ round: bigint; receipt: TransactionReceipt }> {
    const signer = requireSigner(this.ctx, "disputes.commit");
    const [dispute, juror] = await Promise.all([this.get(disputeId), signer.getAddress()]);
    // Vote 0 ("no ruling") cannot be revealed: a juror votes for one of the choices.
    check.integerIn("vote", vote, 1n, dispute.choices);
    const round = dispute.round;
    const seat = await read(() => this.disputes.seatOf(disputeId, round, juror));
    if (!seat.drawn) throw new CorpusInputError("disputeId", `${juror} is not on the jury of round ${round}`);
    // A second commit would be refused on-chain; refusing it here keeps the first one's salt untouched.
    if (seat.committed) throw new CorpusInputError("disputeId", `${juror} already committed in round ${round}`);
    const arbitrator = await this.disputes.getAddress();
    const key = ballotKey(this.ctx.chainId, arbitrator, disputeId, round, juror);
    const salt = hexlify(randomBytes(32));
    const commitment = voteCommitment({ chainId: this.ctx.chainId, arbitrator, disputeId, round, juror, vote, salt });
    const ballot: StoredBallot = { vote, salt, commitment };
    // Durable before the commit leaves this process, under a key of its own commitment: a retry after a
    // crash writes another pending ballot and never overwrites the one that may already be on-chain.
    await this.ctx.saltStore.put(pendingKey(key, commitment), ballot);
    const receipt = await transact(this.ctx, () => this.disputes.commitVote.populateTransaction(disputeId, commitment));
    await this.ctx.saltStore.put(key, ballot);
    await this.ctx.saltStore.delete(pendingKey(key, commitment));
    return { round, receipt };
  }

  /**
   * Reveals the signer's committed vote in the current round (or `round`) with the salt from the store.
   * Finds the right ballot even after a crash between sending a commit and storing it as final.
   */
  async reveal(disputeId: bigint, round?: bigint): Promise<TransactionReceipt> {
    const signer = requireSigner(this.ctx, "disputes.reveal");
    const [juror, r] = await Promise.all([signer.getAddress(), round ?? this.get(disputeId).then((d) => d.round)]);
    const ballot = await this.storedBallot(disputeId, r, juror);
    return transact(this.ctx, () => this.disputes.revealVote.populateTransaction(disputeId, ballot.vote, ballot.salt));
  }

  /** The stored ballot that matches the commitment on-chain (final first, then a pending one). */
  private async storedBallot(disputeId: bigint, round: bigint, juror: string): Promise<StoredBallot> {
    const arbitrator = await this.disputes.getAddress();
    const key = ballotKey(this.ctx.chainId, arbitrator, disputeId, round, juror);
    const onChain = await this.committedHash(disputeId, round, juror);
    if (onChain === undefined) throw new CorpusSaltNotFoundError(`${key} (no commit on-chain)`);
    const candidates = [await this.ctx.saltStore.get(key), await this.ctx.saltStore.get(pendingKey(key, onChain))];
    const match = candidates.find((b) => b !== undefined && b.commitment === onChain);
    if (match === undefined) throw new CorpusSaltNotFoundError(key);
    return match;
  }

  /** The commitment the juror sent in a round, from its `VoteCommitted` event (the last one). */
  private async committedHash(disputeId: bigint, round: bigint, juror: string): Promise<string | undefined> {
    const disputes = this.disputes;
    const events = await queryEvents(
      disputes,
      disputes.filters.VoteCommitted(disputeId, round, juror),
      { fromBlock: this.ctx.deployment.startBlock },
      this.ctx.provider,
    );
    return events.at(-1)?.args.commitment;
  }

  /**
   * Appeals the current ruling as the losing party: approves exactly the appeal cost in CRP (after a
   * simulation shows the arbitrator would take the appeal: phase and side), then appeals.
   */
  async appeal(disputeId: bigint): Promise<TransactionReceipt> {
    const signer = requireSigner(this.ctx, "disputes.appeal");
    const disputes = this.disputes;
    const cost = await read(() => disputes.appealCost(disputeId));
    await prepareFunding(
      this.ctx,
      signer,
      this.ctx.deployment.contracts.CorpusToken,
      await disputes.getAddress(),
      cost,
      () => disputes.appeal.staticCall(disputeId),
      "approve",
    );
    return transact(this.ctx, () => disputes.appeal.populateTransaction(disputeId));
  }

  /** Delivers the final ruling to the arbitrable (anyone may, once the last appeal period is over). */
  async executeRuling(disputeId: bigint): Promise<TransactionReceipt> {
    requireSigner(this.ctx, "disputes.executeRuling");
    return transact(this.ctx, () => this.disputes.executeRuling.populateTransaction(disputeId));
  }

  /** Pays and slashes a round's jurors (anyone may, once the ruling is final). */
  async settleRound(disputeId: bigint, round: bigint): Promise<TransactionReceipt> {
    requireSigner(this.ctx, "disputes.settleRound");
    return transact(this.ctx, () => this.disputes.settleRound.populateTransaction(disputeId, round));
  }

  /** What `account` can withdraw from the arbitrator (juror rewards, refunds). */
  async balanceOf(account: string): Promise<bigint> {
    return read(() => this.disputes.balanceOf(account));
  }

  /** Withdraws the signer's balance. */
  async withdraw(): Promise<TransactionReceipt> {
    requireSigner(this.ctx, "disputes.withdraw");
    return transact(this.ctx, () => this.disputes.withdraw.populateTransaction());
  }
}
