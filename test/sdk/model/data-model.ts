import type { TaskState } from "./registry-model";
import { type Cast, type Parameters, add, feeOf, max, takeAll } from "./terms";

export interface LicenceOffer {
  price: bigint;
  duration: bigint;
}

export interface DataTokenState {
  id: bigint;
  owner: string;
  tasks: TaskState[];
  /** contributor => units (its accepted submissions across the linked tasks). */
  units: Map<string, bigint>;
  totalUnits: bigint;
  contributorShareBps: bigint;
  offer: LicenceOffer;
  perUnit: bigint;
  /** Wei of the contributors' share its units could not divide yet. */
  carry: bigint;
  /** contributor => revenue per unit at its last claim. */
  checkpoints: Map<string, bigint>;
  /** licensee => when its licence ends. */
  expiries: Map<string, bigint>;
}

/** Data NFTs: tokens minted from finished tasks, licence sales, contributor pools and owner revenue. */
export class DataModel {
  readonly tokens: DataTokenState[] = [];
  /** account => withdrawable revenue (owners and the treasury). */
  readonly revenue = new Map<string, bigint>();

  constructor(
    private readonly params: Parameters["data"],
    private readonly cast: Cast,
  ) {}

  /** Finished by `t` (no submission can come any more, nothing pending) and not minted yet. */
  mintable(task: TaskState, t: bigint): boolean {
    const closed = task.cancelled || t > task.deadline || task.accepted === task.slots;
    return closed && task.pending === 0n && task.mintedAs === undefined;
  }

  /** The requester mints `tasks` into a token: a unit per accepted submission, to its worker. */
  mint(tasks: TaskState[], contributorShareBps: bigint, offer: LicenceOffer): DataTokenState {
    const token: DataTokenState = {
      id: BigInt(this.tokens.length + 1),
      owner: this.cast.requester,
      tasks,
      units: new Map(),
      totalUnits: 0n,
      contributorShareBps,
      offer,
      perUnit: 0n,
      carry: 0n,
      checkpoints: new Map(),
      expiries: new Map(),
    };
    for (const task of tasks) {
      task.mintedAs = token.id;
      token.totalUnits += task.accepted;
      for (const [worker, units] of task.acceptedBy) add(token.units, worker, units);
    }
    this.tokens.push(token);
    return token;
  }

  /**
   * A licence sale at `t`: extends the licence from its expiry (or from now), and splits the price into the
   * protocol fee, the contributors' pool (whole wei per unit, the remainder carried to the next sale) and
   * the owner's rest. Returns the new expiry.
   */
  buyLicence(token: DataTokenState, licensee: string, t: bigint): bigint {
    const expiresAt = max(token.expiries.get(licensee) ?? 0n, t) + token.offer.duration;
    token.expiries.set(licensee, expiresAt);
    const price = token.offer.price;
    const protocolFee = feeOf(price, this.params.protocolFeeBps);
    const contributors = feeOf(price, token.contributorShareBps);
    const pooled = contributors + token.carry;
    const perUnit = pooled / token.totalUnits;
    token.perUnit += perUnit;
    token.carry = pooled - perUnit * token.totalUnits;
    add(this.revenue, this.cast.treasury, protocolFee);
    add(this.revenue, token.owner, price - protocolFee - contributors);
    return expiresAt;
  }

  claimable(token: DataTokenState, contributor: string): bigint {
    const units = token.units.get(contributor) ?? 0n;
    return units * (token.perUnit - (token.checkpoints.get(contributor) ?? 0n));
  }

  /** Claims `contributor`'s revenue from every token; returns the total. */
  claimAll(contributor: string): bigint {
    let total = 0n;
    for (const token of this.tokens) {
      const amount = this.claimable(token, contributor);
      if (amount === 0n) continue;
      total += amount;
      token.checkpoints.set(contributor, token.perUnit);
    }
    return total;
  }

  withdraw(account: string): bigint {
    return takeAll(this.revenue, account);
  }

  /** What the Data NFT must hold: revenue balances, what the pools still owe their contributors, the carries. */
  holds(): bigint {
    let held = 0n;
    for (const balance of this.revenue.values()) held += balance;
    for (const token of this.tokens) {
      held += token.carry;
      for (const contributor of token.units.keys()) held += this.claimable(token, contributor);
    }
    return held;
  }
}
