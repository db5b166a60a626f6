/**
 * Where a juror's vote and salt live between commit and reveal. A lost salt is a vote that cannot be
 * revealed, and an unrevealed vote is slashed, so the SDK writes the salt here *before* it sends the
 * commit: a crash after sending can always be recovered from the store.
 */
export interface StoredBallot {
  readonly vote: bigint;
  /** 32 random bytes, hex. */
  readonly salt: string;
  /** The commitment sent on-chain, to check a ballot against what the contract holds. */
  readonly commitment: string;
}

/** Persists ballots by key. Implementations must not resolve `put` before the ballot is durable. */
export interface SaltStore {
  put(key: string, ballot: StoredBallot): Promise<void>;
  get(key: string): Promise<StoredBallot | undefined>;
  delete(key: string): Promise<void>;
}

/**
 * Keeps ballots in memory: enough for tests and for a page that reveals before it is closed. A server or
 * daemon should use a durable store (`FileSaltStore` from `@corpus-protocol/sdk/node`).
 */
export class MemorySaltStore implements SaltStore {
  private readonly ballots = new Map<string, StoredBallot>();

  async put(key: string, ballot: StoredBallot): Promise<void> {
    this.ballots.set(key, ballot);
  }

  async get(key: string): Promise<StoredBallot | undefined> {
    return this.ballots.get(key);
  }

  async delete(key: string): Promise<void> {
    this.ballots.delete(key);
  }
}

/** The key a ballot is stored under: unique per chain, arbitrator, dispute, round and juror. */
export function ballotKey(
  chainId: bigint,
  arbitrator: string,
  disputeId: bigint,
  round: bigint,
  juror: string,
): string {
  return `${chainId}:${arbitrator.toLowerCase()}:${disputeId}:${round}:${juror.toLowerCase()}`;
}
