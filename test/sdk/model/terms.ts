/**
 * The protocol's terms as the model of the SDK model-based test uses them: the governed parameters (read
 * once from the deployment), who plays, the ruling values and the arithmetic every rule shares.
 */

export const BPS = 10_000n;
/** Rulings of the task registry: 1 accepts the work (favours the worker), 2 rejects it (favours the requester). */
export const ACCEPT = 1n;
export const REJECT = 2n;
/** Appeals a dispute may have; the last round has no appeal period. */
export const MAX_APPEALS = 3;
/** Blocks a seed can be drawn with after its block (the reach of BLOCKHASH). */
export const SEED_LIFETIME = 256;
export const WEI_PER_CRP = 10n ** 18n;

/** The governed parameters. */
export interface Parameters {
  tasks: {
    protocolFeeBps: bigint;
    validatorFeeBps: bigint;
    reviewStake: bigint;
    livenessPenalty: bigint;
    disputeWindow: bigint;
  };
  disputes: {
    feePerJuror: bigint;
    jurySize: number;
    jurorLock: bigint;
    evidencePeriod: bigint;
    commitPeriod: bigint;
    revealPeriod: bigint;
    appealPeriod: bigint;
    nonRevealSlashBps: bigint;
    incoherentSlashBps: bigint;
  };
  staking: { minimumStake: bigint; unbondingPeriod: bigint; slashRewardBps: bigint };
  data: { protocolFeeBps: bigint };
}

/** Who plays: one requester (also the data owner), two workers, a licensee, the validators, the treasury. */
export interface Cast {
  requester: string;
  workers: string[];
  licensee: string;
  validators: string[];
  treasury: string;
}

/** `bps` basis points of `amount`, rounded down: every fee and share of the protocol. */
export const feeOf = (amount: bigint, bps: bigint) => (amount * bps) / BPS;
export const min = (a: bigint, b: bigint) => (a < b ? a : b);
export const max = (a: bigint, b: bigint) => (a > b ? a : b);

/** Adds `amount` to `key`'s entry (a balance, a count). */
export function add(map: Map<string, bigint>, key: string, amount: bigint) {
  if (amount !== 0n) map.set(key, (map.get(key) ?? 0n) + amount);
}

/** Takes `key`'s whole balance out of `map`. */
export function takeAll(map: Map<string, bigint>, key: string): bigint {
  const amount = map.get(key) ?? 0n;
  map.delete(key);
  return amount;
}

/** Seats set in a panel bitmask. */
export function popCount(mask: number): number {
  let n = 0;
  for (let m = mask; m !== 0; m &= m - 1) n++;
  return n;
}
